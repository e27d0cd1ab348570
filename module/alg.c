// SPDX-License-Identifier: GPL-2.0
/*
 * The algorithms kipsec offers, in one table as net/xfrm/xfrm_algo.c keeps
 * XFRM's: ESP's AEADs and ciphers, and the integrity algorithms ESP (the
 * HMAC half of authenc) and AH share, with what the datapath needs to
 * know of each. A new suite is one line here.
 */
#include "alg.h"
#include "sa.h"

#include <net/netlink.h>

#define AEAD(_name, _ivlen, _saltlen) {					\
	.name = (_name), .kind = KIPSEC_ALG_AEAD, .ivlen = (_ivlen),	\
	.iv_kind = KIPSEC_IV_SEQ, .blocksize = 1, .saltlen = (_saltlen),\
	.icv_default = 128,						\
}

#define CIPHER(_name, _ivlen, _iv_kind, _blocksize, _saltlen) {		\
	.name = (_name), .kind = KIPSEC_ALG_CIPHER, .ivlen = (_ivlen),	\
	.iv_kind = (_iv_kind), .blocksize = (_blocksize),		\
	.saltlen = (_saltlen),						\
}

#define AUTH(_name, _icv_default, _icv_full) {				\
	.name = (_name), .kind = KIPSEC_ALG_AUTH,			\
	.icv_default = (_icv_default), .icv_full = (_icv_full),	\
}

static const struct kipsec_alg_desc kipsec_algs[] = {
	AEAD("rfc4106(gcm(aes))", 8, 4),
	AEAD("rfc4543(gcm(aes))", 8, 4),
	AEAD("rfc7539esp(chacha20,poly1305)", 8, 4),
	CIPHER("cbc(aes)", 16, KIPSEC_IV_RANDOM, 16, 0),
	CIPHER("rfc3686(ctr(aes))", 8, KIPSEC_IV_SEQ, 1, 4),
	CIPHER("ecb(cipher_null)", 0, KIPSEC_IV_NONE, 1, 0),
	AUTH("hmac(sha1)", 96, 160),
	AUTH("hmac(sha256)", 96, 256),
	AUTH("hmac(sha384)", 192, 384),
	AUTH("hmac(sha512)", 256, 512),
	AUTH("xcbc(aes)", 96, 128),
	AUTH("cmac(aes)", 96, 128),
};

const struct kipsec_alg_desc *kipsec_alg_find(enum kipsec_alg_kind kind,
					      const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipsec_algs); i++)
		if (kipsec_algs[i].kind == kind &&
		    !strcmp(kipsec_algs[i].name, name))
			return &kipsec_algs[i];
	return NULL;
}

int kipsec_auth_lookup(const struct kipsec_alg *alg, u32 *icv_bits,
		       struct netlink_ext_ack *extack)
{
	const struct kipsec_alg_desc *a;

	a = kipsec_alg_find(KIPSEC_ALG_AUTH, alg->name);
	if (!a) {
		NL_SET_ERR_MSG(extack, "unsupported integrity algorithm");
		return -EOPNOTSUPP;
	}
	*icv_bits = alg->icv_bits ?: a->icv_default;
	if (*icv_bits % 8 || *icv_bits < 64 || *icv_bits > a->icv_full) {
		NL_SET_ERR_MSG(extack,
			       "ICV length not valid for this integrity algorithm");
		return -EINVAL;
	}
	return 0;
}
