# Path MTU through kipsec: senders learn the MTU less the ESP overhead,
# local and forwarded, IPv4 and IPv6; a full-MSS TCP flow never needs
# fragmenting; without DF the outer packet is fragmented. Then the outer
# path narrower past the first hop: a router's ICMP error for the SA's
# packets lowers the MTU (plain and ESP in UDP), forged ones do not.
#
# AES-GCM-128 tunnel over IPv4 (outer 20 + ESP 8 + IV 8 + ICV 16, payload
# and 2 trailer bytes padded to 4): the largest inner packet on a 1500-byte
# link is ((1500 - 20 - 8 - 8 - 16) & ~3) - 2 = 1446, as XFRM computes.
# Over IPv6 outer (40): ((1500 - 40 - 32) & ~3) - 2 = 1426.

gcm() {
	echo aead 'rfc4106(gcm(aes))' "$GCM_KEY" 128
}

mtu_setup() {	# mtu_setup FAMILY: a kipsec tunnel between the gateways
	four_hosts
	GCM_KEY=$(hexkey 20)
	if [[ $1 == 4 ]]; then
		gateway_tunnel kt-g1 kipsec 192.0.2.1 192.0.2.2 10.1.0.0/24 10.2.0.0/24 0x11 0x22 $(gcm)
		gateway_tunnel kt-g2 kipsec 192.0.2.2 192.0.2.1 10.2.0.0/24 10.1.0.0/24 0x22 0x11 $(gcm)
	else
		gateway_tunnel kt-g1 kipsec fd0a::1 fd0a::2 fd01::/64 fd02::/64 0x11 0x22 $(gcm)
		gateway_tunnel kt-g2 kipsec fd0a::2 fd0a::1 fd02::/64 fd01::/64 0x22 0x11 $(gcm)
	fi
}

# tcp_unfragmented SENDER RECEIVER DST CAPTURE_NS DEV [BYTES]: BYTES (1 MB)
# of TCP from SENDER to DST (RECEIVER listens) arrive whole, and not one
# IP fragment (IPv4 or IPv6, by DST's family) crossed CAPTURE_NS's DEV.
tcp_unfragmented() {
	local dump srv frags filter='ip and (ip[6:2] & 0x3fff != 0)'
	local conn=TCP:$3:5001 listen=TCP-LISTEN:5001,reuseaddr
	if [[ $3 == *:* ]]; then
		filter='ip6[6] == 44' conn=TCP6:[$3]:5001
		listen=TCP6-LISTEN:5001,reuseaddr
	fi
	nsx "$4" tcpdump --immediate-mode -i "$5" -n -U -w /tmp/frags.pcap "$filter" 2>/dev/null &
	dump=$!
	sleep 1
	head -c "${6:-1000000}" /dev/urandom >/tmp/data
	nsx "$2" socat -u "$listen" OPEN:/tmp/recv,creat,trunc &
	srv=$!
	listening "$2" 5001
	nsx "$1" timeout 60 socat -u OPEN:/tmp/data "$conn" ||
		fail "TCP to $3 did not finish"
	wait "$srv"
	sleep 0.5
	kill "$dump"
	wait "$dump" || true
	cmp -s /tmp/data /tmp/recv || fail "received data differs ($3)"
	frags=$(tcpdump -r /tmp/frags.pcap -n 2>/dev/null | wc -l)
	((frags == 0)) || fail "$frags fragments on $4's $5 (TCP to $3)"
}

t_forwarded_ipv4_frag_needed() {
	mtu_setup 4
	nsx kt-h1 ping -c 1 -W 2 10.2.0.2 >/dev/null || fail "no path through the tunnel"
	# 1472 + 28 = 1500: too big for the tunnel; the gateway says 1446.
	expect_out 'mtu = 1446|mtu=1446' nsx kt-h1 ping -M do -c 2 -i 0.3 -W 1 -s 1472 10.2.0.2
	# The sender learnt it: its route now has it, and a fitting size passes.
	expect_out 'mtu 1446' nsx kt-h1 ip route get 10.2.0.2
	nsx kt-h1 ping -M do -c 1 -W 2 -s 1418 10.2.0.2 >/dev/null ||
		fail "a 1446-byte packet did not pass"
	expect_out 'too long|mtu' nsx kt-h1 ping -M do -c 1 -W 1 -s 1419 10.2.0.2
	((last_rc != 0)) || fail "a 1447-byte DF packet passed"
}

t_forwarded_ipv6_packet_too_big() {
	mtu_setup 6
	nsx kt-h1 ping -c 1 -W 2 fd02::2 >/dev/null || fail "no path through the tunnel"
	expect_out 'mtu = 1426|mtu=1426' nsx kt-h1 ping -M do -c 2 -i 0.3 -W 1 -s 1452 fd02::2
	nsx kt-h1 ping -M do -c 1 -W 2 -s 1378 fd02::2 >/dev/null ||
		fail "a 1426-byte packet did not pass"
}

t_local_ping_too_big() {
	mtu_setup 4
	# The gateway itself sending into the tunnel (policy covers 10.1/24).
	nsx kt-g1 ip addr add 10.1.0.99/32 dev lo
	expect_out 'mtu = 1446|mtu=1446|message too long' \
		nsx kt-g1 ping -M do -c 2 -i 0.3 -W 1 -I 10.1.0.99 -s 1472 10.2.0.2
	((last_rc != 0)) || fail "a too-big local DF ping passed"
}

t_no_df_fragments_outer() {
	mtu_setup 4
	nsx kt-h1 ping -M dont -c 2 -i 0.3 -W 2 -s 3000 10.2.0.2 >/dev/null ||
		fail "a 3000-byte ping without DF did not pass"
	nsx kt-h1 ping -M dont -c 2 -i 0.3 -W 2 -s 1472 10.2.0.2 >/dev/null ||
		fail "a 1500-byte ping without DF did not pass"
}

t_full_mss_tcp_never_fragments() {
	mtu_setup 4
	tcp_unfragmented kt-h1 kt-h2 10.2.0.2 kt-g1 wan 2000000
	# The tunnel carried it.
	local n
	n=$(nsx kt-g1 kipsec -j -s state get dst 192.0.2.2 proto esp spi 0x11 |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["lifetime"]["bytes"])')
	((n >= 2000000)) || fail "the SA carried only $n bytes"
}

# kt-a -- kt-r -- kt-b: the router's far link (1400) is narrower than the
# near one (1500), so the first hop's MTU is not the path's. A tunnel
# between kt-a's loopback address (10.9.0.1, fd09::1) and kt-b's
# (10.9.0.2, fd09::2), or transport between 10.1.0.2 and 192.0.2.2;
# kipsec in kt-a, XFRM in kt-b (kipsec with encap=1: ESP in UDP on 4500
# between the module's own sockets).
narrow_path() {	# narrow_path FAMILY MODE [encap=1]
	local a=10.9.0.1 b=10.9.0.2 oa=10.1.0.2 ob=192.0.2.2 z=0.0.0.0
	local ko ki peer="ip xfrm" enc=() addrs
	[[ $1 == 6 ]] && a=fd09::1 b=fd09::2 oa=fd01::2 ob=fd0a::2 z=::
	three_hosts kt-r
	nsx kt-r ip link set wan mtu 1400
	nsx kt-b ip link set eth0 mtu 1400
	nsx kt-a ip addr add 10.9.0.1/32 dev lo
	nsx kt-a ip addr add fd09::1/128 dev lo
	nsx kt-b ip addr add 10.9.0.2/32 dev lo
	nsx kt-b ip addr add fd09::2/128 dev lo
	nsx kt-b ip route add default via 192.0.2.1
	nsx kt-b ip -6 route add default via fd0a::1
	# The tunnel's traffic leaves from the tunnel's addresses.
	nsx kt-a ip route add 10.9.0.2/32 via 10.1.0.1 src 10.9.0.1
	nsx kt-a ip -6 route add fd09::2/128 via fd01::1 src fd09::1
	nsx kt-b ip route add 10.9.0.1/32 via 192.0.2.1 src 10.9.0.2
	nsx kt-b ip -6 route add fd09::1/128 via fd0a::1 src fd09::2
	load_xfrm
	if [[ ${3:-} == encap=1 ]]; then
		peer=kipsec enc=(both="encap espinudp 4500 4500 $z")
		nsx kt-a kipsec config set encap-port 4500
		nsx kt-b kipsec config set encap-port 4500
	fi
	addrs=(mode=tunnel src="$a" dst="$b" osrc="$oa" odst="$ob")
	[[ $2 == transport ]] && addrs=(src="$oa" dst="$ob")
	ko=$(hexkey 20) ki=$(hexkey 20)
	sa_pair kt-a reqid=1 "${addrs[@]}" spi=0x1001/0x2002 "${enc[@]}" -- \
		aead 'rfc4106(gcm(aes))' "$ko" 128 -- \
		aead 'rfc4106(gcm(aes))' "$ki" 128
	addrs=(mode=tunnel src="$b" dst="$a" osrc="$ob" odst="$oa")
	[[ $2 == transport ]] && addrs=(src="$ob" dst="$oa")
	sa_pair kt-b tool="$peer" reqid=1 "${addrs[@]}" spi=0x2002/0x1001 \
		"${enc[@]}" -- \
		aead 'rfc4106(gcm(aes))' "$ki" 128 -- \
		aead 'rfc4106(gcm(aes))' "$ko" 128
	[[ $2 == transport ]] && b=$ob
	nsx kt-a ping -c 1 -W 2 "$b" >/dev/null || fail "no path through the SA"
}

# narrow_ping DST SIZE MTU: a DF ping of SIZE bytes from kt-a crosses the
# first hop, meets the narrow link and its router's ICMP error; kipsec
# then tells the next one MTU; MTU passes, MTU + 1 does not.
narrow_ping() {
	local hdr=28
	[[ $1 == *:* ]] && hdr=48
	nsx kt-a ping -M do -c 1 -W 1 -s "$2" "$1" >/dev/null 2>&1 || true
	expect_out "mtu[ =:]+$3\$|mtu[ =:]+$3[^0-9]" \
		nsx kt-a ping -M do -c 1 -W 1 -s "$2" "$1"
	nsx kt-a ping -M do -c 1 -W 2 -s $(($3 - hdr)) "$1" >/dev/null ||
		fail "a $3-byte DF ping did not pass"
	expect_out 'mtu' nsx kt-a ping -M do -c 1 -W 1 -s $(($3 - hdr + 1)) "$1"
}

# forge_frag_needed QUOTED_DST PROTO SPI MTU [badsum]: kt-r sends kt-a
# (10.1.0.2) "fragmentation needed" quoting a packet of kt-a's to
# QUOTED_DST with PROTO (50 ESP, 17 UDP from and to 4500) and SPI; with
# badsum, its ICMP checksum is wrong.
forge_frag_needed() {
	nsx kt-r python3 -c '
import socket, struct, sys
qdst, proto, spi, mtu = sys.argv[1], int(sys.argv[2]), int(sys.argv[3], 0), int(sys.argv[4])
bad = sys.argv[5:] == ["badsum"]
def csum(b):
	s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
	s = (s >> 16) + (s & 0xffff)
	return ~(s + (s >> 16)) & 0xffff
q = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1428, 0, 0x4000, 64, proto, 0,
	socket.inet_aton("10.1.0.2"), socket.inet_aton(qdst))
if proto == 17:
	q += struct.pack("!HHHH", 4500, 4500, 1408, 0)
q += struct.pack("!II", spi, 1) + bytes(32)
m = struct.pack("!BBHHH", 3, 4, 0, 0, mtu) + q
m = m[:2] + struct.pack("!H", csum(m) ^ (0x0101 if bad else 0)) + m[4:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(m, ("10.1.0.2", 0))
' "$@"
}

# The outer path MTU from the router's error, IPv4 tunnel: the ping's MTU
# is the narrow link's less the overhead, ((1400 - 20 - 8 - 8 - 16) & ~3)
# - 2 = 1346; forged errors (no such SPI, the SPI to another address, in
# UDP for a plain SA) change nothing first; TCP then settles without one
# fragment on the narrow link; an error that the "in" policies drop, or
# with a bad checksum, changes nothing; last, the SA's own SPI forged is
# believed (as by XFRM): 1200 leaves ((1200 - 52) & ~3) - 2 = 1146.
t_outer_pmtu_tunnel4() {
	local p0 p1
	narrow_path 4 tunnel
	forge_frag_needed 192.0.2.2 50 0x9999 1000
	forge_frag_needed 192.0.2.99 50 0x1001 1000
	forge_frag_needed 192.0.2.2 17 0x1001 1000
	expect_out 'mtu = 1446|mtu=1446' \
		nsx kt-a ping -M do -c 1 -W 1 -s 1419 10.9.0.2
	narrow_ping 10.9.0.2 1400 1346
	tcp_unfragmented kt-a kt-b 10.9.0.2 kt-r wan
	# The policies judge an error before it may lower the MTU (as XFRM's
	# icmp_rcv() does before esp4_err()): the SA's own error, which an
	# "in" policy wanting ESP for ICMP from the router drops (it came in
	# clear), is counted and changes nothing.
	nsx kt-a kipsec policy add src 10.1.0.1 dst 10.1.0.2 proto icmp dir in \
		tmpl proto esp mode transport
	p0=$(kstat kt-a in-policy)
	forge_frag_needed 192.0.2.2 50 0x1001 1200
	sleep 0.3
	p1=$(kstat kt-a in-policy)
	((p1 == p0 + 1)) || fail "in-policy $p0 -> $p1: the error was not judged"
	nsx kt-a ping -M do -c 1 -W 2 -s 1300 10.9.0.2 >/dev/null ||
		fail "an error the policies dropped lowered the MTU"
	nsx kt-a kipsec policy delete src 10.1.0.1 dst 10.1.0.2 proto icmp dir in
	# Not with a bad checksum; but the forger is right: the SA's own
	# (destination, SPI) is believed.
	forge_frag_needed 192.0.2.2 50 0x1001 1200 badsum
	nsx kt-a ping -M do -c 1 -W 2 -s 1300 10.9.0.2 >/dev/null ||
		fail "an error with a bad checksum lowered the MTU"
	forge_frag_needed 192.0.2.2 50 0x1001 1200
	expect_out 'mtu = 1146|mtu=1146' \
		nsx kt-a ping -M do -c 1 -W 1 -s 1300 10.9.0.2
	kernel_log_clean
}

# IPv6 tunnel: ((1400 - 40 - 8 - 8 - 16) & ~3) - 2 = 1326.
t_outer_pmtu_tunnel6() {
	narrow_path 6 tunnel
	narrow_ping fd09::2 1350 1326
	kernel_log_clean
}

# ESP in UDP, IPv4 transport: the error quotes UDP; XFRM's formula for
# transport, ((1400 - 8 - 8 - 8 - 16 - 20) & ~3) + 20 - 2 = 1358.
t_outer_pmtu_udp4() {
	narrow_path 4 transport encap=1
	narrow_ping 192.0.2.2 1372 1358
	kernel_log_clean
}

# A local sender (kt-a) through the SA: kipsec tells it the inner MTU,
# which lowers the PMTU of the route the protected packets take too (the
# same destination); that must not get them fragmented, as it does not in
# XFRM (IPv6 had 1,356 fragments in 1 MB). kipsec in kt-a, XFRM in kt-b,
# transport mode, IPv4 and IPv6.
t_local_tcp_transport_never_fragments() {
	two_hosts
	load_xfrm
	sa_pairs kt-a kt-b tool_b="ip xfrm" reqid=1 src=10.0.0.1 dst=10.0.0.2 \
		spi=0x1001/0x2002 -- aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	sa_pairs kt-a kt-b tool_b="ip xfrm" reqid=2 src=fd00::1 dst=fd00::2 \
		spi=0x3001/0x4002 -- aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	tcp_unfragmented kt-a kt-b 10.0.0.2 kt-a va
	tcp_unfragmented kt-a kt-b fd00::2 kt-a va
	expect_out '[0-9]{7,}\(bytes\)' nsx kt-a kipsec -s state get dst fd00::2 proto esp spi 0x3001
	kernel_log_clean
}

# The same in tunnel mode between the two hosts themselves (the inner
# destination is the outer one).
t_local_tcp_host_tunnel_never_fragments() {
	two_hosts
	load_xfrm
	sa_pairs kt-a kt-b tool_b="ip xfrm" reqid=1 mode=tunnel src=10.0.0.1 \
		dst=10.0.0.2 osrc=10.0.0.1 odst=10.0.0.2 spi=0x1001/0x2002 -- \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	sa_pairs kt-a kt-b tool_b="ip xfrm" reqid=2 mode=tunnel src=fd00::1 \
		dst=fd00::2 osrc=fd00::1 odst=fd00::2 spi=0x3001/0x4002 -- \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	tcp_unfragmented kt-a kt-b 10.0.0.2 kt-a va
	tcp_unfragmented kt-a kt-b fd00::2 kt-a va
	kernel_log_clean
}
