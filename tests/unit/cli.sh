#!/usr/bin/env bash
# Host-side tests of the kipsec tool's command line: dispatch, help, errors.
# Runs on the host, whose kernel has no kipsec module: that is the point of
# the "module absent" case. Prints PASS/FAIL lines like every test file.
set -u
kipsec=${KIPSEC:-$(dirname "$0")/../../tools/kipsec}
fails=0

# expect NAME STATUS REGEX -- ARGS...: exit status and one-line stderr/stdout.
expect() {
	local name=$1 want=$2 re=$3 out rc
	shift 4
	out=$("$kipsec" "$@" 2>&1)
	rc=$?
	if [[ $rc -eq $want && $out =~ $re ]]; then
		echo "PASS cli/$name"
	else
		echo "FAIL cli/$name: exit $rc (want $want), output: ${out:0:200}"
		fails=$((fails + 1))
	fi
}

one_line() {
	local name=$1 out
	shift
	out=$("$kipsec" "$@" 2>&1)
	if [[ $(printf '%s\n' "$out" | wc -l) -eq 1 && $out == kipsec:* ]]; then
		echo "PASS cli/$name"
	else
		echo "FAIL cli/$name: not one \"kipsec: ...\" line: ${out:0:200}"
		fails=$((fails + 1))
	fi
}

expect help 0 'OBJECT := \{ state \| policy' -- help
expect help-option 0 'Usage: kipsec' -- -h
expect state-help 0 'XFRM-PROTO := esp \| ah' -- state help
expect state-help-abbrev 0 'Usage: kipsec state' -- st h
expect policy-help 0 'DIR := in \| out \| fwd' -- policy help
expect unknown-object 1 '^kipsec: unknown object "frob"' -- frob
expect unknown-verb 1 '^kipsec: unknown command "frob" for "state"' -- state frob
expect unknown-option 1 '^kipsec: option "-q" is unknown' -- -q state list
expect bad-proto 1 'proto "bogus" is not esp or ah' -- state flush proto bogus
expect unsupported-proto 1 '^kipsec: "proto comp" is not supported by kipsec' -- state flush proto comp
expect bad-dir 1 'dir "sideways" is not in, out or fwd' -- policy flush dir sideways
expect module-absent 1 '^kipsec: the kipsec kernel module is not loaded \(load it with: modprobe kipsec' -- version
expect no-netns 1 'cannot open network namespace "nonexistent-ns"' -- -n nonexistent-ns version
one_line module-absent-one-line version
one_line unknown-one-line state frob

# A valid command line is validated whole before the kernel is contacted:
# on this host, that is where the missing module shows. An invalid one
# fails on its own words first.
absent='^kipsec: the kipsec kernel module is not loaded'
key=0x0102030405060708090a0b0c0d0e0f1011121314
expect state-add-valid 1 "$absent" -- state add src 192.0.2.1 dst 192.0.2.2 \
	proto esp spi 0x1000 reqid 1 mode tunnel aead 'rfc4106(gcm(aes))' $key 128 \
	sel src 10.0.1.0/24 dst 10.0.2.0/24 limit time-hard 3600 flag esn replay-window 32
expect state-add-abbrev 1 "$absent" -- st a src 10.0.0.1 dst 10.0.0.2 proto esp \
	spi 1 enc aes 0x00112233445566778899aabbccddeeff auth sha1 $key
expect state-list-default 1 "$absent" -- -j -s state
expect state-list-filter 1 "$absent" -- state list dst 10.0.0.0/8 proto esp nokeys
expect state-get-valid 1 "$absent" -- state get dst 10.0.0.2 proto esp spi 1
expect state-count 1 "$absent" -- state count
expect policy-add-valid 1 "$absent" -- policy add src 10.0.1.0/24 \
	dst 10.0.2.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
expect policy-setdefault 1 "$absent" -- pol setd out block in accept
expect policy-getdefault 1 "$absent" -- policy getdefault
expect policy-list-default 1 "$absent" -- policy
expect esn-no-window 1 '^kipsec: "flag esn" needs a replay-window larger than 0' -- \
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0x00 flag esn
expect spi-zero 1 '^kipsec: spi 0 is not valid' -- \
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0 enc aes 0x00
expect unsupported-option 1 '^kipsec: encap "espintcp" is not supported by kipsec \(only espinudp\)$' -- \
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0x00 \
	encap espintcp 4500 4500 0.0.0.0
expect unsupported-alg 1 '^kipsec: algorithm "md5" is not supported$' -- \
	state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 auth md5 0x00
expect unsupported-flag 1 '^kipsec: "flag wildrecv" is not supported by kipsec$' -- \
	state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0x00 flag wildrecv
expect unsupported-ptype 1 '^kipsec: "ptype sub" is not supported by kipsec$' -- \
	policy add dir out ptype sub
expect unsupported-set 1 '^kipsec: "policy set" \(hash thresholds\) is not supported' -- \
	policy set hthresh4 32 32
expect unknown-keyword 1 '^kipsec: unknown keyword "xyz" for "state add"; try "kipsec state help"$' -- \
	state add src 10.0.0.1 xyz
expect missing-value 1 '^kipsec: "spi" needs a value' -- state get dst 10.0.0.1 proto esp spi
expect policy-no-dir 1 '^kipsec: "dir" is required for "policy add"$' -- policy add src 10.0.0.0/8
expect policy-no-id 1 '^kipsec: "policy delete" needs a SELECTOR or "index INDEX"$' -- \
	policy delete dir out
# Batch files: the error names FILE:LINE, the first failing line stops the
# run (exit 1), -force goes on; restore the same.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '# comment\n\nstate add src 10.0.0.1 xyz\nstate frob\n' >"$tmp/b"
expect batch-bad-line 1 "^kipsec: $tmp/b:3: unknown keyword \"xyz\" for \"state add\"; try \"kipsec state help\"\$" -- -batch "$tmp/b"
expect restore-bad-line 1 "^kipsec: $tmp/b:3: unknown keyword \"xyz\"" -- restore "$tmp/b"
expect batch-force 1 "b:3: unknown keyword.*
kipsec: $tmp/b:4: unknown command \"frob\" for \"state\"" -- -force -batch "$tmp/b"
expect batch-stdin 1 '^kipsec: stdin:1: unknown object "frob"' -- -batch - <<<"frob"
printf 'state count\n' >"$tmp/c"
expect batch-module-absent 1 "^kipsec: $tmp/c:1: the kipsec kernel module is not loaded" -- -batch "$tmp/c"
printf 'state "x\n' >"$tmp/q"
expect batch-quote 1 "^kipsec: $tmp/q:1: a double quote is not closed\$" -- -batch "$tmp/q"
expect batch-no-file 1 '^kipsec: cannot open "/nonexistent": No such file or directory$' -- -batch /nonexistent
expect batch-with-command 1 '^kipsec: -batch takes no command' -- -batch "$tmp/b" state list
expect restore-no-file 1 '^kipsec: "restore" needs one FILE' -- restore
expect save-args 1 '^kipsec: "save" takes no arguments$' -- save now
expect save-module-absent 1 "$absent" -- save
expect monitor-bad-object 1 '^kipsec: unknown object "frob" for "monitor"' -- monitor frob
expect monitor-module-absent 1 "$absent" -- monitor sa policy
expect monitor-help 0 'OBJECT := acquire \| expire \| sa \| policy' -- monitor help
expect update-partial 1 "$absent" -- state update dst 10.0.0.2 proto esp spi 1 replay-window 64 new-dst 10.0.0.3
expect state-help-update 0 'new-dst ADDR' -- state help
while IFS=: read -r name args; do
	# shellcheck disable=SC2086
	one_line "one-line-$name" $args
done <<'EOF'
coa:state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0x00 coa ::1
beet:state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0x00 mode beet
allocspi-spi:state allocspi dst 10.0.0.1 proto esp spi 5
tmpl-mode-ro:policy add dir out tmpl proto esp mode ro
bad-index:policy get index x dir in
count-args:state count now
setdefault-half:policy setdefault out
bad-key:state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 1 enc aes 0xzz
EOF
exit $((fails > 0))
