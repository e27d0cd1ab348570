# Bad input to kipsec's AH (RFC 4302) input, built by the scapy peer
# (tests/lib/esporacle.py): each bad packet must be dropped (not delivered
# to the UDP socket waiting in kt-a) and counted under its reason, and
# nothing else may move: per SA (every drop counter and lifetime packets)
# and per netns (passthrough, in-policy, ...; every drop counted on an SA
# is counted in the netns too), read by the helper over generic netlink
# and checked once per case against "kipsec -j -s state get ... proto ah"
# and "kipsec -j stats". A valid packet after the bad ones must still be
# delivered. The kernel log must stay free of warnings. Counter names
# below are the tool's ("failed" is in-auth).

source "$(dirname "${BASH_SOURCE[0]}")/../lib/esporacle.sh"

# bad_ah CASE[,CASE...] ALG [MODE INNER OUTER [WORD...]]: kipsec's AH SA
# pair with a replay window of 32, then the helper's bad-input CASEs, one
# after the other (each with sequence numbers above the last):
#   ah-auth: "failed" +1 each: a wrong key, a flipped ICV bit, a changed
#     payload byte, AH's reserved and next header fields, immutable fields
#     of the (outer) IP header: IPv4 identification, source address, the
#     router alert option's value; IPv6 source address, router alert value,
#     an immutable destination option's data and type; in tunnel mode the
#     inner TTL / hop limit (the inner header is all covered); a forged sequence
#     number (which must not move the window: the next packet with the
#     number all the failed ones used is delivered); with ESN the ICV over
#     the wrong high half;
#   ah-mutable: what RFC 4302 calls mutable, changed on the way: TTL / hop
#     limit, DSCP and ECN / traffic class, DF, flow label, record route and
#     timestamp slots filled, the data of IPv6 options with the "may
#     change" bit: each delivered, "pkts" +1 and nothing else;
#   ah-truncated: AH cut short: before the SPI is complete "malformed" +1
#     in the netns only (no SA); without sequence number, without ICV, ICV
#     or padding one byte short, and (IPv6) a destination option before AH
#     running past its header: "malformed" +1; the whole AH header but the
#     payload missing or one byte short: "failed" +1;
#   ah-icvlen: the AH payload length not matching the SA's ICV (4 bytes
#     short, 4 and 8 bytes longer, 0, 255): "malformed" +1, except that
#     over IPv4 a header padded to 64 bits (XFRM sends that; padding bytes
#     of the sender's choice) is accepted; so is a non-zero reserved field
#     the ICV covers (RFC 4302 2.3: ignored by the receiver);
#   replay: duplicates, behind the window of 32, its exact edge, sequence
#     number 0: "replay" +1 each.
bad_ah() {
	local case=$1 alg=$2 mode=${3:-transport} inner=${4:-4} outer=${5:-4}
	shift $(($# < 5 ? $# : 5))
	peer_hosts
	use_ah_suite "$alg"
	kipsec_side "$mode" "$inner" "$outer" replay-window 32 "$@"
	oracle bad "$case" "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}" \
		"${ORACLE_SEQ[@]}"
	kernel_log_clean
}

ORACLE_SEQ=()

t_bad_ah_sha256_transport4() {
	bad_ah ah-auth,ah-mutable,ah-truncated,ah-icvlen,replay sha256
}

t_bad_ah_sha1_transport6() {
	bad_ah ah-auth,ah-mutable,ah-truncated,ah-icvlen,replay sha1 \
		transport 6 6
}

t_bad_ah_sha384_tunnel4() {
	bad_ah ah-auth,ah-mutable,ah-icvlen,replay sha384 tunnel 4 4
}

t_bad_ah_cmac_tunnel4in6() {
	bad_ah ah-auth,ah-mutable,ah-truncated cmac tunnel 4 6
}

# ESN, inbound SA just below 2^32: the cases cross into high half 2.
t_bad_ah_sha256_esn() {
	IN_WORDS=(replay-seq 0xfffffff0 replay-seq-hi 1)
	ORACLE_SEQ=(--esn --in-top 0x1fffffff0)
	bad_ah ah-auth,ah-truncated,ah-icvlen sha256 transport 4 4 flag esn
}

# Cleartext UDP and ICMP where the "in" policy requires AH: netns
# "in_policy" +1 each, no echo reply.
t_cleartext_where_ah_required() {
	bad_ah cleartext sha256
}

# AH for unknown SPIs (IPv4, IPv6, and the known SPI in the other family):
# left to the stack, netns "passthrough" +1 each; the one the "in" policy
# covers as it is (protocol AH) is also "in-policy" +1, as in XFRM.
t_ah_unknown_spi_passthrough() {
	bad_ah ah-unknown-spi sha256
}
