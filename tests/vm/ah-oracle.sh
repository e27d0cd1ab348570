# An independent oracle for kipsec's AH (RFC 4302): scapy's
# SecurityAssociation(AH, ...) (tests/lib/esporacle.py) is the peer. kipsec
# in kt-a, scapy on kt-b's end of the veth. Each case:
#   - scapy-built AH must be delivered by kipsec: UDP datagrams of several
#     sizes, an echo request (answered), datagrams whose IP header carries
#     options (router alert, record route and timestamp with free slots,
#     which kt-a's own IP input fills before kipsec sees them) or IPv6
#     hop-by-hop and destination options (with and without the "may
#     change" bit); in tunnel mode over IPv4 also outer options; a
#     3000-byte datagram whose AH packet comes in fragments and, in tunnel
#     mode, one whose inner packet was fragmented before AH;
#   - AH kipsec sends (an echo reply, UDP datagrams, one with IP options /
#     IPv6 extension headers and DSCP EF, a 3000-byte one, ping -p) is
#     captured (reassembled) and verified by scapy and by a hand-made ICV,
#     with the RFC 4302 header length (ICV padded to 32 bits over IPv4, 64
#     over IPv6), consecutive sequence numbers and exactly the payload
#     sent; the 3000-byte datagram fragmented after AH, except an IPv6
#     inner packet in tunnel mode, fragmented before (as XFRM); scapy
#     answers the ping;
#   - with ESN, both directions cross 2^32 (the high half is in the ICV
#     only) and an ICV over the wrong high half fails;
#   - kipsec's counters show those packets and no drop at all.
# Every ICV scapy computes or checks is also computed by hand: where
# scapy's own mutable-field handling disagreed, the helper would say so
# (ScapyDiffers, "helper-self-check") instead of blaming kipsec.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/esporacle.sh"

# ah_roundtrip ALG MODE INNER OUTER [WORD...]
ah_roundtrip() {
	local alg=$1 mode=$2 inner=$3 outer=$4
	shift 4
	peer_hosts
	use_ah_suite "$alg"
	kipsec_side "$mode" "$inner" "$outer" replay-window "${WINDOW:-32}" "$@"
	oracle roundtrip "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}" \
		"${ORACLE_SEQ[@]}"
	kernel_log_clean
}

ORACLE_SEQ=()

t_ah_sha1_transport4() {
	ah_roundtrip sha1 transport 4 4
}

t_ah_sha256_transport6() {
	ah_roundtrip sha256 transport 6 6
}

t_ah_sha256_tunnel4() {
	ah_roundtrip sha256 tunnel 4 4
}

t_ah_sha384_transport4() {
	ah_roundtrip sha384 transport 4 4
}

t_ah_cmac_transport6() {
	ah_roundtrip cmac transport 6 6
}

# scapy 2.5 has no AES-XCBC-MAC-96: the helper's own (RFC 3566, checked
# against the RFC's vectors) under scapy's AH code.
t_ah_xcbc_tunnel6in4() {
	ah_roundtrip xcbc tunnel 6 4
}

t_ah_sha512_tunnel4in6() {
	ah_roundtrip sha512 tunnel 4 6
}

# ESN: both SAs start just below 2^32 with high half 1, so the packets in
# both directions cross into high half 2 (the wire carries only the low
# half; the ICV covers the high half, appended to the hashed data).
ah_esn_roundtrip() {
	IN_WORDS=(replay-seq 0xfffffff0 replay-seq-hi 1)
	OUT_WORDS=(replay-oseq 0xfffffffe replay-oseq-hi 1)
	ORACLE_SEQ=(--esn --in-top 0x1fffffff0 --out-start 0x1fffffffe)
	WINDOW=64 ah_roundtrip "$@" flag esn
}

t_ah_sha256_esn_transport4() {
	ah_esn_roundtrip sha256 transport 4 4
}

t_ah_sha512_esn_tunnel6() {
	ah_esn_roundtrip sha512 tunnel 6 6
}
