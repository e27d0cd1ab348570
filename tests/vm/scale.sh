# Scale: 10,000 SAs and 10,000 policies (KIPSEC_SCALE_N) added with
# kipsec -batch, counted, listed (text and JSON: exactly the set added,
# keys included), deleted (SAs by batch "state delete" lines, policies by
# flush); dumps interrupted by changes are retried and print one
# consistent snapshot. The sets come from scripts/bench.d/scale (the
# generator the scale bench uses).

SCALE_GEN=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/scripts/bench.d/scale
SCALE_N=${KIPSEC_SCALE_N:-10000}
SW=/tmp/kt-scale

# stamp WHAT: one line with the seconds since the previous stamp (where
# the time goes; shown when a test fails, and by hand with bash -x).
SCALE_T=${EPOCHREALTIME/./}
stamp() {
	local now=${EPOCHREALTIME/./}
	printf 'scale: %6d ms %s\n' $(((now - SCALE_T) / 1000)) "$*"
	SCALE_T=$now
}

# scale_setup: namespace kt-scale, the files (kipsec batch syntax) in $SW:
# sa (N adds), sa.del (N deletes), pol (N adds); sa.want / pol.want: the
# fields a list must show, one entry a line, sorted.
scale_setup() {
	load_module
	mkdir -p "$SW"
	ip netns add kt-scale
	"$SCALE_GEN" gen sa "$SCALE_N" "" 7 >"$SW/sa"
	"$SCALE_GEN" gen sa-del "$SCALE_N" >"$SW/sa.del"
	"$SCALE_GEN" gen pol "$SCALE_N" >"$SW/pol"
	# state add src S dst D proto esp spi X reqid R mode tunnel aead A K 128
	awk '{ print $4, $6, $10, $12, $16, $17 }' "$SW/sa" | sort >"$SW/sa.want"
	# policy add src S dst D dir X tmpl src TS dst TD proto esp reqid R mode tunnel
	awk '{ print $4, $6, $8, $11, $13, $17 }' "$SW/pol" | sort >"$SW/pol.want"
	stamp "generated 3 x $SCALE_N lines"
}

# The fields of each SA in "kipsec state list" (ip xfrm's text), sorted.
sa_text_fields() {
	awk '/^src / { if (s != "") print s, d, spi, r, a, k; s = $2; d = $4; spi = r = a = k = "" }
		{ for (i = 1; i < NF; i++) {
			if ($i == "spi") spi = $(i + 1)
			else if ($i == "reqid") r = $(i + 1)
			else if ($i == "aead") { a = $(i + 1); k = $(i + 2) } } }
		END { if (s != "") print s, d, spi, r, a, k }' | sort
}
sa_json_fields() {
	/usr/bin/python3 -c 'import json, sys
for j in json.load(sys.stdin):
    print(j["src"], j["dst"], j["spi"], j["reqid"], j["aead"]["name"], j["aead"]["key"])' | sort
}
pol_text_fields() {
	awk '/^src / { if (s != "") print s, d, dir, ts, td, r; s = $2; d = $4; dir = ts = td = r = "" }
		$1 == "dir" { dir = $2 }
		$1 == "tmpl" { ts = $3; td = $5 }
		{ for (i = 1; i < NF; i++) if ($i == "reqid") r = $(i + 1) }
		END { if (s != "") print s, d, dir, ts, td, r }' | sort
}
pol_json_fields() {
	/usr/bin/python3 -c 'import json, sys
for j in json.load(sys.stdin):
    t = j["tmpl"][0]
    print(j["src"], j["dst"], j["dir"], t["src"], t["dst"], t["reqid"])' | sort
}

# same_set WHAT WANT GOT: the two sorted files are equal.
same_set() {
	cmp -s "$2" "$3" && return 0
	echo "$1: $(wc -l <"$3") entries, want $(wc -l <"$2"); first differences:"
	diff "$2" "$3" | head -n 6
	fail "$1 is not the set added"
}

kcount() {	# kcount state|policy: the N of "kipsec OBJ count" (and its -j form)
	local t j
	t=$(nsx kt-scale kipsec "$1" count | awk '{ for (i = 1; i < NF; i++) if ($i == "count") print $(i + 1) }')
	j=$(nsx kt-scale kipsec -j "$1" count | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["count"])')
	[[ $t == "$j" ]] || fail "kipsec $1 count says $t, -j says $j"
	echo "$t"
}

t_sa_10k() {
	scale_setup
	nsx kt-scale kipsec -batch "$SW/sa"
	stamp "kipsec -batch: $SCALE_N SAs added"
	[[ $(kcount state) == "$SCALE_N" ]] || fail "state count: $(kcount state), want $SCALE_N"
	nsx kt-scale kipsec state list >"$SW/list"
	stamp "state list"
	sa_text_fields <"$SW/list" >"$SW/got"
	same_set "state list" "$SW/sa.want" "$SW/got"
	[[ $(awk '{ print $3 }' "$SW/got" | sort -u | wc -l) == "$SCALE_N" ]] || fail "SPIs not unique"
	nsx kt-scale kipsec -j state list >"$SW/list.json"
	stamp "-j state list"
	sa_json_fields <"$SW/list.json" >"$SW/got"
	same_set "-j state list" "$SW/sa.want" "$SW/got"
	stamp "lists checked"
	# One of them by get, every field of its line.
	local l
	l=$(sed -n "$((SCALE_N / 2 + 1))p" "$SW/sa")
	read -r _ _ _ s _ d _ _ _ spi _ r _ _ _ _ k _ <<<"$l"
	nsx kt-scale kipsec -j state get src "$s" dst "$d" proto esp spi "$spi" >"$SW/one"
	[[ $(/usr/bin/python3 -c 'import json, sys; j = json.load(sys.stdin); print(j["src"], j["dst"], j["spi"], j["reqid"], j["mode"], j["aead"]["name"], j["aead"]["key"], j["aead"]["icv-len"])' <"$SW/one") == \
		"$s $d $spi $r tunnel rfc4106(gcm(aes)) $k 128" ]] || fail "state get $spi: $(cat "$SW/one")"
	nsx kt-scale kipsec -batch "$SW/sa.del"
	stamp "kipsec -batch: $SCALE_N SAs deleted"
	[[ $(kcount state) == 0 ]] || fail "state count after the deletes: $(kcount state)"
	[[ $(nsx kt-scale kipsec -j state list) == "[]" ]] || fail "SAs left after the deletes"
	kernel_log_clean
}

t_policy_10k() {
	scale_setup
	nsx kt-scale kipsec -batch "$SW/pol"
	stamp "kipsec -batch: $SCALE_N policies added"
	[[ $(kcount policy) == "$SCALE_N" ]] || fail "policy count: $(kcount policy), want $SCALE_N"
	nsx kt-scale kipsec policy list >"$SW/list"
	stamp "policy list"
	pol_text_fields <"$SW/list" >"$SW/got"
	same_set "policy list" "$SW/pol.want" "$SW/got"
	nsx kt-scale kipsec -j policy list >"$SW/list.json"
	stamp "-j policy list"
	pol_json_fields <"$SW/list.json" >"$SW/got"
	same_set "-j policy list" "$SW/pol.want" "$SW/got"
	# The index of every policy is unique.
	[[ $(/usr/bin/python3 -c 'import json, sys; print(len({p["index"] for p in json.load(sys.stdin)}))' <"$SW/list.json") == "$SCALE_N" ]] ||
		fail "policy indexes are not unique"
	stamp "lists checked"
	# A few by batch "policy delete" lines, the rest by flush.
	"$SCALE_GEN" gen pol-del 30 >"$SW/pol.del"
	nsx kt-scale kipsec -batch "$SW/pol.del"
	[[ $(kcount policy) == $((SCALE_N - 30)) ]] || fail "policy count after 30 deletes: $(kcount policy)"
	nsx kt-scale kipsec policy flush
	stamp "policy flush"
	[[ $(kcount policy) == 0 ]] || fail "policy count after flush: $(kcount policy)"
	[[ $(nsx kt-scale kipsec -j policy list) == "[]" ]] || fail "policies left after flush"
	kernel_log_clean
}

# stopped_mid_dump OBJ FILE: starts "kipsec OBJ list" into FILE and stops
# it (SIGSTOP) while its dump is in progress: the kernel has sent it the
# first part (the first entries added, lowest ids first) and keeps the rest
# for its next read. Sets $dumper; returns 1 if the dump ended first.
stopped_mid_dump() {
	local obj=$1 f=$2 sk eth pid rest dump st i
	kipsec -n kt-scale "$obj" list >"$f" &
	dumper=$!
	for ((i = 0; i < 20000; i++)); do
		st=
		read -r _ _ st _ <"/proc/$dumper/stat" 2>/dev/null || true
		[[ $st == [RSD] ]] || { wait "$dumper" || true; return 1; }
		# sk Eth Pid Groups Rmem Wmem Dump ...: the tool's generic
		# netlink socket (port id = its pid) has a dump running.
		dump=
		while read -r sk eth pid _ _ _ rest; do
			[[ $eth == 16 && $pid == "$dumper" ]] && dump=${rest%% *}
		done <"/proc/$dumper/net/netlink" 2>/dev/null || true
		[[ $dump == 1 ]] && break
	done
	[[ $dump == 1 ]] || return 1
	kill -STOP "$dumper"
	for ((i = 0; i < 1000; i++)); do	# stopped once back in user space
		read -r _ _ st _ <"/proc/$dumper/stat" 2>/dev/null || return 1
		[[ $st == T ]] && break
	done
	# Still mid-dump now that it stands still?
	dump=
	while read -r sk eth pid _ _ _ rest; do
		[[ $eth == 16 && $pid == "$dumper" ]] && dump=${rest%% *}
	done <"/proc/$dumper/net/netlink"
	if [[ $dump != 1 ]]; then
		kill -CONT "$dumper"
		wait "$dumper" || true
		return 1
	fi
}

# A dump interrupted by a change is retried, deterministically: the lister
# is stopped after the kernel sent it its first entries; the first SA (and
# policy) added is then deleted and a new one added. A dump that went on
# would print the deleted entry (already sent) and the new one (added at
# the end); the retried dump prints the new one only, and nothing twice.
t_dump_interrupted_retried() {
	scale_setup
	nsx kt-scale kipsec -batch "$SW/sa"
	nsx kt-scale kipsec -batch "$SW/pol"
	stamp "$SCALE_N SAs and policies added"
	local first new try ok=0
	first=$(head -n 1 "$SW/sa.del")
	for try in 1 2 3 4 5; do
		stopped_mid_dump state "$SW/list" || { echo "try $try: the dump ended before it could be stopped"; continue; }
		nsx kt-scale kipsec -batch - <<-EOF
		$first
		state add src 192.0.2.1 dst 192.0.2.$try proto esp spi 0x7e57000$try reqid 9 mode tunnel aead rfc4106(gcm(aes)) $(hexkey 20) 128
		EOF
		kill -CONT "$dumper"
		wait "$dumper" || fail "state list stopped mid-dump failed after the change (exit $?)"
		ok=1
		break
	done
	((ok)) || fail "could not stop state list during its dump in 5 tries"
	stamp "state list stopped mid-dump, changed, continued"
	sa_text_fields <"$SW/list" >"$SW/got"
	local spi0
	spi0=$(awk '{ print $10; exit }' "$SW/sa")
	grep -q " 0x7e57000$try " "$SW/got" || fail "the SA added during the dump is missing: the dump was not retried"
	! grep -q " $spi0 " "$SW/got" || fail "the SA deleted during the dump ($spi0) is listed: the dump was not retried"
	[[ $(wc -l <"$SW/got") == "$SCALE_N" ]] || fail "state list printed $(wc -l <"$SW/got") SAs, want $SCALE_N"
	[[ $(awk '{ print $3 }' "$SW/got" | sort -u | wc -l) == "$SCALE_N" ]] || fail "an SA is listed twice"

	first=$(head -n 1 "$SW/pol")
	ok=0
	for try in 1 2 3 4 5; do
		stopped_mid_dump policy "$SW/list" || { echo "try $try: the policy dump ended before it could be stopped"; continue; }
		nsx kt-scale kipsec -batch - <<-EOF
		policy delete $(awk '{ print $3, $4, $5, $6, $7, $8 }' <<<"$first")
		policy add src 192.0.2.0/24 dst 198.51.100.$try/32 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp reqid 9 mode tunnel
		EOF
		kill -CONT "$dumper"
		wait "$dumper" || fail "policy list stopped mid-dump failed after the change (exit $?)"
		ok=1
		break
	done
	((ok)) || fail "could not stop policy list during its dump in 5 tries"
	stamp "policy list stopped mid-dump, changed, continued"
	pol_text_fields <"$SW/list" >"$SW/got"
	local sel0
	sel0=$(awk '{ print $4, $6, $8; exit }' "$SW/pol")
	grep -q "^192.0.2.0/24 198.51.100.$try/32 out " "$SW/got" || fail "the policy added during the dump is missing: the dump was not retried"
	! grep -q "^$sel0 " "$SW/got" || fail "the policy deleted during the dump ($sel0) is listed: the dump was not retried"
	[[ $(wc -l <"$SW/got") == "$SCALE_N" ]] || fail "policy list printed $(wc -l <"$SW/got") policies, want $SCALE_N"
	[[ $(sort -u "$SW/got" | wc -l) == "$SCALE_N" ]] || fail "a policy is listed twice"
	kernel_log_clean
}

# churn FILE PAUSE: deletes and re-adds (one kipsec -batch each round) the
# entries of FILE (add lines; their deletes in FILE.del) until stopped,
# PAUSE seconds between rounds.
churn() {
	local f=$1 p=$2
	while :; do
		nsx kt-scale kipsec -batch "$f.del" || exit 1
		nsx kt-scale kipsec -batch "$f" || exit 1
		sleep "$p"
	done
}

# Lists while entries are deleted and re-added in the background (each
# re-added one gets a new, last, id: a dump that went on across the change
# would print it twice): every list must succeed and show every entry that
# existed throughout exactly once, the changing ones at most once. The
# changes come at most about once per two dumps' time, so that the tool's
# retries (5) always suffice.
t_dump_under_changes() {
	scale_setup
	nsx kt-scale kipsec -batch "$SW/sa"
	nsx kt-scale kipsec -batch "$SW/pol"
	stamp "$SCALE_N SAs and policies added"
	local t0 d i obj pid n
	# The movers: 1 in 100 entries, spread over the whole dump.
	awk 'NR % 100 == 1' "$SW/sa" >"$SW/mv.sa"
	sed 's/^state add \(.*\) proto esp spi \([^ ]*\) .*/state delete \1 proto esp spi \2/' "$SW/mv.sa" >"$SW/mv.sa.del"
	awk 'NR % 100 == 1' "$SW/pol" >"$SW/mv.pol"
	awk '{ print "policy delete", $3, $4, $5, $6, $7, $8 }' "$SW/mv.pol" >"$SW/mv.pol.del"
	for obj in state policy; do
		t0=${EPOCHREALTIME/./}
		nsx kt-scale kipsec "$obj" list >/dev/null
		d=$(((${EPOCHREALTIME/./} - t0) / 1000))
		stamp "$obj list, quiet: $d ms"
		if [[ $obj == state ]]; then
			churn "$SW/mv.sa" "$(awk -v d="$d" 'BEGIN { printf "%.2f", 2 * d / 1000 }')" &
		else
			churn "$SW/mv.pol" "$(awk -v d="$d" 'BEGIN { printf "%.2f", 2 * d / 1000 }')" &
		fi
		pid=$!
		# shellcheck disable=SC2064 # this churn's pid, now
		trap "kill $pid 2>/dev/null || true" EXIT
		for i in 1 2 3 4; do
			if ((i % 2)); then
				nsx kt-scale kipsec "$obj" list >"$SW/list" || fail "$obj list $i under changes failed"
				if [[ $obj == state ]]; then sa_text_fields; else pol_text_fields; fi <"$SW/list" >"$SW/got"
			else
				nsx kt-scale kipsec -j "$obj" list >"$SW/list" || fail "-j $obj list $i under changes failed"
				if [[ $obj == state ]]; then sa_json_fields; else pol_json_fields; fi <"$SW/list" >"$SW/got"
			fi
			kill -0 "$pid" 2>/dev/null || fail "the background changes stopped"
			# Each entry at most once; each that never changed exactly once.
			[[ $(uniq -d "$SW/got" | wc -l) == 0 ]] || fail "$obj list $i under changes shows an entry twice"
			if [[ $obj == state ]]; then
				awk 'NR % 100 != 1 { print $4, $6, $10, $12, $16, $17 }' "$SW/sa"
			else
				awk 'NR % 100 != 1 { print $4, $6, $8, $11, $13, $17 }' "$SW/pol"
			fi | sort | comm -23 - "$SW/got" >"$SW/missing"
			[[ ! -s $SW/missing ]] || fail "$obj list $i under changes lacks $(wc -l <"$SW/missing") entries that never changed, e.g. $(head -n 1 "$SW/missing")"
			n=$(wc -l <"$SW/got")
			((n >= SCALE_N - SCALE_N / 100 - 1 && n <= SCALE_N)) || fail "$obj list $i under changes: $n entries"
			stamp "$obj list $i under changes: $n entries"
		done
		kill "$pid"
		wait "$pid" || true
		trap - EXIT
	done
	kernel_log_clean
}
