/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_ALG_H
#define _KIPSEC_ALG_H

#include <linux/types.h>

struct kipsec_alg;
struct netlink_ext_ack;

/* The three kinds an SA names (KIPSEC_SA_A_ALG_AEAD, _CRYPT, _AUTH). */
enum kipsec_alg_kind {
	KIPSEC_ALG_AEAD,
	KIPSEC_ALG_CIPHER,
	KIPSEC_ALG_AUTH,
};

/*
 * One algorithm kipsec offers, by its crypto API name (as ip xfrm names
 * it). Key lengths are the crypto API's to check (setkey); what kipsec
 * itself needs to know is here.
 */
struct kipsec_alg_desc {
	const char *name;
	enum kipsec_alg_kind kind;
	u8 ivlen;		/* AEAD, cipher: IV bytes on the wire */
	u8 iv_kind;		/* AEAD, cipher: enum kipsec_iv_kind (sa.h) */
	u8 blocksize;		/* AEAD, cipher: padding aligns to max(this, 4) */
	u8 saltlen;		/* AEAD, cipher: key bytes that are salt/nonce */
	u16 icv_default;	/* AEAD, auth: ICV bits when none is asked for
				 * (auth: XFRM's truncation without auth-trunc)
				 */
	u16 icv_full;		/* auth: the digest's bits */
};

/* The registry entry of @kind called @name, or NULL. */
const struct kipsec_alg_desc *kipsec_alg_find(enum kipsec_alg_kind kind,
					      const char *name);

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
