# The VM boots of the test suite and how a runner counts them; sourced by
# tests/run (make check) and tests/alone (make check-alone), which set
# before use: log (a scratch directory), filter (empty, or -k PATTERN),
# passed and failed (the totals).
# shellcheck shell=bash disable=SC2034 # the boot lists are used by the sourcing runner

# The boots: their files and vm-run options. The control-plane boot wants
# more memory (10,000 SAs and policies); the interop boot writes its cases
# to a directory the host checks afterwards (iop_boot).
main_files=(tests/vm/foundation.sh tests/vm/cli.sh tests/vm/mtu.sh tests/vm/lifecycle.sh tests/vm/firewall.sh tests/vm/policy.sh tests/vm/esp.sh tests/vm/ah.sh tests/vm/oracle.sh tests/vm/badinput.sh tests/vm/ah-oracle.sh tests/vm/ah-badinput.sh tests/vm/verdict.sh tests/vm/natt.sh tests/vm/strongswan.sh)
main_opts=(--timeout 2400 --no-load)
ctl_files=(tests/vm/netlink.sh tests/vm/cli-control.sh tests/vm/control.sh tests/vm/scale.sh)
ctl_opts=(--timeout 1800 --mem 2048 --no-load)
iop_files=(tests/vm/esp-matrix.sh tests/vm/router.sh)
iop_opts=(--timeout 1800 --no-load)

# What vm_boot adds: options for tests/vm/run (--fresh, --shuffle=SEED)
# and a prefix for every test name it reports ("alone:"); the program the
# guest runs (tests/debug: tests/vm/debug-run, which wraps tests/vm/run).
run_opts=()
prefix=
vm_runner=tests/vm/run

pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1: $2"; failed=$((failed + 1)); }

# count FILE: adds the PASS/FAIL lines a sub-runner printed to the totals.
count() {
	local p f
	p=$(grep -c '^PASS ' "$1")
	f=$(grep -c '^FAIL ' "$1")
	passed=$((passed + p))
	failed=$((failed + f))
	return $((f > 0))
}

# selected FILE...: does any test of FILE... match the -k filter?
selected() {
	(($#)) || return 1
	grep -hoE '^t_[A-Za-z0-9_]+' "$@" | grep -qF -- "${filter[1]:-t_}"
}

# vm_boot LABEL [VM-RUN OPTION...] -- FILE...: one VM boot running the
# tests of FILE... (tests/vm/run $run_opts), counted, then its wall time.
# A guest that hangs (vm-run kills it within seconds and names the test)
# counts as a failure of that test, and the tests after it run in a fresh
# boot (at most 3 times per call). Any other failure of the guest outside
# a test fails vm/LABEL.
vm_boot() {
	local label=$1 opts=() files resume=() rc out hang rest test restarts=0
	local start=$SECONDS
	shift
	while [[ $1 != -- ]]; do
		opts+=("$1")
		shift
	done
	shift
	files=("$@")
	while :; do
		out=$log/$label.$restarts
		scripts/vm-run "${opts[@]}" -- "$vm_runner" "${filter[@]}" "${run_opts[@]}" \
			"${resume[@]}" "${files[@]}" 2>"$out.err" |
			sed -u "s,^\(PASS\|FAIL\) ,\1 $prefix," | tee "$out"
		rc=${PIPESTATUS[0]}
		cat "$out.err" >&2
		hang=$(grep -m1 '^vm-run: guest hung in test ' "$out.err")
		count "$out"
		if [[ -n $hang ]]; then
			rest=${hang#vm-run: guest hung in test }
			test=${rest%%: *}
			if [[ $test != vm/* ]]; then
				fail "${prefix}vm/$label" "guest hung before any test: ${rest#*: }"
				break
			fi
			fail "$prefix$test" "guest hung: ${rest#*: }"
			((restarts++ < 3)) || break
			echo "    | resuming the tests after $test in a new boot"
			resume=(--after "$test")
			continue
		elif ((rc >= 124)) || { ((rc != 0)) && ! grep -q '^FAIL ' "$out"; }; then
			# The guest failed outside any test (crash, warning, timeout),
			# or vm-run found a kernel report (124/125) besides failed
			# tests: counted on its own, not hidden behind them.
			fail "${prefix}vm/$label" "vm-run exited $rc: $(grep -m1 '^vm-run:' "$out.err")"
		elif ((rc == 0 && restarts == 0)) && ! grep -q '^PASS ' "$out"; then
			fail "${prefix}vm/$label" "the boot ran no test"
		fi
		break
	done
	echo "    | boot $prefix$label: $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
}

# iop_boot LABEL FILE...: vm_boot for the interop files, with the directory
# the cases write to (--out, KIPSEC_IOP_OUT), checked on the host
# afterwards (tests/tools/iop-wire; its --selftest proves on the first
# passing case that the checks catch what they are for). The captures of
# failing cases are kept, and their place printed.
iop_boot() {
	local label=$1 iop_out
	shift
	iop_out=$(mktemp -d /tmp/kipsec-iop.XXXXXX)
	KIPSEC_IOP_OUT=$iop_out vm_boot "$label" "${iop_opts[@]}" --out "$iop_out" -- "$@"
	tests/tools/iop-wire --selftest "$iop_out" |
		sed -u "s,^\(PASS\|FAIL\) ,\1 $prefix," | tee "$log/wire"
	if count "$log/wire"; then
		rm -rf "$iop_out"
	else
		echo "    | interop cases, captures and counters kept in $iop_out"
	fi
}
