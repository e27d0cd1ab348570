# Malformed requests to the generic netlink family, sent by
# tests/tools/kipsec-badnl: each must be refused with the errno (and, where
# the kernel can explain, the extack message) uapi/linux/kipsec.h gives;
# none may change the namespace's SAs, policies, defaults, settings or
# counters, and the kernel must not complain. Run by tests/vm/run.

# KIPSEC_BADNL: another build of the program (e.g. to prove the test can fail).
NL_BADNL=${KIPSEC_BADNL:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools" && pwd)/kipsec-badnl}

# The SA and policy kipsec-badnl's duplicate and update cases refer to (the
# comment at the top of tests/tools/kipsec-badnl.c has the same two lines).
nl_install_known() {
	nsx kt-nl kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 \
		reqid 1 mode tunnel replay-window 32 \
		aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
		sel src 10.1.0.0/24 dst 10.2.0.0/24 \
		limit packet-soft 1000000 limit packet-hard 2000000
	nsx kt-nl kipsec policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out \
		priority 100 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
}

# Everything a request could change, as the tool shows it. events-lost is
# left out: an event for a request wrongly carried out (and undone) may
# count as lost when nobody listens, which the case itself reports.
nl_snapshot() {
	nsx kt-nl kipsec -j state list
	nsx kt-nl kipsec -j policy list
	nsx kt-nl kipsec -j stats | /usr/bin/python3 -c '
import json, sys
j = json.load(sys.stdin)
j.pop("events-lost", None)
print(json.dumps(j, sort_keys=True))'
	nsx kt-nl kipsec -j policy getdefault
	nsx kt-nl kipsec -j config show
}

t_malformed_requests_refused() {
	load_module
	[[ -x $NL_BADNL ]] || fail "$NL_BADNL is missing: make tools"
	ip netns add kt-nl
	nsx kt-nl ip link set lo up
	nl_install_known
	local before after out rc=0 npass nfail new bad problems=()
	before=$(nl_snapshot)
	klog_mark

	out=$(nsx kt-nl "$NL_BADNL" -v 2>&1) || rc=$?
	echo "$out"

	npass=$(grep -c '^PASS ' <<<"$out" || true)
	nfail=$(grep -c '^FAIL ' <<<"$out" || true)
	echo "kipsec-badnl: exit $rc, $npass PASS, $nfail FAIL"
	[[ $out == *"kipsec-badnl: $npass passed, $nfail failed"* ]] ||
		problems+=("kipsec-badnl did not run to the end (exit $rc)")
	((rc == 0 && nfail == 0)) ||
		problems+=("$nfail case(s) failed: $(grep '^FAIL ' <<<"$out" | cut -d: -f1 | cut -c6- | tr '\n' ' ')")

	after=$(nl_snapshot)
	if [[ $after != "$before" ]]; then
		diff <(echo "$before") <(echo "$after") | sed 's/^/state diff: /' || true
		problems+=("the namespace's state changed (see the diff above)")
	fi

	# New kernel log lines: only the netlink core's rate-limited notices
	# about the malformed attributes may mention netlink or kipsec (and a
	# debug build's count of packets in flight at each SA deletion).
	new=$(klog_since)
	[[ -z $new ]] || sed 's/^/dmesg: /' <<<"$new"
	bad=$(grep -iE 'kipsec|netlink' <<<"$new" |
		grep -vE "netlink: '[^']*': attribute type [0-9]+ has an invalid length\.|netlink: [0-9]+ bytes leftover after parsing attributes in process|kipsec: sa delete: [0-9]+ packets in flight in its namespace\$" ||
		true)
	[[ -z $bad ]] || problems+=("unexpected kernel log lines: $bad")

	((${#problems[@]} == 0)) || fail "$(IFS=';'; echo "${problems[*]}")"
	kernel_log_clean
}
