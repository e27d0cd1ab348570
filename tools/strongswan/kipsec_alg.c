// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IANA IDs to crypto API names: see kipsec_alg.h. The keys come from
 * charon with the salt appended (4 bytes for GCM, GMAC, CTR and
 * ChaCha20-Poly1305), as kipsec and XFRM take them.
 */
#include "kipsec_alg.h"

#include <crypto/crypters/crypter.h>
#include <crypto/signers/signer.h>

static const kipsec_alg_t encr[] = {
	{ ENCR_AES_GCM_ICV8,		"rfc4106(gcm(aes))",	64,		TRUE },
	{ ENCR_AES_GCM_ICV12,		"rfc4106(gcm(aes))",	96,		TRUE },
	{ ENCR_AES_GCM_ICV16,		"rfc4106(gcm(aes))",	128,	TRUE },
	{ ENCR_NULL_AUTH_AES_GMAC,	"rfc4543(gcm(aes))",	128,	TRUE },
	{ ENCR_CHACHA20_POLY1305,	"rfc7539esp(chacha20,poly1305)", 128, TRUE },
	{ ENCR_AES_CBC,				"cbc(aes)",				0,		FALSE },
	{ ENCR_AES_CTR,				"rfc3686(ctr(aes))",	0,		FALSE },
	{ ENCR_NULL,				"ecb(cipher_null)",		0,		FALSE },
};

static const kipsec_alg_t integ[] = {
	{ AUTH_HMAC_SHA1_96,		"hmac(sha1)",			96,		FALSE },
	{ AUTH_HMAC_SHA2_256_128,	"hmac(sha256)",			128,	FALSE },
	{ AUTH_HMAC_SHA2_384_192,	"hmac(sha384)",			192,	FALSE },
	{ AUTH_HMAC_SHA2_512_256,	"hmac(sha512)",			256,	FALSE },
	/* charon's sha256_96 (Linux's old default), and the untruncated ones */
	{ AUTH_HMAC_SHA2_256_96,	"hmac(sha256)",			96,		FALSE },
	{ AUTH_HMAC_SHA1_160,		"hmac(sha1)",			160,	FALSE },
	{ AUTH_HMAC_SHA2_256_256,	"hmac(sha256)",			256,	FALSE },
	{ AUTH_HMAC_SHA2_384_384,	"hmac(sha384)",			384,	FALSE },
	{ AUTH_HMAC_SHA2_512_512,	"hmac(sha512)",			512,	FALSE },
	{ AUTH_AES_XCBC_96,			"xcbc(aes)",			96,		FALSE },
	{ AUTH_AES_CMAC_96,			"cmac(aes)",			96,		FALSE },
};

static const kipsec_alg_t *find(const kipsec_alg_t *table, int n,
								uint16_t iana)
{
	int i;

	for (i = 0; i < n; i++)
	{
		if (table[i].iana == iana)
		{
			return &table[i];
		}
	}
	return NULL;
}

/*
 * Described in header
 */
const kipsec_alg_t *kipsec_alg_encr(uint16_t iana)
{
	return find(encr, countof(encr), iana);
}

/*
 * Described in header
 */
const kipsec_alg_t *kipsec_alg_integ(uint16_t iana)
{
	return find(integ, countof(integ), iana);
}
