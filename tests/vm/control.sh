# The control plane against live traffic: SPI allocation and larval SAs,
# lifetimes and their EXPIRE events (packets, bytes, time since add and
# since first use, sequence exhaustion), ACQUIRE and its de-duplication,
# in-place SA updates while traffic flows (replay window resize keeping
# the history, MOBIKE moves), switching a policy between SAs by SPI, and
# the SA/policy event stream, read with `kipsec -s -j monitor`.
#
# Processes are costly under TCG: kipsec runs with -n NS (no `ip netns
# exec`), other programs through busybox's nsenter, set-ups are batches,
# and JSON fields are read with bash (python only for event streams).

PY=/usr/bin/python3
PING=/usr/bin/ping

K() {	# K NS ARGS...: kipsec in namespace NS
	local ns=$1
	shift
	kipsec -n "$ns" "$@"
}

nse() {	# nse NS /ABS/PROG ARGS...: PROG in namespace NS
	local ns=$1
	shift
	/bin/busybox nsenter --net="/run/netns/$ns" -F "$@"
}

# bg_in NS /ABS/PROG ARGS...: PROG in namespace NS in the background, its
# pid (busybox execs it) in $BG.
bg_in() {
	local ns=$1
	shift
	/bin/busybox nsenter --net="/run/netns/$ns" -F "$@" &
	BG=$!
}

# jf JSON KEY: the first value of "KEY" in JSON (a number, string or bool).
jf() {
	local re="\"$2\":(\"[^\"]*\"|[^,}]*)"
	[[ $1 =~ $re ]] || { echo "no-$2"; return 0; }
	local v=${BASH_REMATCH[1]}
	v=${v#[\"[]}
	echo "${v%[]\"]}"
}

# sa NS ID...: `kipsec -s -j state get ID` in NS, or "" if there is none.
sa() {
	local ns=$1
	shift
	kipsec -n "$ns" -s -j state get "$@" 2>/dev/null || true
}

# stat NS KEY: one counter of `kipsec -j stats`.
stat() {
	jf "$(K "$1" -j stats)" "$2"
}

# Microseconds since the epoch.
now_us() {
	echo "${EPOCHREALTIME/./}"
}

NCPU=$(nproc)
GCM='rfc4106(gcm(aes))'

# kt-a 10.0.0.1 -- kt-b 10.0.0.2 (as lib.sh's two_hosts, in 6 processes).
hosts() {
	ip netns add kt-a
	ip netns add kt-b
	ip link add va netns kt-a type veth peer name vb netns kt-b
	ip -n kt-a -b - <<-EOF
	link set lo up
	addr add 10.0.0.1/24 dev va
	link set va up
	EOF
	ip -n kt-b -b - <<-EOF
	link set lo up
	addr add 10.0.0.2/24 dev vb
	link set vb up
	EOF
}

# ctl_pair OUT_ARGS...: kipsec on both ends of kt-a -- kt-b, transport
# mode, AES-GCM, SPI 0x10 from a to b (kt-a's has OUT_ARGS), 0x20 back;
# inbound SAs have a 64-packet replay window.
ctl_pair() {
	local k
	k=$(hexkey 20)
	load_module
	hosts
	sa_pairs kt-a kt-b src=10.0.0.1 dst=10.0.0.2 spi=0x10/0x20 out="$*" out_b= \
		in="replay-window 64" -- aead "$GCM" "$k" 128
}

# ctl_tunnel: kipsec on both ends, tunnel mode between 10.0.0.1 and
# 10.0.0.2 for 10.9.0.1 <-> 10.9.0.2 (on lo); SPI 0x10 from a to b, 0x20
# back, reqid 1; inbound replay windows of 64.
ctl_tunnel() {
	local k
	k=$(hexkey 20)
	load_module
	hosts
	ip -n kt-a -b - <<-EOF
	addr add 10.9.0.1/32 dev lo
	route add 10.9.0.2/32 via 10.0.0.2
	EOF
	ip -n kt-b -b - <<-EOF
	addr add 10.9.0.2/32 dev lo
	route add 10.9.0.1/32 via 10.0.0.1
	EOF
	sa_pairs kt-a kt-b mode=tunnel reqid=1 src=10.9.0.1 dst=10.9.0.2 \
		osrc=10.0.0.1 odst=10.0.0.2 spi=0x10/0x20 in="replay-window 64" \
		-- aead "$GCM" "$k" 128
	nse kt-a $PING -c 2 -i 0.2 -W 2 -I 10.9.0.1 10.9.0.2 >/dev/null || fail "tunnel ping failed"
}

# no_drops NS...: no replay or ICV failure was counted in NS.
no_drops() {
	local ns s
	for ns in "$@"; do
		s=$(K "$ns" -j stats)
		[[ $(jf "$s" in-replay) == 0 && $(jf "$s" in-auth) == 0 ]] ||
			fail "$ns counted drops: $s"
	done
}

# ping_stop PID FILE: stops a ping (SIGINT: it prints its summary); sets
# TX (packets sent) and LOSS (sent but not answered).
ping_stop() {
	local out rx
	kill -INT "$1" 2>/dev/null || true
	wait "$1" || true
	out=$(grep -a 'packets transmitted' "$2" || true)
	TX=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' <<<"$out")
	rx=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' <<<"$out")
	[[ -n $TX && -n $rx ]] || fail "no ping summary in: $(tail -c 300 "$2")"
	LOSS=$((TX - rx))
}

# ---------------------------------------------------------------------------
# Monitor: `kipsec -s -j monitor` in a namespace, each line prefixed with
# the time it arrived. mon_start returns once the monitor is known to
# listen (a probe policy's events came through); evs reads what followed.

MON_PIDS=()
mon_stop() {
	local p
	for p in "${MON_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	MON_PIDS=()
}
trap mon_stop EXIT

mon_start() {	# mon_start NS FILE
	local ns=$1 f=$2 i
	: >"$f"
	kipsec -n "$ns" -s -j monitor > >(
		while IFS= read -r l; do
			printf '%s %s\n' "$EPOCHREALTIME" "$l"
		done >"$f"
	) 2>"$f.err" &
	MON_PIDS+=($!)
	for i in $(seq 60); do
		K "$ns" policy update src 198.18.0.1 dst 198.18.0.2 dir in action block
		grep -q '198.18.0.1' "$f" && break
		sleep 0.2
	done
	grep -q '198.18.0.1' "$f" || fail "monitor in $ns never listened: $(cat "$f.err")"
	K "$ns" policy delete src 198.18.0.1 dst 198.18.0.2 dir in
	for i in $(seq 50); do
		grep -q '"event":"del-policy".*198.18.0.1' "$f" && return 0
		sleep 0.1
	done
	fail "monitor in $ns missed the probe's del-policy"
}

# evs FILE PYTHON-CODE [ARGS]: runs CODE with ev = [(time, event), ...],
# the events after the probe (argv[3:] = ARGS), and prints what it prints.
evs() {
	$PY -c '
import json, sys
ev = []
for l in open(sys.argv[1]).read().splitlines():
    t, _, js = l.partition(" ")
    ev.append((float(t), json.loads(js)))
last = max(i for i, (t, e) in enumerate(ev)
           if e["event"] == "del-policy" and e["policy"]["src"] == "198.18.0.1/32")
ev = ev[last + 1:]
def spi(e): return e.get("sa", {}).get("spi")
def expires(s): return [(t, e) for t, e in ev if e["event"] == "expire" and spi(e) == s]
# One soft expire (unless soft is False), then one hard, then nothing for
# the SA: returns the soft and hard (time, sa), or prints why not.
def soft_hard(s, soft=True):
    x = expires(s)
    want = ([False] if soft else []) + [True]
    if [e["hard"] for t, e in x] != want:
        print("expire events for", s, "(hard?):", [e["hard"] for t, e in x], "want", want)
        sys.exit(0)
    hi = max(i for i, (t, e) in enumerate(ev) if e["event"] == "expire" and spi(e) == s)
    after = [e["event"] for t, e in ev[hi + 1:] if spi(e) == s]
    if after:
        print("events for", s, "after its hard expire:", after)
        sys.exit(0)
    return [(t, e["sa"]) for t, e in x]
exec(sys.argv[2])' "$@"
}

# wait_ev FILE REGEX [TENTHS]: until a line of FILE matches REGEX.
wait_ev() {
	local f=$1 re=$2 n=${3:-80} i
	for ((i = 0; i < n; i++)); do
		grep -qE "$re" "$f" && return 0
		sleep 0.1
	done
	fail "no event /$re/ within $((n / 10)) s: $(tail -c 600 "$f")"
}

# ===========================================================================
# 1. allocspi

t_allocspi_unique_in_range_then_enospc() {
	load_module
	ip netns add kt-c
	local f=/tmp/alloc i got
	# 500 of the 512 SPIs in 0x1000..0x11ff, in one process.
	for ((i = 0; i < 500; i++)); do
		echo "state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 0x1000 max 0x11ff"
	done >$f
	K kt-c -batch $f >/dev/null
	K kt-c -j state list >$f.json
	got=$($PY - $f.json <<-'EOF'
	import json, sys
	j = json.load(open(sys.argv[1]))
	print(len(j), len({s["spi"] for s in j}),
	      sum(0x1000 <= int(s["spi"], 16) <= 0x11ff for s in j),
	      sum(s["flag"] == ["larval"] and "aead" not in s and s["dst"] == "10.0.0.2" for s in j))
	EOF
	)
	[[ $got == "500 500 500 500" ]] ||
		fail "500 allocations: count, unique, in range, larval = $got"
	# The last 12 fill the range; the next one finds no SPI.
	head -n 12 $f >$f.12
	K kt-c -batch $f.12 >/dev/null
	got=$(K kt-c -j state list | grep -oE '"spi":"0x0000(1[01][0-9a-f]{2})"' | sort -u | wc -l)
	((got == 512)) || fail "$got distinct SPIs in 0x1000..0x11ff after 512 allocations"
	expect_out '^kipsec: .*(no free SPI|No space)' \
		K kt-c state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp min 0x1000 max 0x11ff
	((last_rc == 2)) || fail "allocspi in a full range exited $last_rc, want 2"
	# A one-SPI range elsewhere: that SPI, then no more.
	got=$(jf "$(K kt-c -j state allocspi src 10.0.0.1 dst 10.0.0.3 proto esp min 0x1000 max 0x1000)" spi)
	[[ $got == 0x00001000 ]] || fail "single-SPI range gave $got"
	expect_out '^kipsec: .*(no free SPI|No space)' \
		K kt-c state allocspi src 10.0.0.1 dst 10.0.0.3 proto esp min 0x1000 max 0x1000
	got=$(K kt-c state count)
	[[ $got =~ (^|[^0-9])513([^0-9]|$) ]] || fail "state count after the failed allocations: $got"
}

t_allocspi_larval_expires_completed_stays() {
	load_module
	ip netns add kt-c
	local k got a b t0 s
	k=$(hexkey 20)
	K kt-c config set acquire-expires 8
	got=$(jf "$(K kt-c -j config show)" acquire-expires)
	[[ $got == 8 ]] || fail "acquire-expires reads back as $got"
	# The boot's first GCM SA loads the crypto modules (seconds under
	# TCG): not while b waits to be completed, or the reaper takes it.
	K kt-c state add src 10.0.0.1 dst 10.0.0.9 proto esp spi 0x99 aead "$GCM" "$k" 128
	K kt-c state delete dst 10.0.0.9 proto esp spi 0x99
	# b is completed at once (a slow host must not let the reaper take it
	# first); a stays larval.
	b=$(jf "$(K kt-c -j state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp reqid 4 mode tunnel)" spi)
	K kt-c state update src 10.0.0.1 dst 10.0.0.2 proto esp spi "$b" reqid 4 \
		mode tunnel aead "$GCM" "$k" 128 replay-window 32
	t0=$(now_us)
	a=$(jf "$(K kt-c -j state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp reqid 4 mode tunnel)" spi)
	[[ $a == 0x* && $b == 0x* && $a != "$b" ]] || fail "two allocations gave $a and $b"
	s=$(sa kt-c dst 10.0.0.2 proto esp spi "$a")
	[[ $s == *'"flag":["larval"]'* && $(jf "$s" reqid) == 4 && $(jf "$s" mode) == tunnel ]] ||
		fail "larval SA reads as: $s"
	# A partial update cannot complete a larval SA (it needs algorithms).
	expect_out '^kipsec: ' K kt-c state update dst 10.0.0.2 proto esp spi "$a" replay-window 32
	((last_rc == 2)) || fail "a partial update of a larval SA exited $last_rc"
	s=$(sa kt-c dst 10.0.0.2 proto esp spi "$b")
	[[ $s == *'"flag":[]'* && $(jf "$s" key) == "$k" && $(jf "$s" replay-window) == 32 ]] ||
		fail "completed SA reads as: $s"
	# a goes after acquire-expires (reaped each second); b stays. A get
	# that still finds a began before a went (a slow one, under a debug
	# kernel, may end well after); one that does not ended after it.
	local i gone= asked seen=$t0
	for ((i = 0; i < 100; i++)); do
		asked=$(now_us)
		if ! K kt-c state get dst 10.0.0.2 proto esp spi "$a" >/dev/null 2>&1; then
			gone=$(now_us)
			break
		fi
		seen=$asked
		sleep 0.2
	done
	[[ -n $gone ]] || fail "larval SA $a still there long after acquire-expires 8"
	local ms=$(((gone - t0) / 1000)) still=$(((seen - t0) / 1000))
	((ms >= 7000 && still <= 12000)) ||
		fail "larval SA went between $still and $ms ms, want within 7000..12000 (acquire-expires 8)"
	sleep 1
	s=$(sa kt-c dst 10.0.0.2 proto esp spi "$b")
	[[ $s == *'"flag":[]'* ]] || fail "completed SA after the larval timeout: ${s:-gone}"
	got=$(K kt-c state count)
	[[ $got =~ (^|[^0-9])1([^0-9]|$) ]] || fail "state count: $got"
}

# ===========================================================================
# 2. lifetimes

t_lifetime_packets() {
	ctl_pair limit packet-soft 8 limit packet-hard 20
	mon_start kt-a /tmp/mon
	local out got
	out=$(nse kt-a $PING -c 30 -i 0.05 -W 1 10.0.0.2 2>&1) || true
	wait_ev /tmp/mon '"event":"expire","hard":true'
	sleep 0.3
	got=$(evs /tmp/mon '
(st, so), (ht, h) = soft_hard("0x00000010")
print(so["lifetime"]["packets"], h["lifetime"]["packets"], h["replay-oseq"])')
	local sp hp ho
	read -r sp hp ho <<<"$got"
	[[ $ho =~ ^[0-9]+$ ]] || fail "$got"
	((sp >= 8 && sp < 20)) || fail "soft expire at $sp packets, want 8..19"
	((hp >= 20 && hp <= 20 + NCPU)) || fail "hard expire at $hp packets, want 20..$((20 + NCPU))"
	[[ -z $(sa kt-a dst 10.0.0.2 proto esp spi 0x10) ]] || fail "SA still there after its hard expire"
	# The peer received the limit, give or take the packets in flight.
	local s rp rs
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	rp=$(jf "$s" packets) rs=$(jf "$s" replay-seq)
	((rp >= 20 && rp <= 20 + NCPU && rs == rp && rp >= hp)) ||
		fail "peer received $rp packets (seq $rs), want 20..$((20 + NCPU)) and >= $hp"
	[[ $out =~ ([0-9]+)\ received ]] || fail "ping: $out"
	((BASH_REMATCH[1] == rp)) || fail "ping got ${BASH_REMATCH[1]} replies, the peer $rp requests"
	# Then the policy finds no SA: the rest are dropped as no-SA.
	got=$(stat kt-a out-no-sa)
	((got == 30 - rp)) || fail "out-no-sa $got after the SA went, want $((30 - rp))"
}

t_lifetime_bytes() {
	# Transport mode counts the payload after the IP header: ICMP 8 + 92.
	ctl_pair limit byte-soft 500 limit byte-hard 2000
	mon_start kt-a /tmp/mon
	mon_start kt-b /tmp/monb
	local got
	nse kt-a $PING -c 30 -i 0.05 -W 1 -s 92 10.0.0.2 >/dev/null 2>&1 || true
	wait_ev /tmp/mon '"event":"expire","hard":true'
	sleep 0.3
	got=$(evs /tmp/mon '
(st, so), (ht, h) = soft_hard("0x00000010")
print(so["lifetime"]["packets"], so["lifetime"]["bytes"], h["lifetime"]["packets"], h["lifetime"]["bytes"])')
	local sp sb hp hb
	read -r sp sb hp hb <<<"$got"
	[[ $hb =~ ^[0-9]+$ ]] || fail "$got"
	((sb >= 500 && sb < 2000 && sb == 100 * sp)) ||
		fail "soft expire at $sb bytes / $sp packets, want 500..1999, 100 a packet"
	((hb >= 2000 && hb <= 2000 + 100 * NCPU && hb == 100 * hp)) ||
		fail "hard expire at $hb bytes / $hp packets, want 2000..$((2000 + 100 * NCPU))"
	[[ -z $(sa kt-a dst 10.0.0.2 proto esp spi 0x10) ]] || fail "SA still there after its hard expire"
	local s rp rb
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	rp=$(jf "$s" packets) rb=$(jf "$s" bytes)
	((rp >= 20 && rp <= 20 + NCPU && rb == 100 * rp)) ||
		fail "peer received $rp packets, $rb bytes, want 20..$((20 + NCPU)) of 100 bytes"
	# New limits already reached fire at the update (kt-b's inbound SA
	# has carried 2000+ bytes); a soft limit still fires only once.
	K kt-b state update dst 10.0.0.2 proto esp spi 0x10 limit byte-soft 1000
	wait_ev /tmp/monb '"event":"expire","hard":false'
	K kt-b state update dst 10.0.0.2 proto esp spi 0x10 limit byte-soft 1000 limit byte-hard 1500
	wait_ev /tmp/monb '"event":"expire","hard":true'
	sleep 0.3
	got=$(evs /tmp/monb '
(st, so), (ht, h) = soft_hard("0x00000010")
print(so["lifetime"]["bytes"], h["lifetime"]["bytes"], [e["event"] for t, e in ev])')
	[[ $got == "$rb $rb ['upd-sa', 'expire', 'upd-sa', 'expire']" ]] ||
		fail "kt-b's events for updates with limits already reached: $got"
	[[ -z $(sa kt-b dst 10.0.0.2 proto esp spi 0x10) ]] || fail "kt-b's SA still there after its hard expire"
}

t_lifetime_time_add_and_use() {
	# 0x10 counts seconds from its first use (traffic starts later); 0x30
	# (never used: no policy picks it) from when it was added.
	ctl_pair limit time-use-soft 2 limit time-use-hard 4
	mon_start kt-a /tmp/mon
	local t0 t1 tp0 tp1 got
	t0=$EPOCHREALTIME
	K kt-a state add src 10.0.0.1 dst 10.0.0.9 proto esp spi 0x30 \
		aead "$GCM" "$(hexkey 20)" 128 limit time-soft 2 limit time-hard 4
	t1=$EPOCHREALTIME
	# The use-time SA has not been used: nothing may fire for it.
	sleep 2.5
	tp0=$EPOCHREALTIME
	nse kt-a $PING -c 1 -W 2 10.0.0.2 >/dev/null || fail "ping over the use-time SA failed"
	tp1=$EPOCHREALTIME
	wait_ev /tmp/mon '"event":"expire","hard":true.*"spi":"0x00000030"' 80
	wait_ev /tmp/mon '"event":"expire","hard":true.*"spi":"0x00000010"' 80
	sleep 0.3
	got=$(evs /tmp/mon '
t0, t1, tp0, tp1 = map(float, sys.argv[3:])
(s, _), (h, _) = soft_hard("0x00000030")
(us, _), (uh, u) = soft_hard("0x00000010")
bad = []
if not t0 + 2 <= s <= t1 + 3.5: bad.append("time-soft 2 after %.2f s" % (s - t0))
if not t0 + 4 <= h <= t1 + 5.5: bad.append("time-hard 4 after %.2f s" % (h - t0))
if not tp0 + 2 <= us <= tp1 + 3.5: bad.append("time-use-soft 2 after %.2f s" % (us - tp0))
if not tp0 + 4 <= uh <= tp1 + 5.5: bad.append("time-use-hard 4 after %.2f s" % (uh - tp0))
if u["lifetime"]["packets"] != 1: bad.append("use-time SA carried %d packets" % u["lifetime"]["packets"])
print("; ".join(bad) or "ok")' "$t0" "$t1" "$tp0" "$tp1")
	[[ $got == ok ]] || fail "$got"
	[[ -z $(sa kt-a dst 10.0.0.9 proto esp spi 0x30) ]] || fail "add-time SA still there"
	[[ -z $(sa kt-a dst 10.0.0.2 proto esp spi 0x10) ]] || fail "use-time SA still there"
}

t_lifetime_sequence_exhaustion() {
	# 15 sequence numbers left (0xfffffff1..0xffffffff), no ESN.
	ctl_pair replay-oseq 0xfffffff0
	mon_start kt-a /tmp/mon
	local got
	nse kt-a $PING -c 25 -i 0.05 -W 1 10.0.0.2 >/dev/null 2>&1 || true
	wait_ev /tmp/mon '"event":"expire","hard":true'
	sleep 0.3
	got=$(evs /tmp/mon '
[(ht, h)] = soft_hard("0x00000010", soft=False)
print(h["replay-oseq"], h["lifetime"]["packets"])')
	[[ $got == "4294967295 15" ]] || fail "hard expire at oseq, packets = $got; want 4294967295 15"
	[[ -z $(sa kt-a dst 10.0.0.2 proto esp spi 0x10) ]] || fail "SA still there after exhaustion"
	local s
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	got="$(jf "$s" packets) $(jf "$s" replay-seq) $(jf "$s" replay)"
	[[ $got == "15 4294967295 0" ]] || fail "peer: packets, seq, replay = $got (want 15 4294967295 0)"
}

# ===========================================================================
# 3. acquire

# acq_count FILE DST: the acquire events for packets to DST so far.
acq_count() {
	evs "$1" "print(sum(e['event'] == 'acquire' and e['sel']['dst'] == '$2/32' for t, e in ev))"
}

t_acquire_once_per_window() {
	load_module
	hosts
	K kt-a -batch - <<-EOF
	config set acquire-expires 8
	policy add src 10.0.0.1 dst 10.0.0.2 proto icmp dir out priority 7 tmpl proto esp reqid 7 mode transport
	policy add src 10.0.0.1 dst 10.0.0.3 dir out tmpl src 10.0.0.1 dst 10.0.0.3 proto esp reqid 8 mode tunnel
	EOF
	local idx got t0
	idx=$(jf "$(K kt-a -j policy get src 10.0.0.1 dst 10.0.0.2 proto icmp dir out)" index)
	mon_start kt-a /tmp/mon
	t0=$(now_us)
	# 5 packets within the window: dropped and counted, one acquire.
	must_fail nse kt-a $PING -c 5 -i 0.2 -W 1 10.0.0.2 >/dev/null
	got=$((($(now_us) - t0) / 1000))
	((got < 7000)) || fail "the pings took $got ms: too slow to test an 8 s window"
	sleep 0.3
	got=$(evs /tmp/mon '
a = [e for t, e in ev if e["event"] == "acquire"]
if len(a) != 1: print("acquires:", a); sys.exit(0)
a = a[0]
p, t, s = a["policy"], a["tmpl"], a["sel"]
print(p["dir"], p["index"], p["priority"], p["src"], p["dst"], p["proto"], "|",
      t.get("src"), t.get("dst"), t["proto"], t["reqid"], t["mode"], t["spi"], "|",
      s["src"], s["dst"], s["proto"], s.get("type"), s.get("code"))')
	[[ $got == "out $idx 7 10.0.0.1/32 10.0.0.2/32 icmp | 10.0.0.1 10.0.0.2 esp 7 transport 0x00000000 | 10.0.0.1/32 10.0.0.2/32 icmp 8 0" ]] ||
		fail "acquire: $got"
	got=$(stat kt-a out-no-sa)
	((got == 5)) || fail "out-no-sa $got after 5 pings, want 5"
	# A tunnel-mode template: its own acquire, with the tunnel endpoints.
	must_fail nse kt-a $PING -c 1 -W 1 10.0.0.3 >/dev/null
	wait_ev /tmp/mon '"event":"acquire".*"dst":"10.0.0.3/32"'
	got=$(evs /tmp/mon '
a = [e for t, e in ev if e["event"] == "acquire"]
t = a[-1]["tmpl"]
print(len(a), t.get("src"), t.get("dst"), t["mode"], t["reqid"], a[-1]["sel"]["dst"])')
	[[ $got == "2 10.0.0.1 10.0.0.3 tunnel 8 10.0.0.3/32" ]] || fail "after the tunnel acquire: $got"
	# After the window (8 s from the first packet): one new acquire.
	got=$((t0 + 8500000 - $(now_us)))
	((got <= 0)) || sleep "$((got / 1000000)).$(printf %06d $((got % 1000000)))"
	must_fail nse kt-a $PING -c 2 -i 0.3 -W 1 10.0.0.2 >/dev/null
	sleep 0.3
	got=$(acq_count /tmp/mon 10.0.0.2)
	((got == 2)) || fail "$got acquires for 10.0.0.2 after the window, want 2"
	# An SA for the destination clears the pending entry: with the SA
	# gone again, the next packet sends a new acquire at once.
	K kt-a -batch - <<-EOF
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x77 reqid 7 aead $GCM $(hexkey 20) 128
	state delete dst 10.0.0.2 proto esp spi 0x77
	EOF
	must_fail nse kt-a $PING -c 1 -W 1 10.0.0.2 >/dev/null
	sleep 0.3
	got=$(acq_count /tmp/mon 10.0.0.2)
	((got == 3)) || fail "$got acquires for 10.0.0.2 after an SA came and went, want 3"
	got=$(stat kt-a out-no-sa)
	((got == 9)) || fail "out-no-sa $got after 9 pings without an SA, want 9"
}

# An ACQUIRE nobody heard (no daemon listening yet, or its socket full)
# leaves no pending entry behind, as XFRM keeps its acquire state only
# when the message went out: the daemon that starts listening gets the
# next packet's ACQUIRE at once, not after the acquire timeout.
t_acquire_unheard_not_pending() {
	load_module
	hosts
	K kt-a -batch - <<-EOF
	config set acquire-expires 60
	policy add src 10.0.0.1 dst 10.0.0.2 proto icmp dir out tmpl proto esp reqid 7 mode transport
	EOF
	must_fail nse kt-a $PING -c 1 -W 1 10.0.0.2 >/dev/null
	mon_start kt-a /tmp/mon
	must_fail nse kt-a $PING -c 1 -W 1 10.0.0.2 >/dev/null
	sleep 0.5
	local got
	got=$(acq_count /tmp/mon 10.0.0.2)
	((got == 1)) || fail "$got acquires heard for the packet after the unheard one, want 1"
	got=$(stat kt-a out-no-sa)
	((got == 2)) || fail "out-no-sa $got after 2 pings, want 2"
}

# ===========================================================================
# 4. updates under traffic

# An update that changes a policy's priority moves it in its direction's
# list; readers walk that list locklessly, so the new version goes in
# before the old one comes out: there is never a moment without the
# policy. Here, with the default "out" verdict block, a ping flood under
# 2,000 such moves per round (through the middle of 60 other policies)
# must never be blocked.
t_policy_priority_update_no_gap() {
	load_module
	hosts
	local lines="policy setdefault out block"$'\n' i got
	for ((i = 1; i <= 60; i++)); do
		lines+="policy add src 10.9.$i.1 dst 10.9.$i.2 dir out priority $i"$'\n'
	done
	lines+="policy add src 10.0.0.1 dst 10.0.0.2 dir out priority 20"$'\n'
	K kt-a -batch - <<<"$lines"
	lines=
	for ((i = 0; i < 1000; i++)); do
		lines+="policy update src 10.0.0.1 dst 10.0.0.2 dir out priority 40"$'\n'
		lines+="policy update src 10.0.0.1 dst 10.0.0.2 dir out priority 20"$'\n'
	done
	bg_in kt-a $PING -f -q -w 12 10.0.0.2 >/tmp/flood.out
	local flood=$BG
	sleep 1
	for ((i = 0; i < 5; i++)); do
		K kt-a -batch - <<<"$lines"
		kill -0 "$flood" 2>/dev/null || break
	done
	wait "$flood" || true
	# (out-policy-block also counts kt-a's own IPv6 chatter: no IPv6
	# policy; the pings are what must all get through)
	ping_counts "$(cat /tmp/flood.out)"
	((PING_SENT == PING_GOT && PING_SENT > 1000)) ||
		fail "$((PING_SENT - PING_GOT)) of $PING_SENT flood pings lost while the policy moved"
	got=$(K kt-a -s policy get src 10.0.0.1 dst 10.0.0.2 dir out | grep -c 'priority 20')
	((got == 1)) || fail "the policy did not end at priority 20"
}

# capture NS DEV FILTER COUNT FILE: tcpdump (at most 30 s) until COUNT
# packets; returns once it listens, with its pid in $cap_pid.
capture() {
	local ns=$1 dev=$2 filter=$3 n=$4 f=$5 i
	bg_in "$ns" /usr/bin/timeout 30 /usr/bin/tcpdump -U -n -i "$dev" -c "$n" -w "$f" "$filter" 2>"$f.err"
	cap_pid=$BG
	for i in $(seq 150); do
		grep -q 'listening on' "$f.err" && return 0
		sleep 0.1
	done
	fail "tcpdump did not start: $(cat "$f.err")"
}

t_update_replay_window_under_traffic() {
	ctl_tunnel
	local got s w p0 p1 loss tx
	bg_in kt-a $PING -f -s 500 -w 120 -I 10.9.0.1 10.9.0.2 >/tmp/flood 2>&1
	local pinger=$BG
	sleep 1
	p0=$(jf "$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)" packets)
	for w in 128 32 4096 16 64; do
		K kt-b state update dst 10.0.0.2 proto esp spi 0x10 replay-window $w
		K kt-a state update dst 10.0.0.1 proto esp spi 0x20 replay-window $w
		sleep 0.3
		s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
		p1=$(jf "$s" packets)
		(($(jf "$s" replay-window) == w)) || fail "window reads $(jf "$s" replay-window) after update to $w"
		((p1 > p0)) || fail "no traffic while the window was $w ($p1 packets, before $p0)"
		p0=$p1
	done
	ping_stop $pinger /tmp/flood
	loss=$LOSS tx=$TX
	((tx >= 100)) || fail "the flood sent only $tx packets"
	((loss <= 1)) || fail "$loss of $tx flood packets lost across the resizes"
	no_drops kt-a kt-b
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	(($(jf "$s" replay-seq) == $(jf "$s" packets))) || fail "after the resizes: $s"

	# History: capture 8 ESP packets to kt-b, resize up and down, replay
	# the 4th newest: inside every window on the way, it must be refused.
	capture kt-b vb 'esp and src 10.0.0.1' 8 /tmp/esp.pcap
	nse kt-a $PING -c 8 -i 0.1 -W 1 -I 10.9.0.1 10.9.0.2 >/dev/null || fail "ping before the replay"
	wait $cap_pid || fail "tcpdump: $(cat /tmp/esp.pcap.err)"
	local b0 b1
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	b0="$(jf "$s" replay-seq) $(jf "$s" replay-bitmap)"
	K kt-b state update dst 10.0.0.2 proto esp spi 0x10 replay-window 1024
	K kt-b state update dst 10.0.0.2 proto esp spi 0x10 replay-window 32
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	b1="$(jf "$s" replay-seq) $(jf "$s" replay-bitmap)"
	[[ $b1 == "$b0" ]] || fail "seq and first bitmap word: $b0 before the resizes, $b1 after"
	local before after
	before="$(jf "$s" packets) $(jf "$s" replay-seq) $(jf "$s" replay)"
	nse kt-a $PY - /tmp/esp.pcap <<-'EOF' || fail "replay injection failed"
	import socket, struct, sys
	d = open(sys.argv[1], "rb").read()
	off, pk = 24, []
	while off + 16 <= len(d):
	    incl = struct.unpack_from("<I", d, off + 8)[0]
	    off += 16
	    pk.append(d[off:off + incl])
	    off += incl
	def seq(f):
	    ihl = (f[14] & 15) * 4
	    return struct.unpack_from("!I", f, 14 + ihl + 4)[0]
	pk.sort(key=seq)
	s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
	s.bind(("va", 0))
	s.send(pk[-4])
	EOF
	sleep 0.5
	s=$(sa kt-b dst 10.0.0.2 proto esp spi 0x10)
	after="$(jf "$s" packets) $(jf "$s" replay-seq) $(jf "$s" replay)"
	read -r p0 s0 r0 <<<"$before"
	[[ $after == "$p0 $s0 $((r0 + 1))" ]] ||
		fail "a replayed packet after the resizes: packets/seq/replay $before -> $after (want replay +1 only)"
	got=$(stat kt-b in-replay)
	((got == 1)) || fail "kt-b in-replay $got, want 1"
	nse kt-a $PING -c 3 -i 0.1 -W 1 -I 10.9.0.1 10.9.0.2 >/dev/null || fail "ping after the replay"
}

t_update_mobike_under_traffic() {
	ctl_tunnel
	ip -n kt-a addr add 10.0.1.1/24 dev va
	ip -n kt-b addr add 10.0.1.2/24 dev vb
	local got s
	# A move onto an existing (dst, SPI, proto) is refused, changes nothing.
	K kt-a state add src 10.0.1.1 dst 10.0.1.2 proto esp spi 0x10 mode tunnel \
		aead "$GCM" "$(hexkey 20)" 128
	expect_out '^kipsec: .*exists' K kt-a state update dst 10.0.0.2 proto esp spi 0x10 \
		new-dst 10.0.1.2 new-src 10.0.1.9
	((last_rc == 2)) || fail "a refused move exited $last_rc"
	s=$(sa kt-a dst 10.0.0.2 proto esp spi 0x10)
	[[ $(jf "$s" src) == 10.0.0.1 && $(jf "$s" dst) == 10.0.0.2 ]] || fail "the refused move changed the SA: $s"
	s=$(sa kt-a dst 10.0.1.2 proto esp spi 0x10)
	[[ $(jf "$s" src) == 10.0.1.1 && $(jf "$s" packets) == 0 ]] || fail "the refused move changed the other SA: $s"
	nse kt-a $PING -c 2 -i 0.1 -W 1 -I 10.9.0.1 10.9.0.2 >/dev/null || fail "ping after the refused move"
	K kt-a state delete dst 10.0.1.2 proto esp spi 0x10

	# Both gateways move both SAs and their policies, a 100/s stream on.
	local f=/tmp/mobike ns
	for ns in kt-a kt-b; do
		local l=10.0.0.1 r=10.0.0.2 nl=10.0.1.1 nr=10.0.1.2 ln=10.9.0.1 rn=10.9.0.2 so=0x10 si=0x20
		if [[ $ns == kt-b ]]; then
			l=10.0.0.2 r=10.0.0.1 nl=10.0.1.2 nr=10.0.1.1 ln=10.9.0.2 rn=10.9.0.1 so=0x20 si=0x10
		fi
		cat >$f.$ns <<-EOF
		state update dst $l proto esp spi $si new-dst $nl new-src $nr
		state update dst $r proto esp spi $so new-dst $nr new-src $nl
		policy update src $rn dst $ln dir in tmpl src $nr dst $nl proto esp reqid 1 mode tunnel
		policy update src $ln dst $rn dir out tmpl src $nl dst $nr proto esp reqid 1 mode tunnel
		EOF
	done
	bg_in kt-a $PING -i 0.01 -s 300 -w 120 -I 10.9.0.1 10.9.0.2 >/tmp/flood 2>&1
	local pinger=$BG
	sleep 1.5
	s=$(sa kt-a dst 10.0.0.2 proto esp spi 0x10)
	local pb=$(jf "$s" packets) ob=$(jf "$s" replay-oseq)
	local t0 gap
	t0=$(now_us)
	K kt-b -batch $f.kt-b &
	K kt-a -batch $f.kt-a
	wait $! || fail "kt-b's move failed"
	gap=$((($(now_us) - t0) / 1000))
	sleep 1.5
	local loss tx
	ping_stop $pinger /tmp/flood
	loss=$LOSS tx=$TX
	((tx >= 150)) || fail "the stream sent only $tx packets"
	# The gateways move at about the same time: what was sent in the
	# ${gap} ms the moves took may find the peer not moved yet; no more.
	((loss <= gap / 10 + 5)) || fail "$loss of $tx packets lost across a $gap ms move"
	no_drops kt-a kt-b
	# ESP now runs between the new addresses only.
	capture kt-b vb esp 10 /tmp/mob.pcap
	nse kt-a $PING -c 5 -i 0.1 -W 1 -I 10.9.0.1 10.9.0.2 >/dev/null || fail "ping after the move"
	wait $cap_pid || fail "tcpdump: $(cat /tmp/mob.pcap.err)"
	got=$(tcpdump -n -r /tmp/mob.pcap 2>/dev/null | grep -cE ' 10\.0\.1\.(1 > 10\.0\.1\.2|2 > 10\.0\.1\.1): ESP' || true)
	((got == 10)) || fail "of 10 ESP packets, $got between the new addresses: $(tcpdump -n -r /tmp/mob.pcap 2>/dev/null | head -4)"
	# The moved SAs kept their counters and sequence numbers.
	s=$(sa kt-a dst 10.0.1.2 proto esp spi 0x10)
	local pa=$(jf "$s" packets) oa=$(jf "$s" replay-oseq)
	[[ $(jf "$s" src) == 10.0.1.1 ]] || fail "moved SA: $s"
	((pa > pb + 10 && oa == pa && ob == pb)) ||
		fail "kt-a's SA: packets/oseq $pb/$ob before the move, $pa/$oa after"
	s=$(sa kt-b dst 10.0.1.2 proto esp spi 0x10)
	# Ping's losses count both ways: those of this direction are at most
	# that many.
	local pk
	pk=$(jf "$s" packets)
	(($(jf "$s" replay-seq) == oa && pk <= oa && pk >= oa - loss)) ||
		fail "kt-b's moved SA: seq $(jf "$s" replay-seq), packets $pk; kt-a sent $oa, $loss pings lost"
	[[ -z $(sa kt-a dst 10.0.0.2 proto esp spi 0x10) && -z $(sa kt-b dst 10.0.0.1 proto esp spi 0x20) ]] ||
		fail "an SA is still at its old address"
}

# ===========================================================================
# 5. policy switch by SPI

t_policy_switch_by_spi() {
	local k ns
	k=$(hexkey 20)
	load_module
	hosts
	for ns in kt-a kt-b; do
		K $ns -batch - <<-EOF
		state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0xa mode transport aead $GCM $k 128 replay-window 64
		state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0xb mode transport aead $GCM $k 128 replay-window 64
		state add src 10.0.0.2 dst 10.0.0.1 proto esp spi 0x20 mode transport aead $GCM $k 128 replay-window 64
		EOF
	done
	K kt-a -batch - <<-EOF
	policy add src 10.0.0.1 dst 10.0.0.2 dir out tmpl proto esp spi 0xa mode transport
	policy add src 10.0.0.2 dst 10.0.0.1 dir in tmpl proto esp mode transport
	EOF
	K kt-b -batch - <<-EOF
	policy add src 10.0.0.2 dst 10.0.0.1 dir out tmpl proto esp mode transport
	policy add src 10.0.0.1 dst 10.0.0.2 dir in tmpl proto esp mode transport
	EOF
	pk() {	# pk NS SPI: the SA's packet count
		jf "$(sa "$1" dst 10.0.0.2 proto esp spi "$2")" packets
	}
	nse kt-a $PING -c 5 -i 0.1 -W 1 10.0.0.2 >/dev/null || fail "ping over SA 0xa"
	local a0 b0
	a0=$(pk kt-a 0xa) b0=$(pk kt-a 0xb)
	((a0 == 5 && b0 == 0)) || fail "before the switch: 0xa $a0, 0xb $b0 packets (want 5, 0)"
	bg_in kt-a $PING -f -s 200 -w 120 10.0.0.2 >/tmp/flood 2>&1
	local pinger=$BG
	sleep 1.5
	K kt-a policy update src 10.0.0.1 dst 10.0.0.2 dir out tmpl proto esp spi 0xb mode transport
	sleep 0.3
	local a1 a2 b1 b2 a3
	a1=$(pk kt-a 0xa)
	sleep 1.2
	local loss tx
	ping_stop $pinger /tmp/flood
	loss=$LOSS tx=$TX
	((tx >= 100)) || fail "the flood sent only $tx packets"
	((loss <= 1)) || fail "$loss of $tx flood packets lost across the switch"
	local st
	st=$(K kt-a -j stats)
	[[ $(jf "$st" out-no-sa) == 0 && $(jf "$st" out-policy-block) == 0 ]] || fail "kt-a: $st"
	no_drops kt-a kt-b
	# Afterwards only 0xb carries traffic.
	a2=$(pk kt-a 0xa) b1=$(pk kt-a 0xb)
	nse kt-a $PING -c 5 -i 0.1 -W 1 10.0.0.2 >/dev/null || fail "ping over SA 0xb"
	a3=$(pk kt-a 0xa) b2=$(pk kt-a 0xb)
	((a1 > 5 && a2 == a1 && a3 == a1)) || fail "0xa went on after the switch: $a1 $a2 $a3"
	((b1 > 0 && b2 == b1 + 5)) || fail "0xb: $b1 after the flood, $b2 after 5 more pings"
	# The receiver got every packet the sender counted, on each SA.
	got="$(pk kt-b 0xa) $(pk kt-b 0xb)"
	[[ $got == "$a3 $b2" ]] || fail "kt-b received $got on 0xa 0xb, kt-a sent $a3 $b2"
}

# ===========================================================================
# 6. events

t_events_in_order() {
	load_module
	ip netns add kt-c
	ip netns add kt-d
	local k got
	k=$(hexkey 20)
	expect_out '^kipsec: .*operation not permitted' \
		nse kt-c /usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
		"$(command -v kipsec)" monitor
	((last_rc != 0)) || fail "an unprivileged monitor exited 0"
	mon_start kt-c /tmp/mon
	mon_start kt-d /tmp/mond
	K kt-c -batch - <<-EOF
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x20 aead $GCM $k 128
	state update dst 10.0.0.2 proto esp spi 0x20 replay-window 128 limit packet-soft 99
	state delete dst 10.0.0.2 proto esp spi 0x20
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x21 aead $GCM $k 128
	state add src 10.0.0.1 dst 10.0.0.3 proto ah spi 0x22 auth sha1 $k
	state flush proto esp
	state flush
	policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
	policy update src 10.0.1.0/24 dst 10.0.2.0/24 dir out priority 5 tmpl src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x21 mode tunnel
	policy delete src 10.0.1.0/24 dst 10.0.2.0/24 dir out
	policy add src 10.0.3.0/24 dst 10.0.4.0/24 dir fwd
	policy flush dir fwd
	EOF
	wait_ev /tmp/mon '"event":"flush-policy"'
	sleep 0.3
	got=$(evs /tmp/mon '
out = []
for t, e in ev:
    x = e["event"]
    if "sa" in e:
        s = e["sa"]
        x += ":" + s["spi"] + ":" + s.get("aead", s.get("auth", {})).get("key", "nokey")
        if x.startswith("upd-sa"): x += ":%d:%d" % (s["replay-window"], s["limit"]["packet-soft"])
    if "policy" in e:
        p = e["policy"]
        x += ":" + p["dir"] + ":" + p["src"] + ":%d" % p["priority"]
        x += ":" + ",".join(tm["spi"] for tm in p.get("tmpl", []))
    if "proto" in e: x += ":" + e["proto"]
    if "dir" in e: x += ":" + e["dir"]
    out.append(x)
print(" ".join(out))')
	local want="new-sa:0x00000020:$k upd-sa:0x00000020:$k:128:99 del-sa:0x00000020:$k"
	want+=" new-sa:0x00000021:$k new-sa:0x00000022:$k flush-sa:esp flush-sa"
	want+=" new-policy:out:10.0.1.0/24:0:0x00000000 upd-policy:out:10.0.1.0/24:5:0x00000021"
	want+=" del-policy:out:10.0.1.0/24:5:0x00000021 new-policy:fwd:10.0.3.0/24:0:"
	want+=" flush-policy:fwd"
	[[ $got == "$want" ]] || fail "events:
 got  $got
 want $want"
	# The other namespace heard nothing of it.
	got=$(evs /tmp/mond 'print(len(ev))')
	((got == 0)) || fail "kt-d's monitor saw $got events of kt-c"
	got=$(stat kt-c events-lost)
	((got == 0)) || fail "events-lost $got"
}
