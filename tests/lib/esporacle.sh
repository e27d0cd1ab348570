# Shared by tests/vm/oracle.sh and tests/vm/badinput.sh (ESP), and
# tests/vm/ah-oracle.sh and tests/vm/ah-badinput.sh (AH), sourced after
# tests/vm/lib.sh: kipsec in kt-a against an independent ESP or AH peer,
# scapy, which tests/lib/esporacle.py runs on kt-b's end of the veth.
#
# The helper imports scapy once per VM boot (tens of seconds under TCG) and
# then serves every test: "oracle CMD ARGS..." hands it one command through
# a FIFO and prints what the command printed; its status is the command's.

source "$(dirname "${BASH_SOURCE[0]}")/suites.sh"

ORACLE_PY=/usr/bin/python3
ORACLE_SCRIPT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/esporacle.py
ORACLE_DIR=/tmp/kipsec-esporacle
# Protocol: the client writes q.ID.{argv,cwd,path,timeout,debug,t0} and
# the line ID to the FIFO "req"; a child of the helper runs the command
# with its output in q.ID.out, puts its status in q.ID.rc and then writes
# "ID STATUS" to the FIFO "done" (a wake-up call: the file is the result).

oracle_alive() {
	local pid
	[[ -r $ORACLE_DIR/ready ]] && read -r pid <"$ORACLE_DIR/ready" &&
		kill -0 "$pid" 2>/dev/null
}

# Starts the helper unless it runs already; waits until scapy is loaded.
oracle_start() {
	local pid start=$SECONDS
	oracle_alive && return 0
	rm -rf "$ORACLE_DIR"
	mkdir -p "$ORACLE_DIR"
	setsid "$ORACLE_PY" "$ORACLE_SCRIPT" serve "$ORACLE_DIR" \
		</dev/null >"$ORACLE_DIR/server.log" 2>&1 &
	pid=$!
	while ((SECONDS - start < 180)); do
		[[ -e $ORACLE_DIR/ready ]] && return 0
		kill -0 "$pid" 2>/dev/null ||
			fail "esporacle helper died: $(tail -n 3 "$ORACLE_DIR/server.log" | tr '\n' ' ')"
		sleep 0.2
	done
	fail "esporacle helper not ready after 180 s"
}

# oracle CMD ARGS...: runs one helper command (see esporacle.py) and
# prints its output; its status is the command's. Spawns no process: each
# costs most of a second under TCG.
oracle() {
	local id q rc= line fd start=$SECONDS lines=()
	oracle_start
	id=$BASHPID-$RANDOM$RANDOM
	q=$ORACLE_DIR/q.$id
	printf '%s\0' "$@" >"$q.argv"
	printf '%s\n' "$PWD" >"$q.cwd"
	printf '%s\n' "$PATH" >"$q.path"
	echo "$((${KIPSEC_TEST_TIMEOUT:-240} - 20))" >"$q.timeout"
	echo "${ORACLE_DEBUG:-}" >"$q.debug"
	echo "$EPOCHREALTIME" >"$q.t0"
	exec {fd}<>"$ORACLE_DIR/done"
	echo "$id" >"$ORACLE_DIR/req"
	# The status is in q.ID.rc once that exists; the FIFO's lines only
	# wake us up (a line that read's timeout cut in two would otherwise be
	# lost, and the whole wait with it).
	while ((SECONDS - start < 600)); do
		if [[ -e $q.rc ]]; then
			read -r rc <"$q.rc"
			break
		fi
		read -r -t 2 line <&"$fd" || oracle_alive || break
	done
	exec {fd}<&-
	[[ -n $rc || ! -e $q.rc ]] || read -r rc <"$q.rc"
	if [[ -e $q.out ]]; then
		mapfile -t lines <"$q.out"
		((${#lines[@]} == 0)) || printf '%s\n' "${lines[@]}"
	fi
	[[ -n $rc ]] || fail "esporacle helper gave no result for: $*"
	return "$rc"
}

# randkey VAR N: N random bytes as 0x-hex in VAR (no process spawned:
# they cost most of a second each under TCG).
randkey() {
	local -n _k=$1
	local h n=$2
	if [[ -z ${SRANDOM:-} ]]; then
		_k=$(hexkey "$n")
		return
	fi
	_k=0x
	while ((n > 0)); do
		printf -v h '%08x' "$SRANDOM"
		_k+=$h
		n=$((n - 4))
	done
	_k=${_k:0:$((2 + 2 * $2))}
}

# use_suite SUITE: fresh keys for SUITE (an ESP suite of tests/lib/
# suites.tsv's "oracle" set: gcm, chacha, cbc-sha256, ctr-sha1); sets ALGO
# (kipsec's algorithm words) and ORACLE_KEYS (the helper's options for the
# same suite and keys).
use_suite() {
	local ek= ak=
	suite_row "$1" && [[ $SUITE_PROTO == esp ]] ||
		fail "use_suite: unknown suite $1"
	((SUITE_EKEY)) && randkey ek "$SUITE_EKEY"
	((SUITE_AKEY)) && randkey ak "$SUITE_AKEY"
	suite_words "$1" "$ek" "$ak"
	ALGO=("${SUITE_WORDS[@]}")
	ORACLE_KEYS=(--suite "$1" --ekey "$ek")
	[[ -z $ak ]] || ORACLE_KEYS+=(--akey "$ak")
}

# use_ah_suite ALG: AH (RFC 4302) with a fresh key for ALG (suites.tsv's
# "ah-ALG": sha1, sha256, sha384, sha512 are HMAC with a 96/128/192/256-bit
# ICV; cmac, xcbc AES-CMAC-96, AES-XCBC-MAC-96); sets ALGO, ORACLE_KEYS
# and PROTO=ah for kipsec_side.
use_ah_suite() {
	local ak
	suite_row "ah-$1" && [[ $SUITE_PROTO == ah ]] ||
		fail "use_ah_suite: unknown AH algorithm $1"
	randkey ak "$SUITE_AKEY"
	suite_words "ah-$1" "" "$ak"
	ALGO=("${SUITE_WORDS[@]}")
	PROTO=ah
	ORACLE_KEYS=(--suite "ah-$1" --akey "$ak")
}

# peer_hosts: kt-a (10.0.0.1, fd00::1 on va) and kt-b, joined by the veth
# va/vb as tests/vm/lib.sh's two_hosts, except that kt-b is a bare wire
# for the helper: no addresses (its stack never answers what it captures),
# and kt-a knows its MAC statically (no neighbour discovery through
# kipsec's policies). Few processes: each costs most of a second.
PEER_MAC_A=02:6b:74:00:00:0a
PEER_MAC_B=02:6b:74:00:00:0b
peer_hosts() {
	ip -b - <<-EOF
	netns add kt-a
	netns add kt-b
	link add va address $PEER_MAC_A netns kt-a type veth peer name vb address $PEER_MAC_B netns kt-b
	EOF
	ip -n kt-b -b - <<-EOF
	link set lo up
	link set vb addrgenmode none
	link set vb up
	EOF
	ip -n kt-a -b - <<-EOF
	link set lo up
	addr add 10.0.0.1/24 dev va
	addr add fd00::1/64 dev va nodad
	link set va up
	neigh replace 10.0.0.2 lladdr $PEER_MAC_B dev va nud permanent
	neigh replace fd00::2 lladdr $PEER_MAC_B dev va nud permanent
	EOF
}

# kipsec_side MODE INNER OUTER [WORD...]: kipsec in kt-a protects its
# traffic with the peer: $PROTO (esp unless use_ah_suite set ah) SA 0x1001
# out (A->B), 0x2002 in (B->A), $ALGO and
# WORDs on both, plus IN_WORDS / OUT_WORDS on one, and the policies
# (tests/vm/lib.sh's sa_pair). In
# tunnel mode the inner addresses are 10.9.0.1/fd09::1 on kt-a's lo and
# 10.9.0.2/fd09::2 behind the peer. With ENCAP=1 both SAs are ESP in UDP
# (RFC 3948: encap espinudp 4500 4500, no original address) and kipsec's
# encapsulation socket listens on 4500 in kt-a. Sets ORACLE_MODE (the
# helper's options).
kipsec_side() {
	local mode=$1 inner=$2 outer=$3 a b oa=10.0.0.1 ob=10.0.0.2 p=32
	shift 3
	[[ $outer == 6 ]] && oa=fd00::1 ob=fd00::2
	a=$oa b=$ob
	if [[ $mode == tunnel ]]; then
		a=10.9.0.1 b=10.9.0.2
		[[ $inner == 6 ]] && a=fd09::1 b=fd09::2 p=128
		ip -n kt-a -b - <<-EOF
		addr add $a/$p dev lo
		route add $b/$p dev va
		EOF
	fi
	[[ $inner != "$outer" ]] && set -- "$@" flag af-unspec
	# The oracle's AH over IPv4 is RFC 4302's, padded to 32 bits (scapy's
	# too); kipsec pads to 64 without align4.
	[[ $PROTO == ah && $outer == 4 ]] && set -- "$@" flag align4
	if [[ -n $ENCAP ]]; then
		local z=0.0.0.0
		[[ $outer == 6 ]] && z=::
		set -- "$@" encap espinudp 4500 4500 "$z"
		kipsec -n kt-a config set encap-port 4500
	fi
	sa_pair kt-a proto="$PROTO" mode="$mode" reqid=1 src="$a" dst="$b" \
		osrc="$oa" odst="$ob" spi=0x1001/0x2002 both="$*" \
		out="${OUT_WORDS[*]}" in="${IN_WORDS[*]}" -- "${ALGO[@]}"
	ORACLE_MODE=(--mode "$mode" --inner "$inner" --outer "$outer")
	[[ -z $ENCAP ]] || ORACLE_MODE+=(--encap)
}

IN_WORDS=()
OUT_WORDS=()
PROTO=esp
ENCAP=
