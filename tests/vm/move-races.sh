# MOBIKE moves racing the datapath (make check-debug: a debug build of
# kipsec, whose race_delay_ms parameter holds a packet where a move's
# grace period must wait for it; tests/debug's asynchronous boot). A move
# (state update ... new-dst) takes an SA out of its destination's list,
# changes its addresses and puts it in the new destination's list.
# t_move_race_sa_walk holds senders on the moving SA while they walk a
# destination's SAs for a template (review item 12): a move that
# re-inserted the SA at once took a walk into the other destination's
# list, so it picked that peer's SA for this peer's traffic or missed
# this peer's (OutNoState).
# t_move_race_route_cache holds a sender between its outer route lookup
# and the SA's route cache while the SA moves back (review item 13): a
# route to the old peer stored after the move must not stay in the cache.
# Without the debug build, every test fails at once.

# moves_setup: two_hosts with a second address pair (10.0.1.1 on kt-a,
# 10.0.1.2 on kt-b) on the link, kt-a's inner address 10.9.0.1 and
# kt-b's 10.9.0.2, and kt-a's out policy for them (tunnel to 10.0.0.2,
# reqid 1).
moves_setup() {
	load_module
	two_hosts
	inner_addrs 10.9.0.1 10.9.0.2
	nsx kt-a ip addr add 10.0.1.1/24 dev va
	nsx kt-b ip addr add 10.0.1.2/24 dev vb
	KEY=$(hexkey 20)
	nsx kt-a kipsec policy add src 10.9.0.1/32 dst 10.9.0.2/32 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
}

# sa_add NS SRC DST SPI REQID: a tunnel-mode AES-GCM SA in NS.
sa_add() {
	nsx "$1" kipsec state add src "$2" dst "$3" proto esp spi "$4" reqid "$5" \
		mode tunnel aead 'rfc4106(gcm(aes))' "$KEY" 128
}

# The output walk for the template (destination 10.0.0.2, reqid 1) passes
# over the newest SA of that destination, 0x20 (reqid 2: it does not
# fit), to 0x10 (it fits). 0x20 moves to 10.0.1.2, where 0x30 (reqid 1,
# another peer) lives, and back, 100 times, while a sender is held on
# 0x20 in every walk. Every packet must take 0x10.
t_move_race_sa_walk() {
	moves_setup
	sa_add kt-a 10.0.0.1 10.0.0.2 0x10 1
	sa_add kt-a 10.0.0.1 10.0.1.2 0x30 1
	sa_add kt-a 10.0.0.1 10.0.0.2 0x20 2
	local f=/tmp/kt-moves i
	for ((i = 0; i < 100; i++)); do
		echo "state update dst 10.0.0.2 proto esp spi 0x20 new-dst 10.0.1.2 new-src 10.0.0.1"
		echo "state update dst 10.0.1.2 proto esp spi 0x20 new-dst 10.0.0.2 new-src 10.0.0.1"
	done >$f
	race_on 5
	local pinger
	nsx kt-a ping -q -i 0.002 -w 60 -I 10.9.0.1 10.9.0.2 >/dev/null 2>&1 &
	pinger=$!
	sleep 1
	nsx kt-a kipsec -batch $f || fail "the moves failed"
	sleep 0.5
	kill "$pinger" 2>/dev/null || true
	wait "$pinger" 2>/dev/null || true
	echo 0 >/sys/module/kipsec/parameters/race_delay_ms
	local r m x nosa
	r=$(sa_packets kt-a dst 10.0.0.2 proto esp spi 0x10)
	m=$(sa_packets kt-a dst 10.0.0.2 proto esp spi 0x20)
	x=$(sa_packets kt-a dst 10.0.1.2 proto esp spi 0x30)
	nosa=$(kstat kt-a out-no-sa)
	((r >= 100)) || fail "only $r packets took 0x10: the sender was too slow for the test"
	((x == 0 && m == 0 && nosa == 0)) ||
		fail "during the moves $x packets took the other peer's SA 0x30, $m the moving 0x20, $nosa found no SA (out-no-sa); 0x10 took $r"
}

# link2_route_hold_setup: two_hosts with a second link (va2 10.0.1.1 on
# kt-a, vb2 10.0.1.2 on kt-b; no IPv6 and no ARP: nothing leaves va2 but
# what kipsec sends there), kt-a's SA 0x10 (tunnel 10.0.0.1 to 10.0.0.2, reqid 1) and
# its out policy for 10.9.0.1 to 10.9.0.2; kt-b has no SA (the echo
# requests are all the test needs).
link2_route_hold_setup() {
	load_module
	[[ -w /sys/module/kipsec/parameters/route_hold_next_ms ]] ||
		fail "kipsec is not a debug build (make debug): no route_hold_next_ms"
	two_hosts
	inner_addrs 10.9.0.1 10.9.0.2
	ip link add va2 netns kt-a type veth peer name vb2 address 02:00:00:00:01:02 netns kt-b
	nsx kt-a sysctl -qw net.ipv6.conf.va2.disable_ipv6=1
	nsx kt-b sysctl -qw net.ipv6.conf.vb2.disable_ipv6=1
	nsx kt-a ip addr add 10.0.1.1/24 dev va2
	nsx kt-b ip addr add 10.0.1.2/24 dev vb2
	# No ARP on va2 (a probe of a stale entry would count as a packet).
	nsx kt-a ip neigh replace 10.0.1.2 lladdr 02:00:00:00:01:02 dev va2 nud permanent
	nsx kt-a ip neigh replace 10.0.0.2 lladdr 02:00:00:00:01:02 dev va2 nud permanent
	nsx kt-a ip link set va2 up
	nsx kt-b ip link set vb2 up
	KEY=$(hexkey 20)
	sa_add kt-a 10.0.0.1 10.0.0.2 0x10 1
	nsx kt-a kipsec policy add src 10.9.0.1/32 dst 10.9.0.2/32 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
}

# move_lines SRC DST NEWSRC NEWDST: the batch lines that move SA 0x10 and
# its policy's template (MOBIKE, as a daemon does it).
move_lines() {
	echo "policy update src 10.9.0.1/32 dst 10.9.0.2/32 dir out tmpl src $3 dst $4 proto esp reqid 1 mode tunnel"
	echo "state update dst $2 proto esp spi 0x10 new-dst $4 new-src $3"
}

# Two senders on CPU 0 (the route cache is per CPU). Each round: SA 0x10
# moves to the second link; the first sender to look the new route up is
# held 1 s before it caches it (route_hold_next_ms); meanwhile the SA
# moves back, and the other sender (it may preempt the held one only if
# the output path runs with bottom halves on) looks the route up again.
# Once the held sender is done, the cache must not keep its route over
# va2: for 2 s nothing may leave va2 while the senders' packets take the
# SA over va. On a tree whose output path ran with BHs on and whose move
# reset the cache at once, the held sender's stale route stayed cached.
t_move_race_route_cache() {
	link2_route_hold_setup
	local param=/sys/module/kipsec/parameters/route_hold_next_ms
	local fifo=/tmp/kt-mover round p1 p2 mover tx0 tx1 n0 n1
	trap 'echo 0 >'"$param"' 2>/dev/null || true' EXIT
	nsx kt-a taskset -c 0 ping -q -i 0.1 -w 600 -I 10.9.0.1 10.9.0.2 >/dev/null 2>&1 &
	p1=$!
	nsx kt-a taskset -c 0 ping -q -i 0.1 -w 600 -I 10.9.0.1 10.9.0.2 >/dev/null 2>&1 &
	p2=$!
	# The mover: one process already running, reading moves from a
	# FIFO (a new process takes seconds on the debug kernel).
	mkfifo "$fifo"
	nsx kt-a taskset -c 1 kipsec -force -batch - <"$fifo" &
	mover=$!
	exec 7>"$fifo"
	sleep 1
	for ((round = 1; round <= 3; round++)); do
		echo 1000 >"$param"
		move_lines 10.0.0.1 10.0.0.2 10.0.1.1 10.0.1.2 >&7
		param_taken "$param" "round $round: no sender looked the route to 10.0.1.2 up in 20 s"
		move_lines 10.0.1.1 10.0.1.2 10.0.0.1 10.0.0.2 >&7
		# The held sender is done after 1 s.
		sleep 2.5
		tx0=$(nsx kt-a cat /sys/class/net/va2/statistics/tx_packets)
		n0=$(sa_packets kt-a dst 10.0.0.2 proto esp spi 0x10)
		sleep 2
		tx1=$(nsx kt-a cat /sys/class/net/va2/statistics/tx_packets)
		n1=$(sa_packets kt-a dst 10.0.0.2 proto esp spi 0x10)
		echo "round $round: SA 0x10 $((n1 - n0)) packets, va2 $((tx1 - tx0))"
		((n1 > n0)) || fail "round $round: SA 0x10 at 10.0.0.2 carried no packet in 2 s"
		((tx1 == tx0)) ||
			fail "round $round: $((tx1 - tx0)) packets left on va2 after the SA moved back to 10.0.0.2 (the route to 10.0.1.2 stayed in its cache)"
	done
	exec 7>&-
	wait "$mover" || fail "a move failed"
	kill "$p1" "$p2" 2>/dev/null || true
	wait "$p1" "$p2" 2>/dev/null || true
	kernel_log_clean
}
