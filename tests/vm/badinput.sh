# Bad input to kipsec's ESP input, built by the scapy peer
# (tests/lib/esporacle.py): each bad packet must be dropped (not delivered
# to the UDP socket waiting in kt-a) and counted under its reason, and
# nothing else may move: per SA (every drop counter and lifetime packets)
# and per netns (passthrough, in-policy, in-selector, ...; every drop
# counted on an SA is counted in the netns too), read by the helper over
# generic netlink and checked once per case against what
# "kipsec -j -s state get" and "kipsec -j stats" show. A valid packet after
# the bad ones must still be delivered. The kernel log must stay free of
# warnings. Counter names below are the tool's ("failed" is in-auth).

source "$(dirname "${BASH_SOURCE[0]}")/../lib/esporacle.sh"

# bad CASE[,CASE...] SUITE [MODE INNER OUTER [WORD...]]: kipsec's SA pair
# with a replay window of 32, then the helper's bad-input CASEs.
bad() {
	local case=$1 suite=$2 mode=${3:-transport} inner=${4:-4} outer=${5:-4}
	shift $(($# < 5 ? $# : 5))
	peer_hosts
	use_suite "$suite"
	kipsec_side "$mode" "$inner" "$outer" replay-window 32 "$@"
	oracle bad "$case" "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}"
	kernel_log_clean
}

# One SA pair per suite, and in turn (each with sequence numbers above the
# last):
#   auth: wrong key, flipped ICV / ciphertext / IV bit (all with the same
#     sequence number: a failed packet must not mark it seen), a forged
#     sequence number (which must not move the window): "failed" +1 each;
#   replay: duplicates, behind the window of 32, its exact edge, sequence
#     number 0: "replay" +1 each;
#   truncated: ESP cut short (header only, within the IV, within the ICV,
#     no trailer, one byte short): "malformed" +1 each (for a stream cipher
#     one byte short may count as "failed" instead: it cannot be told from
#     a bad ICV);
#   padding: pad bytes other than 1, 2, 3, ..., a pad length beyond the
#     payload: "padding" +1; a dummy packet (next header 59): "tfc" +1; 8
#     blocks of valid padding and (tunnel mode) TFC padding after the inner
#     packet: delivered.
t_bad_esp_gcm() {
	bad auth,replay,truncated,padding gcm
}

t_bad_esp_cbc_sha256_ipv6() {
	bad auth,replay,truncated,padding cbc-sha256 transport 6 6
}

t_bad_esp_chacha_tunnel4() {
	bad auth,replay,padding chacha tunnel 4 4
}

# Cleartext UDP and ICMP where the "in" policy requires ESP: netns
# "in_policy" +1 each, no echo reply.
t_cleartext_where_esp_required() {
	bad cleartext gcm
}

# Tunnel mode: a valid packet from the peer whose inner source is outside
# the SA's selector and every "in" policy: "selector" +1 on the SA and in
# the netns.
t_tunnel_inner_source_outside_selector() {
	IN_WORDS=(sel src 10.9.0.2/32 dst 10.9.0.1/32)
	bad tunnel-selector gcm tunnel 4 4
}

# The same without an SA selector: the "in" policy check catches it,
# "policy" +1 on the SA and in the netns.
t_tunnel_inner_source_outside_policy() {
	bad tunnel-policy gcm tunnel 4 4
}

# Unknown SPIs (IPv4, IPv6, and a known SPI to another destination): left
# to the stack, netns "passthrough" +1 each; the one the transport-mode
# "in" policy covers as it is (protocol ESP) is also "in-policy" +1, as
# XFRM's policy check (raw sockets) judges it.
t_unknown_spi_passthrough() {
	bad unknown-spi gcm
}

# larval_spi: reserves an SPI with allocspi in kt-a (a larval SA) and
# puts it in $spi, or leaves $spi empty and says why in $larval_err.
larval_spi() {
	local out
	spi=
	if ! out=$(kipsec -n kt-a -j state allocspi src 10.0.0.2 \
		dst 10.0.0.1 proto esp 2>&1); then
		larval_err=$out
		return 0
	fi
	spi=$(sed -n 's/.*"spi":"\(0x[0-9a-f]*\)".*/\1/p' <<<"$out")
	larval_err="printed no SPI: $out"
}

# An SPI reserved by allocspi, SA not completed: "larval" +1 on that SA and
# in the netns.
t_larval_sa() {
	local spi larval_err=
	peer_hosts
	use_suite gcm
	kipsec_side transport 4 4 replay-window 32
	larval_spi
	[[ -n $spi ]] || fail "no larval SA to test: allocspi: $larval_err"
	oracle bad larval "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}" \
		--larval-spi "$spi"
	kernel_log_clean
}

# An ESP payload too short to hold an SPI (0 and 3 bytes) is truncated
# ESP: dropped and counted, netns "in-malformed" +1 (no SA to count it).
t_truncated_before_spi() {
	bad short-spi gcm
}

# Inner fragments (UDP, 208 bytes in three fragments), with the namespace's
# net.ipv4.ipfrag_time at 2 s (kipsec's reassembly takes it when the first
# SA comes): those one SA decrypted are reassembled, in any order
# ("in-frag-reasm" +1), and checked and delivered whole; an incomplete
# datagram times out ("in-frag-timeout" +1); a decrypted fragment never
# completes a datagram with cleartext ones (a decrypted head and cleartext
# rest, or the reverse: nothing delivered), and a cleartext middle fragment
# sent first cannot replace the decrypted one (the datagram is delivered as
# sent, not as forged); overlapping fragments drop the datagram
# ("in-frag-bad" +1). IPv6 in transport mode too, where the ESP trailer
# names the fragment header (next header 44).
fragments() {
	peer_hosts
	ip netns exec kt-a sysctl -qw net.ipv4.ipfrag_time=2
	use_suite gcm
	kipsec_side "$@" replay-window 32
	oracle bad fragments "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}"
	kernel_log_clean
}

t_fragments_tunnel4() {
	fragments tunnel 4 4
}

t_fragments_tunnel6() {
	fragments tunnel 6 6
}

t_fragments_transport6() {
	fragments transport 6 6
}

# ESP in UDP (RFC 3948) to kipsec's encapsulation port 4500, for an SA
# pair with "encap espinudp 4500 4500" (tests/vm/natt.sh's
# t_keepalive_marker_short sends the one-byte keepalive, an empty payload,
# 0xff 0xff, 3 bytes, the non-ESP marker with IKE, zeros for an unknown
# SPI; not again here):
#   - the UDP header's faults (its length beyond the datagram or below
#     8, a wrong checksum, over IPv6 checksum 0): the kernel's UDP drops
#     them (Udp InErrors +1, InCsumErrors +1 for the checksum), kipsec's
#     counters do not move, and the same ESP with the header right is
#     then delivered (with a real checksum over IPv4 too); a UDP length
#     that leaves only the ESP header: the SA's "malformed" +1;
#   - payloads that are not ESP: one byte 0x00, the non-ESP marker alone
#     or with 3 bytes, the SA's SPI with 3 bytes: netns "in-malformed"
#     +1 (shorter than an ESP header); the marker with 4 bytes:
#     "in-encap-non-esp" +1; 0xff with 7 or 99 bytes more (not a
#     keepalive: ESP for SPI 0xff......): "in-encap-no-sa" +1; the SA's
#     ESP header alone: the SA's "malformed" +1;
#   - real ESP in UDP for an SPI nobody has: "in-encap-no-sa" +1;
#   - the SA's ESP in UDP with a flipped ICV bit: "failed" +1; replayed:
#     "replay" +1;
#   - from another source port (a NAT's new mapping): delivered, as XFRM
#     takes it, and one MAPPING event names the new port; a replay from
#     yet another port, more than the events' one-second limit later:
#     "replay" +1 and no MAPPING; to another destination port than 4500:
#     plain UDP, which the "in" policy wants in ESP: "in-policy" +1.
# Nothing else moves (kipsec's counters, the kernel's UDP InErrors,
# InCsumErrors, NoPorts).
bad_in_udp() {
	local fam=$1 ob=10.0.0.2 map=/tmp/kt-bad-udp-mapping n
	[[ $fam == 6 ]] && ob=fd00::2
	peer_hosts
	use_suite gcm
	ENCAP=1 kipsec_side transport "$fam" "$fam" replay-window 32
	kipsec -n kt-a monitor mapping >$map &
	mon_pid=$!
	trap 'kill $mon_pid 2>/dev/null || true' EXIT
	oracle bad encap "${ORACLE_KEYS[@]}" "${ORACLE_MODE[@]}"
	kill $mon_pid
	n=$(grep -c '^Mapping change' $map || true)
	((n == 1)) || fail "$n MAPPING events, want 1: $(cat $map)"
	grep -Eq "^Mapping change \[?$ob\]?:4500 -> \[?$ob\]?:31999\$" $map ||
		fail "MAPPING does not name port 31999: $(cat $map)"
	kernel_log_clean
}

t_bad_esp_in_udp4() {
	bad_in_udp 4
}

t_bad_esp_in_udp6() {
	bad_in_udp 6
}
