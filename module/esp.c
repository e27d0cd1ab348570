// SPDX-License-Identifier: GPL-2.0
/*
 * ESP (RFC 4303): every suite is one crypto_aead. AEAD suites are used as
 * they are; cipher + HMAC suites become authenc(hmac(..),cipher), or
 * authencesn() with extended sequence numbers. One allocation per packet
 * holds the associated data, an IV copy, the request and the scatterlist,
 * and one completion function serves the synchronous and the asynchronous
 * case.
 *
 * The associated data is kept out of the packet: the first scatterlist
 * entry is a small buffer holding SPI, (ESN high half,) sequence number,
 * which is the layout every kernel ESP transform expects (rfc4106,
 * rfc4543, rfc7539esp, authenc and authencesn), so the ESP header never
 * has to be moved for ESN. The IV follows in the packet and is part of
 * the associated data (assoclen covers it), as these transforms require.
 */
#include "alg.h"
#include "datapath.h"
#include "debug.h"
#include "sa.h"
#include "xform.h"

#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/ip.h>
#include <linux/random.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <net/netlink.h>

#define ESP_HDR_LEN	8
#define ESP_AD_MAX	12	/* SPI, ESN high half, sequence number */
#define ESP_TFC_NEXTHDR	59	/* IPPROTO_NONE: a dummy packet */

static int esp_alloc(struct kipsec_sa *sa, const char *name,
		     struct netlink_ext_ack *extack)
{
	struct crypto_aead *aead = kipsec_alloc_aead(name);

	if (IS_ERR(aead)) {
		NL_SET_ERR_MSG(extack,
			       "the kernel crypto API cannot provide this algorithm");
		return PTR_ERR(aead) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(aead);
	}
	sa->aead = aead;
	return 0;
}

static int esp_init_aead(struct kipsec_sa *sa, struct netlink_ext_ack *extack)
{
	const struct kipsec_alg *alg = sa->alg_aead;
	const struct kipsec_alg_desc *s;
	u32 icv_bits;
	int ret;

	s = kipsec_alg_find(KIPSEC_ALG_AEAD, alg->name);
	if (!s) {
		NL_SET_ERR_MSG(extack, "unsupported AEAD algorithm");
		return -EOPNOTSUPP;
	}
	icv_bits = alg->icv_bits ?: s->icv_default;
	if (alg->key_len <= s->saltlen) {
		NL_SET_ERR_MSG(extack,
			       "key length not valid for this AEAD (key and 4-byte salt)");
		return -EINVAL;
	}
	ret = esp_alloc(sa, alg->name, extack);
	if (ret)
		return ret;
	if (icv_bits % 8 || crypto_aead_setauthsize(sa->aead, icv_bits / 8)) {
		NL_SET_ERR_MSG(extack, "ICV length not valid for this AEAD");
		return -EINVAL;
	}
	if (crypto_aead_setkey(sa->aead, alg->key, alg->key_len)) {
		NL_SET_ERR_MSG(extack,
			       "key length not valid for this AEAD (key and 4-byte salt)");
		return -EINVAL;
	}
	sa->alg_aead->icv_bits = icv_bits;
	sa->ivlen = s->ivlen;
	sa->iv_kind = s->iv_kind;
	sa->padalign = max_t(u8, s->blocksize, 4);
	return 0;
}

static int esp_init_authenc(struct kipsec_sa *sa,
			    struct netlink_ext_ack *extack)
{
	static const struct kipsec_alg cipher_null = {
		.name = "ecb(cipher_null)",
	};
	const struct kipsec_alg *enc = sa->alg_crypt ?: &cipher_null;
	const struct kipsec_alg *auth = sa->alg_auth;
	struct crypto_authenc_key_param *param;
	char name[CRYPTO_MAX_ALG_NAME];
	const struct kipsec_alg_desc *s;
	unsigned int keylen;
	struct rtattr *rta;
	u32 icv_bits;
	u8 *key, *p;
	int ret;

	if (!auth) {
		NL_SET_ERR_MSG(extack,
			       "ESP encryption without integrity is not supported");
		return -EINVAL;
	}
	s = kipsec_alg_find(KIPSEC_ALG_CIPHER, enc->name);
	if (!s) {
		NL_SET_ERR_MSG(extack, "unsupported encryption algorithm");
		return -EOPNOTSUPP;
	}
	ret = kipsec_auth_lookup(auth, &icv_bits, extack);
	if (ret)
		return ret;
	if (enc->key_len < s->saltlen) {
		NL_SET_ERR_MSG(extack,
			       "key length not valid for this cipher (key and 4-byte nonce)");
		return -EINVAL;
	}
	if (snprintf(name, sizeof(name), "%s(%s,%s)",
		     sa->flags & KIPSEC_SA_F_ESN ? "authencesn" : "authenc",
		     auth->name, enc->name) >= sizeof(name)) {
		NL_SET_ERR_MSG(extack, "algorithm names too long");
		return -ENAMETOOLONG;
	}
	ret = esp_alloc(sa, name, extack);
	if (ret)
		return ret;
	if (crypto_aead_setauthsize(sa->aead, icv_bits / 8)) {
		NL_SET_ERR_MSG(extack,
			       "ICV length not valid for this integrity algorithm");
		return -EINVAL;
	}

	/* authenc's key: a parameter rtattr, the auth key, the enc key. */
	keylen = RTA_SPACE(sizeof(*param)) + auth->key_len + enc->key_len;
	key = kmalloc(keylen, GFP_KERNEL);
	if (!key)
		return -ENOMEM;
	rta = (struct rtattr *)key;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(enc->key_len);
	p = key + RTA_SPACE(sizeof(*param));
	memcpy(p, auth->key, auth->key_len);
	memcpy(p + auth->key_len, enc->key, enc->key_len);
	ret = crypto_aead_setkey(sa->aead, key, keylen);
	kfree_sensitive(key);
	if (ret) {
		NL_SET_ERR_MSG(extack, "key length not valid for these algorithms");
		return -EINVAL;
	}
	sa->alg_auth->icv_bits = icv_bits;
	sa->ivlen = s->ivlen;
	sa->iv_kind = s->iv_kind;
	sa->padalign = max_t(u8, s->blocksize, 4);
	return 0;
}

static int esp_init_sa(struct kipsec_sa *sa, struct netlink_ext_ack *extack)
{
	int ret;

	if (sa->alg_aead && (sa->alg_crypt || sa->alg_auth)) {
		NL_SET_ERR_MSG(extack,
			       "ESP takes either an AEAD or encryption and integrity");
		return -EINVAL;
	}
	ret = sa->alg_aead ? esp_init_aead(sa, extack) :
			     esp_init_authenc(sa, extack);
	if (ret)
		return ret;
	sa->icvlen = crypto_aead_authsize(sa->aead);
	sa->iv_secret = get_random_u64();
	return 0;
}

static unsigned int esp_hdrlen(const struct kipsec_sa *sa)
{
	return ESP_HDR_LEN + sa->ivlen;
}

/* What is left of @room once the ICV, padding and trailer fit. */
static unsigned int esp_payload_max(const struct kipsec_sa *sa,
				    unsigned int room)
{
	if (room <= sa->icvlen + sa->padalign + 2)
		return 0;
	return ALIGN_DOWN(room - sa->icvlen, sa->padalign) - 2;
}

/*
 * The per-packet allocation: associated data, IV copy (ciphers update
 * their IV in place), the request with its context, and the scatterlist.
 */
static void *esp_alloc_tmp(struct crypto_aead *aead, int nsg)
{
	size_t len = ESP_AD_MAX + crypto_aead_ivsize(aead);

	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	return kmalloc(len, GFP_ATOMIC);
}

static u8 *esp_tmp_iv(void *tmp)
{
	return (u8 *)tmp + ESP_AD_MAX;
}

static struct aead_request *esp_tmp_req(struct crypto_aead *aead, void *tmp)
{
	return (void *)PTR_ALIGN(esp_tmp_iv(tmp) + crypto_aead_ivsize(aead),
				 crypto_tfm_ctx_alignment());
}

static struct scatterlist *esp_tmp_sg(struct crypto_aead *aead,
				      struct aead_request *req)
{
	return (void *)ALIGN((unsigned long)(req + 1) + crypto_aead_reqsize(aead),
			     __alignof__(struct scatterlist));
}

/* Writes the associated data for @seq into @ad; returns its length. */
static unsigned int esp_fill_ad(const struct kipsec_sa *sa, u8 *ad, u64 seq)
{
	__be32 *w = (__be32 *)ad;

	w[0] = sa->key.spi;
	if (sa->flags & KIPSEC_SA_F_ESN) {
		w[1] = htonl(upper_32_bits(seq));
		w[2] = htonl(lower_32_bits(seq));
		return 12;
	}
	w[1] = htonl(lower_32_bits(seq));
	return 8;
}

static void esp_finish(struct sk_buff *skb, int err, u8 nexthdr)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);

	kfree(cb->tmp);
	cb->tmp = NULL;
	cb->done(skb, err, nexthdr);
}

static void esp_output_complete(struct crypto_async_request *base, int err)
{
	struct sk_buff *skb = base->data;

	if (err)
		kipsec_sa_drop(KIPSEC_CB(skb)->sa, KIPSEC_STAT_NO_MEMORY);
	esp_finish(skb, err, 0);
}

static void esp_output(struct kipsec_sa *sa, struct sk_buff *skb, u8 nexthdr,
		       kipsec_done_t done)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int plen = skb->len, clen, padlen, adlen;
	struct ip_esp_hdr *esph;
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	int nfrags, err, i;
	u8 *tail, *iv;
	u64 seq;

	cb->done = done;
	cb->tmp = NULL;
	clen = ALIGN(plen + 2, sa->padalign);
	padlen = clen - plen - 2;
	seq = cb->seq;

	err = -ENOMEM;
	if (skb_cow_head(skb, ESP_HDR_LEN + sa->ivlen + MAX_HEADER))
		goto nomem;
	nfrags = skb_cow_data(skb, clen - plen + sa->icvlen, &trailer);
	if (nfrags < 0)
		goto nomem;

	tail = pskb_put(skb, trailer, clen - plen + sa->icvlen);
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = nexthdr;

	esph = skb_push(skb, ESP_HDR_LEN + sa->ivlen);
	esph->spi = sa->key.spi;
	esph->seq_no = htonl(lower_32_bits(seq));
	iv = esph->enc_data;
	if (sa->iv_kind == KIPSEC_IV_SEQ) {
		__be64 v = cpu_to_be64(seq ^ sa->iv_secret);

		memcpy(iv, &v, sizeof(v));
	} else if (sa->iv_kind == KIPSEC_IV_RANDOM) {
		get_random_bytes(iv, sa->ivlen);
	}

	cb->tmp = esp_alloc_tmp(sa->aead, nfrags + 1);
	if (!cb->tmp)
		goto nomem;
	adlen = esp_fill_ad(sa, cb->tmp, seq);
	memcpy(esp_tmp_iv(cb->tmp), iv, sa->ivlen);
	req = esp_tmp_req(sa->aead, cb->tmp);
	sg = esp_tmp_sg(sa->aead, req);
	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, cb->tmp, adlen);
	err = skb_to_sgvec(skb, sg + 1, ESP_HDR_LEN,
			   sa->ivlen + clen + sa->icvlen);
	if (unlikely(err < 0))
		goto nomem;

	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, esp_output_complete, skb);
	aead_request_set_crypt(req, sg, sg, clen, esp_tmp_iv(cb->tmp));
	aead_request_set_ad(req, adlen + sa->ivlen);

	err = crypto_aead_encrypt(req);
	if (err == -EINPROGRESS)
		return;
	if (err)
		goto nomem;
	esp_finish(skb, 0, 0);
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
	esp_finish(skb, err ?: -ENOMEM, 0);
}

/*
 * After decryption: the window moves only now that the ICV is verified,
 * then the padding is checked and the header and trailer removed.
 */
/* RFC 4303 2.4: padding bytes, if any, are 1, 2, 3, ... in order. */
static bool esp_padding_valid(const u8 *pad, unsigned int padlen)
{
	unsigned int i;

	for (i = 0; i < padlen; i++)
		if (pad[i] != i + 1)
			return false;
	return true;
}

static void esp_input_finish(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	u8 trail[2], pad[255];
	unsigned int elen, padlen;

	if (unlikely(err)) {
		kipsec_sa_drop(sa, err == -EBADMSG ?
				 KIPSEC_STAT_IN_AUTH : KIPSEC_STAT_NO_MEMORY);
		goto drop;
	}
	err = kipsec_sa_replay_advance(sa, cb->seq);
	if (unlikely(err))
		goto drop;

	elen = skb->len - ESP_HDR_LEN - sa->ivlen - sa->icvlen;
	err = -EINVAL;
	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2, trail, 2))
		goto bad_padding;
	padlen = trail[0];
	if (padlen + 2 > elen)
		goto bad_padding;
	if (skb_copy_bits(skb, skb->len - sa->icvlen - 2 - padlen, pad, padlen))
		goto bad_padding;
	if (!esp_padding_valid(pad, padlen))
		goto bad_padding;
	if (trail[1] == ESP_TFC_NEXTHDR) {
		/* A dummy packet (RFC 4303 2.6): discarded, not an error. */
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_TFC);
		goto drop;
	}
	if (pskb_trim(skb, skb->len - sa->icvlen - padlen - 2))
		goto nomem;
	__skb_pull(skb, ESP_HDR_LEN + sa->ivlen);
	skb->ip_summed = CHECKSUM_NONE;
	esp_finish(skb, 0, trail[1]);
	return;

bad_padding:
	kipsec_sa_drop(sa, KIPSEC_STAT_IN_PADDING);
	goto drop;
nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
drop:
	esp_finish(skb, err ?: -EINVAL, 0);
}

static void esp_input_complete(struct crypto_async_request *base, int err)
{
	esp_input_finish(base->data, err);
}

static void esp_input(struct kipsec_sa *sa, struct sk_buff *skb,
		      kipsec_done_t done)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct aead_request *req;
	struct scatterlist *sg;
	struct sk_buff *trailer;
	struct ip_esp_hdr *esph;
	int elen, nfrags, err;
	unsigned int adlen;

	cb->done = done;
	cb->tmp = NULL;
	elen = skb->len - ESP_HDR_LEN - sa->ivlen - sa->icvlen;
	if (elen < 2 || !pskb_may_pull(skb, ESP_HDR_LEN + sa->ivlen) ||
	    (sa->padalign > 4 && elen % sa->padalign)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_MALFORMED);
		err = -EINVAL;
		goto out;
	}
	esph = (struct ip_esp_hdr *)skb->data;

	err = kipsec_sa_replay_check(sa, ntohl(esph->seq_no), &cb->seq);
	if (err)
		goto out;

	/* Decrypt into private memory only: never over shared pages. */
	err = -ENOMEM;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto nomem;
	esph = (struct ip_esp_hdr *)skb->data;

	cb->tmp = esp_alloc_tmp(sa->aead, nfrags + 1);
	if (!cb->tmp)
		goto nomem;
	adlen = esp_fill_ad(sa, cb->tmp, cb->seq);
	memcpy(esp_tmp_iv(cb->tmp), esph->enc_data, sa->ivlen);
	req = esp_tmp_req(sa->aead, cb->tmp);
	sg = esp_tmp_sg(sa->aead, req);
	sg_init_table(sg, nfrags + 1);
	sg_set_buf(sg, cb->tmp, adlen);
	err = skb_to_sgvec(skb, sg + 1, ESP_HDR_LEN,
			   skb->len - ESP_HDR_LEN);
	if (unlikely(err < 0))
		goto nomem;

	aead_request_set_tfm(req, sa->aead);
	aead_request_set_callback(req, 0, esp_input_complete, skb);
	aead_request_set_crypt(req, sg, sg, elen + sa->icvlen,
			       esp_tmp_iv(cb->tmp));
	aead_request_set_ad(req, adlen + sa->ivlen);

	err = crypto_aead_decrypt(req);
	if (err == -EINPROGRESS)
		return;
	esp_input_finish(skb, err);
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
out:
	esp_finish(skb, err, 0);
}

const struct kipsec_xform_type kipsec_esp_type = {
	.proto		= IPPROTO_ESP,
	.spi_offset	= offsetof(struct ip_esp_hdr, spi),
	.init_sa	= esp_init_sa,
	.hdrlen		= esp_hdrlen,
	.payload_max	= esp_payload_max,
	.output		= esp_output,
	.input		= esp_input,
};

#ifdef DEBUG
#include "selftest/esp.c"
#endif
