# Policy semantics as XFRM's: priority order, loopback never transformed,
# interfaces exempted with XFRM's own sysctls, required vs use templates.

jnum() {	# jnum KEY: a number from the JSON object on stdin
	/usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$1)"
}

t_loopback_never_transformed() {
	load_module
	two_hosts
	# Everything out needs an SA that does not exist: all but loopback stops.
	nsx kt-a kipsec policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
	nsx kt-a ping -c 1 -W 2 127.0.0.1 >/dev/null || fail "loopback was caught"
	must_fail nsx kt-a ping -c 1 -W 1 10.0.0.2
	local n
	n=$(nsx kt-a kipsec -j stats | jnum '["out-no-sa"]')
	((n >= 1)) || fail "out-no-sa is $n"
}

t_priority_lower_wins() {
	load_module
	two_hosts
	nsx kt-a kipsec policy add src 10.0.0.0/24 dst 10.0.0.0/24 dir out \
		priority 100 action block
	must_fail nsx kt-a ping -c 1 -W 1 10.0.0.2
	# A more specific but lower-priority-value policy wins over it.
	nsx kt-a kipsec policy add src 10.0.0.1 dst 10.0.0.2 proto icmp dir out \
		priority 10 action allow
	nsx kt-a ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "priority 10 allow did not win"
	# And a lower value still, blocking again.
	nsx kt-a kipsec policy add src 10.0.0.0/8 dst 10.0.0.2 dir out \
		priority 5 action block
	must_fail nsx kt-a ping -c 1 -W 1 10.0.0.2
}

t_level_use_sends_clear_without_sa() {
	load_module
	two_hosts
	nsx kt-a kipsec policy add src 10.0.0.1 dst 10.0.0.2 dir out \
		tmpl proto esp mode transport level use
	nsx kt-a ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "level use without SA blocked traffic"
}

exempt_pair() {	# kipsec transport mode both ends, policies both ways
	two_hosts
	sa_pairs kt-a kt-b src=10.0.0.1 dst=10.0.0.2 spi=0x10/0x20 \
		-- aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

t_cleartext_where_esp_required_is_dropped() {
	load_module
	exempt_pair
	nsx kt-a ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "tunnel ping failed"
	# kt-a stops protecting (disable_xfrm on its link): kt-b drops the clear.
	nsx kt-a sysctl -qw net.ipv4.conf.va.disable_xfrm=1
	must_fail nsx kt-a ping -c 2 -i 0.2 -W 1 10.0.0.2
	local n
	n=$(nsx kt-b kipsec -j stats | jnum '["in-policy"]')
	((n >= 2)) || fail "kt-b counted $n cleartext drops, want >= 2"
	# kt-b exempts its link from policy checks (disable_policy): clear in
	# is accepted, its replies still go out protected and are accepted.
	nsx kt-b sysctl -qw net.ipv4.conf.vb.disable_policy=1
	nsx kt-a ping -c 2 -i 0.2 -W 2 10.0.0.2 >/dev/null || fail "exempt link still dropped"
	local out
	out=$(nsx kt-b kipsec -j -s state get dst 10.0.0.1 proto esp spi 0x20 | jnum '["lifetime"]["packets"]')
	((out >= 4)) || fail "kt-b sent only $out protected replies"
}
