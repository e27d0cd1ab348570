# The control-plane commands of the kipsec tool against the module:
# save/restore round trips (keys, sequence numbers, settings), restore and
# -batch stopping at the first bad line, a 1,000-SA batch, partial state
# update and MOBIKE moves, and monitor's events.

jget() {	# jget PYTHON-EXPR: evaluates EXPR on the JSON read from stdin as j
	/usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

# A mix of everything save must carry, in namespace kt-c.
populate() {
	ip netns add kt-c
	nsx kt-c ip link set lo up
	nsx kt-c kipsec state add src 192.0.2.1 dst 192.0.2.2 proto esp \
		spi 0x1001 reqid 7 mode tunnel aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 96 \
		replay-window 64 flag esn noecn replay-oseq 1000 replay-oseq-hi 3 \
		sel src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 443 \
		limit time-hard 3600 limit byte-soft 100000 output-mark 0x10 mask 0xff
	nsx kt-c kipsec state add src fd00::1 dst fd00::2 proto esp spi 0x1002 \
		enc aes "$(hexkey 16)" auth-trunc 'hmac(sha256)' "$(hexkey 32)" 128 \
		replay-window 32 flag decap-dscp dont-encap-dscp replay-oseq 77
	nsx kt-c kipsec state add src 192.0.2.1 dst 192.0.2.3 proto ah spi 0x1003 \
		auth sha1 "$(hexkey 20)" mode transport sel src 10.0.0.0/8 proto icmp type 8 dev lo
	nsx kt-c kipsec state add src 192.0.2.1 dst 192.0.2.4 proto esp spi 0x1004 \
		enc 'ecb(cipher_null)' "" auth sha256 "$(hexkey 32)"
	nsx kt-c kipsec state allocspi src 192.0.2.1 dst 192.0.2.5 proto esp >/dev/null
	nsx kt-c kipsec policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out priority 10 \
		tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1001 mode tunnel reqid 7
	nsx kt-c kipsec policy add src fd01::/64 dst fd02::/64 proto ipv6-icmp type 128 \
		dir fwd tmpl src fd00::1 dst fd00::2 proto esp mode tunnel level use
	nsx kt-c kipsec policy add src 10.9.0.0/16 dir in action block priority 5
	nsx kt-c kipsec policy add dst 10.0.3.0/24 proto udp sport 53 dev lo dir out \
		tmpl proto ah
	nsx kt-c kipsec policy setdefault fwd block
	nsx kt-c kipsec config set decap-mark 0x5/0xf acquire-expires 60
}

t_save_restore_roundtrip() {
	load_module
	populate
	local f1=/tmp/save1 f2=/tmp/save2
	nsx kt-c kipsec save >$f1
	grep -q '^# larval SA .* skipped' $f1 || fail "no larval comment: $(cat $f1)"
	(($(grep -c '^state add' $f1) == 4)) || fail "want 4 SAs: $(cat $f1)"
	(($(grep -c '^policy add' $f1) == 4)) || fail "want 4 policies: $(cat $f1)"
	grep -q "replay-oseq 1000 replay-seq-hi 0 replay-oseq-hi 3" $f1 ||
		fail "ESN oseq not saved: $(grep 0x00001001 $f1)"
	grep -q "enc 'ecb(cipher_null)' ''" $f1 || fail "empty key: $(grep 0x00001004 $f1)"
	grep -q '^policy setdefault in accept fwd block out accept$' $f1 || fail "defaults: $(cat $f1)"
	grep -q '^config set acquire-expires 60 decap-mark 0x5/0xf$' $f1 || fail "config: $(cat $f1)"
	# The keys of the live SA are in the file.
	local key
	key=$(nsx kt-c kipsec -j state get dst 192.0.2.2 proto esp spi 0x1001 | jget 'j["aead"]["key"]')
	grep -qF "$key" $f1 || fail "key $key not saved"
	nsx kt-c kipsec state flush
	nsx kt-c kipsec policy flush
	nsx kt-c kipsec policy setdefault fwd accept
	nsx kt-c kipsec config set decap-mark 0/0 acquire-expires 30
	nsx kt-c kipsec restore $f1
	nsx kt-c kipsec save >$f2
	diff <(grep -v larval $f1) $f2 || fail "save after restore differs"
	# The restored outbound SA goes on after its last sequence number.
	[[ $(nsx kt-c kipsec -j state get dst 192.0.2.2 proto esp spi 0x1001 |
		jget '(j["replay-oseq-hi"] << 32) + j["replay-oseq"]') == $(((3 << 32) + 1000)) ]] ||
		fail "oseq not restored"
	# stdin works too, through -batch as well.
	nsx kt-c kipsec state flush
	nsx kt-c kipsec policy flush
	nsx kt-c kipsec -batch - <$f1
	nsx kt-c kipsec save | diff - $f2 || fail "-batch - differs"
}

t_save_refused_without_keys() {
	load_module
	populate
	expect_out '^kipsec: saving needs CAP_NET_ADMIN: the kernel did not show the keys$' \
		nsx kt-c "${nobody[@]}" kipsec save
	((last_rc != 0)) || fail "save without keys exited 0"
	# Nothing on stdout: no half-written file.
	local out
	out=$(nsx kt-c "${nobody[@]}" kipsec save 2>/dev/null) || true
	[[ -z $out ]] || fail "save printed: ${out:0:200}"
	# Restoring needs CAP_NET_ADMIN too; the error names the line.
	nsx kt-c kipsec save >/tmp/s
	expect_out '^kipsec: /tmp/s:2: operation not permitted' \
		nsx kt-c "${nobody[@]}" kipsec restore /tmp/s
}

t_restore_stops_at_first_bad_line() {
	load_module
	ip netns add kt-c
	local k f=/tmp/bad
	k=$(hexkey 20)
	cat >$f <<-EOF
	# a comment, then a blank line

	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 aead "rfc4106(gcm(aes))" $k 128
	  state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 2 aead 'rfc4106(gcm(aes))' $k 128 # trailing comment
	policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 3 aead 'rfc4106(gcm(aes))' $k 128 frob 1
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 4 aead 'rfc4106(gcm(aes))' $k 128
	EOF
	expect_out '^kipsec: /tmp/bad:6: unknown keyword "frob" for "state add"; try "kipsec state help"$' \
		nsx kt-c kipsec restore $f
	((last_rc == 1)) || fail "exit $last_rc, want 1"
	[[ $(nsx kt-c kipsec -j state count | jget 'j["count"]') == 2 ]] || fail "SAs: $(nsx kt-c kipsec state)"
	[[ $(nsx kt-c kipsec -j policy count | jget 'j["count"]') == 1 ]] || fail "policies"
	# A kernel error (the SA exists) names its line too; -batch the same.
	expect_out '^kipsec: /tmp/bad:3: .*File exists' nsx kt-c kipsec -batch $f
	((last_rc == 1)) || fail "-batch exit $last_rc, want 1"
	# -force goes on: every line runs, every error is reported.
	nsx kt-c kipsec state flush
	expect_out 'bad:5: .*File exists.*bad:6: unknown keyword' nsx kt-c kipsec -force -batch $f
	((last_rc == 1)) || fail "-force exit $last_rc, want 1"
	[[ $(nsx kt-c kipsec -j state count | jget 'j["count"]') == 3 ]] || fail "-force: SAs: $(nsx kt-c kipsec state)"
	# Quoting and missing files are one line.
	echo "state add src 10.0.0.1 'dst" >$f
	expect_out '^kipsec: /tmp/bad:1: a single quote is not closed$' nsx kt-c kipsec restore $f
	expect_out '^kipsec: cannot open "/nonexistent": No such file or directory$' kipsec restore /nonexistent
}

t_batch_1000_sas_and_policies() {
	load_module
	ip netns add kt-c
	local k f=/tmp/batch start end
	k=$(hexkey 20)
	/usr/bin/python3 - "$k" >$f <<-'PY'
	import sys
	k = sys.argv[1]
	for i in range(1000):
	    print("state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x%x reqid %d mode tunnel aead 'rfc4106(gcm(aes))' %s 128" % (0x10000 + i, i + 1, k))
	for i in range(1000):
	    print("policy add src 10.%d.%d.0/24 dst 10.200.0.0/16 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid %d" % (i // 256, i % 256, i + 1))
	PY
	start=$EPOCHREALTIME
	nsx kt-c kipsec -batch $f
	end=$EPOCHREALTIME
	echo "2000 lines in $(/usr/bin/python3 -c "print(round($end - $start, 2))") s"
	[[ $(nsx kt-c kipsec -j state count | jget 'j["count"]') == 1000 ]] || fail "SA count"
	[[ $(nsx kt-c kipsec -j policy count | jget 'j["count"]') == 1000 ]] || fail "policy count"
	[[ $(nsx kt-c kipsec -j state list | jget 'len(j)') == 1000 ]] || fail "SA list"
	[[ $(nsx kt-c kipsec -j policy list | jget 'len(j)') == 1000 ]] || fail "policy list"
	[[ $(nsx kt-c kipsec save | grep -c '^state add') == 1000 ]] || fail "save"
}

t_partial_update_and_mobike() {
	load_module
	ip netns add kt-c
	local k
	k=$(hexkey 20)
	nsx kt-c kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 \
		reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' "$k" 128 replay-window 32 \
		replay-oseq 50 limit time-hard 600
	nsx kt-c kipsec state update dst 10.0.0.2 proto esp spi 0x10 \
		replay-window 128 reqid 9 limit byte-hard 5000 output-mark 0x7 \
		replay-oseq 60
	local got
	got=$(nsx kt-c kipsec -j state get dst 10.0.0.2 proto esp spi 0x10 |
		jget '"|".join(str(x) for x in [j["aead"]["key"], j["replay-window"], j["reqid"], j["mode"], j["limit"]["byte-hard"], j["limit"]["time-hard"], j["output-mark"]["value"], j["replay-oseq"]])')
	[[ $got == "$k|128|9|tunnel|5000|0|0x7|60" ]] || fail "after update: $got"
	# What may not change may be repeated; "output-mark 0" removes the mark.
	nsx kt-c kipsec state update dst 10.0.0.2 proto esp spi 0x10 mode tunnel output-mark 0
	got=$(nsx kt-c kipsec -j state get dst 10.0.0.2 proto esp spi 0x10 | jget '"output-mark" in j')
	[[ $got == False ]] || fail "output-mark 0 kept the mark"
	# oseq only grows: a lower one leaves it as it is.
	nsx kt-c kipsec state update dst 10.0.0.2 proto esp spi 0x10 replay-oseq 5
	[[ $(nsx kt-c kipsec -j state get dst 10.0.0.2 proto esp spi 0x10 | jget 'j["replay-oseq"]') == 60 ]] ||
		fail "oseq went down"
	# MOBIKE: the SA moves to new outer addresses, keys and counters kept.
	nsx kt-c kipsec state update dst 10.0.0.2 proto esp spi 0x10 new-dst 10.0.9.2 new-src 10.0.9.1
	must_fail nsx kt-c kipsec state get dst 10.0.0.2 proto esp spi 0x10
	got=$(nsx kt-c kipsec -j state get dst 10.0.9.2 proto esp spi 0x10 |
		jget '"|".join(str(x) for x in [j["src"], j["aead"]["key"], j["replay-oseq"]])')
	[[ $got == "10.0.9.1|$k|60" ]] || fail "after move: $got"
	# Changing what cannot change is refused; new-dst only for update.
	expect_out '^kipsec: .*mode' nsx kt-c kipsec state update dst 10.0.9.2 proto esp spi 0x10 mode transport
	expect_out '^kipsec: unknown keyword "new-dst" for "state add"' \
		kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x10 new-dst 10.0.0.3
}

t_monitor_events() {
	load_module
	ip netns add kt-c
	local k f=/tmp/events pid
	k=$(hexkey 20)
	# Not for readers without CAP_NET_ADMIN (events carry keys).
	expect_out '^kipsec: operation not permitted: monitoring kipsec events needs CAP_NET_ADMIN' \
		nsx kt-c "${nobody[@]}" kipsec monitor
	nsx kt-c kipsec -j monitor >$f &
	pid=$!
	sleep 1
	nsx kt-c kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x20 \
		aead 'rfc4106(gcm(aes))' "$k" 128
	nsx kt-c kipsec policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out \
		tmpl src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel
	nsx kt-c kipsec state delete dst 10.0.0.2 proto esp spi 0x20
	nsx kt-c kipsec policy delete src 10.0.1.0/24 dst 10.0.2.0/24 dir out
	nsx kt-c kipsec state flush
	local i
	for i in $(seq 50); do
		(($(wc -l <$f) >= 5)) && break
		sleep 0.2
	done
	kill $pid
	local got
	got=$(/usr/bin/python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
out = []
for e in ev:
    x = e["event"]
    if "sa" in e: x += ":" + e["sa"]["spi"] + ":" + e["sa"]["aead"].get("key", "nokey")
    if "policy" in e: x += ":" + e["policy"]["dir"] + ":" + e["policy"]["src"]
    out.append(x)
print(" ".join(out))' $f)
	[[ $got == "new-sa:0x00000020:$k new-policy:out:10.0.1.0/24 del-sa:0x00000020:$k del-policy:out:10.0.1.0/24 flush-sa" ]] ||
		fail "events: $got"
	# The text form, as ip xfrm monitor.
	nsx kt-c kipsec monitor sa >$f &
	pid=$!
	sleep 1
	nsx kt-c kipsec policy add dst 10.0.3.0/24 dir in
	nsx kt-c kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x21 \
		aead 'rfc4106(gcm(aes))' "$k" 128
	nsx kt-c kipsec state delete dst 10.0.0.2 proto esp spi 0x21
	for i in $(seq 50); do
		grep -q '^Deleted src' $f && break
		sleep 0.2
	done
	kill $pid
	grep -q '^src 10.0.0.1 dst 10.0.0.2$' $f || fail "new SA text: $(cat $f)"
	grep -q '^Deleted src 10.0.0.1 dst 10.0.0.2$' $f || fail "deleted SA text: $(cat $f)"
	! grep -q 'dir in' $f || fail "policy event printed by \"monitor sa\": $(cat $f)"
}
