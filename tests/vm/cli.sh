# The kipsec tool against the module: every keyword round-trips through
# list/get, invalid input is refused with one clear line and changes
# nothing, defaults and counters.

jget() {	# jget PYTHON-EXPR: evaluates EXPR on the JSON read from stdin as j
	/usr/bin/python3 -c "import json,sys; j=json.load(sys.stdin); print($1)"
}

count_sas() {
	kipsec -j state count | jget 'j["count"]'
}

t_state_keywords_roundtrip() {
	load_module
	ip netns add kt-cli
	local k
	k=$(hexkey 36)
	nsx kt-cli kipsec state add src 192.0.2.1 dst 192.0.2.2 proto esp \
		spi 0x1234 reqid 7 mode tunnel aead 'rfc4106(gcm(aes))' "$k" 96 \
		replay-window 64 flag esn noecn decap-dscp nopmtudisc \
		dont-encap-dscp replay-seq 5 replay-oseq 9 replay-seq-hi 1 \
		replay-oseq-hi 2 sel src 10.0.0.0/24 dst 10.1.0.0/16 proto tcp \
		sport 80 dport 443 limit time-soft 3600 limit time-hard 7200 \
		limit byte-soft 1000 limit byte-hard 2000 limit packet-soft 30 \
		limit packet-hard 40 limit time-use-soft 50 limit time-use-hard 60 \
		output-mark 0x10 mask 0xff
	local out
	out=$(nsx kt-cli kipsec -j state get src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1234)
	local want="0x1234|7|tunnel|64|esn,noecn,decap-dscp,nopmtudisc,dont-encap-dscp|rfc4106(gcm(aes))|$k|96|5|9|1|2|10.0.0.0/24|10.1.0.0/16|tcp|80|443|3600,7200,1000,2000,30,40,50,60|0x10/0xff"
	local got
	got=$(jget '"|".join(str(x) for x in [int(j["spi"],16) and hex(int(j["spi"],16)), j["reqid"], j["mode"], j["replay-window"], ",".join(sorted(j["flag"], key=["esn","noecn","decap-dscp","nopmtudisc","dont-encap-dscp"].index)), j["aead"]["name"], j["aead"]["key"], j["aead"]["icv-len"], j["replay-seq"], j["replay-oseq"], j["replay-seq-hi"], j["replay-oseq-hi"], j["sel"]["src"], j["sel"]["dst"], j["sel"]["proto"], j["sel"]["sport"], j["sel"]["dport"], ",".join(str(j["limit"][k]) for k in ["time-soft","time-hard","byte-soft","byte-hard","packet-soft","packet-hard","time-use-soft","time-use-hard"]), "%s/%s" % (j["output-mark"]["value"], j["output-mark"]["mask"])])' <<<"$out")
	[[ $got == "$want" ]] || fail "round trip: got $got, want $want"
	# The text form carries the same (ip xfrm's shape).
	out=$(nsx kt-cli kipsec state list)
	[[ $out == *"proto esp spi 0x00001234 reqid 7 mode tunnel"* ]] || fail "list text: $out"
	[[ $out == *"aead rfc4106(gcm(aes)) $k 96"* ]] || fail "list text aead: $out"
	[[ $out == *"sel src 10.0.0.0/24 dst 10.1.0.0/16 proto tcp sport 80 dport 443"* ]] ||
		fail "list text sel: $out"
}

t_cipher_auth_roundtrip() {
	load_module
	ip netns add kt-cli
	local ek ak
	ek=$(hexkey 16)
	ak=$(hexkey 32)
	nsx kt-cli kipsec state add src fd00::1 dst fd00::2 proto esp spi 0x10 \
		enc aes "$ek" auth sha256 "$ak"
	out=$(nsx kt-cli kipsec -j state get dst fd00::2 proto esp spi 0x10)
	got=$(jget '"|".join(str(x) for x in [j["enc"]["name"], j["enc"]["key"], j["auth"]["name"], j["auth"]["key"], j["auth"]["trunc-len"], j["mode"]])' <<<"$out")
	[[ $got == "cbc(aes)|$ek|hmac(sha256)|$ak|96|transport" ]] ||
		fail "cipher+auth round trip: $got"
	# Unprivileged readers see no keys.
	out=$(nsx kt-cli setpriv --reuid=65534 --regid=65534 --clear-groups \
		kipsec -j state get dst fd00::2 proto esp spi 0x10)
	[[ $out != *"$ek"* && $out != *"$ak"* ]] || fail "keys shown to an unprivileged reader"
	[[ $out == *'"name":"cbc(aes)"'* ]] || fail "unprivileged get lost the algorithm: $out"
}

t_policy_keywords_roundtrip() {
	load_module
	ip netns add kt-cli
	nsx kt-cli ip link add kt0 type dummy
	nsx kt-cli kipsec policy add src 10.1.0.0/24 dst 10.2.0.0/16 proto udp \
		sport 53 dport 5353 dev kt0 dir fwd priority 42 action allow \
		tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x77 reqid 9 \
		mode tunnel level use
	nsx kt-cli kipsec policy add src fd00::/64 dst fd01::/64 proto ipv6-icmp \
		type 128 code 0 dir in action block
	local out got
	out=$(nsx kt-cli kipsec -j policy get src 10.1.0.0/24 dst 10.2.0.0/16 \
		proto udp sport 53 dport 5353 dev kt0 dir fwd)
	got=$(jget '"|".join(str(x) for x in [j["src"], j["dst"], j["proto"], j["sport"], j["dport"], j["dev"], j["dir"], j["priority"], j["action"], j["tmpl"][0]["src"], j["tmpl"][0]["dst"], j["tmpl"][0]["spi"], j["tmpl"][0]["reqid"], j["tmpl"][0]["mode"], j["tmpl"][0]["level"]])' <<<"$out")
	[[ $got == "10.1.0.0/24|10.2.0.0/16|udp|53|5353|kt0|fwd|42|allow|192.0.2.1|192.0.2.2|0x00000077|9|tunnel|use" ]] ||
		fail "policy round trip: $got"
	out=$(nsx kt-cli kipsec -j policy list dir in)
	got=$(jget '"|".join(str(x) for x in [len(j), j[0]["proto"], j[0]["type"], j[0]["code"], j[0]["action"]])' <<<"$out")
	[[ $got == "1|ipv6-icmp|128|0|block" ]] || fail "policy list dir in: $got"
	out=$(nsx kt-cli kipsec policy list)
	[[ $out == *"dir fwd priority 42"* && $out == *"level use"* ]] || fail "policy text: $out"
}

# refused EXIT REGEX ARGS...: the command fails with one "kipsec:" line.
refused() {
	local want=$1 re=$2
	shift 2
	expect_out "$re" nsx kt-cli kipsec "$@"
	((last_rc == want)) || fail "\"kipsec $*\" exited $last_rc, want $want"
	[[ $(wc -l <<<"$last_out") -eq 1 && $last_out == kipsec:* ]] ||
		fail "\"kipsec $*\" did not print one kipsec: line: $last_out"
}

t_invalid_input_changes_nothing() {
	load_module
	ip netns add kt-cli
	local id="src 192.0.2.1 dst 192.0.2.2 proto esp"
	nsx kt-cli kipsec state add $id spi 0x100 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	refused 2 'key length' state add $id spi 0x101 aead 'rfc4106(gcm(aes))' 0x0011 128
	refused 2 'key length' state add $id spi 0x101 enc aes 0x00112233 auth sha1 "$(hexkey 20)"
	refused 2 'ICV length' state add $id spi 0x101 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 100
	refused 2 'unsupported AEAD|cannot provide' state add $id spi 0x101 aead 'gcm(blowfish)' "$(hexkey 20)" 128
	refused 2 'without integrity' state add $id spi 0x101 enc aes "$(hexkey 16)"
	refused 1 'SPI' state add $id spi 0 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	refused 2 'exists already' state add $id spi 0x100 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	refused 2 'no such SA' state update $id spi 0x999 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	refused 2 'no such SA' state delete $id spi 0x999
	refused 1 'replay' state add $id spi 0x102 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128 flag esn
	refused 2 'endpoints' policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out tmpl proto esp mode tunnel
	refused 1 'is not supported by kipsec' state add $id spi 0x103 mode beet aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
	nsx kt-cli kipsec policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out
	refused 2 'exists already' policy add src 10.0.0.0/8 dst 10.1.0.0/16 dir out
	refused 2 'no such policy' policy delete src 10.9.0.0/16 dir out
	# Nothing of the refused requests stayed.
	[[ $(nsx kt-cli kipsec -j state count | jget 'j["count"]') == 1 ]] || fail "SA count changed"
	[[ $(nsx kt-cli kipsec -j policy count | jget 'j["count"]') == 1 ]] || fail "policy count changed"
	nsx kt-cli kipsec state delete $id spi 0x100
	nsx kt-cli kipsec policy delete src 10.0.0.0/8 dst 10.1.0.0/16 dir out
	[[ $(nsx kt-cli kipsec -j state count | jget 'j["count"]') == 0 ]] || fail "delete left an SA"
}

t_default_block_and_stats() {
	two_hosts
	nsx kt-a ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "no connectivity before"
	nsx kt-a kipsec policy setdefault out block
	[[ $(nsx kt-a kipsec -j policy getdefault | jget 'j["out"]') == block ]] ||
		fail "getdefault does not say out block"
	must_fail nsx kt-a ping -c 2 -i 0.2 -W 1 10.0.0.2
	local n
	n=$(nsx kt-a kipsec -j stats | jget 'j["out-policy-block"]')
	((n >= 2)) || fail "out-policy-block is $n after 2 blocked pings"
	# An allow policy without template lets its traffic through again.
	nsx kt-a kipsec policy add src 10.0.0.1 dst 10.0.0.2 dir out action allow
	nsx kt-a ping -c 1 -W 2 10.0.0.2 >/dev/null || fail "allow policy did not let ping out"
	nsx kt-a kipsec policy setdefault out allow
	expect_out '^SACount +0$' sh -c "ip netns exec kt-a kipsec stats | grep SACount"
}

t_flush() {
	load_module
	ip netns add kt-cli
	local i
	for i in $(seq 1 20); do
		echo "state add src 192.0.2.1 dst 192.0.2.2 proto esp spi $((0x1000 + i)) aead rfc4106(gcm(aes)) $(hexkey 20) 128"
	done | while read -r line; do nsx kt-cli kipsec $line; done
	[[ $(nsx kt-cli kipsec -j state count | jget 'j["count"]') == 20 ]] || fail "20 SAs not added"
	nsx kt-cli kipsec state flush
	[[ $(nsx kt-cli kipsec -j state count | jget 'j["count"]') == 0 ]] || fail "flush left SAs"
	kernel_log_clean
}
