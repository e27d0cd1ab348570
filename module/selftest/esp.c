// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of esp.c, included by esp.c in debug builds: the associated
 * data (RFC 4303 2.2.1, RFC 4106 5: SPI, then the sequence number, its
 * high half first with extended sequence numbers) and the padding check
 * (RFC 4303 2.4).
 */

static bool __init esp_ad_selftest(void)
{
	static const u8 plain[8] __initconst = {
		0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0,
	};
	static const u8 esn[12] __initconst = {
		0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x01,
		0x9a, 0xbc, 0xde, 0xf0,
	};
	struct kipsec_sa *sa;
	unsigned int len;
	u8 ad[12];
	bool ok;

	sa = kzalloc(sizeof(*sa), GFP_KERNEL);
	if (!sa)
		return false;
	sa->key.spi = htonl(0x12345678);
	len = esp_fill_ad(sa, ad, 0x19abcdef0ULL);
	ok = len == sizeof(plain) && !memcmp(ad, plain, len);
	if (!ok)
		pr_err("esp selftest: associated data without ESN\n");
	sa->flags |= KIPSEC_SA_F_ESN;
	len = esp_fill_ad(sa, ad, 0x19abcdef0ULL);
	if (len != sizeof(esn) || memcmp(ad, esn, len)) {
		pr_err("esp selftest: associated data with ESN\n");
		ok = false;
	}
	kfree(sa);
	return ok;
}

struct esp_pad_case {
	u8 pad[4];
	unsigned int len;
	bool valid;
};

static bool __init esp_padding_selftest(void)
{
	static const struct esp_pad_case t[] __initconst = {
		{ { }, 0, true },
		{ { 1 }, 1, true },
		{ { 1, 2, 3, 4 }, 4, true },
		{ { 0 }, 1, false },
		{ { 1, 2, 4, 3 }, 4, false },
		{ { 1, 2, 3, 0 }, 4, false },
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (esp_padding_valid(t[i].pad, t[i].len) != t[i].valid) {
			pr_err("esp selftest: padding case %zu\n", i + 1);
			ok = false;
		}
	}
	return ok;
}

bool __init kipsec_esp_selftest(void)
{
	bool ok = esp_ad_selftest();

	return esp_padding_selftest() && ok;
}
