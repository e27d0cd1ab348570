# kipsec and the firewall: hooks only in namespaces that use kipsec, the
# INPUT filter sees ESP, conntrack and nftables see the decapsulated
# packets (marked with the configurable decap mark), the ESP packet's own
# conntrack entry is gone.

t_hooks_only_where_used() {
	load_module
	mountpoint -q /sys/kernel/debug || mount -t debugfs none /sys/kernel/debug
	# Only this test's messages count: the log of the boot may hold
	# earlier tests' (or an earlier run's of this one).
	klog_mark
	# kipsec's pr_debug lines: turned on for the test with dynamic debug
	# (Debian's kernel); a debug build (-DDEBUG) on a kernel without
	# dynamic debug (make check-debug's) prints them always.
	local dyndbg=/sys/kernel/debug/dynamic_debug/control
	if [[ -e $dyndbg ]]; then
		echo 'module kipsec +p' >"$dyndbg"
		trap "echo 'module kipsec -p' >$dyndbg 2>/dev/null || :" EXIT
	fi
	ip netns add kt-idle
	ip netns add kt-used
	local used
	used=$(stat -L -c %i /run/netns/kt-used)
	nsx kt-idle ping -c 1 127.0.0.1 >/dev/null 2>&1 || true
	nsx kt-idle kipsec state list >/dev/null
	[[ $(klog_since | grep -c 'hooks registered') == 0 ]] || fail "hooks registered before any SA"
	nsx kt-used kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 \
		aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	expect_out "netns $used: hooks registered" klog_since
	[[ $(klog_since | grep -c 'hooks registered') == 1 ]] || fail "hooks registered more than once"
	ip netns delete kt-used
	sleep 1
	expect_out "netns $used: hooks unregistered" klog_since
	[[ ! -e $dyndbg ]] || echo 'module kipsec -p' >"$dyndbg"
}

tunnel_pair() {	# kipsec tunnel mode between kt-a and kt-b (host to host)
	two_hosts
	sa_pairs kt-a kt-b mode=tunnel src=10.0.0.1 dst=10.0.0.2 spi=0x10/0x20 \
		-- aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

t_decap_mark_conntrack_and_input_filter() {
	load_module
	tunnel_pair
	nsx kt-b kipsec config set decap-mark 0x42/0xff
	nsx kt-b nft -f - <<'NFT'
table inet t {
	chain input {
		type filter hook input priority 0;
		meta l4proto esp counter
		meta mark & 0xff == 0x42 udp dport 9999 ct state new counter
	}
}
NFT
	# One way only (UDP), so kt-b itself never sends ESP: any ESP entry in
	# its conntrack table would be the inbound packets' own.
	local i
	# Appended to: it must hold this run's datagrams only.
	rm -f /tmp/udp.out
	nsx kt-b socat -u UDP-RECV:9999 OPEN:/tmp/udp.out,creat,append &
	local rx=$!
	sleep 0.5
	for i in 1 2 3; do
		echo "datagram $i" | nsx kt-a socat -u - UDP:10.0.0.2:9999
	done
	sleep 0.5
	kill "$rx"
	[[ $(grep -c datagram /tmp/udp.out) == 3 ]] || fail "not all datagrams arrived"
	local esp marked
	# The rules' counters, in order (anonymous: named counters need
	# nft_objref, which the debug kernel does not have).
	read -r esp marked < <(nsx kt-b nft list chain inet t input |
		grep -o 'counter packets [0-9]*' | awk '{ printf "%s ", $3 } END { print "" }')
	((esp == 3)) || fail "the INPUT filter saw $esp ESP packets, want 3"
	((marked == 3)) || fail "$marked decapsulated packets had the mark and a connection, want 3"
	# Conntrack knows the inner UDP flow, not the ESP one.
	expect_out 'udp .*src=10.0.0.1 dst=10.0.0.2 sport=[0-9]+ dport=9999' nsx kt-b conntrack -L
	[[ $last_out != *"unknown  50"* ]] || fail "an ESP conntrack entry stayed: $last_out"
	nsx kt-a ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "ping through the tunnel failed"
	# A filter that drops ESP stops the tunnel, as with XFRM.
	nsx kt-b nft add rule inet t input meta l4proto esp drop
	must_fail nsx kt-a ping -c 2 -i 0.2 -W 1 10.0.0.2
	kernel_log_clean
}
