# shellcheck shell=bash
# The interop matrix, VM side: sourced by tests/vm/esp-matrix.sh (generated
# by tests/tools/iop-cases) and tests/vm/router.sh, after tests/vm/lib.sh.
#
# One case: kipsec in kt-a, the kernel's XFRM (configured with `ip xfrm`)
# or kipsec again in kt-b, joined through a bridge in a third namespace:
#
#   kt-a  va 10.0.0.1 fd00::1 ---- wa [br0] wb ---- vb 10.0.0.2 fd00::2  kt-b
#                                     kt-w: tcpdump -i br0
#
# The capture sits on the bridge, not on either end's own device (which
# would also show what the end decapsulated). Neighbours are static, so
# nothing but the test's own traffic crosses the wire. Traffic goes both
# ways: small pings, large pings that fragment, a TCP transfer each way
# whose content is compared. Then the counters of both ends are compared
# SA by SA (packets, bytes, sequence numbers, drops), and everything the
# host-side checker (tests/tools/iop-wire) needs is written to
# $KIPSEC_IOP_OUT/<case>/: the capture, the SAs and their keys, the
# counters. The checker asserts on the wire what cannot be seen from here:
# ESP only, never the cleartext, ESP packets per SPI == the SA counters,
# sequence numbers, every ICV, and that the ESP decrypts to the traffic
# sent (the TCP streams byte for byte).
#
# A failed check is recorded (iop_problem) and the case goes on, so that
# one failure does not hide the others; it fails at the end with all.
#
# Processes are costly under TCG (70-170 ms per exec, several times that
# when the host is busy): this file keeps to bash builtins, `ip -b`
# batches, busybox's nsenter, and two tool calls per counter snapshot.

source "$(dirname "${BASH_SOURCE[0]}")/suites.sh"
source "$(dirname "${BASH_SOURCE[0]}")/sapair.sh"

IOP_OUT=${KIPSEC_IOP_OUT:-/tmp/kipsec-iop}
IOP_DATA=$IOP_OUT/tcp-data		# the TCP payload, once per boot
IOP_PATTERN=6b69707365632d636c656172	# ping -p: "kipsec-clear"
IOP_ESN_START=$((0xffffffff - 12))	# ESN: the high half changes soon
IOP_MAC_A=02:00:00:00:00:0a
IOP_MAC_B=02:00:00:00:00:0b
IOP_SMALL=3				# small pings each way
IOP_LARGE=2				# large pings each way
IOP_LARGE_SIZE=3000			# > 1500: both families fragment

# A short wait without a process.
iop_nap() {
	[[ -n ${iop_napfd:-} ]] || exec {iop_napfd}<> <(:)
	read -rt "$1" -u "$iop_napfd" || :
}

# iop_nsx NS CMD...: CMD (an absolute path) in network namespace NS,
# through busybox's nsenter (a static binary: 20 ms where `ip netns exec`
# takes 200 ms under TCG).
iop_nsx() {
	local ns=$1
	shift
	/bin/busybox nsenter --net="/run/netns/$ns" "$@"
}

# iop_problem MSG: a failed check that does not stop the case, so that one
# failure (say, of the large pings) does not hide the rest (TCP content,
# counters); iop_case fails at the end with all of them.
iop_problem() {
	echo "problem: $*" >&2
	iop_problems+=("$*")
}

# iop_mark PHASE: when each phase of a case began, in the case's "timing"
# file (where the seconds go under TCG).
iop_mark() {
	echo "$EPOCHREALTIME $1" >>"$iop_dir/timing"
}

# iop_seed WORD: makes the keys of a case reproducible ($RANDOM is seeded).
iop_seed() {
	local s=7 i c
	for ((i = 0; i < ${#1}; i++)); do
		printf -v c '%d' "'${1:i:1}"
		s=$(((s * 131 + c) % 2147483647))
	done
	RANDOM=$s
}

# iop_hex N: N pseudo-random bytes as hex (no 0x).
iop_hex() {
	local i h out=
	for ((i = 0; i < $1; i++)); do
		printf -v h '%02x' $((RANDOM & 255))
		out+=$h
	done
	REPLY=$out
}

# iop_suite SUITE: the ip-xfrm algorithm words of SUITE (tests/lib/
# suites.tsv: every key size and ICV length of every suite the issue lists;
# both ip spellings, aliases and crypto API names, appear) with fresh keys
# in IOP_ALG; IOP_KEYS holds "enc-key auth-key" (hex, "-" for none) for the
# manifest.
iop_suite() {
	local ek=- ak=-
	suite_row "$1" || fail "unknown suite $1"
	if ((SUITE_EKEY)); then
		iop_hex "$SUITE_EKEY"
		ek=$REPLY
	fi
	if ((SUITE_AKEY)); then
		iop_hex "$SUITE_AKEY"
		ak=$REPLY
	fi
	suite_words "$1" "0x$ek" "0x$ak"
	IOP_ALG=("${SUITE_WORDS[@]}")
	IOP_KEYS="$ek $ak"
}

# The TCP payload: 128 KiB, random but for a marker every 4 KiB, so that
# the host can look for it on the wire (and in what tshark decrypts).
iop_data() {
	[[ -s $IOP_DATA ]] && return
	mkdir -p "$IOP_OUT"
	/usr/bin/python3 - "$IOP_DATA" <<-'EOF'
		import os, sys
		with open(sys.argv[1] + ".tmp", "wb") as f:
		    for i in range(32):
		        f.write(b"KIPSEC-TCP-MARKER-%04d-" % i + os.urandom(4073))
		os.rename(sys.argv[1] + ".tmp", sys.argv[1])
	EOF
}

# iop_wire [LINES_A [LINES_B]]: kt-a and kt-b on a bridge in kt-w, static
# neighbours, no IPv6 link-local addresses (no MLD or router
# solicitations on the wire). LINES_*: more `ip -b` lines for that end.
iop_wire() {
	/usr/bin/ip -b - <<-EOF
		netns add kt-a
		netns add kt-b
		netns add kt-w
		link add va address $IOP_MAC_A netns kt-a type veth peer name wa netns kt-w
		link add vb address $IOP_MAC_B netns kt-b type veth peer name wb netns kt-w
	EOF
	/usr/bin/ip -n kt-w -b - <<-EOF
		link set lo up
		link add br0 type bridge
		link set br0 addrgenmode none
		link set wa addrgenmode none
		link set wb addrgenmode none
		link set wa master br0
		link set wb master br0
		link set wa up
		link set wb up
		link set br0 up
	EOF
	/usr/bin/ip -n kt-a -b - <<-EOF
		link set lo up
		link set va addrgenmode none
		addr add 10.0.0.1/24 dev va
		addr add fd00::1/64 dev va nodad
		link set va up
		neigh replace 10.0.0.2 lladdr $IOP_MAC_B dev va nud permanent
		neigh replace fd00::2 lladdr $IOP_MAC_B dev va nud permanent
		${1:-}
	EOF
	/usr/bin/ip -n kt-b -b - <<-EOF
		link set lo up
		link set vb addrgenmode none
		addr add 10.0.0.2/24 dev vb
		addr add fd00::2/64 dev vb nodad
		link set vb up
		neigh replace 10.0.0.1 lladdr $IOP_MAC_A dev vb nud permanent
		neigh replace fd00::1 lladdr $IOP_MAC_A dev vb nud permanent
		${2:-}
	EOF
}

# iop_inner DEV LOCAL REMOTE: the `ip -b` lines that put a tunnel's inner
# address LOCAL on lo and reach REMOTE over DEV from LOCAL (the tunnel's
# policy takes it from there), into $REPLY.
iop_inner() {
	local p=32 f=
	# IPv6: nodad, or the address may still be tentative (DAD runs from
	# a workqueue, late on a busy guest) when the route names it as its
	# source ("Invalid source address").
	[[ $2 == *:* ]] && p=128 f=nodad
	REPLY="addr add $2/$p dev lo $f"$'\n'"route add $3/$p dev $1 src $2"
}

# iop_capture_start DIR: tcpdump on the bridge into DIR/wire.pcap; returns
# once it is capturing.
iop_capture_start() {
	local i
	: >"$1/tcpdump.err"
	# Not through iop_nsx: a function would run in a subshell, and $!
	# must be tcpdump itself for the SIGINT that stops it.
	/bin/busybox nsenter --net=/run/netns/kt-w /usr/bin/tcpdump -i br0 -U -s 0 -n -Z root -w "$1/wire.pcap" \
		2>"$1/tcpdump.err" &
	iop_tcpdump=$!
	for ((i = 0; i < 200; i++)); do
		[[ $(<"$1/tcpdump.err") == *listening* ]] && return 0
		kill -0 "$iop_tcpdump" 2>/dev/null ||
			fail "tcpdump died: $(<"$1/tcpdump.err")"
		iop_nap 0.05
	done
	fail "tcpdump did not start"
}

# iop_capture_stats FILE: tcpdump's last statistics in FILE (it prints
# them on SIGUSR1 and when it exits) into iop_cap=(captured received
# dropped); 0 if it printed none yet.
iop_capture_stats() {
	local line
	iop_cap=(-1 0 0)
	# SIGUSR1: "tcpdump: N packets captured, N packets received by
	# filter, N packets dropped by kernel"; at exit, one a line.
	while IFS= read -r line; do
		[[ $line =~ ([0-9]+)\ packets?\ captured ]] && iop_cap[0]=${BASH_REMATCH[1]}
		[[ $line =~ ([0-9]+)\ packets?\ received\ by\ filter ]] && iop_cap[1]=${BASH_REMATCH[1]}
		[[ $line =~ ([0-9]+)\ packets?\ dropped\ by\ kernel ]] && iop_cap[2]=${BASH_REMATCH[1]}
	done <"$1"
	return 0
}

# iop_capture_stop DIR: stops tcpdump once it has written every packet it
# received: on SIGINT it would drop what it has not read yet (under TCG it
# lags behind); DIR/tcpdump.err has its statistics.
iop_capture_stop() {
	local i
	for ((i = 0; i < 100; i++)); do
		kill -USR1 "$iop_tcpdump"
		iop_nap 0.1
		iop_capture_stats "$1/tcpdump.err"
		((iop_cap[0] >= 0 && iop_cap[0] == iop_cap[1])) && break
		iop_nap 0.2
	done
	kill -INT "$iop_tcpdump"
	wait "$iop_tcpdump" || :
	iop_capture_stats "$1/tcpdump.err"
	((iop_cap[0] >= 0)) || fail "tcpdump statistics missing: $(<"$1/tcpdump.err")"
	((iop_cap[2] == 0 && iop_cap[0] == iop_cap[1])) ||
		iop_problem "the capture is incomplete: tcpdump captured ${iop_cap[0]} of ${iop_cap[1]} packets, the kernel dropped ${iop_cap[2]}"
}

# iop_sa_pair NS TOOL SPI_OUT SPI_IN LOCAL REMOTE MODE OUTER_L OUTER_R
#   REPLAY... -- ALGO_OUT... -- ALGO_IN...: the two SAs of one end, each
# with its own keys, and the policies for LOCAL <-> REMOTE: each a list of
# addresses or prefixes (one per inner family, in the same order). In
# tunnel mode OUTER_* are the endpoints, and the policies are those of a
# gateway when LOCAL is a prefix: out, and fwd for what comes back (XFRM
# checks decapsulated traffic that is forwarded against fwd policies, so
# does kipsec); for host addresses out and in. TOOL: kipsec, or xfrm for
# `ip xfrm` (one `ip -b` batch); both take the same words.
iop_sa_pair() {
	local ns=$1 tool=$2 spo=$3 spi=$4 l=$5 r=$6 mode=$7 ol=$8 or=$9 back=in
	shift 9
	local replay=()
	while [[ $1 != -- ]]; do replay+=("$1"); shift; done
	shift
	# A gateway's tunnel (prefixes): what comes back is forwarded.
	[[ $mode == tunnel && ${l%% *} == */* ]] && back=fwd
	sa_pair_lines mode="$mode" reqid=1 src="$l" dst="$r" osrc="$ol" \
		odst="$or" spi="$spo/$spi" dirs=out,$back both="${replay[*]}" \
		-- "$@" | sa_pair_apply "$ns" "$tool"
}

# iop_ping NS DST COUNT SIZE: every echo must be answered. The source is
# the one the route to DST names.
iop_ping() {
	local out
	out=$(iop_nsx "$1" /usr/bin/ping -n -q -c "$3" -i 0.05 -W 3 -s "$4" \
		-p $IOP_PATTERN "$2" 2>&1) || :
	if ! [[ $out =~ ([0-9]+)\ packets\ transmitted,\ ([0-9]+)\ received ]]; then
		iop_problem "ping $2 -s $4 from $1: ${out//$'\n'/ }"
	elif ((BASH_REMATCH[1] != $3 || BASH_REMATCH[2] != $3)); then
		iop_problem "ping $2 -s $4 from $1: ${BASH_REMATCH[2]} of $3 answered"
	fi
}

# iop_tcp FROM_NS TO_NS TO PORT: sends $IOP_DATA from FROM_NS to TO over
# TCP; what TO_NS received must be the same bytes.
iop_tcp() {
	local fns=$1 tns=$2 to=$3 port=$4 srv rc recv=/tmp/iop-recv.$4 v='' ta=$3
	[[ $to == *:* ]] && v=6 ta="[$to]"
	/bin/busybox nsenter --net="/run/netns/$tns" /usr/bin/socat -u "TCP$v-LISTEN:$port,bind=$ta,reuseaddr" \
		"OPEN:$recv,creat,trunc" &
	srv=$!
	rc=0
	iop_mark "tcp $port"
	iop_nsx "$fns" /usr/bin/socat -T 60 -u "OPEN:$IOP_DATA" \
		"TCP$v:$ta:$port,retry=100,interval=0.05" || rc=$?
	if ((rc)); then
		kill "$srv" 2>/dev/null || :
		wait "$srv" || :
		iop_problem "TCP $fns -> $to: the sender exited $rc"
		return
	fi
	if ! wait "$srv"; then
		iop_problem "TCP $fns -> $to: the receiver failed"
	elif ! /bin/busybox cmp -s "$IOP_DATA" "$recv"; then
		iop_problem "TCP $fns -> $to: the $(/bin/busybox stat -c %s "$recv") bytes received differ from the $(/bin/busybox stat -c %s "$IOP_DATA") sent"
	fi
}

# iop_parse_states SIDE: reads ip's `-s xfrm state` text (kipsec prints
# the same) and appends one line per SA to $iop_snap:
#   SIDE SPI PACKETS BYTES DROPS SEQ OSEQ
# SEQ/OSEQ are 64-bit (ESN high half included); DROPS is the sum of every
# counter under "stats:" (XFRM: replay-window, replay, failed; kipsec: its
# drop reasons).
iop_parse_states() {
	local side=$1 line spi='' pk=0 by=0 dr=0 seq=0 oseq=0 st=0 i
	local -a f
	iop_flush_sa() {
		[[ -n $spi ]] && iop_snap+="$side $spi $pk $by $dr $seq $oseq"$'\n'
		spi='' pk=0 by=0 dr=0 seq=0 oseq=0 st=0
	}
	# Globs first: a regex is compiled at each use, slow under TCG.
	while IFS= read -r line; do
		case $line in
		src\ *)
			iop_flush_sa ;;
		*"proto esp spi "*)
			[[ $line =~ spi\ (0x[0-9a-f]+) ]] && spi=${BASH_REMATCH[1]} ;;
		*"anti-replay context: seq "*)
			[[ $line =~ seq\ (0x[0-9a-f]+),\ oseq\ (0x[0-9a-f]+) ]] &&
				seq=$((BASH_REMATCH[1])) oseq=$((BASH_REMATCH[2])) ;;
		*"seq-hi 0x"*)
			[[ $line =~ seq-hi\ (0x[0-9a-f]+),\ seq\ (0x[0-9a-f]+),\ oseq-hi\ (0x[0-9a-f]+),\ oseq\ (0x[0-9a-f]+) ]] &&
				seq=$((BASH_REMATCH[1] << 32 | BASH_REMATCH[2])) \
				oseq=$((BASH_REMATCH[3] << 32 | BASH_REMATCH[4])) ;;
		*"(bytes), "*"(packets)"*)
			[[ $line =~ ([0-9]+)\(bytes\),\ ([0-9]+)\(packets\) ]] &&
				by=${BASH_REMATCH[1]} pk=${BASH_REMATCH[2]} ;;
		*stats:)
			st=1 ;;
		*)
			if ((st)); then
				# shellcheck disable=SC2206 # "name value" pairs
				f=($line)
				for ((i = 1; i < ${#f[@]}; i += 2)); do
					dr=$((dr + f[i]))
				done
			fi ;;
		esac
	done
	iop_flush_sa
}

# iop_raw: both ends' SA listings with counters, as the tools print them,
# into $iop_raw.
iop_raw() {
	local sa sb
	if [[ $iop_tool_a == kipsec ]]; then sa=$(kipsec -n kt-a -s state list)
	else sa=$(/usr/bin/ip -n kt-a -s xfrm state); fi
	if [[ $iop_tool_b == kipsec ]]; then sb=$(kipsec -n kt-b -s state list)
	else sb=$(/usr/bin/ip -n kt-b -s xfrm state); fi
	iop_raw=$sa$'\n--\n'$sb
}

# iop_snapshot: the counters of $iop_raw, one line per SA and end, into
# $iop_snap (see iop_parse_states).
iop_snapshot() {
	iop_snap=
	iop_parse_states a <<<"${iop_raw%%$'\n--\n'*}"
	iop_parse_states b <<<"${iop_raw#*$'\n--\n'}"
}

# iop_settle: waits until no counter moves (the last TCP segments), so
# that the capture and the counters show the same packets.
iop_settle() {
	local prev i
	iop_nap 0.3
	iop_raw
	for ((i = 0; i < 30; i++)); do
		prev=$iop_raw
		iop_nap 0.3
		iop_raw
		[[ $iop_raw == "$prev" ]] && return 0
	done
	fail "counters still moving after 9 s"
}

# iop_xfrm_stat NS: XFRM's own error counters in NS are all 0.
iop_xfrm_stat() {
	local line bad=
	while read -r line; do
		[[ $line =~ ^([A-Za-z]+)[[:space:]]+([0-9]+)$ ]] || continue
		((BASH_REMATCH[2] == 0)) || bad+=" ${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
	done < <(iop_nsx "$1" /bin/busybox cat /proc/net/xfrm_stat)
	[[ -z $bad ]] || iop_problem "XFRM in $1 counted errors:$bad"
}

# iop_check_sa SPI SENDER RECEIVER MIN ESN: the two ends agree on SA SPI,
# and that agrees with what was sent.
iop_check_sa() {
	local spi=$1 snd=$2 rcv=$3 min=$4 esn=$5 line start=0
	local -a f s=() r=()
	while read -ra f; do
		((${#f[@]})) || continue
		[[ ${f[1]} == "$spi" ]] || continue
		[[ ${f[0]} == "$snd" ]] && s=("${f[@]}")
		[[ ${f[0]} == "$rcv" ]] && r=("${f[@]}")
	done <<<"$iop_snap"
	((${#s[@]} && ${#r[@]})) || fail "SA $spi missing from the counters: $iop_snap"
	# fields: side spi packets bytes drops seq oseq
	((s[4] == 0 && r[4] == 0)) ||
		iop_problem "SA $spi drops: sender ($snd) ${s[4]}, receiver ($rcv) ${r[4]}"
	((r[2] >= min)) ||
		iop_problem "SA $spi: the receiver ($rcv) counted ${r[2]} packets, fewer than the $min sent at least"
	((s[2] == r[2])) ||
		iop_problem "SA $spi packets: sender ($snd) ${s[2]}, receiver ($rcv) ${r[2]}"
	((s[3] == r[3])) ||
		iop_problem "SA $spi bytes: sender ($snd) ${s[3]}, receiver ($rcv) ${r[3]} (${s[2]} packets)"
	((s[6] == r[5])) ||
		iop_problem "SA $spi sequence: the sender ($snd) sent up to $(printf %#x "${s[6]}"), the receiver ($rcv) saw up to $(printf %#x "${r[5]}")"
	((esn)) && start=$IOP_ESN_START
	((s[6] - start == s[2])) ||
		iop_problem "SA $spi: the sender's ($snd) sequence went from $(printf %#x $start) to $(printf %#x "${s[6]}") for ${s[2]} packets"
	if ((esn && s[6] <= 0xffffffff)); then
		iop_problem "SA $spi: the ESN sequence $(printf %#x "${s[6]}") never crossed 2^32"
	fi
}

# iop_begin ID WORD...: a fresh case: its directory $iop_dir, no
# problems yet, the keys seeded from the words that name the case.
iop_begin() {
	iop_problems=()
	iop_dir=$IOP_OUT/$1
	rm -rf "$iop_dir"
	mkdir -p "$iop_dir"
	iop_mark begin
	iop_seed "$*"
	load_module
	[[ $iop_tool_a == kipsec && $iop_tool_b == kipsec ]] || load_xfrm
	iop_data
}

# iop_keys SUITE ESN AF_UNSPEC: the two SAs' SPIs ($iop_spi_ab: a to b,
# $iop_spi_ba), algorithms with their own keys (iop_alg_ab, iop_alg_ba,
# $iop_keys_ab/ba for the manifest) and replay words (iop_replay): ESN
# starts just below 2^32 on both ends (replay-oseq for the sender,
# replay-seq for the receiver), else a 32-packet window.
iop_keys() {
	printf -v iop_spi_ab '0x%08x' $((0x10000 + RANDOM))
	printf -v iop_spi_ba '0x%08x' $((0x20000 + RANDOM))
	iop_suite "$1"
	iop_alg_ab=("${IOP_ALG[@]}") iop_keys_ab=$IOP_KEYS
	iop_suite "$1"
	iop_alg_ba=("${IOP_ALG[@]}") iop_keys_ba=$IOP_KEYS
	if (($2)); then
		iop_replay=(replay-window 64 replay-seq "$IOP_ESN_START"
			replay-oseq "$IOP_ESN_START" flag esn)
	else
		iop_replay=(replay-window 32)
	fi
	# XFRM binds an SA's selector to its own family unless af-unspec.
	(($3)) && iop_replay+=(flag af-unspec)
	return 0
}

# iop_manifest ID SUITE MODE INNER OUTER ESN PEER FIRST OA OB: what the
# host checker needs, but the "addr A B" lines (one per inner family, the
# a side's first) that the caller appends.
iop_manifest() {
	{
		echo "case $1"
		echo "suite $2"
		echo "mode $3"
		echo "inner $4"
		echo "outer $5"
		echo "esn $6"
		echo "esn_start $IOP_ESN_START"
		echo "peer $7"
		echo "first $8"
		echo "outer_addr $9 ${10}"
		echo "sa $iop_spi_ab $9 ${10} $iop_keys_ab"
		echo "sa $iop_spi_ba ${10} $9 $iop_keys_ba"
		echo "pattern $IOP_PATTERN"
		echo "pings $IOP_SMALL $IOP_LARGE $IOP_LARGE_SIZE"
		echo "tcp_marker KIPSEC-TCP-MARKER-"
	} >"$iop_dir/manifest"
}

# iop_traffic NS_A ADDR_A NS_B ADDR_B FIRST PORT: small pings, large pings
# and a TCP transfer each way between a host in NS_A and one in NS_B;
# FIRST (a or b) sends first. The TCP transfers use PORT and PORT+1.
iop_traffic() {
	local x=("$1" "$3" "$4") y=("$3" "$1" "$2")
	[[ $5 == b ]] && x=("$3" "$1" "$2") y=("$1" "$3" "$4")
	iop_mark pings
	iop_ping "${x[0]}" "${x[2]}" $IOP_SMALL 56
	iop_ping "${y[0]}" "${y[2]}" $IOP_SMALL 56
	iop_ping "${x[0]}" "${x[2]}" $IOP_LARGE $IOP_LARGE_SIZE
	iop_ping "${y[0]}" "${y[2]}" $IOP_LARGE $IOP_LARGE_SIZE
	iop_tcp "${x[@]}" "$6"
	iop_tcp "${y[@]}" $(($6 + 1))
}

# iop_end ESN FLOWS: the traffic is done: waits for the counters to settle,
# stops the capture, records the counters for the host checker, and
# checks both ends agree on both SAs, with FLOWS iop_traffic's having
# gone through them. Then fails with every problem found.
iop_end() {
	iop_mark settle
	iop_settle
	# (Should a packet still pass between the last look at the counters
	# and the end of the capture, the host checker sees the difference.)
	iop_capture_stop "$iop_dir"
	printf '%s\n' "$iop_raw" >"$iop_dir/states.txt"
	iop_snapshot
	printf '%s' "$iop_snap" >"$iop_dir/counters"
	iop_mark checks
	echo "complete 1" >>"$iop_dir/manifest"
	# Each SA carried at least, per flow, the small and large echo
	# requests or replies of both pings and one transfer (128 KiB in
	# packets of less than 1500 bytes).
	local min=$((($2) * (2 * IOP_SMALL + 2 * IOP_LARGE + 131072 / 1500)))
	iop_check_sa "$iop_spi_ab" a b $min "$1"
	iop_check_sa "$iop_spi_ba" b a $min "$1"
	local ns
	for ns in a b; do
		local t=iop_tool_$ns
		if [[ ${!t} == kipsec ]]; then
			iop_kipsec_stats "kt-$ns"
		else
			iop_xfrm_stat "kt-$ns"
		fi
	done
	iop_mark end
	((${#iop_problems[@]} == 0)) && return 0
	local msg=${iop_problems[0]} i
	for ((i = 1; i < ${#iop_problems[@]}; i++)); do
		msg+="; ${iop_problems[i]}"
	done
	fail "$msg"
}

# iop_kipsec_stats NS: kipsec's namespace counters (`kipsec stats`) show
# no drop of any kind (InFragReasm counts inner datagrams reassembled, the
# peer's stack having fragmented them before the transform).
iop_kipsec_stats() {
	local out line bad=
	out=$(kipsec -n "$1" stats 2>&1) || {
		iop_problem "kipsec -n $1 stats failed: $out"
		return
	}
	while read -r line; do
		[[ $line =~ ^([A-Za-z]+)[[:space:]]+([0-9]+)$ ]] || continue
		case ${BASH_REMATCH[1]} in SACount | PolicyCount | InFragReasm) continue ;; esac
		((BASH_REMATCH[2] == 0)) || bad+=" ${BASH_REMATCH[1]}=${BASH_REMATCH[2]}"
	done <<<"$out"
	[[ -z $bad ]] || iop_problem "kipsec in $1 counted drops:$bad"
}

# iop_peers PEER: which end runs what. xfrm: kipsec in kt-a, XFRM in
# kt-b; kipsec: kipsec on both ends; xfrm2: XFRM on both ends (a control:
# proves the checks hold for the kernel's own implementation).
iop_peers() {
	iop_tool_a=kipsec iop_tool_b=xfrm
	case $1 in
	xfrm) ;;
	kipsec) iop_tool_b=kipsec ;;
	xfrm2) iop_tool_a=xfrm ;;
	*) fail "unknown peer $1" ;;
	esac
}

# iop_case ID SUITE MODEFAM ESN PEER FIRST: one case of the matrix.
#   MODEFAM: tr4 tr6 (transport), tun4 tun6 tun4in6 tun6in4 (tunnel; the
#            inner addresses are of their own, on lo)
#   ESN:     esn (sequence numbers start just below 2^32) or noesn
#   PEER:    see iop_peers
#   FIRST:   a or b, the end whose traffic goes first (pings and TCP)
iop_case() {
	local id=$1 suite=$2 mf=$3 esn=0 peer=$5 first=$6 mode=tunnel inner outer
	case $mf in
	tr4) mode=transport inner=4 outer=4 ;;
	tr6) mode=transport inner=6 outer=6 ;;
	tun4) inner=4 outer=4 ;;
	tun6) inner=6 outer=6 ;;
	tun4in6) inner=4 outer=6 ;;
	tun6in4) inner=6 outer=4 ;;
	*) fail "unknown mode/family $mf" ;;
	esac
	[[ $4 == esn ]] && esn=1
	iop_peers "$peer"
	iop_begin "$@"

	local oa=10.0.0.1 ob=10.0.0.2 a b
	[[ $outer == 6 ]] && oa=fd00::1 ob=fd00::2
	a=$oa b=$ob
	if [[ $mode == tunnel ]]; then
		a=10.9.0.1 b=10.9.0.2
		[[ $inner == 6 ]] && a=fd09::1 b=fd09::2
	fi
	iop_mark wire
	local la='' lb=''
	if [[ $mode == tunnel ]]; then
		iop_inner va "$a" "$b"
		la=$REPLY
		iop_inner vb "$b" "$a"
		lb=$REPLY
	fi
	iop_wire "$la" "$lb"
	iop_keys "$suite" $esn $((inner != outer))
	iop_manifest "$id" "$suite" $mode $inner $outer $esn "$peer" "$first" "$oa" "$ob"
	echo "addr $a $b" >>"$iop_dir/manifest"

	iop_mark capture
	iop_capture_start "$iop_dir"
	iop_mark sas
	iop_sa_pair kt-a "$iop_tool_a" "$iop_spi_ab" "$iop_spi_ba" "$a" "$b" $mode "$oa" "$ob" \
		"${iop_replay[@]}" -- "${iop_alg_ab[@]}" -- "${iop_alg_ba[@]}"
	iop_sa_pair kt-b "$iop_tool_b" "$iop_spi_ba" "$iop_spi_ab" "$b" "$a" $mode "$ob" "$oa" \
		"${iop_replay[@]}" -- "${iop_alg_ba[@]}" -- "${iop_alg_ab[@]}"
	iop_traffic kt-a "$a" kt-b "$b" "$first" 5001
	iop_end $esn 1
}
