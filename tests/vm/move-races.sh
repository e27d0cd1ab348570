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
