# Teardown while packets are inside asynchronous crypto (make check-debug:
# a debug build of kipsec loaded with force_async=1, every transform
# through cryptd, on the debug kernel). Each fault (the receiver's veth
# deleted, a gateway's namespace deleted, the SA deleted, the SA moved
# by MOBIKE and back, the module unloaded) happens while iperf3 runs
# through an ESP tunnel, at least FAULT_ROUNDS times with packets in
# flight at that moment: the debug build logs "WHAT: N packets in flight"
# where the fault reaches kipsec (a device: as it goes down, the first
# step of its deletion), counting those of the namespace the fault is in
# (of all, for a device and the unload), and a round counts only with
# N > 0. The kernel log stays free of reports; check-debug then scans
# kmemleak. The t_async_held_* tests make sure of one packet in flight:
# its decryption's completion comes 10 s late (hold_next_ms), as a slow
# driver's may, and the fault comes meanwhile.
# Without the debug build and force_async, every test fails at once.

FAULT_ROUNDS=5
FAULT_TRIES=15

# The module, loaded with force_async (tests/vm/run's modprobe options).
async_module() {
	load_module
	[[ -r /sys/module/kipsec/parameters/inflight ]] ||
		fail "kipsec is not a debug build (make debug): no inflight counter"
	[[ $(cat /sys/module/kipsec/parameters/force_async) == Y ]] ||
		fail "kipsec not loaded with force_async=1 (KIPSEC_FORCE_ASYNC=1)"
}

# A tunnel-mode ESP pair between kt-a and kt-b, iperf3 from kt-a to kt-b
# running in the background ($IPERF_PID) for long enough.
faults_setup() {
	pair_tunnel
	iperf_start kt-a kt-b 10.0.0.2
}

# pair_tunnel: the tunnel-mode ESP pair between kt-a and kt-b, pinged.
pair_tunnel() {
	local k ns l r so si
	k=$(hexkey 20)
	async_module
	two_hosts
	for ns in kt-a kt-b; do
		l=10.0.0.1 r=10.0.0.2 so=0x10 si=0x20
		if [[ $ns == kt-b ]]; then
			l=10.0.0.2 r=10.0.0.1 so=0x20 si=0x10
		fi
		gateway_tunnel "$ns" kipsec "$l" "$r" "$l/32" "$r/32" "$so" "$si" \
			aead 'rfc4106(gcm(aes))' "$k" 128
	done
	nsx kt-a ping -c 1 -W 5 10.0.0.2 >/dev/null || fail "no ping through the tunnel"
}

# The router case: kt-h1 -- kt-g1 == ESP tunnel == kt-g2 -- kt-h2, iperf3
# from kt-h1 to kt-h2. For the namespace fault: kt-g2 runs no process, so
# deleting it ends it at once (a process inside, such as an iperf3
# server, keeps a namespace alive until it exits: the fault would come
# after the traffic).
router_setup() {
	router_tunnel
	iperf_start kt-h1 kt-h2 10.2.0.2
}

# router_tunnel: the router case's tunnel, pinged.
router_tunnel() {
	local k
	k=$(hexkey 20)
	async_module
	four_hosts
	gateway_tunnel kt-g1 kipsec 192.0.2.1 192.0.2.2 10.1.0.0/24 10.2.0.0/24 \
		0x10 0x20 aead 'rfc4106(gcm(aes))' "$k" 128
	gateway_tunnel kt-g2 kipsec 192.0.2.2 192.0.2.1 10.2.0.0/24 10.1.0.0/24 \
		0x20 0x10 aead 'rfc4106(gcm(aes))' "$k" 128
	nsx kt-h1 ping -c 1 -W 5 10.2.0.2 >/dev/null || fail "no ping through the tunnel"
}

# iperf_start CLIENT SERVER ADDR: iperf3 from namespace CLIENT to SERVER's
# ADDR in the background ($IPERF_PID), for long enough.
iperf_start() {
	nsx "$2" iperf3 -s -1 -D >/dev/null 2>&1
	sleep 1
	nsx "$1" iperf3 -c "$3" -t 60 -l 1400 >/dev/null 2>&1 &
	IPERF_PID=$!
	# Until the window is open and packets queue in cryptd.
	sleep 2
}

faults_teardown() {
	kill "$IPERF_PID" 2>/dev/null || true
	wait "$IPERF_PID" 2>/dev/null || true
	pkill -x iperf3 2>/dev/null || true
	cleanup_all_netns
}

# in_flight WHAT: the number of packets kipsec logged in flight at WHAT
# since the mark (the largest, if logged more than once); empty if none.
in_flight() {
	klog_since | sed -n "s/.*kipsec: $1: \([0-9]*\) packets in flight.*/\1/p" |
		sort -n | tail -1
}

# klog_wait TEXT: waits (20 s at most) for TEXT in the kernel log since
# the mark.
klog_wait() {
	local i
	for ((i = 0; i < 100; i++)); do
		klog_since | grep -q "$1" && return 0
		sleep 0.2
	done
	fail "no \"$1\" in the kernel log after 20 s"
}

# fault_rounds WHAT FUNCTION [SETUP]: runs FUNCTION (the fault, under
# traffic set up by SETUP, faults_setup by default) until FAULT_ROUNDS
# rounds had packets in flight at WHAT.
fault_rounds() {
	local what=$1 fn=$2 setup=${3:-faults_setup} good=0 try n seen=
	for ((try = 1; try <= FAULT_TRIES && good < FAULT_ROUNDS; try++)); do
		"$setup"
		klog_mark
		"$fn"
		n=$(in_flight "$what")
		[[ -n $n ]] || fail "round $try: no \"$what: N packets in flight\" line in the kernel log"
		seen+=" $n"
		((n > 0)) && good=$((good + 1))
		faults_teardown
		kernel_log_clean
	done
	((good >= FAULT_ROUNDS)) ||
		fail "only $good of $((try - 1)) rounds had packets in flight at \"$what\" (counts:$seen)"
	echo "in flight at \"$what\":$seen"
}

fault_veth() {
	nsx kt-b ip link delete vb
}

fault_netns() {
	ip netns delete kt-g2
	# Namespace cleanup runs in a workqueue: wait for it to reach kipsec.
	klog_wait 'kipsec: netns exit: '
}

fault_sa() {
	nsx kt-b kipsec state delete src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10
}

fault_move() {
	nsx kt-a kipsec state update dst 10.0.0.2 proto esp spi 0x10 \
		new-dst 10.0.9.2 new-src 10.0.9.1
	nsx kt-a kipsec state update dst 10.0.9.2 proto esp spi 0x10 \
		new-dst 10.0.0.2 new-src 10.0.0.1
}

fault_unload() {
	modprobe -r kipsec
	! module_loaded || fail "kipsec still loaded after modprobe -r"
}

t_async_veth_delete_under_traffic() {
	fault_rounds vb fault_veth
}

t_async_netns_delete_under_traffic() {
	fault_rounds "netns pre-exit" fault_netns router_setup
}

t_async_sa_delete_under_traffic() {
	fault_rounds "sa delete" fault_sa
}

t_async_sa_move_under_traffic() {
	fault_rounds "sa move" fault_move
}

t_async_unload_under_traffic() {
	fault_rounds "module unload" fault_unload
}

# held_fault WHAT FUNCTION SETUP FROM ADDR: after SETUP, one echo request
# from namespace FROM to ADDR, whose decryption completes 10 s late (a
# debug build's hold_next_ms); while it waits, FUNCTION takes away what
# the completion uses. The packet was in flight at WHAT, and the
# completion that comes after the fault leaves no report (a freed device
# or namespace state used: KASAN).
held_fault() {
	local what=$1 fn=$2 setup=$3 from=$4 addr=$5 n faulter
	local param=/sys/module/kipsec/parameters/hold_next_ms
	async_module
	"$setup"
	[[ -w $param ]] || fail "kipsec is not a debug build (make debug): no hold_next_ms"
	klog_mark
	echo 10000 >"$param"
	# The fault as soon as the packet is held (the parameter 0 again),
	# from a shell already running: a new process takes seconds here.
	(
		param_taken "$param" "no decrypted packet was held (hold_next_ms) in 20 s"
		"$fn"
	) &
	faulter=$!
	nsx "$from" ping -c 1 -W 1 "$addr" >/dev/null 2>&1 || true
	wait "$faulter" || fail "the fault failed"
	klog_wait 'kipsec: the held packet completes'
	# What the completion does after its first line.
	sleep 1
	n=$(in_flight "$what")
	if ((${n:-0} == 0)); then
		klog_since | grep 'kipsec:' | sed 's/^/klog: /'
		fail "no packet in flight at \"$what\" (logged: ${n:-nothing}): the fault came after the held packet's completion"
	fi
	echo "in flight at \"$what\": $n"
	kernel_log_clean
}

t_async_held_veth_delete() {
	held_fault vb fault_veth pair_tunnel kt-a 10.0.0.2
}

t_async_held_netns_delete() {
	held_fault "netns pre-exit" fault_netns router_tunnel kt-h1 10.2.0.2
}

t_async_held_unload() {
	held_fault "module unload" fault_unload pair_tunnel kt-a 10.0.0.2
}
