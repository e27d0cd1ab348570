# The TCG hazard behind scripts/vm/pin-static-keys, made frequent: a ping
# flood between two namespaces while a netfilter hook at LOCAL_IN is
# registered and unregistered in a loop (each time the count goes 0 -> 1 ->
# 0, the kernel patches every NF_HOOK(LOCAL_IN) site). Not in make check:
# run by hand, with and without KIPSEC_VM_NO_PIN=1, to see whether the
# emulator hangs:
#   scripts/vm-run --no-load --timeout 900 -- tests/vm/run --repeat 5 tests/harness/keyflip.sh

t_keyflip_under_traffic() {
	local i
	two_hosts
	nsx kt-a ping -f -w 30 -s 1000 10.0.0.2 >/dev/null 2>&1 &
	local pinger=$!
	# nft -i: one transaction per line, one process for all of them.
	for i in $(seq 300); do
		echo 'add table ip kt_flip { chain in { type filter hook input priority 0; }; }'
		echo 'delete table ip kt_flip'
	done | nsx kt-b nft -i >/dev/null
	kill "$pinger" 2>/dev/null || true
	wait "$pinger" || true
}
