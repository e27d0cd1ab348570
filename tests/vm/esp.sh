# ESP datapath tests: kipsec in kt-a, the kernel's XFRM in kt-b (or kipsec on
# both ends), traffic both ways, counters checked on both sides.

# ipsec_pair NS TOOL SPI_OUT SPI_IN LOCAL REMOTE MODE ALGO...: installs an
# SA pair and the policies for LOCAL<->REMOTE with TOOL ("kipsec" or
# "ip xfrm"), in transport or tunnel mode (tunnel endpoints = the hosts).
ipsec_pair() {
	local ns=$1 tool=$2 spo=$3 spi=$4 l=$5 r=$6 mode=$7
	shift 7
	nsx "$ns" $tool state add src "$l" dst "$r" proto esp spi "$spo" \
		reqid 1 mode "$mode" "$@"
	nsx "$ns" $tool state add src "$r" dst "$l" proto esp spi "$spi" \
		reqid 1 mode "$mode" "$@"
	if [[ $mode == tunnel ]]; then
		nsx "$ns" $tool policy add src "$l" dst "$r" dir out \
			tmpl src "$l" dst "$r" proto esp reqid 1 mode tunnel
		nsx "$ns" $tool policy add src "$r" dst "$l" dir in \
			tmpl src "$r" dst "$l" proto esp reqid 1 mode tunnel
	else
		nsx "$ns" $tool policy add src "$l" dst "$r" dir out \
			tmpl proto esp reqid 1 mode transport
		nsx "$ns" $tool policy add src "$r" dst "$l" dir in \
			tmpl proto esp reqid 1 mode transport
	fi
}

# One case: kipsec on kt-a, XFRM on kt-b; ping both ways, then counters.
interop_case() {
	local mode=$1 fam=$2
	shift 2
	local a=10.0.0.1 b=10.0.0.2 ping=ping
	if [[ $fam == 6 ]]; then
		a=fd00::1 b=fd00::2
	fi
	two_hosts
	load_xfrm
	ipsec_pair kt-a kipsec 0x1001 0x2002 "$a" "$b" "$mode" "$@"
	ipsec_pair kt-b "ip xfrm" 0x2002 0x1001 "$b" "$a" "$mode" "$@"
	nsx kt-a $ping -c 3 -i 0.2 -W 2 "$b" >/dev/null || fail "ping kipsec -> xfrm failed"
	nsx kt-b $ping -c 3 -i 0.2 -W 2 "$a" >/dev/null || fail "ping xfrm -> kipsec failed"
	# XFRM decrypted what kipsec sent (3 requests + 3 replies at least).
	local n
	n=$(nsx kt-b ip -s xfrm state get src "$a" dst "$b" proto esp spi 0x1001 |
		sed -n 's/.*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n1)
	((n >= 6)) || fail "XFRM saw $n packets from kipsec, want >= 6"
	kernel_log_clean
}

t_transport4_gcm128() {
	interop_case transport 4 aead 'rfc4106(gcm(aes))' "$(hexkey 20)" 128
}
