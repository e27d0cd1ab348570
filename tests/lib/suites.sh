# The cipher suites the tests know (tests/lib/suites.tsv), for the shell
# side (no process spawned: each costs most of a second under TCG).

SUITES_TSV=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/suites.tsv

# suite_row NAME: sets SUITE_PROTO, SUITE_EKEY, SUITE_AKEY, SUITE_KIND,
# SUITE_IV, SUITE_ICV and SUITE_TMPL (the words with EK/AK/NOKEY in) from
# NAME's line; 1 if there is none.
suite_row() {
	local name sets proto words ekey akey kind iv icv rest
	while IFS=$'\t' read -r name sets proto words ekey akey kind iv icv rest; do
		[[ $name == "$1" ]] || continue	# comments too
		SUITE_PROTO=$proto SUITE_EKEY=$ekey SUITE_AKEY=$akey
		SUITE_KIND=$kind SUITE_IV=$iv SUITE_ICV=$icv
		read -ra SUITE_TMPL <<<"$words"
		return 0
	done <"$SUITES_TSV"
	return 1
}

# suite_words NAME EK AK: SUITE_WORDS, NAME's algorithm words with the
# encryption key EK and the integrity key AK (0x-hex) in.
suite_words() {
	local w
	suite_row "$1" || return 1
	SUITE_WORDS=()
	for w in "${SUITE_TMPL[@]}"; do
		case $w in
		EK) SUITE_WORDS+=("$2") ;;
		AK) SUITE_WORDS+=("$3") ;;
		NOKEY) SUITE_WORDS+=("") ;;
		*) SUITE_WORDS+=("$w") ;;
		esac
	done
}
