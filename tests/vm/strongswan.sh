# IKEv2 keying: strongSwan's charon on both gateways of four_hosts
# (kt-h1 -- kt-g1 == kt-g2 -- kt-h2), keying kipsec through the plugin
# (tools/strongswan), or on one side the kernel's XFRM through stock
# kernel-netlink. Traffic between the hosts must go through kipsec's SAs:
# their counters grow and the kernel's XFRM stays empty.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/charon.sh"

# sw_pair [KEY=VALUE]...: charon on kt-g1 (kipsec) and kt-g2, each with a
# PSK connection "gw" whose child "net" joins the hosts' subnets.
#   esp=PROPOSAL      [aes128gcm16]; ah=PROPOSAL: AH instead
#   mode=tunnel|transport [tunnel]; transport protects the gateways' own
#                     traffic (the traffic selectors are their addresses)
#   outer=4|6         the gateways' addresses [4]
#   b=kipsec|xfrm     kt-g2's datapath [kipsec]
#   child="LINES"     more settings of the child (rekey_time = 6s)
#   child2="LINES"    kt-g2's instead [child's]
#   local1=ADDRS      kt-g1's local_addrs [its address]
sw_pair() {
	local -A o=([esp]=aes128gcm16 [ah]= [mode]=tunnel [outer]=4 [b]=kipsec [child]= [local1]= [child2]=unset)
	local kv a1 a2 ts1 ts2
	for kv in "$@"; do
		o[${kv%%=*}]=${kv#*=}
	done
	four_hosts
	load_module
	load_xfrm
	trap 'charon_stop_all' EXIT
	charon_start kt-g1
	charon_start kt-g2 plugin="${o[b]}"
	a1=192.0.2.1 a2=192.0.2.2
	[[ ${o[outer]} == 6 ]] && a1=fd0a::1 a2=fd0a::2
	ts1=10.1.0.0/24,fd01::/64 ts2=10.2.0.0/24,fd02::/64
	[[ ${o[mode]} == transport ]] && ts1=dynamic ts2=dynamic
	local prop="esp_proposals = ${o[esp]}"
	[[ -n ${o[ah]} ]] && prop="ah_proposals = ${o[ah]}"
	charon_gw_conf kt-g1 "$a1" "$a2" "$ts1" "$ts2" "$prop" "${o[mode]}" "${o[child]}" "${o[local1]}"
	[[ ${o[child2]} != unset ]] || o[child2]=${o[child]}
	charon_gw_conf kt-g2 "$a2" "$a1" "$ts2" "$ts1" "$prop" "${o[mode]}" "${o[child2]}"
	sw_a1=$a1 sw_a2=$a2
}

# sw_up [NS]: NS (kt-g1) initiates the child; it must come up.
sw_up() {
	local ns=${1:-kt-g1}
	charon_swanctl "$ns" --initiate --child net --timeout 60 >/tmp/kt-sw-init.out 2>&1 || {
		tail -n 20 /tmp/kt-sw-init.out
		charon_log "$ns" | tail -n 30
		fail "swanctl --initiate in $ns failed"
	}
}

# sw_ping FROM DST [COUNT]: pings through the tunnel, none lost.
sw_ping() {
	nsx "$1" ping -c "${3:-5}" -i 0.2 -W 2 "$2" >/dev/null ||
		fail "ping $2 from $1 through the IKE-keyed tunnel"
}

# sa_summary NS: "SAS COUNTING": kipsec's SAs in NS, and how many of them
# carried a packet.
sa_summary() {
	nsx "$1" kipsec -s -j state list | python3 -c '
import json, sys
sas = json.load(sys.stdin)
print(len(sas), sum(1 for s in sas if s.get("lifetime", {}).get("packets", 0) > 0))'
}

# sw_assert_kipsec NS...: the traffic went through kipsec: each NS has two
# SAs, both of which counted packets, and the kernel's XFRM has no state
# and no policy.
sw_assert_kipsec() {
	local ns n
	for ns in "$@"; do
		n=$(sa_summary "$ns")
		[[ $n == "2 2" ]] ||
			fail "$ns: kipsec SAs, SAs that carried packets: $n, not 2 2: $(nsx "$ns" kipsec -s state list)"
		[[ -z $(nsx "$ns" ip xfrm state) ]] || fail "$ns has XFRM states"
		[[ -z $(nsx "$ns" ip xfrm policy) ]] ||
			fail "$ns has XFRM policies: $(nsx "$ns" ip xfrm policy)"
	done
}

t_psk_tunnel_gcm() {
	sw_pair
	sw_up
	sw_ping kt-h1 10.2.0.2
	sw_ping kt-h2 fd01::2
	sw_assert_kipsec kt-g1 kt-g2
}

t_transport6_chacha() {
	sw_pair mode=transport outer=6 esp=chacha20poly1305
	sw_up
	sw_ping kt-g1 fd0a::2
	sw_assert_kipsec kt-g1 kt-g2
}

t_tunnel_cbc_sha256() {
	sw_pair esp=aes128-sha256
	sw_up
	sw_ping kt-h1 10.2.0.2
	sw_assert_kipsec kt-g1 kt-g2
}

t_transport4_ah() {
	sw_pair mode=transport ah=sha256
	sw_up
	sw_ping kt-g1 192.0.2.2
	sw_assert_kipsec kt-g1 kt-g2
	# IPv4 AH with RFC 4302's 32-bit alignment, as kernel-netlink asks
	nsx kt-g1 kipsec state list | grep -q 'flag.*align4' ||
		fail "the AH SAs lack flag align4: $(nsx kt-g1 kipsec state list)"
}

# Both ends tear down: nothing of the child is left in kipsec but
# charon's IKE bypass policies.
t_terminate_leaves_nothing() {
	sw_pair
	sw_up
	sw_ping kt-h1 10.2.0.2 2
	charon_swanctl kt-g1 --terminate --ike gw --timeout 30 >/dev/null ||
		fail "swanctl --terminate failed"
	local ns left
	for ns in kt-g1 kt-g2; do
		left=$(nsx "$ns" kipsec state list)
		[[ -z $left ]] || fail "$ns kept SAs: $left"
		left=$(nsx "$ns" kipsec policy list | grep -E '^src' | grep -v 'proto udp' || true)
		[[ -z $left ]] || fail "$ns kept policies: $left"
	done
}

# The child is rekeyed under traffic (kt-g1's rekey_time 6 s, kipsec's
# soft expiry; no jitter; kt-g2's later, so that kt-g1 alone rekeys): no
# ping is lost around the switch, no packet meets a missing or replayed
# SA, and once charon's delete_rekeyed_delay (5 s) has passed the old SAs
# are gone and the new ones carry the traffic.
t_rekey_under_traffic() {
	sw_pair child="rekey_time = 6s
				life_time = 60s
				rand_time = 0" child2="rekey_time = 50s
				life_time = 60s
				rand_time = 0"
	sw_up
	local out got ns name
	out=$(nsx kt-h1 ping -c 500 -i 0.02 -W 1 10.2.0.2 | tail -n 2)
	ping_counts "$out"
	((PING_SENT == PING_GOT)) ||
		fail "$((PING_SENT - PING_GOT)) of $PING_SENT pings lost across the rekey"
	charon_log kt-g1 | grep -q 'CHILD_SA net{2} established' ||
		fail "no rekey happened: $(charon_log kt-g1 | tail -n 20)"
	for ns in kt-g1 kt-g2; do
		for name in out-no-sa in-replay; do
			got=$(kstat "$ns" "$name")
			((got == 0)) || fail "$ns: $name $got across the rekey"
		done
	done
	# the first child's SAs go (after delete_rekeyed_delay for the
	# inbound one); kt-g1 keeps rekeying every 6 s meanwhile
	local spis i
	spis=$(charon_log kt-g1 | sed -n 's/.*CHILD_SA net{1} established with SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p')
	[[ $spis == *" "* ]] || fail "no SPIs of the first child in the log"
	for ((i = 0; i < 30; i++)); do
		nsx kt-g1 kipsec state list | grep -Eq "spi 0x(${spis/ /|})( |$)" || break
		sleep 0.5
	done
	((i < 30)) || fail "the first child's SAs ($spis) are still there: $(nsx kt-g1 kipsec state list | grep spi)"
	sw_ping kt-h1 10.2.0.2
	[[ -z $(nsx kt-g1 ip xfrm state) ]] || fail "kt-g1 has XFRM states"
}

# A trap policy: the first packet raises an ACQUIRE, charon negotiates,
# traffic flows.
t_trap_acquire() {
	sw_pair child="start_action = trap"
	local i
	for ((i = 0; i < 20; i++)); do
		nsx kt-h1 ping -c 1 -W 1 10.2.0.2 >/dev/null && break
	done
	((i < 20)) || fail "no tunnel came up from the trap: $(charon_log kt-g1 | tail -n 20)"
	sw_ping kt-h1 10.2.0.2
	charon_log kt-g1 | grep -q 'creating acquire job' || {
		cat "$charon_dir/kt-g1/swanctl.conf"
		charon_log kt-g1 | grep -v 'NET\]\|ENC\]' | tail -n 30
		nsx kt-g1 kipsec policy list
		fail "charon saw no acquire"
	}
	sw_assert_kipsec kt-g1 kt-g2
}

# kipsec with charon on one side, the kernel's XFRM with stock charon on
# the other; each side initiates once.
t_interop_xfrm() {
	sw_pair b=xfrm
	sw_up kt-g1
	sw_ping kt-h1 10.2.0.2
	[[ -n $(nsx kt-g2 ip xfrm state) ]] || fail "kt-g2's XFRM has no state"
	charon_swanctl kt-g1 --terminate --ike gw --timeout 30 >/dev/null
	sw_up kt-g2
	sw_ping kt-h2 10.1.0.2
	[[ $(sa_summary kt-g1) == "2 2" ]] || fail "kt-g1: $(sa_summary kt-g1)"
}

# A byte limit (rekey_bytes) rekeys the child, through kipsec's soft
# expiry on bytes.
t_rekey_bytes() {
	sw_pair child="rekey_bytes = 100000
				life_bytes = 10000000
				rand_bytes = 0"
	sw_up
	nsx kt-h1 ping -q -s 1000 -c 300 -i 0.01 -W 1 10.2.0.2 >/dev/null || true
	local i
	for ((i = 0; i < 20; i++)); do
		charon_log kt-g1 | grep -q 'CHILD_SA net{2} established' && break
		charon_log kt-g2 | grep -q 'CHILD_SA net{2} established' && break
		sleep 0.5
	done
	((i < 20)) || {
		charon_log kt-g1 | tail -n 40
		nsx kt-g1 kipsec -s state list
		fail "no rekey after 300 kB"
	}
	sleep 2
	sw_ping kt-h1 10.2.0.2
}

# MOBIKE: kt-g1's outer address changes under traffic; charon moves the
# SAs (update_sa) and the policies, and the traffic goes on.
t_mobike_move() {
	sw_pair local1=%any
	sw_up
	nsx kt-h1 ping -c 300 -i 0.05 -W 1 10.2.0.2 >/tmp/kt-sw-ping.out 2>&1 &
	local pid=$! i out
	sleep 2
	# the new address stays when the old (primary) one goes
	nsx kt-g1 sysctl -qw net.ipv4.conf.wan.promote_secondaries=1
	nsx kt-g1 ip addr add 192.0.2.11/24 dev wan
	nsx kt-g1 ip addr del 192.0.2.1/24 dev wan
	for ((i = 0; i < 40; i++)); do
		nsx kt-g2 kipsec state list | grep -q '192.0.2.11' && break
		sleep 0.5
	done
	((i < 40)) || {
		charon_log kt-g1 | grep -v 'NET\|ENC' | tail -n 40
		fail "kt-g2's SAs did not move"
	}
	wait "$pid" || true
	out=$(tail -n 2 /tmp/kt-sw-ping.out)
	ping_counts "$out"
	# the moment of the move may cost a few packets, not the tunnel
	((PING_GOT >= PING_SENT * 8 / 10)) || fail "only $PING_GOT of $PING_SENT pings through the move"
	nsx kt-g1 kipsec state list | grep -q 'src 192.0.2.11' ||
		fail "kt-g1's SAs did not move: $(nsx kt-g1 kipsec state list)"
	sw_ping kt-h1 10.2.0.2
}
