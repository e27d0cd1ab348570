# AH (RFC 4302) against the kernel's own AH: kipsec in kt-a, XFRM (ah4,
# ah6, configured with ip xfrm) in kt-b, every algorithm, transport and
# tunnel mode, IPv4 and IPv6 (and across families in tunnel mode), ESN on
# some cases. Traffic both ways: pings (small, large enough to fragment,
# IPv4 with the record-route option), UDP datagrams with IPv4 options
# (router alert, record route) and IPv6 extension headers (hop-by-hop and
# destination options, with options whose "may change" bit is set), and a
# TCP transfer whose content is compared. Then the counters of both ends
# must agree and show no drop, and a capture on kt-b's device (before XFRM
# sees the packets) must hold AH packets only.

ah_alg() {	# ALG: $ah_words (ip xfrm words) for a fresh key
	case $1 in
	sha1) ah_words=(auth sha1 "$(hexkey 20)") ;;
	sha256) ah_words=(auth-trunc 'hmac(sha256)' "$(hexkey 32)" 128) ;;
	sha256-96) ah_words=(auth 'hmac(sha256)' "$(hexkey 32)") ;;
	sha384) ah_words=(auth-trunc 'hmac(sha384)' "$(hexkey 48)" 192) ;;
	sha512) ah_words=(auth-trunc 'hmac(sha512)' "$(hexkey 64)" 256) ;;
	xcbc) ah_words=(auth 'xcbc(aes)' "$(hexkey 16)") ;;
	cmac) ah_words=(auth-trunc 'cmac(aes)' "$(hexkey 16)" 96) ;;
	*) fail "unknown AH algorithm $1" ;;
	esac
}

# ah_pair NS TOOL MODE SRC DST OSRC ODST SPI_OUT SPI_IN EXTRA -- OUTWORDS -- INWORDS
# The SA pair and policies of one end. SRC/DST are the traffic's
# addresses, OSRC/ODST the SA endpoints.
ah_pair() {
	local ns=$1 tool=$2 mode=$3 s=$4 d=$5 os=$6 od=$7 so=$8 si=$9
	shift 9
	local extra=() ow=() iw=()
	while [[ $1 != -- ]]; do extra+=("$1"); shift; done
	shift
	while [[ $1 != -- ]]; do ow+=("$1"); shift; done
	shift
	iw=("$@")
	local fam=()
	if [[ $s == *:* && $os != *:* || $s != *:* && $os == *:* ]]; then
		fam=(flag af-unspec)
	fi
	nsx "$ns" $tool state add src "$os" dst "$od" proto ah spi "$so" \
		reqid 7 mode "$mode" "${extra[@]}" "${fam[@]}" "${ow[@]}"
	nsx "$ns" $tool state add src "$od" dst "$os" proto ah spi "$si" \
		reqid 7 mode "$mode" "${extra[@]}" "${fam[@]}" "${iw[@]}"
	nsx "$ns" $tool policy add src "$s" dst "$d" dir out \
		tmpl src "$os" dst "$od" proto ah reqid 7 mode "$mode"
	nsx "$ns" $tool policy add src "$d" dst "$s" dir in \
		tmpl src "$od" dst "$os" proto ah reqid 7 mode "$mode"
}

# UDP datagrams with IP options / IPv6 extension headers from NS to DST;
# each must arrive at a receiver in the other namespace (checked by the
# caller through the counters) - here: send COUNT datagrams with options.
ah_udp_opts() {
	local ns=$1 src=$2 dst=$3 peer=$4
	nsx "$peer" python3 - "$dst" "$src" <<-'EOF' &
		import socket, sys
		dst, src = sys.argv[1], sys.argv[2]
		fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
		s = socket.socket(fam, socket.SOCK_DGRAM)
		s.bind((dst, 7777))
		open("/tmp/ah-udp-ready", "w").close()
		s.settimeout(20)
		got = set()
		try:
		    while len(got) < 4:
		        data, addr = s.recvfrom(4096)
		        got.add(data)
		except socket.timeout:
		    pass
		open("/tmp/ah-udp-" + dst.replace(":", "_"), "w").write(
		    "%d %s" % (len(got), b",".join(sorted(got)).decode()))
	EOF
	local rx=$! i
	for ((i = 0; i < 300; i++)); do
		[[ -e /tmp/ah-udp-ready ]] && break
		sleep 0.1
	done
	rm -f /tmp/ah-udp-ready
	nsx "$ns" python3 - "$src" "$dst" <<-'EOF'
		import socket, struct, sys
		src, dst = sys.argv[1], sys.argv[2]
		if ":" in dst:
		    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
		    s.bind((src, 0))
		    # Hop-by-hop: router alert (immutable) and an experimental
		    # option with the "may change" bit (0x3e: act 00, chg 1).
		    # PadN to 16 bytes; the length byte counts 8 bytes after 8.
		    hbh = bytes([0, 1, 5, 2, 0, 0, 0x3e, 2, 0xaa, 0xbb, 1, 4, 0, 0, 0, 0])
		    dst_opt = bytes([0, 0, 0x1e, 4, 1, 2, 3, 4])   # immutable
		    dst2 = bytes([0, 0, 0x3e, 4, 9, 9, 9, 9])      # may change
		    cases = [[(socket.IPPROTO_IPV6, 54, hbh)],     # IPV6_HOPOPTS
		             [(socket.IPPROTO_IPV6, 59, dst_opt)], # IPV6_DSTOPTS
		             [(socket.IPPROTO_IPV6, 59, dst2)],
		             [(socket.IPPROTO_IPV6, 54, hbh), (socket.IPPROTO_IPV6, 59, dst_opt)]]
		    for i, anc in enumerate(cases):
		        s.sendmsg([b"kipsec-ah-v6-%d" % i], anc, 0, (dst, 7777))
		else:
		    for i, opt in enumerate([bytes([148, 4, 0, 0]),             # RA
		                             bytes([7, 11, 4] + [0] * 8 + [1]),  # RR
		                             bytes([148, 4, 0, 0, 7, 7, 4, 0, 0, 0, 0, 0]),
		                             bytes([1, 1, 1, 0])]):              # NOPs
		        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		        s.bind((src, 0))
		        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, opt)
		        s.sendto(b"kipsec-ah-v4-%d" % i, (dst, 7777))
	EOF
	wait "$rx" || true
	local n
	n=$(cat "/tmp/ah-udp-${dst//:/_}" 2>/dev/null || echo 0)
	[[ $n == 4\ * ]] || fail "UDP with options $src -> $dst: of 4 datagrams, arrived: $n"
}

# TCP transfer from NS (SRC) to PEER (DST), content compared.
ah_tcp() {
	local ns=$1 src=$2 dst=$3 peer=$4 f=/tmp/ah-tcp-data
	[[ -s $f ]] || head -c 200000 /dev/urandom >"$f"
	nsx "$peer" python3 - "$dst" <<-'EOF' &
		import hashlib, socket, sys
		dst = sys.argv[1]
		fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
		s = socket.socket(fam, socket.SOCK_STREAM)
		s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
		s.bind((dst, 7778)); s.listen(1); s.settimeout(30)
		c, _ = s.accept(); c.settimeout(30)
		h = hashlib.sha256()
		while True:
		    b = c.recv(65536)
		    if not b:
		        break
		    h.update(b)
		open("/tmp/ah-tcp-rx", "w").write(h.hexdigest())
	EOF
	local rx=$!
	sleep 1
	nsx "$ns" python3 - "$dst" "$f" <<-'EOF'
		import socket, sys
		dst, f = sys.argv[1], sys.argv[2]
		fam = socket.AF_INET6 if ":" in dst else socket.AF_INET
		import time
		for i in range(60):	# the receiver starts slowly under TCG
		    try:
		        s = socket.create_connection((dst, 7778), timeout=30)
		        break
		    except ConnectionRefusedError:
		        time.sleep(0.5)
		else:
		    sys.exit("cannot connect to %s" % dst)
		s.sendall(open(f, "rb").read())
		s.close()
	EOF
	wait "$rx" || fail "TCP receiver $dst failed"
	[[ $(cat /tmp/ah-tcp-rx) == $(sha256sum <"$f" | cut -d' ' -f1) ]] ||
		fail "TCP content $src -> $dst differs"
	rm -f /tmp/ah-tcp-rx
}

# ah_case ALG MODE INNER OUTER [esn]
ah_case() {
	local alg=$1 mode=$2 inner=$3 outer=$4 esn=${5:-}
	load_module
	modprobe -a ah4 ah6 xfrm_user
	two_hosts
	local oa=10.0.0.1 ob=10.0.0.2
	[[ $outer == 6 ]] && oa=fd00::1 ob=fd00::2
	local a=$oa b=$ob
	if [[ $mode == tunnel ]]; then
		a=10.9.0.1 b=10.9.0.2
		[[ $inner == 6 ]] && a=fd09::1 b=fd09::2
		local p=32
		[[ $inner == 6 ]] && p=128
		nsx kt-a ip addr add "$a/$p" dev lo
		nsx kt-b ip addr add "$b/$p" dev lo
		nsx kt-a ip route add "$b/$p" dev va src "$a"
		nsx kt-b ip route add "$a/$p" dev vb src "$b"
	fi
	local extra=(replay-window 64)
	if [[ $esn == esn ]]; then
		extra+=(flag esn replay-seq $((0xffffffff - 20))
			replay-oseq $((0xffffffff - 20)))
	fi
	local xextra=("${extra[@]}")
	# XFRM pads IPv4 AH to 64 bits unless align4; kipsec sends 32 (RFC).
	[[ $outer == 4 ]] && xextra+=(flag align4)
	ah_alg "$alg"
	local k_ab=("${ah_words[@]}")
	ah_alg "$alg"
	local k_ba=("${ah_words[@]}")
	ah_pair kt-a kipsec "$mode" "$a" "$b" "$oa" "$ob" 0x5001 0x5002 \
		"${extra[@]}" -- "${k_ab[@]}" -- "${k_ba[@]}"
	ah_pair kt-b "ip xfrm" "$mode" "$b" "$a" "$ob" "$oa" 0x5002 0x5001 \
		"${xextra[@]}" -- "${k_ba[@]}" -- "${k_ab[@]}"

	# What each end sends (-Q out: a device also shows the packets its
	# end decapsulated, as received). Not through nsx: $! must be
	# tcpdump itself (a background subshell would ignore the signal).
	ip netns exec kt-a tcpdump -Q out -i va -U -n -w /tmp/ah-a.pcap 2>/dev/null &
	local cap=$!
	ip netns exec kt-b tcpdump -Q out -i vb -U -n -w /tmp/ah-b.pcap 2>/dev/null &
	local capb=$!
	sleep 1
	local big=3000 rr=()
	[[ $inner == 4 ]] && rr=(-R)
	nsx kt-a ping -c 2 -i 0.2 -W 3 -I "$a" "$b" >/dev/null ||
		fail "ping $a -> $b"
	nsx kt-b ping -c 2 -i 0.2 -W 3 -I "$b" "$a" >/dev/null ||
		fail "ping $b -> $a"
	nsx kt-a ping -c 2 -i 0.2 -W 3 -s $big -I "$a" "$b" >/dev/null ||
		fail "large ping $a -> $b"
	if ((${#rr[@]})); then
		nsx kt-a ping "${rr[@]}" -c 2 -i 0.2 -W 3 -I "$a" "$b" >/dev/null ||
			fail "ping -R $a -> $b"
	fi
	ah_udp_opts kt-a "$a" "$b" kt-b
	ah_udp_opts kt-b "$b" "$a" kt-a
	ah_tcp kt-a "$a" "$b" kt-b
	ah_tcp kt-b "$b" "$a" kt-a
	sleep 0.5
	kill -TERM "$cap" "$capb"
	wait "$cap" "$capb" || true

	# Nothing but AH between the two (and ARP/ND), either way.
	local other f n_ah
	for f in /tmp/ah-a.pcap /tmp/ah-b.pcap; do
		other=$(tcpdump -n -r $f 2>/dev/null |
			grep -v -e ' AH(' -e 'ARP' -e 'ICMP6, neighbor' \
				-e 'ICMP6, router' -e 'frag (' -e ' ip-proto-51$' |
			head -3 || true)
		[[ -z $other ]] || fail "not AH on the wire: $other"
		n_ah=$(tcpdump -n -r $f 2>/dev/null | grep -c ' AH(' || true)
		((n_ah > 50)) || fail "only $n_ah AH packets sent ($f)"
	done

	# Counters: kipsec's SAs carried packets and dropped none; XFRM's
	# statistics show no error.
	local out
	out=$(kipsec -n kt-a -s state list)
	[[ $out == *"proto ah"* ]] || fail "no AH SA listed: $out"
	local st
	st=$(kipsec -n kt-a stats)
	if grep -E '^(In|Out)[A-Za-z]+ +[1-9]' <<<"$st" | grep -v PassThrough; then
		fail "kipsec counted drops"
	fi
	local xs
	xs=$(nsx kt-b cat /proc/net/xfrm_stat | awk '$2 != 0')
	[[ -z $xs ]] || fail "XFRM errors: $xs"
	local pa pb
	pa=$(sa_packets kt-a dst "$ob" proto ah spi 0x5001)
	pb=$(sa_packets kt-a dst "$oa" proto ah spi 0x5002)
	((pa > 50 && pb > 50)) || fail "kipsec SA packets: out $pa in $pb"
	kernel_log_clean
}

t_sha1_transport4() { ah_case sha1 transport 4 4; }
t_sha256_transport4() { ah_case sha256 transport 4 4; }
t_sha256_transport6() { ah_case sha256 transport 6 6; }
t_sha384_tunnel4() { ah_case sha384 tunnel 4 4; }
t_sha512_tunnel6() { ah_case sha512 tunnel 6 6 esn; }
t_xcbc_tunnel4in6() { ah_case xcbc tunnel 4 6; }
t_cmac_tunnel6in4() { ah_case cmac tunnel 6 4 esn; }
t_sha256_96_transport4_esn() { ah_case sha256-96 transport 4 4 esn; }
