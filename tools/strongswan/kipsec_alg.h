/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 (IANA) transform IDs to the kernel crypto API names kipsec takes,
 * with the ICV length sent for each: the only place that knows them.
 */
#ifndef KIPSEC_ALG_H_
#define KIPSEC_ALG_H_

#include <library.h>

typedef struct kipsec_alg_t kipsec_alg_t;

struct kipsec_alg_t {
	/** IANA transform ID (encryption_algorithm_t, integrity_algorithm_t) */
	uint16_t iana;
	/** crypto API name, as kipsec's (and XFRM's) algorithm table has it */
	const char *name;
	/** ICV length in bits (0 for ciphers without one) */
	uint32_t icv_bits;
	/** an AEAD: sent as KIPSEC_SA_A_ALG_AEAD */
	bool aead;
};

/** The encryption (or AEAD) transform @iana, or NULL: kipsec lacks it. */
const kipsec_alg_t *kipsec_alg_encr(uint16_t iana);

/** The integrity transform @iana, or NULL: kipsec lacks it. */
const kipsec_alg_t *kipsec_alg_integ(uint16_t iana);

#endif /* KIPSEC_ALG_H_ */
