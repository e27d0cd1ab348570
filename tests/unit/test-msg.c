// SPDX-License-Identifier: GPL-2.0
/*
 * Command lines to netlink requests, without a kernel: each case runs the
 * tool's parser and message builder on an argv and compares the request
 * (dumped attribute by attribute, nests included) with what it must be;
 * each error case must fail with exactly its one line.
 */
#include "unit.h"
#include "util.h"
#include "xfrm.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <stdio.h>
#include <string.h>

enum kind { U8, U16, U32, U64, BE16, BE32, ADDR, STR, BIN, NEST };

struct schema;

struct field {
	const char *name;
	enum kind kind;
	const struct schema *sub;
};

struct schema {
	const struct field *f;
	size_t n;
};

#define SCHEMA(name, ...) \
	static const struct field name##_f[] = { __VA_ARGS__ }; \
	static const struct schema name = { name##_f, ARRAY_SIZE(name##_f) }

SCHEMA(alg_s,
	[KIPSEC_ALG_A_NAME] = { "NAME", STR, NULL },
	[KIPSEC_ALG_A_KEY] = { "KEY", BIN, NULL },
	[KIPSEC_ALG_A_ICV_BITS] = { "ICV_BITS", U32, NULL },
	[KIPSEC_ALG_A_KEY_BITS] = { "KEY_BITS", U32, NULL });
SCHEMA(sel_s,
	[KIPSEC_SEL_A_FAMILY] = { "FAMILY", U16, NULL },
	[KIPSEC_SEL_A_SADDR] = { "SADDR", ADDR, NULL },
	[KIPSEC_SEL_A_DADDR] = { "DADDR", ADDR, NULL },
	[KIPSEC_SEL_A_SPREFIX] = { "SPREFIX", U8, NULL },
	[KIPSEC_SEL_A_DPREFIX] = { "DPREFIX", U8, NULL },
	[KIPSEC_SEL_A_PROTO] = { "PROTO", U8, NULL },
	[KIPSEC_SEL_A_SPORT] = { "SPORT", BE16, NULL },
	[KIPSEC_SEL_A_SPORT_MASK] = { "SPORT_MASK", BE16, NULL },
	[KIPSEC_SEL_A_DPORT] = { "DPORT", BE16, NULL },
	[KIPSEC_SEL_A_DPORT_MASK] = { "DPORT_MASK", BE16, NULL },
	[KIPSEC_SEL_A_IFINDEX] = { "IFINDEX", U32, NULL });
SCHEMA(lt_s,
	[KIPSEC_LT_A_SOFT_BYTES] = { "SOFT_BYTES", U64, NULL },
	[KIPSEC_LT_A_HARD_BYTES] = { "HARD_BYTES", U64, NULL },
	[KIPSEC_LT_A_SOFT_PACKETS] = { "SOFT_PACKETS", U64, NULL },
	[KIPSEC_LT_A_HARD_PACKETS] = { "HARD_PACKETS", U64, NULL },
	[KIPSEC_LT_A_SOFT_ADD_SECS] = { "SOFT_ADD_SECS", U64, NULL },
	[KIPSEC_LT_A_HARD_ADD_SECS] = { "HARD_ADD_SECS", U64, NULL },
	[KIPSEC_LT_A_SOFT_USE_SECS] = { "SOFT_USE_SECS", U64, NULL },
	[KIPSEC_LT_A_HARD_USE_SECS] = { "HARD_USE_SECS", U64, NULL });
SCHEMA(mark_s,
	[KIPSEC_MARK_A_VALUE] = { "VALUE", U32, NULL },
	[KIPSEC_MARK_A_MASK] = { "MASK", U32, NULL });
SCHEMA(encap_s,
	[KIPSEC_ENCAP_A_TYPE] = { "TYPE", U16, NULL },
	[KIPSEC_ENCAP_A_SPORT] = { "SPORT", BE16, NULL },
	[KIPSEC_ENCAP_A_DPORT] = { "DPORT", BE16, NULL },
	[KIPSEC_ENCAP_A_OA] = { "OA", ADDR, NULL });
SCHEMA(sa_s,
	[KIPSEC_SA_A_FAMILY] = { "FAMILY", U16, NULL },
	[KIPSEC_SA_A_DADDR] = { "DADDR", ADDR, NULL },
	[KIPSEC_SA_A_SADDR] = { "SADDR", ADDR, NULL },
	[KIPSEC_SA_A_SPI] = { "SPI", BE32, NULL },
	[KIPSEC_SA_A_PROTO] = { "PROTO", U8, NULL },
	[KIPSEC_SA_A_MODE] = { "MODE", U8, NULL },
	[KIPSEC_SA_A_REQID] = { "REQID", U32, NULL },
	[KIPSEC_SA_A_FLAGS] = { "FLAGS", U32, NULL },
	[KIPSEC_SA_A_ALG_AEAD] = { "AEAD", NEST, &alg_s },
	[KIPSEC_SA_A_ALG_CRYPT] = { "CRYPT", NEST, &alg_s },
	[KIPSEC_SA_A_ALG_AUTH] = { "AUTH", NEST, &alg_s },
	[KIPSEC_SA_A_REPLAY_WINDOW] = { "REPLAY_WINDOW", U32, NULL },
	[KIPSEC_SA_A_SEQ] = { "SEQ", U64, NULL },
	[KIPSEC_SA_A_OSEQ] = { "OSEQ", U64, NULL },
	[KIPSEC_SA_A_SEL] = { "SEL", NEST, &sel_s },
	[KIPSEC_SA_A_LIFETIME] = { "LIFETIME", NEST, &lt_s },
	[KIPSEC_SA_A_SET_MARK] = { "SET_MARK", NEST, &mark_s },
	[KIPSEC_SA_A_SPI_MIN] = { "SPI_MIN", U32, NULL },
	[KIPSEC_SA_A_SPI_MAX] = { "SPI_MAX", U32, NULL },
	[KIPSEC_SA_A_NEW_DADDR] = { "NEW_DADDR", ADDR, NULL },
	[KIPSEC_SA_A_NEW_SADDR] = { "NEW_SADDR", ADDR, NULL },
	[KIPSEC_SA_A_ENCAP] = { "ENCAP", NEST, &encap_s });
SCHEMA(tmpl_s,
	[KIPSEC_TMPL_A_FAMILY] = { "FAMILY", U16, NULL },
	[KIPSEC_TMPL_A_DADDR] = { "DADDR", ADDR, NULL },
	[KIPSEC_TMPL_A_SADDR] = { "SADDR", ADDR, NULL },
	[KIPSEC_TMPL_A_PROTO] = { "PROTO", U8, NULL },
	[KIPSEC_TMPL_A_MODE] = { "MODE", U8, NULL },
	[KIPSEC_TMPL_A_REQID] = { "REQID", U32, NULL },
	[KIPSEC_TMPL_A_SPI] = { "SPI", BE32, NULL },
	[KIPSEC_TMPL_A_LEVEL] = { "LEVEL", U8, NULL });
SCHEMA(tmpls_s, [KIPSEC_A_TMPL] = { "TMPL", NEST, &tmpl_s });
SCHEMA(pol_s,
	[KIPSEC_POL_A_DIR] = { "DIR", U8, NULL },
	[KIPSEC_POL_A_SEL] = { "SEL", NEST, &sel_s },
	[KIPSEC_POL_A_PRIORITY] = { "PRIORITY", U32, NULL },
	[KIPSEC_POL_A_ACTION] = { "ACTION", U8, NULL },
	[KIPSEC_POL_A_INDEX] = { "INDEX", U32, NULL },
	[KIPSEC_POL_A_TMPLS] = { "TMPLS", NEST, &tmpls_s });
SCHEMA(dflt_s,
	[KIPSEC_DEFAULT_A_IN] = { "IN", U8, NULL },
	[KIPSEC_DEFAULT_A_OUT] = { "OUT", U8, NULL },
	[KIPSEC_DEFAULT_A_FWD] = { "FWD", U8, NULL });
SCHEMA(top_s,
	[KIPSEC_A_SA] = { "SA", NEST, &sa_s },
	[KIPSEC_A_POLICY] = { "POLICY", NEST, &pol_s },
	[KIPSEC_A_DEFAULT] = { "DEFAULT", NEST, &dflt_s });

static const char *const cmd_names[] = {
	[KIPSEC_CMD_NEW_SA] = "NEW_SA", [KIPSEC_CMD_UPD_SA] = "UPD_SA",
	[KIPSEC_CMD_DEL_SA] = "DEL_SA", [KIPSEC_CMD_GET_SA] = "GET_SA",
	[KIPSEC_CMD_FLUSH_SA] = "FLUSH_SA", [KIPSEC_CMD_ALLOC_SPI] = "ALLOC_SPI",
	[KIPSEC_CMD_NEW_POLICY] = "NEW_POLICY",
	[KIPSEC_CMD_UPD_POLICY] = "UPD_POLICY",
	[KIPSEC_CMD_DEL_POLICY] = "DEL_POLICY",
	[KIPSEC_CMD_GET_POLICY] = "GET_POLICY",
	[KIPSEC_CMD_FLUSH_POLICY] = "FLUSH_POLICY",
	[KIPSEC_CMD_SET_DEFAULT] = "SET_DEFAULT",
	[KIPSEC_CMD_GET_DEFAULT] = "GET_DEFAULT",
	[KIPSEC_CMD_GET_STATS] = "GET_STATS",
};

/* Appends the attributes in [@p, @end) to @out as "NAME=VALUE ...". */
static void dump_attrs(FILE *out, const void *p, const void *end,
		       const struct schema *s)
{
	const struct nlattr *attr;
	const char *sep = "";

	for (attr = p; (const char *)attr < (const char *)end;
	     attr = (const void *)((const char *)attr +
				   MNL_ALIGN(attr->nla_len))) {
		uint16_t type = mnl_attr_get_type(attr);
		const uint8_t *v = mnl_attr_get_payload(attr);
		uint16_t len = mnl_attr_get_payload_len(attr);
		const struct field *f = type < s->n && s->f[type].name ?
					&s->f[type] : NULL;
		char buf[INET6_ADDRSTRLEN];
		uint16_t i;

		fputs(sep, out);
		sep = " ";
		if (!f) {
			fprintf(out, "?%u(len %u)", type, len);
			continue;
		}
		fprintf(out, "%s", f->name);
		switch (f->kind) {
		case U8:
			fprintf(out, "=%u", mnl_attr_get_u8(attr));
			break;
		case U16:
			fprintf(out, "=%u", mnl_attr_get_u16(attr));
			break;
		case U32:
			fprintf(out, "=%u", mnl_attr_get_u32(attr));
			break;
		case U64:
			fprintf(out, "=%llu",
				(unsigned long long)mnl_attr_get_u64(attr));
			break;
		case BE16:
			fprintf(out, "=%u", ntohs(mnl_attr_get_u16(attr)));
			break;
		case BE32:
			fprintf(out, "=0x%08x", ntohl(mnl_attr_get_u32(attr)));
			break;
		case ADDR:
			fprintf(out, "=%s", inet_ntop(len == 16 ? AF_INET6 : AF_INET,
						      v, buf, sizeof(buf)));
			break;
		case STR:
			fprintf(out, "=%s", mnl_attr_get_str(attr));
			break;
		case BIN:
			fputs("=0x", out);
			for (i = 0; i < len; i++)
				fprintf(out, "%02x", v[i]);
			break;
		case NEST:
			fputc('{', out);
			dump_attrs(out, v, v + len, f->sub);
			fputc('}', out);
			break;
		}
	}
}

/* "CMD[ dump][ ATTRS]" of a request. */
static void dump_msg(const struct nlmsghdr *nlh, char *buf, size_t size)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const char *attrs = (const char *)g + sizeof(*g);
	FILE *f = fmemopen(buf, size, "w");

	fprintf(f, "%s%s", g->cmd < ARRAY_SIZE(cmd_names) && cmd_names[g->cmd] ?
		cmd_names[g->cmd] : "?",
		nlh->nlmsg_flags & NLM_F_DUMP ? " dump" : "");
	if (attrs < (const char *)nlh + nlh->nlmsg_len) {
		fputc(' ', f);
		dump_attrs(f, attrs, (const char *)nlh + nlh->nlmsg_len, &top_s);
	}
	fclose(f);
}

/*
 * Runs one command line ("state add ...") through the parser and, if it
 * parses, the builder. Returns 0 with the dump in @buf, or -1 with the
 * error line in @buf.
 */
static int run_line(const char *line, char *buf, size_t size)
{
	char words[1024], *argv[64];
	int argc = split_words(line, words, sizeof(words), argv, 64);
	bool state = !strcmp(argv[0], "state");
	struct state_cmd sc;
	struct policy_cmd pc;
	struct nl_req req;
	int verb;

	for (verb = 0; verb <= (state ? ST_COUNT : PO_GETDEFAULT); verb++)
		if (!strcmp(argv[1], state ? state_verb_name(verb) :
			    policy_verb_name(verb)))
			break;
	if (state ? state_parse(&sc, verb, argc - 2, argv + 2) :
	    policy_parse(&pc, verb, argc - 2, argv + 2)) {
		snprintf(buf, size, "%s", last_error());
		return -1;
	}
	if (state)
		state_build(&sc, &req);
	else
		policy_build(&pc, &req);
	dump_msg(req.nlh, buf, size);
	return 0;
}

struct msg_case {
	const char *line;
	const char *want;
};

#define KEY16 "0x00112233445566778899aabbccddeeff"
#define KEY20 "0x0102030405060708090a0b0c0d0e0f1011121314"
#define KEY32 "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SA_ID "src 10.0.0.1 dst 10.0.0.2 proto esp spi 1"
#define SA_ID_WANT "FAMILY=2 DADDR=10.0.0.2 SADDR=10.0.0.1 SPI=0x00000001 PROTO=50"

static const struct msg_case msg_cases[] = {
	{ "state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 reqid 7 "
	  "mode tunnel aead rfc4106(gcm(aes)) " KEY20 " 128",
	  "NEW_SA SA{FAMILY=2 DADDR=192.0.2.2 SADDR=192.0.2.1 SPI=0x00001000 "
	  "PROTO=50 MODE=1 REQID=7 AEAD{NAME=rfc4106(gcm(aes)) KEY=" KEY20
	  " ICV_BITS=128}}" },
	/* aliases, auth without -trunc (ICV_BITS 0: XFRM's default), ESN
	 * sequence numbers combined, selector, limits, output-mark */
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 258 enc aes " KEY16
	  " auth sha256 " KEY32 " replay-window 64 flag esn noecn replay-seq 5"
	  " replay-seq-hi 1 replay-oseq 7 sel src 10.1.0.0/16 dst 10.2.0.0/16"
	  " proto tcp dport 443 limit time-hard 3600 limit byte-soft inf"
	  " limit packet-hard 1000 output-mark 0x10",
	  "NEW_SA SA{FAMILY=2 DADDR=10.0.0.2 SADDR=10.0.0.1 SPI=0x00000102 "
	  "PROTO=50 MODE=0 FLAGS=9 CRYPT{NAME=cbc(aes) KEY=" KEY16 "} "
	  "AUTH{NAME=hmac(sha256) KEY=" KEY32 " ICV_BITS=0} REPLAY_WINDOW=64 "
	  "SEQ=4294967301 OSEQ=7 SEL{FAMILY=2 SADDR=10.1.0.0 SPREFIX=16 "
	  "DADDR=10.2.0.0 DPREFIX=16 PROTO=6 DPORT=443 DPORT_MASK=65535} "
	  "LIFETIME{SOFT_BYTES=0 HARD_PACKETS=1000 HARD_ADD_SECS=3600} "
	  "SET_MARK{VALUE=16 MASK=4294967295}}" },
	{ "state add src 2001:db8::1 dst 2001:db8::2 proto ah spi 0x200 "
	  "auth-trunc hmac(sha1) " KEY20 " 96 mode transport output-mark 5 mask 0xff",
	  "NEW_SA SA{FAMILY=10 DADDR=2001:db8::2 SADDR=2001:db8::1 "
	  "SPI=0x00000200 PROTO=51 MODE=0 AUTH{NAME=hmac(sha1) KEY=" KEY20
	  " ICV_BITS=96} SET_MARK{VALUE=5 MASK=255}}" },
	/* IPv4 AH padded to 32 bits: align4, by name and as XFRM's bit
	 * (0x40), with af-unspec accepted and sent as nothing */
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x300 "
	  "auth-trunc hmac(sha256) " KEY32 " 128 flag align4 af-unspec",
	  "NEW_SA SA{FAMILY=2 DADDR=10.0.0.2 SADDR=10.0.0.1 SPI=0x00000300 "
	  "PROTO=51 MODE=0 FLAGS=64 AUTH{NAME=hmac(sha256) KEY=" KEY32
	  " ICV_BITS=128}}" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 0x300 "
	  "auth-trunc hmac(sha256) " KEY32 " 128 flag 0x60",
	  "NEW_SA SA{FAMILY=2 DADDR=10.0.0.2 SADDR=10.0.0.1 SPI=0x00000300 "
	  "PROTO=51 MODE=0 FLAGS=64 AUTH{NAME=hmac(sha256) KEY=" KEY32
	  " ICV_BITS=128}}" },
	/* ESP with null encryption, as ip scripts write it */
	{ "state update " SA_ID " enc cipher_null '' auth null '' output-mark 0",
	  "UPD_SA SA{" SA_ID_WANT " MODE=0 CRYPT{NAME=ecb(cipher_null) KEY=0x} "
	  "AUTH{NAME=digest_null KEY=0x ICV_BITS=0}}" },
	/* XFRM's hex flag bits (0x82: decap-dscp esn), extra-flag, a literal
	 * key, an odd-length hex key */
	{ "state add " SA_ID " aead rfc4543(gcm(aes)) 0x102030405 64 flag 0x82 "
	  "extra-flag dont-encap-dscp replay-window 32 replay-oseq-hi 2",
	  "NEW_SA SA{" SA_ID_WANT " MODE=0 FLAGS=26 AEAD{NAME=rfc4543(gcm(aes)) "
	  "KEY=0x0102030405 ICV_BITS=64} REPLAY_WINDOW=32 OSEQ=8589934592}" },
	{ "state add " SA_ID " auth sha1 secret sel src 10.0.0.0/8 proto icmp "
	  "type 8 code 0 dev lo",
	  "NEW_SA SA{" SA_ID_WANT " MODE=0 AUTH{NAME=hmac(sha1) KEY=0x736563726574"
	  " ICV_BITS=0} SEL{FAMILY=2 SADDR=10.0.0.0 SPREFIX=8 PROTO=1 SPORT=8 "
	  "SPORT_MASK=65535 DPORT=0 DPORT_MASK=65535 IFINDEX=1}}" },
	/* a selector without addresses takes the SA's family; as ip, the
	 * selector's words end where the SA's resume (spi), port 0 = any */
	{ "state add src 2001:db8::1 dst 2001:db8::2 proto esp sel proto udp "
	  "sport 53 dport 0 spi 9 enc aes " KEY16 " mode tun",
	  "NEW_SA SA{FAMILY=10 DADDR=2001:db8::2 SADDR=2001:db8::1 "
	  "SPI=0x00000009 PROTO=50 MODE=1 CRYPT{NAME=cbc(aes) KEY=" KEY16 "} "
	  "SEL{FAMILY=10 PROTO=17 SPORT=53 SPORT_MASK=65535}}" },
	/* update without an algorithm: only what is given (UPD_SA in place) */
	{ "state update dst 10.0.0.2 proto esp spi 1 replay-window 128",
	  "UPD_SA SA{FAMILY=2 DADDR=10.0.0.2 SPI=0x00000001 PROTO=50 "
	  "REPLAY_WINDOW=128}" },
	{ "state update " SA_ID " reqid 9 limit time-hard 60 limit byte-soft inf "
	  "output-mark 0x20 sel src 10.1.0.0/16 replay-oseq 7 replay-oseq-hi 1",
	  "UPD_SA SA{" SA_ID_WANT " REQID=9 OSEQ=4294967303 SEL{FAMILY=2 "
	  "SADDR=10.1.0.0 SPREFIX=16} LIFETIME{SOFT_BYTES=0 HARD_ADD_SECS=60} "
	  "SET_MARK{VALUE=32 MASK=4294967295}}" },
	/* what cannot change may be repeated; output-mark 0 removes the mark */
	{ "state update dst 10.0.0.2 proto esp spi 1 mode tunnel flag esn "
	  "output-mark 0",
	  "UPD_SA SA{FAMILY=2 DADDR=10.0.0.2 SPI=0x00000001 PROTO=50 MODE=1 "
	  "FLAGS=8 SET_MARK{VALUE=0 MASK=0}}" },
	/* NAT-T: ESP in UDP, as ip xfrm writes it */
	{ "state add " SA_ID " mode tunnel aead rfc4106(gcm(aes)) " KEY20
	  " 128 encap espinudp 4500 4501 0.0.0.0",
	  "NEW_SA SA{" SA_ID_WANT " MODE=1 AEAD{NAME=rfc4106(gcm(aes)) KEY=" KEY20
	  " ICV_BITS=128} ENCAP{TYPE=2 SPORT=4500 DPORT=4501 OA=0.0.0.0}}" },
	{ "state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 9 "
	  "encap espinudp 0x1194 1024 2001:db8::7 enc aes " KEY16
	  " auth sha1 " KEY20,
	  "NEW_SA SA{FAMILY=10 DADDR=2001:db8::2 SADDR=2001:db8::1 "
	  "SPI=0x00000009 PROTO=50 MODE=0 CRYPT{NAME=cbc(aes) KEY=" KEY16 "} "
	  "AUTH{NAME=hmac(sha1) KEY=" KEY20 " ICV_BITS=0} "
	  "ENCAP{TYPE=2 SPORT=4500 DPORT=1024 OA=2001:db8::7}}" },
	/* an update in place may change the ports */
	{ "state update dst 10.0.0.2 proto esp spi 1 encap espinudp 4500 "
	  "31000 0.0.0.0",
	  "UPD_SA SA{FAMILY=2 DADDR=10.0.0.2 SPI=0x00000001 PROTO=50 "
	  "ENCAP{TYPE=2 SPORT=4500 DPORT=31000 OA=0.0.0.0}}" },
	/* MOBIKE: new outer addresses */
	{ "state update dst 2001:db8::2 proto esp spi 5 new-dst 2001:db8::9 "
	  "new-src 2001:db8::8",
	  "UPD_SA SA{FAMILY=10 DADDR=2001:db8::2 SPI=0x00000005 PROTO=50 "
	  "NEW_DADDR=2001:db8::9 NEW_SADDR=2001:db8::8}" },
	/* with an algorithm: a complete SA, as ip (and larval completion) */
	{ "state update " SA_ID " aead rfc4106(gcm(aes)) " KEY20 " 128",
	  "UPD_SA SA{" SA_ID_WANT " MODE=0 AEAD{NAME=rfc4106(gcm(aes)) KEY=" KEY20
	  " ICV_BITS=128}}" },
	{ "state allocspi src 10.0.0.1 dst 10.0.0.2 proto esp mode tunnel reqid 3",
	  "ALLOC_SPI SA{FAMILY=2 DADDR=10.0.0.2 SADDR=10.0.0.1 PROTO=50 MODE=1 "
	  "REQID=3 SPI_MIN=256 SPI_MAX=268435455}" },
	{ "state allocspi dst 10.0.0.2 proto ah min 0x1000 max 0x2000",
	  "ALLOC_SPI SA{FAMILY=2 DADDR=10.0.0.2 PROTO=51 MODE=0 SPI_MIN=4096 "
	  "SPI_MAX=8192}" },
	/* src is accepted and not sent: the kernel finds SAs by dst/spi/proto */
	{ "state get " SA_ID,
	  "GET_SA SA{FAMILY=2 DADDR=10.0.0.2 SPI=0x00000001 PROTO=50}" },
	{ "state delete dst 2001:db8::2 proto ah spi 0x200",
	  "DEL_SA SA{FAMILY=10 DADDR=2001:db8::2 SPI=0x00000200 PROTO=51}" },
	{ "state list", "GET_SA dump" },
	{ "state list nokeys dst 10.0.0.0/8 proto ah mode tunnel reqid 4 flag esn",
	  "GET_SA dump SA{PROTO=51}" },
	{ "state deleteall spi 5", "GET_SA dump" },
	{ "state flush", "FLUSH_SA" },
	{ "state flush proto esp", "FLUSH_SA SA{PROTO=50}" },
	{ "state count", "GET_STATS" },
	{ "policy add src 10.0.1.0/24 dst 10.0.2.0/24 dir out priority 100 "
	  "tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel reqid 1",
	  "NEW_POLICY POLICY{DIR=1 SEL{FAMILY=2 SADDR=10.0.1.0 SPREFIX=24 "
	  "DADDR=10.0.2.0 DPREFIX=24} PRIORITY=100 ACTION=0 TMPLS{TMPL{FAMILY=2 "
	  "DADDR=192.0.2.2 SADDR=192.0.2.1 PROTO=50 MODE=1 REQID=1 LEVEL=0}}}" },
	{ "policy update dir in action block index 42 ptype main",
	  "UPD_POLICY POLICY{DIR=0 SEL{FAMILY=2} INDEX=42 PRIORITY=0 ACTION=1}" },
	/* two templates (default proto esp); as ip, an ID word after the
	 * template's mode/level belongs to the policy's selector */
	{ "policy add dir fwd tmpl mode transport tmpl src 2001:db8::1 "
	  "dst 2001:db8::2 spi 0x100 mode tunnel level use src 2001:db8:1::/48 "
	  "dst 2001:db8:2::/48 proto ipv6-icmp type 128",
	  "NEW_POLICY POLICY{DIR=2 SEL{FAMILY=10 SADDR=2001:db8:1:: SPREFIX=48 "
	  "DADDR=2001:db8:2:: DPREFIX=48 PROTO=58 SPORT=128 SPORT_MASK=65535} "
	  "PRIORITY=0 ACTION=0 TMPLS{TMPL{PROTO=50 MODE=0 LEVEL=0} "
	  "TMPL{FAMILY=10 DADDR=2001:db8::2 SADDR=2001:db8::1 PROTO=50 MODE=1 "
	  "SPI=0x00000100 LEVEL=1}}}" },
	{ "policy add src 10.0.0.0/8 dir out tmpl proto ah",
	  "NEW_POLICY POLICY{DIR=1 SEL{FAMILY=2 SADDR=10.0.0.0 SPREFIX=8} "
	  "PRIORITY=0 ACTION=0 TMPLS{TMPL{PROTO=51 MODE=0 LEVEL=0}}}" },
	{ "policy delete src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 80 dir out",
	  "DEL_POLICY POLICY{DIR=1 SEL{FAMILY=2 SADDR=10.0.1.0 SPREFIX=24 "
	  "DADDR=10.0.2.0 DPREFIX=24 PROTO=6 DPORT=80 DPORT_MASK=65535}}" },
	{ "policy get index 8 dir in", "GET_POLICY POLICY{DIR=0 INDEX=8}" },
	{ "policy list dir out src 10.0.0.0/8 action block", "GET_POLICY dump" },
	{ "policy deleteall dir out", "GET_POLICY dump" },
	{ "policy flush", "FLUSH_POLICY" },
	{ "policy flush dir in ptype main", "FLUSH_POLICY POLICY{DIR=0}" },
	{ "policy count", "GET_STATS" },
	{ "policy setdefault out block in accept fwd allow",
	  "SET_DEFAULT DEFAULT{IN=0 OUT=1 FWD=0}" },
	{ "policy getdefault", "GET_DEFAULT" },
};

/* Each must fail with exactly this line (after "kipsec: "). */
static const struct msg_case error_cases[] = {
	{ "state add " SA_ID " enc aes 0x00 flag esn",
	  "\"flag esn\" needs a replay-window larger than 0 (as in ip xfrm)" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0 enc aes 0x00",
	  "spi 0 is not valid: an SA needs a non-zero SPI" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto esp enc aes 0x00",
	  "\"spi\" is required for \"state add\"" },
	{ "state add dst 10.0.0.2 proto esp spi 1 enc aes 0x00",
	  "\"src\" is required for \"state add\"" },
	{ "state add src 10.0.0.1 proto esp spi 1 enc aes 0x00",
	  "\"dst\" is required for \"state add\"" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 spi 1 enc aes 0x00",
	  "\"proto\" is required for \"state add\"" },
	{ "state add src 10.0.0.1 dst 2001:db8::1 proto esp spi 1 enc aes 0x00",
	  "src and dst: all addresses must be of one family (IPv4 or IPv6)" },
	{ "state add " SA_ID " auth md5 0x00",
	  "algorithm \"md5\" is not supported" },
	{ "state add " SA_ID " enc des3_ede 0x00",
	  "algorithm \"des3_ede\" is not supported" },
	{ "state add " SA_ID " enc aes 0x00 encap espinudp-nonike 4500 4500 0.0.0.0",
	  "encap \"espinudp-nonike\" is not supported by kipsec (only espinudp)" },
	{ "state add " SA_ID " enc aes 0x00 encap espintcp 4500 4500 0.0.0.0",
	  "encap \"espintcp\" is not supported by kipsec (only espinudp)" },
	{ "state add " SA_ID " enc aes 0x00 encap udp 4500 4500 0.0.0.0",
	  "encap \"udp\" is not espinudp, espinudp-nonike or espintcp" },
	{ "state add " SA_ID " enc aes 0x00 encap espinudp 0 4500 0.0.0.0",
	  "encap SPORT \"0\" is not a port (1-65535)" },
	{ "state add " SA_ID " enc aes 0x00 encap espinudp 4500 65536 0.0.0.0",
	  "encap DPORT \"65536\" is not a port (1-65535)" },
	{ "state add " SA_ID " enc aes 0x00 encap espinudp 4500 4500",
	  "\"encap\" needs a value; try \"kipsec state help\"" },
	{ "state add " SA_ID " enc aes 0x00 coa 10.0.0.9",
	  "\"coa\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 ctx foo",
	  "\"ctx\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 if_id 5",
	  "\"if_id\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 mark 5",
	  "\"mark\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 offload dev eth0 dir out",
	  "\"offload\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 tfcpad 100",
	  "\"tfcpad\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 seq 5",
	  "\"seq\" is not supported by kipsec" },
	{ "state add " SA_ID " comp deflate",
	  "\"comp\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 extra-flag oseq-may-wrap",
	  "\"extra-flag oseq-may-wrap\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 mode beet",
	  "\"mode beet\" is not supported by kipsec (transport and tunnel are)" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto comp spi 1",
	  "\"proto comp\" is not supported by kipsec (esp and ah are)" },
	{ "state add " SA_ID " enc aes 0x00 flag noecn wildrecv",
	  "\"flag wildrecv\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 flag icmp",
	  "\"flag icmp\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 flag wildrecv",
	  "\"flag wildrecv\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 flag 0x10",
	  "\"flag icmp\" is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 flag",
	  "\"flag\" needs a FLAG: noecn, decap-dscp, nopmtudisc, esn, align4 or dont-encap-dscp" },
	{ "state add " SA_ID " enc aes 0x00 flag larval",
	  "\"flag\" needs a FLAG: noecn, decap-dscp, nopmtudisc, esn, align4 or dont-encap-dscp" },
	{ "state add " SA_ID " enc aes 0x00 frob 1",
	  "unknown keyword \"frob\" for \"state add\"; try \"kipsec state help\"" },
	{ "state add " SA_ID " aead rfc4106(gcm(aes)) 0x00 128 enc aes 0x00",
	  "\"aead\" cannot be combined with \"enc\" or \"auth\"" },
	{ "state add " SA_ID " enc aes 0x00 enc aes 0x01",
	  "only one \"enc\" algorithm may be given" },
	{ "state add " SA_ID " auth sha1 0x00 auth-trunc sha1 0x00 96",
	  "only one \"auth\" algorithm may be given" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1 enc aes 0x00",
	  "proto ah takes only \"auth\" or \"auth-trunc\"" },
	{ "state add src 10.0.0.1 dst 10.0.0.2 proto ah spi 1",
	  "proto ah needs \"auth\" or \"auth-trunc\"" },
	{ "state add " SA_ID, "proto esp needs an algorithm: aead, or enc and auth" },
	{ "state add " SA_ID " enc aes 0x00 replay-window 5000",
	  "replay-window 5000 is larger than 4096, the most kipsec takes" },
	{ "state add " SA_ID " enc aes 0x00 replay-seq-hi 1",
	  "\"replay-seq-hi\" and \"replay-oseq-hi\" need \"flag esn\"" },
	{ "state add " SA_ID " enc aes 0xzz",
	  "the key of \"enc\" is not valid: 0x and hex digits, or a string, at most 128 bytes" },
	{ "state add " SA_ID " aead rfc4106(gcm(aes)) 0x00",
	  "\"ALGO-ICV-LEN\" needs a value; try \"kipsec state help\"" },
	{ "state add " SA_ID " auth-trunc sha1 0x00 x",
	  "ALGO-TRUNC-LEN \"x\" is not a 32-bit number (decimal or 0x hex)" },
	{ "state add src 10.0.0.1 spi",
	  "\"spi\" needs a value; try \"kipsec state help\"" },
	{ "state add src 10.0.0.1 spi abc",
	  "spi \"abc\" is not a 32-bit number (decimal or 0x hex)" },
	{ "state add src 10.0.0.1 dst foo",
	  "dst \"foo\" is not an IPv4 or IPv6 address" },
	{ "state add " SA_ID " enc aes 0x00 sel proto icmp sport 80",
	  "\"sport\" and \"dport\" are invalid with proto \"icmp\" (tcp, udp, sctp or dccp)" },
	{ "state add " SA_ID " enc aes 0x00 sel proto tcp type 3",
	  "\"type\" and \"code\" are invalid with proto \"tcp\" (icmp or ipv6-icmp)" },
	{ "state add " SA_ID " enc aes 0x00 sel proto icmp type 256",
	  "type 256 is out of range (0..255)" },
	{ "state add " SA_ID " enc aes 0x00 sel dport 65536",
	  "dport 65536 is out of range (0..65535)" },
	{ "state add " SA_ID " enc aes 0x00 sel dev nosuchdev0",
	  "dev \"nosuchdev0\": no such interface" },
	{ "state add " SA_ID " enc aes 0x00 sel mode tunnel",
	  "\"sel\" needs a SELECTOR; try \"kipsec state help\"" },
	{ "state add " SA_ID " enc aes 0x00 sel proto gre key 5",
	  "\"key\" (a GRE key selector) is not supported by kipsec" },
	{ "state add " SA_ID " enc aes 0x00 sel src 10.0.0.0/8 dst ::/0",
	  "selector src and dst: all addresses must be of one family (IPv4 or IPv6)" },
	{ "state add " SA_ID " enc aes 0x00 sel src 10.0.0.0/33",
	  "src \"10.0.0.0/33\" is not an IPv4 or IPv6 address[/prefix length]" },
	{ "state add " SA_ID " enc aes 0x00 limit bogus 5",
	  "limit \"bogus\" is not one of time-soft, time-hard, time-use-soft, "
	  "time-use-hard, byte-soft, byte-hard, packet-soft, packet-hard" },
	{ "state add " SA_ID " enc aes 0x00 limit time-soft x",
	  "time-soft \"x\" is not a number (decimal, 0x hex or inf)" },
	{ "state update src 10.0.0.1 proto esp spi 1 reqid 2",
	  "\"dst\" is required for \"state update\"" },
	{ "state update dst 10.0.0.2 proto esp reqid 2",
	  "\"spi\" is required for \"state update\"" },
	{ "state update dst 10.0.0.2 proto esp spi 1 new-dst 2001:db8::1",
	  "dst and new-dst: all addresses must be of one family (IPv4 or IPv6)" },
	{ "state update dst 10.0.0.2 proto esp spi 1 new-src foo",
	  "new-src \"foo\" is not an IPv4 or IPv6 address" },
	{ "state update " SA_ID " new-dst 10.0.0.3 enc aes 0x00 auth sha1 0x00",
	  "new-dst and new-src move an SA: they cannot be combined with an algorithm (a complete SA)" },
	{ "state update dst 10.0.0.2 proto esp spi 1 replay-window 9999",
	  "replay-window 9999 is larger than 4096, the most kipsec takes" },
	{ "state add " SA_ID " enc aes 0x00 new-dst 10.0.0.3",
	  "unknown keyword \"new-dst\" for \"state add\"; try \"kipsec state help\"" },
	{ "state allocspi " SA_ID,
	  "\"spi\" cannot be given to \"state allocspi\": the kernel picks it" },
	{ "state allocspi dst 10.0.0.2 proto esp min 5",
	  "\"max\" is missing: give both min and max, or neither" },
	{ "state allocspi dst 10.0.0.2 proto esp min 0x2000 max 0x1000",
	  "min 0x2000 is larger than max 0x1000" },
	{ "state allocspi dst 10.0.0.2 proto esp seq 1",
	  "\"seq\" is not supported by kipsec" },
	{ "state get dst 10.0.0.2 proto esp",
	  "\"spi\" is required for \"state get\"" },
	{ "state delete " SA_ID " mark 5", "\"mark\" is not supported by kipsec" },
	{ "state delete " SA_ID " reqid 5",
	  "unknown keyword \"reqid\" for \"state delete\"; try \"kipsec state help\"" },
	{ "state flush src 10.0.0.1",
	  "unknown keyword \"src\" for \"state flush\"; try \"kipsec state help\"" },
	{ "state count x", "\"state count\" takes no arguments" },
	{ "state list min 5",
	  "unknown keyword \"min\" for \"state list\"; try \"kipsec state help\"" },
	{ "policy add src 10.0.0.0/8", "\"dir\" is required for \"policy add\"" },
	{ "policy add dir out ptype sub", "\"ptype sub\" is not supported by kipsec" },
	{ "policy add dir out flag localok", "\"flag\" is not supported by kipsec" },
	{ "policy add dir out limit time-soft 5",
	  "\"limit\" is not supported by kipsec" },
	{ "policy add dir out ctx foo", "\"ctx\" is not supported by kipsec" },
	{ "policy add dir out mark 1", "\"mark\" is not supported by kipsec" },
	{ "policy add dir out if_id 1", "\"if_id\" is not supported by kipsec" },
	{ "policy add dir out action reject",
	  "action \"reject\" is not allow or block" },
	{ "policy add dir out tmpl proto comp",
	  "\"proto comp\" is not supported by kipsec (esp and ah are)" },
	{ "policy add dir out tmpl mode beet",
	  "\"mode beet\" is not supported by kipsec (transport and tunnel are)" },
	{ "policy add dir out tmpl level optional",
	  "level \"optional\" is not required or use" },
	{ "policy add dir out tmpl proto esp tmpl proto esp tmpl proto esp "
	  "tmpl proto esp tmpl proto esp tmpl proto esp tmpl proto esp",
	  "a policy takes at most 6 templates" },
	{ "policy add dir out tmpl",
	  "\"tmpl\" needs a TMPL; try \"kipsec policy help\"" },
	{ "policy add dir out tmpl src 10.0.0.1 dst ::1",
	  "tmpl src and dst: all addresses must be of one family (IPv4 or IPv6)" },
	{ "policy add src 10.0.0.0/8 dst ::/0 dir out",
	  "selector src and dst: all addresses must be of one family (IPv4 or IPv6)" },
	/* as ip: "spi" after the template's mode is not the template's */
	{ "policy add dir out tmpl src 10.0.0.1 mode tunnel spi 5",
	  "unknown keyword \"spi\" for \"policy add\"; try \"kipsec policy help\"" },
	{ "policy delete dir out",
	  "\"policy delete\" needs a SELECTOR or \"index INDEX\"" },
	{ "policy get index 5 src 10.0.0.1 dir in",
	  "\"policy get\" takes a SELECTOR or \"index\", not both" },
	{ "policy get index 5", "\"dir\" is required for \"policy get\"" },
	{ "policy get index 5 dir in tmpl proto esp",
	  "unknown keyword \"tmpl\" for \"policy get\"; try \"kipsec policy help\"" },
	{ "policy setdefault out drop", "action \"drop\" is not accept or block" },
	{ "policy setdefault",
	  "\"policy setdefault\" needs DIR ACTION, e.g. \"out block\"" },
	{ "policy setdefault up block",
	  "\"up\" is not a direction (in, out or fwd); try \"kipsec policy help\"" },
	{ "policy setdefault out block out accept",
	  "direction \"out\" is given twice" },
	{ "policy getdefault x", "\"policy getdefault\" takes no arguments" },
	{ "policy count x", "\"policy count\" takes no arguments" },
	{ "policy flush src 10.0.0.1",
	  "unknown keyword \"src\" for \"policy flush\"; try \"kipsec policy help\"" },
	{ "policy flush dir up", "dir \"up\" is not in, out or fwd" },
	{ "policy list flag localok", "\"flag\" is not supported by kipsec" },
	{ "policy list tmpl proto esp",
	  "unknown keyword \"tmpl\" for \"policy list\"; try \"kipsec policy help\"" },
};

static void run_cases(const char *name, const struct msg_case *cases,
		      size_t n, bool errors)
{
	char got[2048], why[4096] = "";
	size_t i;

	for (i = 0; i < n && !why[0]; i++) {
		int ret = run_line(cases[i].line, got, sizeof(got));

		if ((ret < 0) != errors)
			snprintf(why, sizeof(why), "\"%s\": %s: %s",
				 cases[i].line, errors ? "parsed" : "failed",
				 got);
		else if (strcmp(got, cases[i].want))
			snprintf(why, sizeof(why), "\"%s\"\n    got:  %s\n    want: %s",
				 cases[i].line, got, cases[i].want);
	}
	report(name, !why[0], why);
}

void test_messages(void)
{
	run_cases("requests", msg_cases, ARRAY_SIZE(msg_cases), false);
	run_cases("usage-errors", error_cases, ARRAY_SIZE(error_cases), true);
}
