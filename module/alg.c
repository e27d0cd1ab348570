// SPDX-License-Identifier: GPL-2.0
/*
 * The integrity algorithms kipsec offers, shared by ESP (as the HMAC half
 * of authenc) and AH, with XFRM's default truncation for each.
 */
#include "alg.h"
#include "sa.h"

#include <net/netlink.h>

static const struct kipsec_auth_alg kipsec_auth_algs[] = {
	{ "hmac(sha1)", 96, 160 },
	{ "hmac(sha256)", 96, 256 },
	{ "hmac(sha384)", 192, 384 },
	{ "hmac(sha512)", 256, 512 },
	{ "xcbc(aes)", 96, 128 },
	{ "cmac(aes)", 96, 128 },
};

int kipsec_auth_lookup(const struct kipsec_alg *alg, u32 *icv_bits,
		       struct netlink_ext_ack *extack)
{
	const struct kipsec_auth_alg *a = NULL;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(kipsec_auth_algs); i++) {
		if (!strcmp(kipsec_auth_algs[i].name, alg->name)) {
			a = &kipsec_auth_algs[i];
			break;
		}
	}
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
