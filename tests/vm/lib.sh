# Helpers for the tests that run inside the VM (sourced by tests/vm/run).
# A test is a function t_NAME run with set -eEuo pipefail: any failing
# command fails it, and fail() says why in one line.

fail() {
	echo "FAIL: $*"
	exit 1
}

# The first failing command is the reason, unless fail() gave one.
trap 'rc=$?; [[ $BASH_COMMAND == fail* ]] || echo "FAIL: line $LINENO: $BASH_COMMAND (exit $rc)"' ERR

# must_fail CMD...: CMD must exit non-zero.
must_fail() {
	if "$@"; then
		fail "expected failure: $*"
	fi
}

# expect_out REGEX CMD...: CMD's combined output must match REGEX; CMD's
# exit status is kept in $last_rc and its output in $last_out.
expect_out() {
	local re=$1
	shift
	last_rc=0
	last_out=$("$@" 2>&1) || last_rc=$?
	[[ $last_out =~ $re ]] || fail "\"$*\" printed \"${last_out:0:300}\", want /$re/"
}

# Network namespaces: tests name theirs kt-*; all are removed after each test.
cleanup_all_netns() {
	local ns
	for ns in $(ip netns list 2>/dev/null | awk '$1 ~ /^kt-/ { print $1 }'); do
		ip netns delete "$ns" 2>/dev/null || true
	done
}

module_loaded() {
	[[ -d /sys/module/kipsec ]]
}

load_module() {
	module_loaded || modprobe kipsec
}

unload_module() {
	if module_loaded; then
		modprobe -r kipsec
	fi
	! module_loaded || fail "kipsec still loaded after modprobe -r"
}

# No warning, oops or lockdep report in the kernel log so far.
kernel_log_clean() {
	if dmesg | grep -E 'WARNING:|BUG:|Oops|KASAN|lockdep|possible recursive|circular locking|refcount_t'; then
		fail "kernel log has a report"
	fi
}

# Runs a command in namespace $1.
nsx() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# Two hosts on one link: kt-a (10.0.0.1, fd00::1) and kt-b (10.0.0.2,
# fd00::2), joined by veth va/vb. Offloads stay on, as on a real host.
two_hosts() {
	ip netns add kt-a
	ip netns add kt-b
	ip link add va netns kt-a type veth peer name vb netns kt-b
	nsx kt-a ip link set lo up
	nsx kt-b ip link set lo up
	nsx kt-a ip addr add 10.0.0.1/24 dev va
	nsx kt-b ip addr add 10.0.0.2/24 dev vb
	nsx kt-a ip addr add fd00::1/64 dev va nodad
	nsx kt-b ip addr add fd00::2/64 dev vb nodad
	nsx kt-a ip link set va up
	nsx kt-b ip link set vb up
}

# The kernel's own IPsec and the fast crypto drivers, as a router has them.
load_xfrm() {
	modprobe -a esp4 esp6 xfrm_user aesni_intel 2>/dev/null ||
		modprobe -a esp4 esp6 xfrm_user
}

# Key material: N random bytes as 0x-hex.
hexkey() {
	echo "0x$(head -c "$1" /dev/urandom | od -An -tx1 | tr -d ' \n')"
}

# A counter from "kipsec -s state get": the value after "WORD".
sa_packets() {
	local ns=$1
	shift
	nsx "$ns" kipsec -j state get "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("lifetime",{}).get("packets",0))' 2>/dev/null || echo 0
}
