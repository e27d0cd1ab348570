# Path MTU through kipsec: senders learn the MTU less the ESP overhead,
# local and forwarded, IPv4 and IPv6; a full-MSS TCP flow never needs
# fragmenting; without DF the outer packet is fragmented.
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
	nsx kt-g1 tcpdump -i wan -n -U -w /tmp/wan.pcap 'ip and (ip[6:2] & 0x3fff != 0)' 2>/dev/null &
	local dump=$!
	sleep 1
	head -c 2000000 /dev/urandom >/tmp/data
	nsx kt-h2 socat -u TCP-LISTEN:5001,reuseaddr OPEN:/tmp/recv,creat,trunc &
	local srv=$!
	sleep 0.5
	nsx kt-h1 socat -u OPEN:/tmp/data TCP:10.2.0.2:5001
	wait "$srv"
	kill "$dump"
	wait "$dump" || true
	cmp -s /tmp/data /tmp/recv || fail "received data differs"
	local frags
	frags=$(tcpdump -r /tmp/wan.pcap -n 2>/dev/null | wc -l)
	((frags == 0)) || fail "$frags fragments on the wire"
	# The tunnel carried it.
	local n
	n=$(nsx kt-g1 kipsec -j -s state get dst 192.0.2.2 proto esp spi 0x11 |
		/usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["lifetime"]["bytes"])')
	((n >= 2000000)) || fail "the SA carried only $n bytes"
}
