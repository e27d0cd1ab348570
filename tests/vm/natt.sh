# NAT traversal: ESP in UDP (RFC 3948). kipsec in kt-a with its
# encapsulation socket on port 4500 (kipsec config set encap-port 4500),
# the kernel's XFRM in kt-b with an ESP-in-UDP socket (UDP_ENCAP 100,
# UDP_ENCAP_ESPINUDP 2) on 4500, as an IKE daemon holds it. Ping and TCP
# both ways, transport and tunnel, IPv4 and IPv6, first on one link, then
# with kt-a behind a NAT (kt-n, SNAT of kt-a's 4500 to the fixed port
# 31000, so XFRM's SAs send to the mapped port). Then keepalives, the
# non-ESP marker, a taken port, and what the wire carries.

# xfrm_encap_sock NS: a process in NS holding UDP sockets on port 4500
# (IPv4 and IPv6) with ESP-in-UDP encapsulation, as charon's; its pid in
# $encap_pid, killed when the test ends.
xfrm_encap_sock() {
	# XFRM checks its policies before encap_rcv (udp_queue_rcv_one_skb,
	# udpv6_queue_rcv_one_skb): as charon does, each socket has a policy
	# of its own that lets everything through (IP_XFRM_POLICY 17,
	# IPV6_XFRM_POLICY 35: struct xfrm_userpolicy_info, action allow,
	# no template), both directions, which the SPD's do not override.
	nsx "$1" python3 -c '
import socket, struct, time
def bypass(s, family, level, opt):
	for d in (0, 1):
		sel = bytearray(56)
		struct.pack_into("<H", sel, 40, family)
		p = bytes(sel) + bytes(96) + struct.pack("<IIBBBB4x", 0, 0, d, 0, 0, 0)
		s.setsockopt(level, opt, p)
s4 = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
bypass(s4, socket.AF_INET, socket.IPPROTO_IP, 17)
s4.setsockopt(socket.SOL_UDP, 100, 2)
s4.bind(("0.0.0.0", 4500))
s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
bypass(s6, socket.AF_INET6, socket.IPPROTO_IPV6, 35)
s6.setsockopt(socket.SOL_UDP, 100, 2)
s6.bind(("::", 4500))
print("ready", flush=True)
time.sleep(900)
' >/tmp/kt-natt-sock.out &
	encap_pid=$!
	trap 'kill $encap_pid 2>/dev/null || true' EXIT
	local i
	for i in $(seq 50); do
		grep -q ready /tmp/kt-natt-sock.out 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the XFRM encapsulation socket did not open"
}

# daemon_sock NS [ADDR4 [encap]]: a process in NS standing for an IKE
# daemon: UDP sockets on port 4500 (IPv4 on ADDR4, any by default, and
# IPv6) handed to kipsec over generic netlink
# (KIPSEC_CMD_ENCAP_SOCK 21, KIPSEC_A_ENCAP_FD 12), as the strongSwan
# plugin's enable_udp_decap does; it prints every datagram it reads
# ("4 HEX" or "6 HEX") to /tmp/kt-daemon.out. Its pid in $daemon_pid.
daemon_sock() {
	nsx "$1" python3 -c '
import select, socket, struct, sys, time
def attr(t, p):
	n = 4 + len(p)
	return struct.pack("=HH", n, t) + p + bytes(-n % 4)
def genl(nl, fam, cmd, attrs, flags):
	p = struct.pack("=BBH", cmd, 1, 0) + attrs
	nl.send(struct.pack("=IHHII", 16 + len(p), fam, flags, 1, 0) + p)
	return nl.recv(65536)
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
nl.bind((0, 0))
r = genl(nl, 0x10, 3, attr(2, b"kipsec\0"), 1)
off, fam = 20, None
while off + 4 <= len(r):
	n, t = struct.unpack_from("=HH", r, off)
	if t == 1:
		fam = struct.unpack_from("=H", r, off + 4)[0]
	off += (n + 3) & ~3
socks = []
for f, a in ((socket.AF_INET, sys.argv[1]), (socket.AF_INET6, "::")):
	s = socket.socket(f, socket.SOCK_DGRAM)
	if f == socket.AF_INET6:
		s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
	s.bind((a, 4500))
	r = genl(nl, fam, 21, attr(12, struct.pack("=I", s.fileno())), 5)
	err = struct.unpack_from("=i", r, 16)[0]
	if err:
		sys.exit("ENCAP_SOCK: %d" % err)
	socks.append((s, 4 if f == socket.AF_INET else 6))
	# With "encap": UDP_ENCAP_ESPINUDP set after the hand-over, as a
	# daemon keying XFRM as well would.
	if sys.argv[2:] == ["encap"]:
		s.setsockopt(17, 100, 2)
print("ready", flush=True)
while True:
	for s, v in socks:
		if s in select.select([x for x, _ in socks], [], [], 900)[0]:
			print(v, s.recv(65536).hex(), flush=True)
' "${2:-0.0.0.0}" ${3:+"$3"} >/tmp/kt-daemon.out 2>&1 &
	daemon_pid=$!
	trap 'kill $daemon_pid ${encap_pid:-} 2>/dev/null || true' EXIT
	local i
	for i in $(seq 50); do
		grep -q ready /tmp/kt-daemon.out 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the daemon socket was not handed over: $(cat /tmp/kt-daemon.out)"
}

# The daemon's socket exempts from the "in" policies only what it
# receives: its port, its family, its address. Bound to 10.0.0.1, cleartext
# UDP to port 4500 of kt-a's other address (10.0.0.5) is judged by a
# policy that wants ESP, and dropped; IKE to 10.0.0.1 reaches the daemon.
t_daemon_socket_address() {
	local p0 p1
	two_hosts
	nsx kt-a ip addr add 10.0.0.5/24 dev va
	daemon_sock kt-a 10.0.0.1
	nsx kt-a kipsec policy add src 10.0.0.2 dst 10.0.0.0/24 proto udp \
		dir in tmpl proto esp mode transport
	p0=$(kstat kt-a in-policy)
	udp_send kt-b 10.0.0.1 4500 "b'\\0\\0\\0\\0' + b'IKE to the bound address'"
	sleep 0.5
	daemon_read "4 00000000$(printf 'IKE to the bound address' | xxd -p)\$" \
		"IKE to the socket's address did not reach the daemon"
	p1=$(kstat kt-a in-policy)
	((p1 == p0)) || fail "IKE to the socket's address was judged: in-policy $p0 -> $p1"
	udp_send kt-b 10.0.0.5 4500 "b'\\0\\0\\0\\0' + b'to another address'"
	sleep 0.5
	p1=$(kstat kt-a in-policy)
	((p1 == p0 + 1)) ||
		fail "cleartext UDP to another address's 4500 was not judged: in-policy $p0 -> $p1"
	kill "$daemon_pid"
	kernel_log_clean
}

# A daemon that sets UDP_ENCAP itself after the hand-over (for XFRM's SAs)
# keeps XFRM's receive when the module goes: ESP in UDP for an SPI nobody
# has is then XFRM's (XfrmInNoStates), not read by the daemon as data.
t_daemon_socket_encap_kept() {
	local n0 n1
	two_hosts
	load_xfrm
	daemon_sock kt-a 0.0.0.0 encap
	unload_module
	n0=$(nsx kt-a awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat)
	udp_send kt-b 10.0.0.1 4500 "b'\\x00\\x00\\x77\\x77' + bytes(28)"
	udp_send kt-b 10.0.0.1 4500 "b'\\0\\0\\0\\0' + b'IKE after unload'"
	sleep 0.5
	daemon_read "4 00000000$(printf 'IKE after unload' | xxd -p)\$" \
		"IKE did not reach the daemon after unload"
	! grep -q '^4 00007777' /tmp/kt-daemon.out ||
		fail "ESP in UDP was read as data: the daemon's UDP_ENCAP was undone at unload"
	n1=$(nsx kt-a awk '$1 == "XfrmInNoStates" { print $2 }' /proc/net/xfrm_stat)
	((n1 == n0 + 1)) || fail "XfrmInNoStates $n0 -> $n1: XFRM did not receive the ESP in UDP"
	kill "$daemon_pid"
	kernel_log_clean
}

# tcp_echo SERVER_NS CLIENT_NS ADDR [SRC]: 100 kB through a TCP echo on
# ADDR from SRC (large enough for GSO and several segments), all back.
tcp_echo() {
	local n pid bind=${4:+,bind=${4/#*:*/[$4]}}
	nsx "$1" socat TCP-LISTEN:5001,reuseaddr,pf=ip$([[ $3 == *:* ]] && echo 6 || echo 4) SYSTEM:cat &
	pid=$!
	listening "$1" 5001
	n=$(head -c 100000 /dev/zero |
		nsx "$2" socat -t 5 - "TCP:${3/#*:*/[$3]}:5001$bind" | wc -c) || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[[ $n == 100000 ]] || fail "TCP $2 -> $1 ($3): echoed ${n:-0} of 100000 bytes"
}

# pings A_NS A_ADDR B_NS B_ADDR: ping both ways (A first: behind a NAT,
# A's packets make the mapping).
pings() {
	nsx "$1" ping -c 3 -i 0.2 -W 2 -I "$2" "$4" >/dev/null ||
		fail "ping $2 -> $4 failed"
	nsx "$3" ping -c 3 -i 0.2 -W 2 -I "$4" "$2" >/dev/null ||
		fail "ping $4 -> $2 failed"
}

# natt_direct MODE FAMILY: kt-a (kipsec) and kt-b (XFRM) on one link.
natt_direct() {
	local mode=$1 fam=$2 oa=10.0.0.1 ob=10.0.0.2 a b n z=0.0.0.0
	[[ $fam == 6 ]] && oa=fd00::1 ob=fd00::2 z=::
	a=$oa b=$ob
	two_hosts
	load_xfrm
	if [[ $mode == tunnel ]]; then
		a=10.9.0.1 b=10.9.0.2
		[[ $fam == 6 ]] && a=fd09::1 b=fd09::2
		inner_addrs "$a" "$b"
	fi
	xfrm_encap_sock kt-b
	nsx kt-a kipsec config set encap-port 4500
	sa_pairs kt-a kt-b tool=kipsec tool_b="ip xfrm" mode="$mode" reqid=1 \
		src="$a" dst="$b" osrc="$oa" odst="$ob" spi=0x1001/0x2002 \
		both="encap espinudp 4500 4500 $z" -- \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	pings kt-a "$a" kt-b "$b"
	tcp_echo kt-b kt-a "$b" "$a"
	tcp_echo kt-a kt-b "$a" "$b"
	n=$(sa_packets kt-a src "$ob" dst "$oa" proto esp spi 0x2002)
	((n >= 6)) || fail "kipsec decrypted ${n:-no} packets in UDP, want >= 6"
	n=$(kstat kt-a in-encap-mismatch)
	((n == 0)) || fail "in-encap-mismatch is $n"
	expect_out 'encap type espinudp sport 4500 dport 4500 addr' \
		nsx kt-a kipsec state get src "$ob" dst "$oa" proto esp spi 0x2002
	kernel_log_clean
}

# kt-a 10.1.0.2 (fd01::2) -- kt-n 10.1.0.1 | 192.0.2.1 -- kt-b 192.0.2.2
# (fd0a::1 / fd0a::2): kt-n masquerades kt-a, its UDP 4500 to the fixed
# port 31000 (a port-preserving NAT would keep 4500: the fixed one shows
# the SAs follow the mapping).
nat_hosts() {
	three_hosts kt-n
	# In transport mode kt-b's SAs and policies name the NAT's address:
	# its neighbour advertisements to kt-n would go in UDP to kt-a.
	# Neighbours on the far link are static, as ARP is outside IP.
	nsx kt-n ip -6 neigh add fd0a::2 dev wan nud permanent \
		lladdr "$(nsx kt-b cat /sys/class/net/eth0/address)"
	nsx kt-b ip -6 neigh add fd0a::1 dev eth0 nud permanent \
		lladdr "$(nsx kt-n cat /sys/class/net/wan/address)"
	nsx kt-n nft -f - <<-'EOF'
	table inet kt-nat {
		chain post {
			type nat hook postrouting priority srcnat;
			oifname "wan" ip saddr 10.1.0.2 udp sport 4500 snat ip to 192.0.2.1:31000
			oifname "wan" ip6 saddr fd01::2 udp sport 4500 snat ip6 to [fd0a::1]:31000
			oifname "wan" ip saddr 10.1.0.0/24 masquerade
			oifname "wan" ip6 saddr fd01::/64 masquerade
		}
	}
	EOF
}

# natt_behind MODE FAMILY: kipsec behind the NAT; its SAs use its own
# addresses and 4500, XFRM's the NAT's public address and port 31000.
natt_behind() {
	local mode=$1 fam=$2 priv=10.1.0.2 pub=192.0.2.1 ob=192.0.2.2 a b n
	local z=0.0.0.0
	[[ $fam == 6 ]] && priv=fd01::2 pub=fd0a::1 ob=fd0a::2 z=::
	local key_o key_i
	key_o=$(hexkey 20) key_i=$(hexkey 20)
	nat_hosts
	load_xfrm
	xfrm_encap_sock kt-b
	if [[ $mode == tunnel ]]; then
		a=10.9.0.1 b=10.9.0.2
		[[ $fam == 6 ]] && a=fd09::1 b=fd09::2
		local p=32
		[[ $fam == 6 ]] && p=128
		nsx kt-a ip addr add "$a/$p" dev lo
		nsx kt-b ip addr add "$b/$p" dev lo
		nsx kt-b ip route add "$a/$p" dev eth0
		# The inner addresses are the tunnel's: the NAT leaves them.
		sa_pair kt-a mode=tunnel reqid=1 src="$a" dst="$b" \
			osrc="$priv" odst="$ob" spi=0x1001/0x2002 \
			both="encap espinudp 4500 4500 $z" -- \
			aead 'rfc4106(gcm(aes))' "$key_o" 128 -- \
			aead 'rfc4106(gcm(aes))' "$key_i" 128
		sa_pair kt-b tool="ip xfrm" mode=tunnel reqid=1 src="$b" \
			dst="$a" osrc="$ob" odst="$pub" spi=0x2002/0x1001 \
			out="encap espinudp 4500 31000 $z" \
			in="encap espinudp 31000 4500 $z" -- \
			aead 'rfc4106(gcm(aes))' "$key_i" 128 -- \
			aead 'rfc4106(gcm(aes))' "$key_o" 128
	else
		# Transport: each end's SAs name the addresses it sees.
		a=$priv b=$ob
		sa_pair kt-a reqid=1 src="$priv" dst="$ob" spi=0x1001/0x2002 \
			both="encap espinudp 4500 4500 $z" -- \
			aead 'rfc4106(gcm(aes))' "$key_o" 128 -- \
			aead 'rfc4106(gcm(aes))' "$key_i" 128
		sa_pair kt-b tool="ip xfrm" reqid=1 src="$ob" dst="$pub" \
			spi=0x2002/0x1001 \
			out="encap espinudp 4500 31000 $priv" \
			in="encap espinudp 31000 4500 $priv" -- \
			aead 'rfc4106(gcm(aes))' "$key_i" 128 -- \
			aead 'rfc4106(gcm(aes))' "$key_o" 128
	fi
	nsx kt-a kipsec config set encap-port 4500
	if [[ $mode == tunnel ]]; then
		pings kt-a "$a" kt-b "$b"
		tcp_echo kt-b kt-a "$b" "$a"
		tcp_echo kt-a kt-b "$a" "$b"
	else
		# kt-b reaches kt-a at the NAT's address, through the mapping.
		nsx kt-a ping -c 3 -i 0.2 -W 2 "$ob" >/dev/null ||
			fail "ping $priv -> $ob failed"
		nsx kt-b ping -c 2 -i 0.2 -W 2 "$pub" >/dev/null ||
			fail "ping $ob -> $pub (NAT) failed"
		tcp_echo kt-b kt-a "$ob"
	fi
	nsx kt-n conntrack -L -p udp 2>/dev/null | grep -q 'dport=31000' ||
		fail "the NAT has no mapping to port 31000"
	n=$(sa_packets kt-a src "$ob" dst "$priv" proto esp spi 0x2002)
	((n >= 3)) || fail "kipsec decrypted ${n:-no} packets through the NAT"
	kernel_log_clean
}

t_direct_transport4() { natt_direct transport 4; }
t_direct_tunnel4() { natt_direct tunnel 4; }
t_direct_transport6() { natt_direct transport 6; }
t_direct_tunnel6() { natt_direct tunnel 6; }

t_nat_transport4() { natt_behind transport 4; }
t_nat_tunnel4() { natt_behind tunnel 4; }
t_nat_transport6() { natt_behind transport 6; }
t_nat_tunnel6() { natt_behind tunnel 6; }

# kipsec's encapsulation socket on kt-a's 4500 and, in the same
# namespace, XFRM's ESP-in-UDP SAs with kt-b (as when an IKE daemon keys
# XFRM for some peers): ESP in UDP for an SPI kipsec does not have goes
# to XFRM, through XFRM's "in" policy for the peers (the socket has its
# own bypass, as charon's).
t_xfrm_handoff() {
	local key n
	key=$(hexkey 20)
	two_hosts
	load_xfrm
	xfrm_encap_sock kt-b
	sa_pairs kt-a kt-b tool="ip xfrm" tool_b="ip xfrm" reqid=1 \
		src=10.0.0.1 dst=10.0.0.2 spi=0x3003/0x4004 \
		both="encap espinudp 4500 4500 0.0.0.0" -- \
		aead 'rfc4106(gcm(aes))' "$key" 128
	nsx kt-a kipsec config set encap-port 4500
	n=$(kstat kt-a passthrough)
	pings kt-a 10.0.0.1 kt-b 10.0.0.2
	(($(kstat kt-a passthrough) >= n + 3)) ||
		fail "XFRM's ESP in UDP was not counted as passed through"
	(($(kstat kt-a in-encap-no-sa) == 0)) ||
		fail "XFRM's ESP in UDP was taken for nobody's"
	kernel_log_clean
}

# nat_rule PORT: kt-n maps kt-a's UDP 4500 to PORT from now on (the
# mappings it had are forgotten, as a NAT rebinding does).
nat_rule() {
	nsx kt-n nft flush chain inet kt-nat post
	nsx kt-n nft add rule inet kt-nat post oifname wan ip saddr 10.1.0.2 \
		udp sport 4500 snat ip to "192.0.2.1:$1"
	nsx kt-n nft add rule inet kt-nat post oifname wan \
		ip saddr 10.1.0.0/24 masquerade
	nsx kt-n conntrack -F 2>/dev/null || true
}

# kipsec as the public end (kt-b), XFRM behind the NAT (kt-a): a NAT
# rebinding raises one MAPPING per SA and second, a forged packet from
# elsewhere none, and the update that follows it restores traffic.
t_mapping() {
	local f=/tmp/kt-mapping n key_o key_i
	key_o=$(hexkey 20) key_i=$(hexkey 20)
	nat_hosts
	load_xfrm
	xfrm_encap_sock kt-a
	nsx kt-a ip addr add 10.9.0.1/32 dev lo
	nsx kt-b ip addr add 10.9.0.2/32 dev lo
	nsx kt-b ip route add 10.9.0.1/32 dev eth0
	sa_pair kt-a tool="ip xfrm" mode=tunnel reqid=1 src=10.9.0.1 \
		dst=10.9.0.2 osrc=10.1.0.2 odst=192.0.2.2 spi=0x1001/0x2002 \
		both="encap espinudp 4500 4500 0.0.0.0" -- \
		aead 'rfc4106(gcm(aes))' "$key_o" 128 -- \
		aead 'rfc4106(gcm(aes))' "$key_i" 128
	nsx kt-b kipsec config set encap-port 4500
	sa_pair kt-b mode=tunnel reqid=1 src=10.9.0.2 dst=10.9.0.1 \
		osrc=192.0.2.2 odst=192.0.2.1 spi=0x2002/0x1001 \
		out="encap espinudp 4500 31000 0.0.0.0" \
		in="encap espinudp 31000 4500 0.0.0.0" -- \
		aead 'rfc4106(gcm(aes))' "$key_i" 128 -- \
		aead 'rfc4106(gcm(aes))' "$key_o" 128
	nsx kt-b kipsec monitor mapping >$f &
	mon_pid=$!
	trap 'kill $mon_pid $encap_pid 2>/dev/null || true' EXIT
	sleep 1
	nsx kt-a ping -c 2 -i 0.2 -W 2 -I 10.9.0.1 10.9.0.2 >/dev/null ||
		fail "ping through the NAT failed"
	# A packet for the SA from another port that fails the ICV: counted,
	# no MAPPING (the check comes after the ICV's).
	n=$(kstat kt-b in-auth)
	udp_send kt-n 192.0.2.2 4500 "bytes.fromhex('0000100100000100') + bytes(40)"
	sleep 0.5
	(($(kstat kt-b in-auth) == n + 1)) || fail "the forged packet did not fail the ICV"
	[[ ! -s $f ]] || fail "MAPPING before the NAT changed: $(cat $f)"
	# The NAT rebinds kt-a to port 31001: kt-b's SA sees the new source.
	nat_rule 31001
	nsx kt-a ping -c 6 -i 0.2 -W 1 -I 10.9.0.1 10.9.0.2 >/dev/null 2>&1 || true
	sleep 0.5
	grep -q '^Mapping change 192.0.2.1:31000 -> 192.0.2.1:31001$' $f ||
		fail "no MAPPING for the rebinding: $(cat $f)"
	grep -q $'^\tdst 192.0.2.2 proto esp spi 0x00001001 reqid 1$' $f ||
		fail "MAPPING names the wrong SA: $(cat $f)"
	n=$(grep -c '^Mapping change' $f)
	((n <= 2)) || fail "$n MAPPING events in about a second, want at most 2"
	# The daemon's answer: both SAs move to the new port.
	nsx kt-b kipsec state update src 192.0.2.1 dst 192.0.2.2 proto esp \
		spi 0x1001 encap espinudp 31001 4500 0.0.0.0
	nsx kt-b kipsec state update src 192.0.2.2 dst 192.0.2.1 proto esp \
		spi 0x2002 encap espinudp 4500 31001 0.0.0.0
	nsx kt-a ping -c 2 -i 0.2 -W 2 -I 10.9.0.1 10.9.0.2 >/dev/null ||
		fail "ping after the update failed"
	nsx kt-b ping -c 2 -i 0.2 -W 2 -I 10.9.0.2 10.9.0.1 >/dev/null ||
		fail "ping kt-b -> kt-a after the update failed"
	sleep 0.5
	(($(grep -c '^Mapping change' $f) == n)) ||
		fail "MAPPING after the update: $(cat $f)"
	kill $mon_pid
	kernel_log_clean
}

# udp_send NS ADDR PORT PYBYTES: one UDP datagram.
udp_send() {
	nsx "$1" python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto($4, ('$2', $3))"
}

t_keepalive_marker_short() {
	local k0 k1 m0 m1 s0 s1 e0 e1
	two_hosts
	nsx kt-a kipsec config set encap-port 4500
	expect_out 'encap-port 4500' nsx kt-a kipsec config show
	k0=$(kstat kt-a in-encap-keepalive)
	udp_send kt-b 10.0.0.1 4500 "b'\\xff'"
	udp_send kt-b 10.0.0.1 4500 "b'\\xff'"
	sleep 0.3
	k1=$(kstat kt-a in-encap-keepalive)
	((k1 == k0 + 2)) || fail "keepalives counted $k0 -> $k1, want +2"
	# The non-ESP marker: IKE, not ESP (no ESP counter moves), dropped
	# and counted (nobody reads the module's socket).
	m0=$(kstat kt-a in-malformed) s0=$(kstat kt-a in-encap-no-sa)
	e0=$(kstat kt-a in-encap-non-esp)
	udp_send kt-b 10.0.0.1 4500 "b'\\0\\0\\0\\0' + b'IKE message here'"
	sleep 0.3
	m1=$(kstat kt-a in-malformed) s1=$(kstat kt-a in-encap-no-sa)
	((m1 == m0 && s1 == s0)) ||
		fail "an IKE packet was taken as ESP (malformed $m0->$m1, no-sa $s0->$s1)"
	e1=$(kstat kt-a in-encap-non-esp)
	((e1 == e0 + 1)) || fail "an IKE packet: in-encap-non-esp $e0 -> $e1, want +1"
	# Too short for ESP (empty, a keepalive with a second byte, 3
	# bytes): dropped as malformed.
	udp_send kt-b 10.0.0.1 4500 "b''"
	udp_send kt-b 10.0.0.1 4500 "b'\\xff\\xff'"
	udp_send kt-b 10.0.0.1 4500 "b'\\x01\\x02\\x03'"
	sleep 0.3
	m1=$(kstat kt-a in-malformed)
	((m1 == m0 + 3)) || fail "3 short payloads: in-malformed $m0 -> $m1, want +3"
	k1=$(kstat kt-a in-encap-keepalive)
	((k1 == k0 + 2)) || fail "0xff 0xff was taken for a keepalive"
	# ESP in UDP for an SPI nobody has: dropped and counted.
	udp_send kt-b 10.0.0.1 4500 "b'\\x00\\x00\\x77\\x77' + bytes(28)"
	sleep 0.3
	s1=$(kstat kt-a in-encap-no-sa)
	((s1 == s0 + 1)) || fail "unknown SPI in UDP: in-encap-no-sa $s0 -> $s1"
	# Port 0 closes the sockets: the port is free again.
	nsx kt-a kipsec config set encap-port 0
	nsx kt-a python3 -c 'import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).bind(("0.0.0.0", 4500))' ||
		fail "port 4500 still taken after encap-port 0"
	kernel_log_clean
}

t_port_in_use() {
	two_hosts
	nsx kt-a python3 -c 'import socket, time; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("0.0.0.0", 4501)); time.sleep(60)' &
	pid=$!
	trap 'kill $pid 2>/dev/null || true' EXIT
	listening kt-a 4501 udp
	expect_out 'kipsec: .*encapsulation port is in use' \
		nsx kt-a kipsec config set encap-port 4501
	((last_rc == 2)) || fail "config set on a taken port exited $last_rc, want 2"
	expect_out 'encap-port 0' nsx kt-a kipsec config show
	nsx kt-a kipsec config set encap-port 4502
	expect_out 'encap-port 4502' nsx kt-a kipsec config show
	# ESP in UDP on AH is refused with one line.
	expect_out 'kipsec: .*UDP encapsulation is for ESP SAs only' \
		nsx kt-a kipsec state add src 10.0.0.1 dst 10.0.0.2 proto ah \
		spi 5 auth sha1 "$(hexkey 20)" encap espinudp 4500 4500 0.0.0.0
	# The namespace goes with its sockets open.
	ip netns del kt-a
	kernel_log_clean
}

# An SA with encapsulation takes only ESP in UDP, one without only ESP.
t_mismatch() {
	local n
	two_hosts
	load_xfrm
	xfrm_encap_sock kt-b
	nsx kt-a kipsec config set encap-port 4500
	# kt-b sends plain ESP to an SA that wants UDP: dropped.
	sa_pair kt-a reqid=1 src=10.0.0.1 dst=10.0.0.2 spi=0x1001/0x2002 \
		both="encap espinudp 4500 4500 0.0.0.0" -- \
		aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
	sa_pair kt-b tool="ip xfrm" reqid=1 src=10.0.0.2 dst=10.0.0.1 \
		spi=0x2002/0x1001 -- \
		aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128
	nsx kt-b ping -c 2 -i 0.2 -W 1 10.0.0.1 >/dev/null 2>&1 || true
	n=$(kstat kt-a in-encap-mismatch)
	((n >= 2)) || fail "plain ESP for an encap SA: in-encap-mismatch $n, want >= 2"
	kernel_log_clean
}

# ESP in UDP on 4500 between kipsec in kt-a and XFRM in kt-b, a
# transport pair per family: SPIs 0x1001/0x2002 (IPv4), 0x3001/0x4002.
encap_pairs_both() {
	sa_pairs kt-a kt-b tool=kipsec tool_b="ip xfrm" reqid=1 \
		src=10.0.0.1 dst=10.0.0.2 spi=0x1001/0x2002 \
		both="encap espinudp 4500 4500 0.0.0.0" -- \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	sa_pairs kt-a kt-b tool=kipsec tool_b="ip xfrm" reqid=2 \
		src=fd00::1 dst=fd00::2 spi=0x3001/0x4002 \
		both="encap espinudp 4500 4500 ::" -- \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

# daemon_read PATTERN MESSAGE: daemon_sock read a datagram matching
# PATTERN (a grep pattern of "FAMILY HEX"), or the test fails.
daemon_read() {
	grep -q "^$1" /tmp/kt-daemon.out || fail "$2: $(cat /tmp/kt-daemon.out)"
}

# An IKE daemon's socket handed over: ESP in UDP for kipsec's SAs is
# decapsulated on it (both families), what XFRM leaves to the daemon (the
# non-ESP marker's IKE, 8 bytes or fewer) reaches the daemon unchanged, a
# keepalive is consumed, an unknown SPI dropped. Unloading the module
# gives the socket back, open: the daemon then reads all, ESP included.
t_daemon_socket() {
	local out k0 s0
	two_hosts
	load_xfrm
	xfrm_encap_sock kt-b
	daemon_sock kt-a
	encap_pairs_both
	pings kt-a 10.0.0.1 kt-b 10.0.0.2
	pings kt-a fd00::1 kt-b fd00::2
	k0=$(kstat kt-a in-encap-keepalive) s0=$(kstat kt-a in-encap-no-sa)
	udp_send kt-b 10.0.0.1 4500 "b'\\xff'"
	udp_send kt-b 10.0.0.1 4500 "b'\\0\\0\\0\\0' + b'IKE message here'"
	udp_send kt-b 10.0.0.1 4500 "b'\\x01\\x02\\x03'"
	udp_send kt-b 10.0.0.1 4500 "b'\\x00\\x00\\x77\\x77' + bytes(28)"
	sleep 0.5
	daemon_read "4 00000000$(printf 'IKE message here' | xxd -p)\$" \
		"IKE did not reach the daemon unchanged"
	daemon_read '4 010203$' "3 bytes did not reach the daemon"
	out=$(cat /tmp/kt-daemon.out)
	! grep -q '^[46] \(ff\|00007777\|0000[1-4]00[12]\)' <<<"$out" ||
		fail "the daemon read a keepalive or ESP: $out"
	(($(kstat kt-a in-encap-keepalive) == k0 + 1)) || fail "the keepalive was not consumed"
	(($(kstat kt-a in-encap-no-sa) == s0 + 1)) || fail "the unknown SPI was not dropped"
	# The module goes while the daemon holds its sockets; the sockets
	# given back read everything as data, ESP in UDP too. (The peer's
	# policies go first: they would put the datagrams into ESP.)
	unload_module
	nsx kt-b ip xfrm policy flush
	udp_send kt-b 10.0.0.1 4500 "b'\\0\\0\\0\\0' + b'after unload'"
	udp_send kt-b 10.0.0.1 4500 "b'\\x00\\x00\\x20\\x02' + bytes(28)"
	sleep 0.5
	daemon_read "4 00000000$(printf 'after unload' | xxd -p)\$" \
		"the socket given back did not read IKE"
	daemon_read '4 00002002' "the socket given back did not read ESP in UDP as data"
	kill "$daemon_pid"
	kernel_log_clean
}

# What the wire carries: UDP 4500 with ESP inside, IPv4 checksum 0, and a
# valid IPv6 checksum (XFRM's receiver verifies it: the direct IPv6 tests
# pass only with it right; tshark checks it here too).
t_wire() {
	local cap=/tmp/kt-natt.pcap pid out
	two_hosts
	load_xfrm
	xfrm_encap_sock kt-b
	nsx kt-a kipsec config set encap-port 4500
	encap_pairs_both
	nsx kt-b tcpdump -i vb -w "$cap" -U udp port 4500 2>/dev/null &
	pid=$!
	sleep 1
	nsx kt-a ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "ping over IPv4 failed"
	nsx kt-a ping -c 2 -i 0.2 -W 2 fd00::2 >/dev/null || fail "ping over IPv6 failed"
	sleep 0.5
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	out=$(tshark -r "$cap" -o udp.check_checksum:TRUE \
		-T fields -e ip.src -e ipv6.src -e udp.srcport -e udp.dstport \
		-e udp.checksum -e udp.checksum.status -e esp.spi 2>/dev/null)
	echo "$out" | grep -E '^10\.0\.0\.1[[:space:]]+4500[[:space:]]+4500[[:space:]]+0x0000[[:space:]].*0x00001001' >/dev/null ||
		fail "no IPv4 UDP/4500 with checksum 0 and ESP spi 0x1001 from kipsec: $out"
	echo "$out" | grep -E 'fd00::1[[:space:]]+4500[[:space:]]+4500[[:space:]]+0x[0-9a-f]{4}[[:space:]]+1[[:space:]]+0x00003001' >/dev/null ||
		fail "no IPv6 UDP/4500 with a good checksum and ESP spi 0x3001 from kipsec: $out"
	kernel_log_clean
}
