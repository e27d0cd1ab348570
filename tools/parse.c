// SPDX-License-Identifier: GPL-2.0
#include "parse.h"
#include "util.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

int parse_u64(const char *s, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

int parse_u32(const char *s, uint32_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int parse_u8(const char *s, uint8_t *out)
{
	uint64_t v;

	if (parse_u64(s, &v) || v > UINT8_MAX)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

int parse_addr(const char *s, struct kaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->bytes) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->bytes) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -1;
}

int parse_prefix(const char *s, struct kaddr *a, uint8_t *plen)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned int max, i;

	if (alen >= sizeof(buf))
		return -1;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (parse_addr(buf, a))
		return -1;
	max = (unsigned int)kaddr_len(a) * 8;
	if (!slash) {
		*plen = (uint8_t)max;
		return 0;
	}
	if (parse_u8(slash + 1, plen) || *plen > max ||
	    !isdigit((unsigned char)slash[1]))
		return -1;
	for (i = *plen; i < max; i++)
		a->bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int parse_key(const char *s, uint8_t *buf, size_t max, size_t *len)
{
	size_t n, i;

	/* As ip: "0x" and at least one digit is hex, odd lengths get a
	 * leading zero; anything else (even "0x" alone) is the bytes.
	 */
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && s[2]) {
		s += 2;
		n = strlen(s);
		if ((n + 1) / 2 > max)
			return -1;
		for (i = 0; i < (n + 1) / 2; i++) {
			/* digit j of the padded string is s[j - n % 2] */
			int hi = (i == 0 && n % 2) ? 0 : hexval(s[2 * i - n % 2]);
			int lo = hexval(s[2 * i + 1 - n % 2]);

			if (hi < 0 || lo < 0)
				return -1;
			buf[i] = (uint8_t)(hi << 4 | lo);
		}
		*len = (n + 1) / 2;
		return 0;
	}
	n = strlen(s);
	if (n > max)
		return -1;
	memcpy(buf, s, n);
	*len = n;
	return 0;
}

int parse_xfrm_proto(const char *s, uint8_t *proto)
{
	if (!strcmp(s, "esp") || !strcmp(s, "50"))
		*proto = 50;
	else if (!strcmp(s, "ah") || !strcmp(s, "51"))
		*proto = 51;
	else
		return -1;
	return 0;
}

int parse_mode(const char *s, uint8_t *mode)
{
	if (matches(s, "transport"))
		*mode = 0;
	else if (matches(s, "tunnel"))
		*mode = 1;
	else
		return -1;
	return 0;
}

int parse_dir(const char *s, uint8_t *dir)
{
	if (!strcmp(s, "in"))
		*dir = 0;
	else if (!strcmp(s, "out"))
		*dir = 1;
	else if (!strcmp(s, "fwd"))
		*dir = 2;
	else
		return -1;
	return 0;
}

/*
 * The protocols selectors name most, so that parsing and printing do not
 * depend on /etc/protocols being there (ip's names, which are its names).
 */
static const struct {
	uint8_t proto;
	const char *name;
} upper_protos[] = {
	{ 1, "icmp" }, { 2, "igmp" }, { 4, "ipencap" }, { 6, "tcp" },
	{ 17, "udp" }, { 33, "dccp" }, { 41, "ipv6" }, { 47, "gre" },
	{ 50, "esp" }, { 51, "ah" }, { 58, "ipv6-icmp" }, { 132, "sctp" },
	{ 135, "mobility-header" }, { 136, "udplite" },
};

const char *upper_proto_lookup(uint8_t proto)
{
	const struct protoent *pe;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(upper_protos); i++)
		if (upper_protos[i].proto == proto)
			return upper_protos[i].name;
	pe = getprotobynumber(proto);
	return pe ? pe->p_name : NULL;
}

int parse_upper_proto(const char *s, uint8_t *proto)
{
	const struct protoent *pe;
	size_t i;

	if (!parse_u8(s, proto))
		return 0;
	for (i = 0; i < ARRAY_SIZE(upper_protos); i++) {
		if (!strcmp(upper_protos[i].name, s)) {
			*proto = upper_protos[i].proto;
			return 0;
		}
	}
	/* ip xfrm spells ICMPv6 "ipv6-icmp" as /etc/protocols does. */
	if (!strcmp(s, "icmpv6")) {
		*proto = 58;
		return 0;
	}
	pe = getprotobyname(s);
	if (!pe || pe->p_proto < 0 || pe->p_proto > 255)
		return -1;
	*proto = (uint8_t)pe->p_proto;
	return 0;
}

struct alg_alias {
	enum alg_kind kind;
	const char *alias;
	const char *name;	/* NULL: known, but kipsec does not do it */
};

/*
 * The compat names the kernel's xfrm_algo.c accepts, as ip passes them,
 * and the algorithms XFRM knows that kipsec does not implement (by both
 * their names), so that those fail on the command line with one line.
 */
static const struct alg_alias aliases[] = {
	{ ALG_AUTH, "sha1", "hmac(sha1)" },
	{ ALG_AUTH, "sha256", "hmac(sha256)" },
	{ ALG_AUTH, "sha384", "hmac(sha384)" },
	{ ALG_AUTH, "sha512", "hmac(sha512)" },
	{ ALG_AUTH, "sm3", "hmac(sm3)" },
	{ ALG_AUTH, "md5", NULL },
	{ ALG_AUTH, "hmac(md5)", NULL },
	{ ALG_AUTH, "rmd160", NULL },
	{ ALG_AUTH, "hmac(rmd160)", NULL },
	{ ALG_AUTH, "null", "digest_null" },
	{ ALG_CRYPT, "aes", "cbc(aes)" },
	{ ALG_CRYPT, "sm4", "cbc(sm4)" },
	{ ALG_CRYPT, "null", "ecb(cipher_null)" },
	{ ALG_CRYPT, "cipher_null", "ecb(cipher_null)" },
	{ ALG_CRYPT, "des", NULL },
	{ ALG_CRYPT, "cbc(des)", NULL },
	{ ALG_CRYPT, "des3_ede", NULL },
	{ ALG_CRYPT, "cbc(des3_ede)", NULL },
	{ ALG_CRYPT, "cast5", NULL },
	{ ALG_CRYPT, "cbc(cast5)", NULL },
	{ ALG_CRYPT, "blowfish", NULL },
	{ ALG_CRYPT, "cbc(blowfish)", NULL },
	{ ALG_CRYPT, "serpent", NULL },
	{ ALG_CRYPT, "cbc(serpent)", NULL },
	{ ALG_CRYPT, "camellia", NULL },
	{ ALG_CRYPT, "cbc(camellia)", NULL },
	{ ALG_CRYPT, "twofish", NULL },
	{ ALG_CRYPT, "cbc(twofish)", NULL },
};

const char *alg_canonical(enum alg_kind kind, const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(aliases); i++)
		if (aliases[i].kind == kind && !strcmp(aliases[i].alias, name))
			return aliases[i].name;
	return name;
}
