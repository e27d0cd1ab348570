# AH (RFC 4302) against the kernel's own AH: kipsec in kt-a, XFRM (ah4,
# ah6, configured with ip xfrm) in kt-b. Every algorithm in transport and
# tunnel mode over IPv4 and IPv6, and tunnels across families, ESN on some
# of them; IPv4 AH padded to 64 bits (the default) for some algorithms and
# to 32 (flag align4 on both ends) for HMAC-SHA-256 and SHA-512, whose
# headers the two differ for. To keep the boots few, one test per algorithm installs every
# mode x family at once, each on its own pair of addresses:
#
#   tr4  10.0.0.1 <-> 10.0.0.2                 transport
#   tr6  fd00::1 <-> fd00::2                   transport
#   tun4 10.9.0.1 <-> 10.9.0.2 over 10.0.0.11 <-> 10.0.0.12
#   tun6 fd09::1 <-> fd09::2 over fd00::11 <-> fd00::12
#   tun4in6 10.8.0.1 <-> 10.8.0.2 over fd00::21 <-> fd00::22
#   tun6in4 fd08::1 <-> fd08::2 over 10.0.0.21 <-> 10.0.0.22
#
# Traffic both ways on each: pings (small; large enough to fragment; IPv4
# with record route), UDP datagrams with IPv4 options (router alert, record
# route) and IPv6 extension headers (hop-by-hop and destination options,
# with and without the "may change" bit), and a TCP transfer whose content
# is compared (tests/lib/ahtraffic.py). Then: what each end sent (captured
# on its own device, outbound only) is AH and nothing else; every kipsec SA
# carried packets; kipsec and XFRM count no error; the kernel log is clean.

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

# The combinations: NAME MODE A B OA OB (kt-a's and kt-b's traffic
# addresses, then SA endpoints).
AH_COMBOS=(
	"tr4 transport 10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.2"
	"tr6 transport fd00::1 fd00::2 fd00::1 fd00::2"
	"tun4 tunnel 10.9.0.1 10.9.0.2 10.0.0.11 10.0.0.12"
	"tun6 tunnel fd09::1 fd09::2 fd00::11 fd00::12"
	"tun4in6 tunnel 10.8.0.1 10.8.0.2 fd00::21 fd00::22"
	"tun6in4 tunnel fd08::1 fd08::2 10.0.0.21 10.0.0.22"
)

# ah_test ALG ESN_COMBOS COMBO...: one boot's worth of AH for ALG; the
# combos named in ESN_COMBOS (comma-separated) use ESN with sequence
# numbers starting just below 2^32. With ah_align4=1, every SA of both
# ends has "flag align4" (IPv4 AH padded to 32 bits, not 64).  With KIPSEC_AH_ESN_ONLY=1 (make
# check-debug's forced-async boot, to fit its 90 minutes: AH through cryptd
# on the debug kernel takes about four minutes per algorithm), every
# algorithm but HMAC-SHA-256 runs its ESN combos only: each algorithm's
# transform still goes through cryptd, one of them in every combination.
ah_test() {
	local alg=$1 esn_combos=,$2, c name mode a b oa ob p f i=0
	shift 2
	if [[ ${KIPSEC_AH_ESN_ONLY:-} == 1 && $alg != sha256 ]]; then
		local only
		IFS=, read -ra only <<<"${esn_combos#,}"
		set -- "${only[@]}"
	fi
	load_module
	modprobe -a ah4 ah6 xfrm_user
	two_hosts
	local mac_a mac_b
	mac_a=$(nsx kt-a cat /sys/class/net/va/address)
	mac_b=$(nsx kt-b cat /sys/class/net/vb/address)
	local pairs=() spis=()
	for c in "${AH_COMBOS[@]}"; do
		read -r name mode a b oa ob <<<"$c"
		[[ " $* " == *" $name "* ]] || continue
		i=$((i + 1))
		# Endpoint addresses besides .1/.2, static neighbours (no ND
		# or ARP through the policies), host routes for tunnel traffic.
		p=24
		[[ $oa == *:* ]] && p=64
		if [[ $oa != 10.0.0.1 && $oa != fd00::1 ]]; then
			nsx kt-a ip addr add "$oa/$p" dev va nodad 2>/dev/null ||
				nsx kt-a ip addr add "$oa/$p" dev va
			nsx kt-b ip addr add "$ob/$p" dev vb nodad 2>/dev/null ||
				nsx kt-b ip addr add "$ob/$p" dev vb
		fi
		nsx kt-a ip neigh replace "$ob" lladdr "$mac_b" dev va nud permanent
		nsx kt-b ip neigh replace "$oa" lladdr "$mac_a" dev vb nud permanent
		if [[ $mode == tunnel ]]; then
			p=32 f=()
			# nodad: not tentative when the routes below name it.
			[[ $a == *:* ]] && p=128 f=(nodad)
			nsx kt-a ip addr add "$a/$p" dev lo "${f[@]}"
			nsx kt-b ip addr add "$b/$p" dev lo "${f[@]}"
			nsx kt-a ip route add "$b/$p" dev va src "$a"
			nsx kt-b ip route add "$a/$p" dev vb src "$b"
		fi
		local extra=(replay-window 64)
		if [[ $esn_combos == *",$name,"* ]]; then
			extra+=(flag esn replay-seq $((0xffffffff - 20))
				replay-oseq $((0xffffffff - 20)))
		fi
		# IPv4 AH padded to 32 bits on both ends, or to 64 (both
		# implementations' default): XFRM takes only its own length.
		[[ -n ${ah_align4:-} ]] && extra+=(flag align4)
		local xextra=("${extra[@]}")
		ah_alg "$alg"
		local k_ab=("${ah_words[@]}")
		ah_alg "$alg"
		local k_ba=("${ah_words[@]}")
		local so=$((0x5000 + 2 * i)) si=$((0x5001 + 2 * i))
		# Traffic addresses are host routes, so that only that traffic
		# matches; each direction has its own key.
		local fam=
		if [[ $a == *:* && $oa != *:* || $a != *:* && $oa == *:* ]]; then
			fam="flag af-unspec"
		fi
		sa_pair kt-a proto=ah mode="$mode" reqid=$so src="$a" dst="$b" \
			osrc="$oa" odst="$ob" spi=$so/$si both="${extra[*]} $fam" \
			out="${k_ab[*]}" in="${k_ba[*]}"
		sa_pair kt-b tool="ip xfrm" proto=ah mode="$mode" reqid=$si \
			src="$b" dst="$a" osrc="$ob" odst="$oa" spi=$si/$so \
			both="${xextra[*]} $fam" out="${k_ba[*]}" in="${k_ab[*]}"
		pairs+=("$a,$b")
		spis+=("$name $ob $so $oa $si")
	done
	((i > 0)) || fail "no combination selected"

	# What each end sends (-Q out: a device also shows the packets its
	# end decapsulated, as received). Not through nsx: $! must be
	# tcpdump itself (a background subshell would ignore the signal).
	# The previous test's messages go first: the redirections below are
	# made in the background, maybe after the loop has read the files.
	# --immediate-mode: libpcap hands over packets as they come, not in
	# blocks passed on when a second old, which a TERM would lose.
	: >/tmp/ah-a.err
	: >/tmp/ah-b.err
	ip netns exec kt-a tcpdump --immediate-mode -Q out -i va -U -n -w /tmp/ah-a.pcap 2>/tmp/ah-a.err &
	local cap=$!
	ip netns exec kt-b tcpdump --immediate-mode -Q out -i vb -U -n -w /tmp/ah-b.pcap 2>/tmp/ah-b.err &
	local capb=$!
	for ((i = 0; i < 100; i++)); do
		grep -q listening /tmp/ah-a.err && grep -q listening /tmp/ah-b.err && break
		sleep 0.1
	done

	for c in "${pairs[@]}"; do
		a=${c%,*} b=${c#*,}
		nsx kt-a ping -c 2 -i 0.2 -W 3 -I "$a" "$b" >/dev/null ||
			fail "ping $a -> $b"
		nsx kt-b ping -c 2 -i 0.2 -W 3 -I "$b" "$a" >/dev/null ||
			fail "ping $b -> $a"
		nsx kt-a ping -c 2 -i 0.2 -W 3 -s 3000 -I "$a" "$b" >/dev/null ||
			fail "large ping $a -> $b"
		if [[ $a != *:* ]]; then
			nsx kt-b ping -R -c 2 -i 0.2 -W 3 -I "$b" "$a" >/dev/null ||
				fail "ping -R $b -> $a"
		fi
	done
	local out
	out=$(python3 "$(dirname "${BASH_SOURCE[0]}")/../lib/ahtraffic.py" kt-a kt-b "${pairs[@]}") ||
		fail "traffic: $(tr '\n' ';' <<<"$out")"
	sleep 1
	kill -TERM "$cap" "$capb"
	wait "$cap" "$capb" || true

	# Nothing but AH, either way (IPv4 non-first fragments show as
	# ip-proto-51, IPv6 ones as "frag"), besides link-local multicast
	# (router solicitations, which no policy covers).
	local other f n_ah
	for f in /tmp/ah-a.pcap /tmp/ah-b.pcap; do
		other=$(tcpdump -n -r $f 2>/dev/null |
			grep -v -e ' AH(' -e ' ip-proto-51$' -e 'frag (' \
				-e ' > ff02::[0-9a-f:]*: ' | head -3 || true)
		[[ -z $other ]] || fail "not AH on the wire: $other"
		n_ah=$(tcpdump -n -r $f 2>/dev/null | grep -c ' AH(' || true)
		((n_ah > 40 * ${#pairs[@]})) || fail "only $n_ah AH packets sent ($f)"
	done

	# Counters: each kipsec SA carried packets; nobody counted an error
	# (InPassThrough and InFragReasm count packets that went through).
	local sp pa pb st xs
	for sp in "${spis[@]}"; do
		read -r name ob so oa si <<<"$sp"
		pa=$(sa_packets kt-a dst "$ob" proto ah spi "$so")
		pb=$(sa_packets kt-a dst "$oa" proto ah spi "$si")
		((pa > 40 && pb > 40)) || fail "$name: kipsec SA packets: out $pa in $pb"
	done
	st=$(kipsec -n kt-a stats | grep -E '^(In|Out|No)[A-Za-z]+ +[1-9]' |
		grep -v -e PassThrough -e InFragReasm || true)
	[[ -z $st ]] || fail "kipsec counted drops: $(tr '\n' ' ' <<<"$st")"
	xs=$(nsx kt-b cat /proc/net/xfrm_stat | awk '$2 != 0')
	[[ -z $xs ]] || fail "XFRM counted errors: $(tr '\n' ' ' <<<"$xs")"
	kernel_log_clean
}

t_hmac_sha1() { ah_test sha1 tun6 tr4 tr6 tun4 tun6; }
t_hmac_sha256_96() { ah_test sha256-96 tr4 tr4 tun6in4; }
t_hmac_sha256() { ah_align4=1 ah_test sha256 tr6,tun4in6 tr4 tr6 tun4 tun6 tun4in6; }
t_hmac_sha384() { ah_test sha384 tun4 tr4 tr6 tun4 tun6; }
t_hmac_sha512() { ah_align4=1 ah_test sha512 tr4,tun6in4 tr4 tr6 tun4 tun6 tun6in4; }
t_xcbc_aes() { ah_test xcbc tun6 tr4 tr6 tun4 tun6 tun4in6; }
t_cmac_aes() { ah_test cmac tr6 tr4 tr6 tun4 tun6 tun6in4; }
