# Router topology: host -- gateway ==ESP tunnel== gateway -- host, with
# forwarded traffic between two subnets (IPv4 and IPv6 at once, through one
# SA pair), subnet-to-subnet policies, both directions:
#
#   kt-h1 h1 192.168.1.10 fd01::10        kt-h2 h2 192.168.2.10 fd02::10
#        |                                      |
#   l1 192.168.1.1 fd01::1                 l2 192.168.2.1 fd02::1
#   kt-a (gateway 1) va 10.0.0.1 fd00::1 -- [kt-w br0] -- vb 10.0.0.2 fd00::2 kt-b (gateway 2)
#
# Gateway 1 runs kipsec; gateway 2 XFRM or kipsec (or both XFRM: the
# control). The capture is on the bridge between the gateways; the host
# checker (tests/tools/iop-wire) verifies it as for the matrix: ESP only,
# every packet authenticated and decrypted to the traffic the hosts sent.
# shellcheck disable=SC2154 # iop_* variables: set by tests/lib/interop.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/interop.sh"

# iop_lan GW HOSTNS N: a host on subnet 192.168.N.0/24 and fd0N::/64
# behind gateway GW, which forwards. The LAN's MTU (1400) leaves room for
# ESP on the 1500-byte link between the gateways, as a site sets it up (or
# clamps the MSS): the hosts fragment large datagrams to fit and TCP's
# segments fit, so no traffic depends on path MTU discovery (whose first
# packets are lost by design, with XFRM too).
iop_lan() {
	/usr/bin/ip -b - <<-EOF
		netns add $2
		link add l$3 netns $1 type veth peer name h$3 netns $2
	EOF
	/usr/bin/ip -n "$2" -b - <<-EOF
		link set lo up
		addr add 192.168.$3.10/24 dev h$3
		addr add fd0$3::10/64 dev h$3 nodad
		link set h$3 mtu 1400
		link set h$3 up
		route add default via 192.168.$3.1
		route add default via fd0$3::1
	EOF
	/usr/bin/ip -n "$1" -b - <<-EOF
		addr add 192.168.$3.1/24 dev l$3
		addr add fd0$3::1/64 dev l$3 nodad
		link set l$3 mtu 1400
		link set l$3 up
	EOF
	iop_nsx "$1" /bin/busybox sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
}

# iop_router ID SUITE OUTER ESN PEER FIRST: OUTER is the tunnel's family
# (4 or 6); the inner traffic is both IPv4 and IPv6; ESN, PEER and FIRST
# as in iop_case (FIRST: a is host 1).
iop_router() {
	local id=$1 suite=$2 outer=$3 esn=0 peer=$5 first=$6
	[[ $4 == esn ]] && esn=1
	iop_peers "$peer"
	iop_begin "$@"
	local oa=10.0.0.1 ob=10.0.0.2
	[[ $outer == 6 ]] && oa=fd00::1 ob=fd00::2
	iop_mark wire
	iop_wire
	iop_lan kt-a kt-h1 1
	iop_lan kt-b kt-h2 2
	/usr/bin/ip -n kt-a -b - <<-EOF
		route add 192.168.2.0/24 via 10.0.0.2
		route add fd02::/64 via fd00::2
	EOF
	/usr/bin/ip -n kt-b -b - <<-EOF
		route add 192.168.1.0/24 via 10.0.0.1
		route add fd01::/64 via fd00::1
	EOF
	# One SA pair carries both inner families: af-unspec.
	iop_keys "$suite" $esn 1
	iop_manifest "$id" "$suite" tunnel "4 6" "$outer" $esn "$peer" "$first" "$oa" "$ob"
	echo "addr 192.168.1.10 192.168.2.10" >>"$iop_dir/manifest"
	echo "addr fd01::10 fd02::10" >>"$iop_dir/manifest"

	iop_mark capture
	iop_capture_start "$iop_dir"
	iop_mark sas
	iop_sa_pair kt-a "$iop_tool_a" "$iop_spi_ab" "$iop_spi_ba" \
		"192.168.1.0/24 fd01::/64" "192.168.2.0/24 fd02::/64" tunnel "$oa" "$ob" \
		"${iop_replay[@]}" -- "${iop_alg_ab[@]}" -- "${iop_alg_ba[@]}"
	iop_sa_pair kt-b "$iop_tool_b" "$iop_spi_ba" "$iop_spi_ab" \
		"192.168.2.0/24 fd02::/64" "192.168.1.0/24 fd01::/64" tunnel "$ob" "$oa" \
		"${iop_replay[@]}" -- "${iop_alg_ba[@]}" -- "${iop_alg_ab[@]}"
	iop_traffic kt-h1 192.168.1.10 kt-h2 192.168.2.10 "$first" 5001
	iop_traffic kt-h1 fd01::10 kt-h2 fd02::10 "$first" 5003
	iop_end $esn 2
}

t_gw_kipsec_xfrm_out4() {
	iop_router r1 gcm128-128 4 noesn xfrm a
}

t_gw_kipsec_xfrm_out6_esn() {
	iop_router r2 cbc256-sha384 6 esn xfrm b
}

t_gw_kipsec_kipsec_out4_esn() {
	iop_router r3 chacha 4 esn kipsec b
}

t_gw_kipsec_kipsec_out6() {
	iop_router r4 ctr128-sha256 6 noesn kipsec a
}

# The control: XFRM on both gateways. If this fails, the test is wrong.
t_gw_xfrm_xfrm_out4_esn() {
	iop_router r5 ctr256-sha1 4 esn xfrm2 a
}

t_kernel_log_clean() {
	kernel_log_clean
}
