# SPDX-License-Identifier: GPL-2.0
# One end's SA pair and the policies that use it, as batch lines: the one
# description of an SA pair that the VM tests (tests/vm/lib.sh sa_pair),
# the interop matrix (tests/lib/interop.sh) and the benchmark
# (scripts/bench.d/guest) set SAs up with. The lines are ip xfrm's words
# after "xfrm" (kipsec's after "kipsec"), every word in double quotes, so
# that `kipsec -batch -` and `ip -b -` (with "xfrm " before each line) read
# them alike, empty keys (cipher_null) included.

# sa_pair_lines [KEY=VALUE]... [-- ALGO... [-- ALGO_IN...]]: the lines.
# Keys:
#   proto=esp|ah            [esp]
#   mode=transport|tunnel   [transport]
#   reqid=N                 [0] of both SAs and templates
#   src="ADDR[/LEN]..."     this end's traffic: one address or prefix per
#   dst="ADDR[/LEN]..."     inner family, paired by position with dst's
#   osrc=ADDR odst=ADDR     the SA endpoints [the first src, dst address]
#   spi=OUT/IN              the SPIs of the outbound and the inbound SA
#   dirs=out,in[,fwd]       the policies [out,in]; in and fwd take dst->src
#   tmpl_addrs=1            transport templates name the endpoints too
#   both="WORDS"            more words for both SAs (flag af-unspec)
#   out="WORDS" in="WORDS"  more words for one SA (replay-window 64)
# ALGO... are the algorithm words of both SAs, or with a second "--" of
# the outbound SA, ALGO_IN... of the inbound one (each direction its keys).
sa_pair_lines() {
	local k w
	local -A o=([proto]=esp [mode]=transport [reqid]=0 [dirs]="out,in"
		[src]="" [dst]="" [osrc]="" [odst]="" [spi]="" [tmpl_addrs]=""
		[both]="" [out]="" [in]="")
	while (($#)) && [[ $1 != -- ]]; do
		k=${1%%=*}
		if [[ $1 != *=* || ! -v o[$k] ]]; then
			echo "sa_pair: unknown word '$1'" >&2
			return 2
		fi
		o[$k]=${1#*=}
		shift
	done
	(($#)) && shift
	local ao=() ai=()
	while (($#)) && [[ $1 != -- ]]; do
		ao+=("\"$1\"")
		shift
	done
	if (($#)); then
		shift
		for w in "$@"; do ai+=("\"$w\""); done
	else
		ai=("${ao[@]}")
	fi
	local l r both ow iw
	read -ra l <<<"${o[src]}"
	read -ra r <<<"${o[dst]}"
	read -ra both <<<"${o[both]}"
	read -ra ow <<<"${o[out]}"
	read -ra iw <<<"${o[in]}"
	for k in both ow iw; do
		local -n ws=$k
		for w in "${!ws[@]}"; do ws[w]="\"${ws[w]}\""; done
		unset -n ws
	done
	local os=${o[osrc]:-${l[0]%/*}} od=${o[odst]:-${r[0]%/*}}
	local so=${o[spi]%/*} si=${o[spi]#*/}
	local id="\"proto\" \"${o[proto]}\""
	local rest="\"reqid\" \"${o[reqid]}\" \"mode\" \"${o[mode]}\""
	local tout='' tin='' d i
	echo "\"state\" \"add\" \"src\" \"$os\" \"dst\" \"$od\" $id \"spi\" \"$so\" $rest ${ao[*]} ${both[*]} ${ow[*]}"
	echo "\"state\" \"add\" \"src\" \"$od\" \"dst\" \"$os\" $id \"spi\" \"$si\" $rest ${ai[*]} ${both[*]} ${iw[*]}"
	if [[ ${o[mode]} == tunnel || -n ${o[tmpl_addrs]} ]]; then
		tout="\"src\" \"$os\" \"dst\" \"$od\" "
		tin="\"src\" \"$od\" \"dst\" \"$os\" "
	fi
	for d in ${o[dirs]//,/ }; do
		for i in "${!l[@]}"; do
			case $d in
			out)
				echo "\"policy\" \"add\" \"src\" \"${l[i]}\" \"dst\" \"${r[i]}\" \"dir\" \"out\" \"tmpl\" $tout$id $rest" ;;
			in | fwd)
				echo "\"policy\" \"add\" \"src\" \"${r[i]}\" \"dst\" \"${l[i]}\" \"dir\" \"$d\" \"tmpl\" $tin$id $rest" ;;
			*)
				echo "sa_pair: unknown direction '$d'" >&2
				return 2 ;;
			esac
		done
	done
}

# sa_pair_apply NS TOOL: the lines on standard input, in NS, through TOOL
# (kipsec, or "ip xfrm"), in one process; non-zero with the tool's error
# (which names the line) when a line fails.
sa_pair_apply() {
	case $2 in
	kipsec) ip netns exec "$1" kipsec -batch - ;;
	"ip xfrm" | xfrm) sed 's/^/xfrm /' | ip -n "$1" -b - ;;
	*) echo "sa_pair: unknown tool '$2'" >&2; return 2 ;;
	esac
}
