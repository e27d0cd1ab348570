/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Parsing of the words of the ip-xfrm grammar. Every function returns 0 on
 * success or -1 when the word is not valid; it never prints, so callers
 * can say which keyword the word belonged to.
 */
#ifndef KIPSEC_PARSE_H
#define KIPSEC_PARSE_H

#include <stddef.h>
#include <stdint.h>

struct kaddr {
	uint16_t family;		/* AF_INET or AF_INET6 */
	uint8_t bytes[16];		/* network order; 4 used for AF_INET */
};

static inline size_t kaddr_len(const struct kaddr *a)
{
	return a->family == 10 /* AF_INET6 */ ? 16 : 4;
}

/* Decimal, or hex with 0x, as ip's get_u32(..., 0). */
int parse_u32(const char *s, uint32_t *out);
int parse_u64(const char *s, uint64_t *out);
int parse_u8(const char *s, uint8_t *out);

/* An IPv4 or IPv6 address. */
int parse_addr(const char *s, struct kaddr *a);

/*
 * ADDR[/PLEN]; without /PLEN the prefix is the whole address. Host bits
 * beyond the prefix are cleared, as the kernel would ignore them.
 */
int parse_prefix(const char *s, struct kaddr *a, uint8_t *plen);

/*
 * A key as ip xfrm takes it: "0x" followed by hex digits (an odd count
 * gets a leading zero, as ip), or else the string's own bytes. Fails if
 * longer than @max or not hex after "0x".
 */
int parse_key(const char *s, uint8_t *buf, size_t max, size_t *len);

/* "esp" or "ah" (or their IP protocol numbers, 50 and 51). */
int parse_xfrm_proto(const char *s, uint8_t *proto);

/* "transport" or "tunnel", with ip's abbreviations. */
int parse_mode(const char *s, uint8_t *mode);

/* "in", "out" or "fwd". */
int parse_dir(const char *s, uint8_t *dir);

/*
 * An upper-layer protocol: a number, or a name as ip xfrm prints it ("tcp",
 * "ipv6-icmp", ...; also "icmpv6"), else from /etc/protocols.
 */
int parse_upper_proto(const char *s, uint8_t *proto);

/* The name of an upper-layer protocol ip xfrm would print, or NULL. */
const char *upper_proto_lookup(uint8_t proto);

enum alg_kind { ALG_AEAD, ALG_CRYPT, ALG_AUTH };

/*
 * The crypto API name for an ip-xfrm algorithm name or alias ("aes" ->
 * "cbc(aes)", "sha256" -> "hmac(sha256)"); crypto API names pass through.
 * NULL when the name is known to be unsupported.
 */
const char *alg_canonical(enum alg_kind kind, const char *name);

#endif /* KIPSEC_PARSE_H */
