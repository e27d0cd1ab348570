/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_ALG_H
#define _KIPSEC_ALG_H

#include <linux/types.h>

struct kipsec_alg;
struct netlink_ext_ack;

/* An integrity algorithm ESP (through authenc) and AH both use. */
struct kipsec_auth_alg {
	const char *name;	/* crypto API name */
	u16 icv_default;	/* bits: XFRM's truncation without auth-trunc */
	u16 icv_full;		/* bits: the digest */
};

/*
 * Checks the integrity algorithm @alg and sets *@icv_bits to the ICV
 * length it is used with (@alg's own icv_bits, or the default when 0; a
 * multiple of 8 between 64 and the digest size). Returns 0, -EOPNOTSUPP
 * for an unknown algorithm or -EINVAL for a bad length, with an extack
 * message.
 */
int kipsec_auth_lookup(const struct kipsec_alg *alg, u32 *icv_bits,
		       struct netlink_ext_ack *extack);

#endif /* _KIPSEC_ALG_H */
