// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec_bench_aead: the speed of one AEAD through the kernel crypto API,
 * measured as tcrypt's AEAD speed mode does it (one synchronous request at
 * a time, out of place, counted for SECS seconds per direction), for the
 * suites Linux 6.1's tcrypt has no speed mode for (authenc). Built and
 * loaded by scripts/bench inside the VM only. Like tcrypt, it prints its
 * results to the kernel log and then refuses to stay loaded (-EAGAIN).
 *
 *   modprobe kipsec_bench_aead alg='authenc(hmac(sha256),cbc(aes))' \
 *	klen=16 aklen=32 authsize=16 assoclen=8 len=1420 secs=1
 *
 * For authenc(...), klen is the cipher key and aklen the MAC key length
 * (the key is built in the crypto_authenc_key_param format); otherwise
 * klen is the AEAD's whole key (rfc4106: 16 + 4 salt bytes).
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/jiffies.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

static char *alg = "rfc4106(gcm(aes))";
module_param(alg, charp, 0);
MODULE_PARM_DESC(alg, "AEAD algorithm name");
static uint klen = 20;
module_param(klen, uint, 0);
MODULE_PARM_DESC(klen, "key length (authenc: the cipher's)");
static uint aklen;
module_param(aklen, uint, 0);
MODULE_PARM_DESC(aklen, "authenc: the MAC key length (0: not authenc)");
static uint authsize = 16;
module_param(authsize, uint, 0);
MODULE_PARM_DESC(authsize, "ICV length in bytes");
static uint assoclen = 16;
module_param(assoclen, uint, 0);
MODULE_PARM_DESC(assoclen, "associated data length in bytes");
static uint len = 1420;
module_param(len, uint, 0);
MODULE_PARM_DESC(len, "plaintext length (rounded up to the block size)");
static uint secs = 1;
module_param(secs, uint, 0);
MODULE_PARM_DESC(secs, "seconds per direction");

#define MAX_LEN 8192

static int one_op(struct aead_request *req, struct crypto_wait *wait, bool enc)
{
	return crypto_wait_req(enc ? crypto_aead_encrypt(req) :
				     crypto_aead_decrypt(req), wait);
}

/* Counts the operations done in secs seconds; negative on error. */
static long timed(struct aead_request *req, struct crypto_wait *wait,
		  bool enc)
{
	unsigned long end;
	long ops;
	int i, ret;

	for (i = 0; i < 16; i++) {	/* warm up */
		ret = one_op(req, wait, enc);
		if (ret)
			return ret;
	}
	end = jiffies + secs * HZ;
	for (ops = 0; time_before(jiffies, end); ops++) {
		ret = one_op(req, wait, enc);
		if (ret)
			return ret;
	}
	return ops;
}

static int __init bench_init(void)
{
	struct crypto_authenc_key_param *param;
	struct scatterlist sg_pt, sg_ct;
	struct aead_request *req = NULL;
	u8 *key = NULL, *pt = NULL, *ct = NULL, *iv = NULL;
	struct crypto_aead *tfm;
	unsigned int keylen, bs;
	DECLARE_CRYPTO_WAIT(wait);
	struct rtattr *rta;
	long enc_ops, dec_ops;
	int ret;

	if (!secs || !len || len > MAX_LEN || klen > 64 || aklen > 128 ||
	    assoclen > 64)
		return -EINVAL;
	tfm = crypto_alloc_aead(alg, 0, 0);
	if (IS_ERR(tfm)) {
		pr_err("kipsec_bench_aead: %s: cannot allocate: %ld\n", alg,
		       PTR_ERR(tfm));
		return PTR_ERR(tfm);
	}
	ret = -ENOMEM;
	keylen = aklen ? RTA_SPACE(sizeof(*param)) + aklen + klen : klen;
	key = kzalloc(keylen, GFP_KERNEL);
	bs = round_up(len, crypto_aead_blocksize(tfm));
	pt = kzalloc(assoclen + bs + authsize, GFP_KERNEL);
	ct = kzalloc(assoclen + bs + authsize, GFP_KERNEL);
	iv = kzalloc(max_t(unsigned int, crypto_aead_ivsize(tfm), 16),
		     GFP_KERNEL);
	req = aead_request_alloc(tfm, GFP_KERNEL);
	if (!key || !pt || !ct || !iv || !req)
		goto out;
	memset(key, 0x5a, keylen);
	if (aklen) {
		rta = (struct rtattr *)key;
		rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
		rta->rta_len = RTA_LENGTH(sizeof(*param));
		param = RTA_DATA(rta);
		param->enckeylen = cpu_to_be32(klen);
	}
	ret = crypto_aead_setkey(tfm, key, keylen);
	if (!ret)
		ret = crypto_aead_setauthsize(tfm, authsize);
	if (ret) {
		pr_err("kipsec_bench_aead: %s: setkey/setauthsize: %d\n", alg,
		       ret);
		goto out;
	}
	memset(pt, 0xff, assoclen + bs);
	memset(ct, 0xff, assoclen);	/* the same AD on both sides */
	memset(iv, 0xff, crypto_aead_ivsize(tfm));
	sg_init_one(&sg_pt, pt, assoclen + bs + authsize);
	sg_init_one(&sg_ct, ct, assoclen + bs + authsize);
	aead_request_set_callback(req, CRYPTO_TFM_REQ_MAY_BACKLOG,
				  crypto_req_done, &wait);
	aead_request_set_ad(req, assoclen);

	aead_request_set_crypt(req, &sg_pt, &sg_ct, bs, iv);
	enc_ops = timed(req, &wait, true);
	/* ct holds a valid packet now: decrypt it over and over. */
	aead_request_set_crypt(req, &sg_ct, &sg_pt, bs + authsize, iv);
	dec_ops = enc_ops < 0 ? enc_ops : timed(req, &wait, false);
	if (enc_ops < 0 || dec_ops < 0) {
		ret = enc_ops < 0 ? enc_ops : dec_ops;
		pr_err("kipsec_bench_aead: %s: request failed: %d\n", alg, ret);
		goto out;
	}
	pr_info("kipsec_bench_aead: result alg=%s driver=%s bytes=%u secs=%u enc_ops=%ld dec_ops=%ld\n",
		alg, crypto_aead_driver_name(tfm), bs, secs, enc_ops, dec_ops);
	ret = -EAGAIN;	/* done: do not stay loaded */
out:
	aead_request_free(req);
	kfree(iv);
	kfree(ct);
	kfree(pt);
	kfree_sensitive(key);
	crypto_free_aead(tfm);
	return ret;
}

module_init(bench_init);
MODULE_DESCRIPTION("kipsec bench helper: AEAD speed (tcrypt's method)");
MODULE_LICENSE("GPL");
