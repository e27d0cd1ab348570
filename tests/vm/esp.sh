# ESP datapath tests: kipsec in kt-a, the kernel's XFRM in kt-b (or kipsec on
# both ends), traffic both ways, counters checked on both sides.

# The packets XFRM in $1 counted on its SA (src $2 dst $3 spi $4).
xfrm_packets() {
	nsx "$1" ip -s xfrm state get src "$2" dst "$3" proto esp spi "$4" |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n1
}

# interop_case MODE INNER OUTER ALGO...: kipsec on kt-a, XFRM on kt-b;
# INNER and OUTER are 4 or 6; ping both ways, then counters.
interop_case() {
	local mode=$1 inner=$2 outer=$3
	shift 3
	local a=10.0.0.1 b=10.0.0.2 oa=10.0.0.1 ob=10.0.0.2 n
	[[ $inner == 6 ]] && a=fd00::1 b=fd00::2
	[[ $outer == 6 ]] && oa=fd00::1 ob=fd00::2
	if [[ $mode == tunnel && $inner != "$outer" ]]; then
		# Inner addresses on lo so the tunnel carries the other family.
		a=10.9.0.1 b=10.9.0.2
		[[ $inner == 6 ]] && a=fd09::1 b=fd09::2
	fi
	two_hosts
	load_xfrm
	[[ $a == 10.9.* || $a == fd09::* ]] && inner_addrs "$a" "$b"
	# XFRM binds an SA's selector to its own family unless af-unspec:
	# both tools take the same words.
	[[ $inner != "$outer" ]] && set -- "$@" flag af-unspec
	sa_pairs kt-a kt-b tool=kipsec tool_b="ip xfrm" mode="$mode" reqid=1 \
		src="$a" dst="$b" osrc="$oa" odst="$ob" spi=0x1001/0x2002 -- "$@"
	nsx kt-a ping -c 3 -i 0.2 -W 2 -I "$a" "$b" >/dev/null ||
		fail "ping kipsec -> xfrm failed"
	nsx kt-b ping -c 3 -i 0.2 -W 2 -I "$b" "$a" >/dev/null ||
		fail "ping xfrm -> kipsec failed"
	# XFRM decrypted what kipsec sent: 3 requests and 3 replies.
	n=$(xfrm_packets kt-b "$oa" "$ob" 0x1001)
	((n >= 6)) || fail "XFRM decrypted ${n:-no} packets from kipsec, want >= 6"
	n=$(xfrm_packets kt-b "$ob" "$oa" 0x2002)
	((n >= 6)) || fail "XFRM encrypted ${n:-no} packets to kipsec, want >= 6"
	kernel_log_clean
}

t_transport4_gcm128() {
	interop_case transport 4 4 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

t_transport6_gcm128() {
	interop_case transport 6 6 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

t_tunnel4_gcm128() {
	interop_case tunnel 4 4 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}

t_tunnel6_chacha() {
	interop_case tunnel 6 6 aead 'rfc7539esp(chacha20,poly1305)' "$(hexkey 36)" 128
}

t_tunnel4in6_cbc_sha256() {
	interop_case tunnel 4 6 enc 'cbc(aes)' "$(hexkey 16)" \
		auth-trunc 'hmac(sha256)' "$(hexkey 32)" 128
}

t_tunnel6in4_ctr_sha1() {
	interop_case tunnel 6 4 enc 'rfc3686(ctr(aes))' "$(hexkey 20)" \
		auth sha1 "$(hexkey 20)"
}

t_transport4_cbc_sha512_esn() {
	interop_case transport 4 4 enc aes "$(hexkey 32)" \
		auth-trunc 'hmac(sha512)' "$(hexkey 64)" 256 \
		replay-window 64 flag esn
}

t_transport4_gmac() {
	interop_case transport 4 4 aead 'rfc4543(gcm(aes))' "$(hexkey 20)" 128
}
