// SPDX-License-Identifier: GPL-2.0
/*
 * Host-side unit tests of the kipsec tool's word parsing. Prints one line
 * per test ("PASS name" / "FAIL name: why") and exits non-zero on failure.
 */
#include "kipsec.h"
#include "parse.h"
#include "unit.h"
#include "util.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

int split_words(const char *line, char *buf, size_t size, char **argv,
		int max)
{
	char *p, *save = NULL;
	int n = 0;

	snprintf(buf, size, "%s", line);
	for (p = strtok_r(buf, " ", &save); p && n < max;
	     p = strtok_r(NULL, " ", &save))
		argv[n++] = strcmp(p, "''") ? p : p + 2;
	return n;
}

void report(const char *name, int ok, const char *why)
{
	if (ok) {
		printf("PASS unit/%s\n", name);
	} else {
		printf("FAIL unit/%s: %s\n", name, why);
		failures++;
	}
}

static void test_u32(void)
{
	static const struct {
		const char *in;
		int ret;
		uint32_t out;
	} t[] = {
		{ "0", 0, 0 }, { "42", 0, 42 }, { "0x10", 0, 16 },
		{ "4294967295", 0, 4294967295U }, { "4294967296", -1, 0 },
		{ "-1", -1, 0 }, { "", -1, 0 }, { "12a", -1, 0 },
		{ " 1", -1, 0 }, { "0xffffffff", 0, 0xffffffffU },
	};
	char why[128] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		uint32_t v = 0;
		int ret = parse_u32(t[i].in, &v);

		if (ret != t[i].ret || (!ret && v != t[i].out)) {
			snprintf(why, sizeof(why), "\"%s\" gave %d/%u", t[i].in,
				 ret, v);
			break;
		}
	}
	report("u32", !why[0], why);
}

static void test_addr(void)
{
	struct kaddr a;
	int ok = 1;

	ok &= !parse_addr("192.0.2.1", &a) && a.family == AF_INET &&
	      a.bytes[0] == 192 && a.bytes[3] == 1 && kaddr_len(&a) == 4;
	ok &= !parse_addr("2001:db8::1", &a) && a.family == AF_INET6 &&
	      a.bytes[0] == 0x20 && a.bytes[15] == 1 && kaddr_len(&a) == 16;
	ok &= parse_addr("192.0.2", &a) == -1;
	ok &= parse_addr("host.example", &a) == -1;
	ok &= parse_addr("", &a) == -1;
	report("addr", ok, "address parsing");
}

static void test_prefix(void)
{
	struct kaddr a;
	uint8_t plen;
	int ok = 1;

	ok &= !parse_prefix("10.1.2.3/8", &a, &plen) && plen == 8 &&
	      a.bytes[0] == 10 && a.bytes[1] == 0 && a.bytes[3] == 0;
	ok &= !parse_prefix("10.1.2.3", &a, &plen) && plen == 32 &&
	      a.bytes[3] == 3;
	ok &= !parse_prefix("0.0.0.0/0", &a, &plen) && plen == 0;
	ok &= !parse_prefix("2001:db8::ff/120", &a, &plen) && plen == 120 &&
	      a.bytes[15] == 0;
	ok &= !parse_prefix("2001:db8::/32", &a, &plen) && plen == 32;
	ok &= parse_prefix("10.0.0.0/33", &a, &plen) == -1;
	ok &= parse_prefix("2001:db8::/129", &a, &plen) == -1;
	ok &= parse_prefix("10.0.0.0/", &a, &plen) == -1;
	ok &= parse_prefix("10.0.0.0/-1", &a, &plen) == -1;
	ok &= parse_prefix("10.0.0.0/x", &a, &plen) == -1;
	report("prefix", ok, "prefix parsing or host-bit masking");
}

static void test_key(void)
{
	uint8_t buf[8];
	size_t len;
	int ok = 1;

	ok &= !parse_key("0x00ff10", buf, sizeof(buf), &len) && len == 3 &&
	      buf[0] == 0 && buf[1] == 0xff && buf[2] == 0x10;
	ok &= !parse_key("0XaB", buf, sizeof(buf), &len) && len == 1 &&
	      buf[0] == 0xab;
	/* as ip: an odd number of digits gets a leading zero */
	ok &= !parse_key("0xabc", buf, sizeof(buf), &len) && len == 2 &&
	      buf[0] == 0x0a && buf[1] == 0xbc;
	ok &= !parse_key("0x1", buf, sizeof(buf), &len) && len == 1 &&
	      buf[0] == 1;
	ok &= parse_key("0xzz", buf, sizeof(buf), &len) == -1;
	ok &= parse_key("0xabz", buf, sizeof(buf), &len) == -1;
	/* as ip: "0x" alone is not hex but the two bytes */
	ok &= !parse_key("0x", buf, sizeof(buf), &len) && len == 2 &&
	      buf[0] == '0';
	ok &= !parse_key("", buf, sizeof(buf), &len) && len == 0;
	ok &= !parse_key("0x0001020304050607", buf, sizeof(buf), &len) &&
	      len == 8;
	ok &= parse_key("0x000102030405060708", buf, sizeof(buf), &len) == -1;
	ok &= parse_key("0x00010203040506070", buf, sizeof(buf), &len) == -1;
	ok &= !parse_key("secret", buf, sizeof(buf), &len) && len == 6 &&
	      !memcmp(buf, "secret", 6);
	ok &= parse_key("much-too-long", buf, sizeof(buf), &len) == -1;
	report("key", ok, "key parsing");
}

static void test_words(void)
{
	uint8_t v;
	int ok = 1;

	ok &= !parse_xfrm_proto("esp", &v) && v == 50;
	ok &= !parse_xfrm_proto("ah", &v) && v == 51;
	ok &= !parse_xfrm_proto("50", &v) && v == 50;
	ok &= parse_xfrm_proto("comp", &v) == -1;
	ok &= !parse_mode("tunnel", &v) && v == 1;
	ok &= !parse_mode("tun", &v) && v == 1;
	ok &= !parse_mode("transport", &v) && v == 0;
	ok &= parse_mode("beet", &v) == -1;
	ok &= parse_mode("", &v) == -1;
	ok &= !parse_dir("fwd", &v) && v == 2;
	ok &= parse_dir("forward", &v) == -1;
	ok &= !parse_upper_proto("tcp", &v) && v == 6;
	ok &= !parse_upper_proto("17", &v) && v == 17;
	ok &= !parse_upper_proto("icmpv6", &v) && v == 58;
	ok &= parse_upper_proto("nosuchproto", &v) == -1;
	ok &= parse_upper_proto("256", &v) == -1;
	ok &= !parse_upper_proto("ipv6-icmp", &v) && v == 58;
	ok &= !parse_upper_proto("sctp", &v) && v == 132;
	ok &= !strcmp(upper_proto_lookup(58), "ipv6-icmp");
	ok &= !strcmp(upper_proto_lookup(6), "tcp");
	report("keywords", ok, "esp/ah, mode, dir or upper protocol");
}

static void test_matches(void)
{
	int ok = 1;

	ok &= matches("st", "state") && matches("state", "state");
	ok &= !matches("states", "state") && !matches("", "state");
	ok &= !matches("x", "state");
	report("abbreviations", ok, "ip-style prefix matching");
}

static void test_algs(void)
{
	int ok = 1;

	ok &= !strcmp(alg_canonical(ALG_CRYPT, "aes"), "cbc(aes)");
	ok &= !strcmp(alg_canonical(ALG_AUTH, "sha1"), "hmac(sha1)");
	ok &= !strcmp(alg_canonical(ALG_AUTH, "sha256"), "hmac(sha256)");
	ok &= !strcmp(alg_canonical(ALG_AUTH, "hmac(sha512)"), "hmac(sha512)");
	ok &= !strcmp(alg_canonical(ALG_AEAD, "rfc4106(gcm(aes))"),
		      "rfc4106(gcm(aes))");
	ok &= alg_canonical(ALG_AUTH, "md5") == NULL;
	ok &= alg_canonical(ALG_CRYPT, "des3_ede") == NULL;
	ok &= alg_canonical(ALG_CRYPT, "cbc(des3_ede)") == NULL;
	ok &= !strcmp(alg_canonical(ALG_CRYPT, "cipher_null"),
		      "ecb(cipher_null)");
	ok &= !strcmp(alg_canonical(ALG_CRYPT, "rfc3686(ctr(aes))"),
		      "rfc3686(ctr(aes))");
	/* "aes" is only an encryption alias. */
	ok &= !strcmp(alg_canonical(ALG_AUTH, "aes"), "aes");
	report("algorithm-aliases", ok, "ip xfrm algorithm aliases");
}

/* Batch lines into words, as ip -batch: "|"-joined words, or "ERR ..." */
static void test_split_line(void)
{
	static const struct {
		const char *in;
		const char *want;
	} t[] = {
		{ "", "" }, { "   \t \n", "" }, { "# comment", "" },
		{ "  # indented comment", "" },
		{ "state add src 1.2.3.4\n", "state|add|src|1.2.3.4" },
		{ "\tstate  flush\t# why\r\n", "state|flush" },
		{ "a b#c d", "a|b#c|d" },
		{ "aead 'rfc4106(gcm(aes))' 0x01 128", "aead|rfc4106(gcm(aes))|0x01|128" },
		{ "enc '' x \"\"", "enc||x|" },
		{ "k \"a b\" c'd e'f", "k|a b|cd ef" },
		{ "k '#' \"it's\"", "k|#|it's" },
		{ "k 'open", "ERR a single quote is not closed" },
		{ "k \"open", "ERR a double quote is not closed" },
		{ "1 2 3 4 5", "ERR more than 4 words on one line" },
		{ "1 2 3 4 # four", "1|2|3|4" },
	};
	char why[256] = "";
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t) && !why[0]; i++) {
		char line[128], got[160] = "", *argv[4];
		int n = split_line(strcpy(line, t[i].in), argv, 4), k;

		if (n < 0)
			snprintf(got, sizeof(got), "ERR %s", last_error());
		for (k = 0; k < n; k++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got),
				 "%s%s", k ? "|" : "", argv[k]);
		if (strcmp(got, t[i].want))
			snprintf(why, sizeof(why), "\"%s\" gave \"%s\", want \"%s\"",
				 t[i].in, got, t[i].want);
	}
	report("batch-line-split", !why[0], why);
}

/*
 * kipsec.c (main and the global options) is not linked in: the commands
 * linked for their printers (monitor.c, save.c, show.c) read these.
 */
struct options opts;

int main(void)
{
	test_u32();
	test_addr();
	test_prefix();
	test_key();
	test_words();
	test_matches();
	test_algs();
	test_split_line();
	test_messages();
	test_printing();
	return failures ? 1 : 0;
}
