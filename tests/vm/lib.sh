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

# sa_pair_lines, sa_pair_apply: the SA pair shared with the interop matrix
# and the benchmark.
source "$(dirname "${BASH_SOURCE[0]}")/../lib/sapair.sh"

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

# No warning, oops or lockdep report in the kernel log so far. The debug
# kernel's boot banner "rcu: RCU lockdep checking is enabled." is no report.
kernel_log_clean() {
	if dmesg | grep -v 'RCU lockdep checking is enabled' |
		grep -E 'WARNING:|BUG:|Oops|KASAN|lockdep|possible recursive|circular locking|refcount_t'; then
		fail "kernel log has a report"
	fi
}

# klog_mark: writes a line of this test's own to the kernel log; klog_since
# then prints the kernel log after it: what this test caused, not what an
# earlier test of the same boot (or an earlier round of --repeat) logged.
klog_mark() {
	KLOG_MARK="kipsec-test: mark $BASHPID-$RANDOM$RANDOM"
	echo "<6>$KLOG_MARK" >/dev/kmsg
}
klog_since() {
	dmesg | awk -v m="$KLOG_MARK" 'seen; index($0, m) { seen = 1 }'
}

# race_on MS: a debug build's race_delay_ms set to MS (module/debug.h: a
# packet held where a MOBIKE move must wait for it), 0 again when the
# test ends.
race_on() {
	load_module
	[[ -w /sys/module/kipsec/parameters/race_delay_ms ]] ||
		fail "kipsec is not a debug build (make debug): no race_delay_ms"
	trap 'echo 0 >/sys/module/kipsec/parameters/race_delay_ms 2>/dev/null || true' EXIT
	echo "$1" >/sys/module/kipsec/parameters/race_delay_ms
}

# param_taken PARAM WHY: waits (20 s at most) until the module parameter
# file PARAM, a debug build's "next" knob, reads 0 again (the datapath
# took it); fails with WHY if not. A builtin loop: starting a process
# takes seconds on the debug kernel.
param_taken() {
	local v end=$((SECONDS + 20))
	while read -r v <"$1" && ((v && SECONDS < end)); do :; done
	((v == 0)) || fail "$2"
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

# inner_addrs A B: a tunnel's inner addresses on two_hosts, A on kt-a's
# lo and B on kt-b's, each reaching the other over the veth.
inner_addrs() {
	local p=32
	[[ $1 == *:* ]] && p=128
	nsx kt-a ip addr add "$1/$p" dev lo
	nsx kt-b ip addr add "$2/$p" dev lo
	nsx kt-a ip route add "$2/$p" dev va
	nsx kt-b ip route add "$1/$p" dev vb
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
	nsx "$ns" kipsec -s -j state get "$@" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("lifetime",{}).get("packets",0))' 2>/dev/null || echo 0
}

# ping_counts TEXT: ping's "N packets transmitted, M received" from TEXT
# (its output) into PING_SENT and PING_GOT; fails if TEXT has none.
ping_counts() {
	[[ $1 =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]] ||
		fail "no ping summary in: $1"
	PING_SENT=${BASH_REMATCH[1]} PING_GOT=${BASH_REMATCH[2]}
}

# listening NS PORT [udp]: waits (up to 10 s) until a TCP socket listens on
# PORT in NS (with udp: a UDP socket is bound to it).
listening() {
	local i opt=-Hltn
	[[ ${3:-} == udp ]] && opt=-Huln
	for ((i = 0; i < 100; i++)); do
		[[ -n $(nsx "$1" ss "$opt" "sport = :$2") ]] && return 0
		sleep 0.1
	done
	fail "nothing listens on port $2 in $1"
}

# kstat NS NAME: a netns counter of "kipsec -j stats" (its JSON name),
# 0 when absent.
kstat() {
	nsx "$1" kipsec -j stats |
		python3 -c "import json,sys; print(json.load(sys.stdin).get('$2',0))"
}

# Four namespaces, a router's view:
#   kt-h1 10.1.0.2 -- 10.1.0.1 kt-g1 192.0.2.1 == 192.0.2.2 kt-g2 10.2.0.1 -- 10.2.0.2 kt-h2
# (and fd01::/64, fd0a::/64, fd02::/64 the same way). No IPsec yet.
four_hosts() {
	local ns
	for ns in kt-h1 kt-g1 kt-g2 kt-h2; do
		ip netns add "$ns"
		nsx "$ns" ip link set lo up
	done
	_link() {	# NS1 IF1 ADDR1 ADDR1_6 NS2 IF2 ADDR2 ADDR2_6
		ip link add "$2" netns "$1" type veth peer name "$6" netns "$5"
		nsx "$1" ip addr add "$3" dev "$2"
		nsx "$1" ip addr add "$4" dev "$2" nodad
		nsx "$5" ip addr add "$7" dev "$6"
		nsx "$5" ip addr add "$8" dev "$6" nodad
		nsx "$1" ip link set "$2" up
		nsx "$5" ip link set "$6" up
	}
	_link kt-h1 eth0 10.1.0.2/24 fd01::2/64 kt-g1 lan 10.1.0.1/24 fd01::1/64
	_link kt-g1 wan 192.0.2.1/24 fd0a::1/64 kt-g2 wan 192.0.2.2/24 fd0a::2/64
	_link kt-g2 lan 10.2.0.1/24 fd02::1/64 kt-h2 eth0 10.2.0.2/24 fd02::2/64
	nsx kt-h1 ip route add default via 10.1.0.1
	nsx kt-h2 ip route add default via 10.2.0.1
	nsx kt-h1 ip -6 route add default via fd01::1
	nsx kt-h2 ip -6 route add default via fd02::1
	nsx kt-g1 ip route add 10.2.0.0/24 via 192.0.2.2
	nsx kt-g2 ip route add 10.1.0.0/24 via 192.0.2.1
	nsx kt-g1 ip -6 route add fd02::/64 via fd0a::2
	nsx kt-g2 ip -6 route add fd01::/64 via fd0a::1
	for ns in kt-g1 kt-g2; do
		nsx "$ns" sysctl -qw net.ipv4.ip_forward=1
		nsx "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1
	done
}

# three_hosts MID: kt-a -- MID -- kt-b, MID a router: kt-a's eth0
# 10.1.0.2/24 fd01::2/64 to MID's lan (.1, ::1), MID's wan 192.0.2.1/24
# fd0a::1/64 to kt-b's eth0 (.2, ::2); kt-a's default routes go through
# MID. kt-b's routes are the caller's (through a NAT it has none).
three_hosts() {
	local ns mid=$1
	for ns in kt-a "$mid" kt-b; do
		ip netns add "$ns"
		nsx "$ns" ip link set lo up
	done
	ip link add eth0 netns kt-a type veth peer name lan netns "$mid"
	ip link add wan netns "$mid" type veth peer name eth0 netns kt-b
	nsx kt-a ip addr add 10.1.0.2/24 dev eth0
	nsx kt-a ip addr add fd01::2/64 dev eth0 nodad
	nsx "$mid" ip addr add 10.1.0.1/24 dev lan
	nsx "$mid" ip addr add fd01::1/64 dev lan nodad
	nsx "$mid" ip addr add 192.0.2.1/24 dev wan
	nsx "$mid" ip addr add fd0a::1/64 dev wan nodad
	nsx kt-b ip addr add 192.0.2.2/24 dev eth0
	nsx kt-b ip addr add fd0a::2/64 dev eth0 nodad
	for ns in kt-a kt-b; do nsx "$ns" ip link set eth0 up; done
	nsx "$mid" ip link set lan up
	nsx "$mid" ip link set wan up
	nsx kt-a ip route add default via 10.1.0.1
	nsx kt-a ip -6 route add default via fd01::1
	nsx "$mid" sysctl -qw net.ipv4.ip_forward=1
	nsx "$mid" sysctl -qw net.ipv6.conf.all.forwarding=1
}

# sa_pair NS [KEY=VALUE]... [-- ALGO... [-- ALGO_IN...]]: one end's SA pair
# and the policies that use it (tests/lib/sapair.sh, whose keys it takes),
# installed in one batch with tool=kipsec (the default) or tool="ip xfrm":
# both take the same words. The one helper every suite sets SAs up with.
sa_pair() {
	local ns=$1 tool=kipsec args=() lines
	shift
	while (($#)) && [[ $1 != -- ]]; do
		case $1 in
		tool=*) tool=${1#tool=} ;;
		*) args+=("$1") ;;
		esac
		shift
	done
	lines=$(sa_pair_lines "${args[@]}" "$@") || fail "sa_pair: bad arguments"
	sa_pair_apply "$ns" "$tool" <<<"$lines" ||
		fail "sa_pair: $tool refused the SA pair in $ns"
}

# sa_pairs NS_A NS_B [KEY=VALUE]... [-- ALGO...]: sa_pair on both ends of
# one pair of SAs. The keys are NS_A's view; NS_B gets the mirror image
# (src and dst, osrc and odst, the SPIs swapped). A key with "_b" after
# its name (tool_b=, out_b=, in_b=) sets it for NS_B alone.
sa_pairs() {
	local a=$1 b=$2 w k
	local -A v=()
	local wa=() wb=()
	shift 2
	while (($#)) && [[ $1 != -- ]]; do
		k=${1%%=*}
		v[$k]=${1#*=}
		shift
	done
	for k in "${!v[@]}"; do
		[[ $k == *_b ]] || wa+=("$k=${v[$k]}")
	done
	for k in "${!v[@]}"; do
		[[ $k == *_b || -v v[${k}_b] ]] && continue
		case $k in
		src) w="dst=${v[$k]}" ;;
		dst) w="src=${v[$k]}" ;;
		osrc) w="odst=${v[$k]}" ;;
		odst) w="osrc=${v[$k]}" ;;
		spi) w="spi=${v[$k]#*/}/${v[$k]%/*}" ;;
		*) w="$k=${v[$k]}" ;;
		esac
		wb+=("$w")
	done
	for k in "${!v[@]}"; do
		[[ $k == *_b ]] && wb+=("${k%_b}=${v[$k]}")
	done
	sa_pair "$a" "${wa[@]}" "$@"
	sa_pair "$b" "${wb[@]}" "$@"
}

# gateway_tunnel NS TOOL LOCAL REMOTE LOCAL_NET REMOTE_NET SPI_OUT SPI_IN ALGO...
# A tunnel-mode SA pair and out/fwd/in policies for LOCAL_NET <-> REMOTE_NET.
gateway_tunnel() {
	local ns=$1 tool=$2 l=$3 r=$4 ln=$5 rn=$6 so=$7 si=$8
	shift 8
	sa_pair "$ns" tool="$tool" mode=tunnel reqid=1 dirs=out,fwd,in \
		src="$ln" dst="$rn" osrc="$l" odst="$r" spi="$so/$si" -- "$@"
}
