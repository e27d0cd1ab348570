# An independent oracle for kipsec's ESP: scapy's SecurityAssociation
# (tests/lib/esporacle.py) is the peer. kipsec in kt-a, scapy on kt-b's end
# of the veth. Each case:
#   - scapy-built ESP (UDP datagrams, an echo request) is injected and
#     must be delivered by kipsec (received by a UDP socket, answered);
#   - ESP kipsec sends (an echo reply, UDP datagrams, ping -p) is captured
#     and decrypted by scapy to exactly what was sent, with RFC 4303
#     padding and consecutive sequence numbers; scapy answers the ping;
#   - kipsec's counters show those packets and no drop at all.
# And: reinstalling the same key never repeats an IV.

source "$(dirname "${BASH_SOURCE[0]}")/../lib/esporacle.sh"

# roundtrip SUITE MODE INNER OUTER [WORD...]
roundtrip() {
	local suite=$1 mode=$2 inner=$3 outer=$4
	shift 4
	peer_hosts
	use_suite "$suite"
	kipsec_side "$mode" "$inner" "$outer" replay-window "${WINDOW:-32}" "$@"
	oracle roundtrip "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}" \
		"${ORACLE_SEQ[@]}"
	kernel_log_clean
}

ORACLE_SEQ=()

t_gcm_transport4() {
	roundtrip gcm transport 4 4
}

t_gcm_transport6() {
	roundtrip gcm transport 6 6
}

t_gcm_tunnel6in4() {
	roundtrip gcm tunnel 6 4
}

t_chacha_tunnel4() {
	roundtrip chacha tunnel 4 4
}

t_cbc_sha256_transport4() {
	roundtrip cbc-sha256 transport 4 4
}

t_cbc_sha256_tunnel4in6() {
	roundtrip cbc-sha256 tunnel 4 6
}

t_ctr_sha1_tunnel6() {
	roundtrip ctr-sha1 tunnel 6 6
}

# ESP in UDP (RFC 3948): both SAs "encap espinudp 4500 4500", kipsec's
# encapsulation socket on 4500, scapy's SAs with nat_t_header: the same
# roundtrip, and every packet kipsec sends is UDP 4500 -> 4500 with
# checksum 0 over IPv4 and a valid one over IPv6. No IPv6 transport mode:
# scapy 2.5 cannot decrypt it in UDP (_decrypt_esp() sets the next header
# on the UDP layer).
t_gcm_transport4_udp() {
	ENCAP=1 roundtrip gcm transport 4 4
}

t_gcm_tunnel4_udp() {
	ENCAP=1 roundtrip gcm tunnel 4 4
}

t_gcm_tunnel6_udp() {
	ENCAP=1 roundtrip gcm tunnel 6 6
}

# ESN: both SAs start just below 2^32 with high half 1, so the packets in
# both directions cross into high half 2 (the wire carries only the low
# half; scapy puts the high half in the ICV, as kipsec must).
esn_roundtrip() {
	IN_WORDS=(replay-seq 0xfffffff0 replay-seq-hi 1)
	OUT_WORDS=(replay-oseq 0xfffffffe replay-oseq-hi 1)
	ORACLE_SEQ=(--esn --in-top 0x1fffffff0 --out-start 0x1fffffffe)
	WINDOW=64 roundtrip "$1" transport 4 4 flag esn
}

t_gcm_esn() {
	esn_roundtrip gcm
}

# scapy's ESP ignores the ESN high half with HMAC: the helper adds it
# to the ICV itself (RFC 4303 3.3.2.1).
t_cbc_sha256_esn() {
	esn_roundtrip cbc-sha256
}

# iv_unique SUITE: the same key and SPI installed three times (delete and
# add again); no IV may repeat across everything sent.
iv_unique() {
	local i caps=() dir
	peer_hosts
	use_suite "$1"
	kipsec_side transport 4 4 replay-window 32
	# The captures live in a directory of their own: the helper's
	# ($ORACLE_DIR) is wiped whenever the helper (re)starts, which the
	# first "oracle" of a test run alone does.
	dir=$(mktemp -d /tmp/kipsec-iv.XXXXXX)
	for i in 1 2 3; do
		if ((i > 1)); then
			kipsec -n kt-a state delete src 10.0.0.1 dst 10.0.0.2 \
				proto esp spi 0x1001
			kipsec -n kt-a state add src 10.0.0.1 dst 10.0.0.2 \
				proto esp spi 0x1001 reqid 1 mode transport \
				"${ALGO[@]}" replay-window 32
		fi
		caps+=("$dir/iv.$i")
		if ! oracle ivcapture "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}" \
			--count 24 >"${caps[-1]}"; then
			grep -v '^{' "${caps[-1]}"
			fail "capture $i failed"
		fi
	done
	oracle ivcheck "${caps[@]}"
	rm -rf "$dir"
	kernel_log_clean
}

t_iv_unique_gcm() {
	iv_unique gcm
}

