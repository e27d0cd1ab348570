// SPDX-License-Identifier: GPL-2.0
/*
 * Printing, without a kernel: replies built here with libmnl as the
 * module sends them go through the tool's reply callbacks, and the text
 * (ip xfrm's shape) and the JSON must come out exactly as written below.
 */
#include "kipsec.h"
#include "unit.h"
#include "util.h"
#include "xfrm.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define T0 1700000000ULL	/* 2023-11-14 22:13:20 UTC */

static struct nlmsghdr *msg_start(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));

	g->cmd = cmd;
	g->version = KIPSEC_GENL_VERSION;
	return nlh;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const char *s)
{
	struct kaddr a;

	parse_addr(s, &a);
	mnl_attr_put(nlh, type, kaddr_len(&a), a.bytes);
}

static void put_key(struct nlmsghdr *nlh, const char *hex)
{
	uint8_t key[KIPSEC_KEY_MAX];
	size_t len;

	parse_key(hex, key, sizeof(key), &len);
	mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, len, key);
}

/* SADDR/DADDR prefixes of a selector nest. */
static void put_sel(struct nlmsghdr *nlh, uint16_t family, const char *src,
		    uint8_t splen, const char *dst, uint8_t dplen)
{
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_FAMILY, family);
	put_addr(nlh, KIPSEC_SEL_A_SADDR, src);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_SPREFIX, splen);
	put_addr(nlh, KIPSEC_SEL_A_DADDR, dst);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_DPREFIX, dplen);
}

static void put_cur(struct nlmsghdr *nlh, uint16_t type)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u64(nlh, KIPSEC_CUR_A_BYTES, 1000);
	mnl_attr_put_u64(nlh, KIPSEC_CUR_A_PACKETS, 10);
	mnl_attr_put_u64(nlh, KIPSEC_CUR_A_ADD_TIME, T0);
	mnl_attr_put_u64(nlh, KIPSEC_CUR_A_USE_TIME, 0);
	mnl_attr_nest_end(nlh, n);
}

#define KEY20 "0x0102030405060708090a0b0c0d0e0f1011121314"

/* What names an ESP SA: its family, addresses and SPI. */
static void put_sa_id(struct nlmsghdr *nlh, uint16_t family, const char *dst,
		      const char *src, uint32_t spi)
{
	mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, family);
	put_addr(nlh, KIPSEC_SA_A_DADDR, dst);
	put_addr(nlh, KIPSEC_SA_A_SADDR, src);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, htonl(spi));
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP);
}

/* An AEAD tunnel SA as GET_SA returns it to an admin. */
static struct nlmsghdr *aead_sa(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_SA);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA), *n;

	put_sa_id(nlh, AF_INET, "192.0.2.2", "192.0.2.1", 0x1000);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, KIPSEC_MODE_TUNNEL);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, 7);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS, 0);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ALG_AEAD);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "rfc4106(gcm(aes))");
	put_key(nlh, KEY20);
	mnl_attr_put_u32(nlh, KIPSEC_ALG_A_ICV_BITS, 128);
	mnl_attr_put_u32(nlh, KIPSEC_ALG_A_KEY_BITS, 160);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW, 0);
	mnl_attr_put_u64(nlh, KIPSEC_SA_A_SEQ, 0);
	mnl_attr_put_u64(nlh, KIPSEC_SA_A_OSEQ, 5);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_SEL);
	put_sel(nlh, AF_INET, "10.0.1.0", 24, "10.0.2.0", 24);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_LIFETIME);
	mnl_attr_put_u64(nlh, KIPSEC_LT_A_HARD_ADD_SECS, 3600);
	mnl_attr_nest_end(nlh, n);
	put_cur(nlh, KIPSEC_SA_A_CUR);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_STATS);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_IN_REPLAY, 1);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_IN_AUTH, 2);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_IN_PADDING, 3);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_IN_SELECTOR, 4);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

/* aead_sa() with UDP encapsulation (NAT-T) and an original address. */
static struct nlmsghdr *encap_sa(char *buf)
{
	struct nlmsghdr *nlh = aead_sa(buf);
	struct nlattr *sa = (struct nlattr *)mnl_nlmsg_get_payload_offset(nlh,
						sizeof(struct genlmsghdr));
	struct nlattr *n;

	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENCAP);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_TYPE, 2);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT, htons(4500));
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT, htons(31001));
	put_addr(nlh, KIPSEC_ENCAP_A_OA, "198.51.100.7");
	mnl_attr_nest_end(nlh, n);
	/* the SA nest now ends where the message does */
	sa->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)sa;
	return nlh;
}

/*
 * An ESN transport SA over IPv6 as a non-admin sees it (no keys), auth
 * without an ICV length (XFRM's default applies), no selector.
 */
static struct nlmsghdr *esn_sa(char *buf)
{
	static const uint32_t bitmap[2] = { 0x1f, 0 };
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_SA);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA), *n;

	put_sa_id(nlh, AF_INET6, "2001:db8::2", "2001:db8::1", 0x102);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, KIPSEC_MODE_TRANSPORT);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS,
			 KIPSEC_SA_F_ESN | KIPSEC_SA_F_NOECN);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ALG_CRYPT);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "cbc(aes)");
	mnl_attr_put_u32(nlh, KIPSEC_ALG_A_KEY_BITS, 128);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ALG_AUTH);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "hmac(sha256)");
	mnl_attr_put_u32(nlh, KIPSEC_ALG_A_KEY_BITS, 256);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW, 64);
	mnl_attr_put_u64(nlh, KIPSEC_SA_A_SEQ, 0x100000005ULL);
	mnl_attr_put_u64(nlh, KIPSEC_SA_A_OSEQ, 7);
	mnl_attr_put(nlh, KIPSEC_SA_A_REPLAY_BITMAP, sizeof(bitmap), bitmap);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_SET_MARK);
	mnl_attr_put_u32(nlh, KIPSEC_MARK_A_VALUE, 0x10);
	mnl_attr_put_u32(nlh, KIPSEC_MARK_A_MASK, 0xffffffff);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, sa);
	return nlh;
}

/*
 * The attributes after a policy's selector: PRIORITY, ACTION, INDEX, and
 * a TMPLS nest with one TMPL of @proto/@mode/@level, left open for more.
 */
static void put_pol_tmpl(struct nlmsghdr *nlh, uint32_t prio, uint8_t action,
			 uint32_t idx, uint8_t proto, uint8_t mode,
			 uint8_t level, struct nlattr **tmpls,
			 struct nlattr **tmpl)
{
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, prio);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, action);
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_INDEX, idx);
	*tmpls = mnl_attr_nest_start(nlh, KIPSEC_POL_A_TMPLS);
	*tmpl = mnl_attr_nest_start(nlh, KIPSEC_A_TMPL);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, proto);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, mode);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_LEVEL, level);
}

/* A tunnel policy with one template. */
static struct nlmsghdr *out_policy(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_POLICY);
	struct nlattr *p = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY), *n, *t;

	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	n = mnl_attr_nest_start(nlh, KIPSEC_POL_A_SEL);
	put_sel(nlh, AF_INET, "10.0.1.0", 24, "10.0.2.0", 24);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_PROTO, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT, htons(443));
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT_MASK, 0xffff);
	mnl_attr_nest_end(nlh, n);
	put_pol_tmpl(nlh, 100, KIPSEC_ACTION_ALLOW, 8, KIPSEC_PROTO_ESP,
		     KIPSEC_MODE_TUNNEL, KIPSEC_LEVEL_REQUIRED, &n, &t);
	mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, AF_INET);
	put_addr(nlh, KIPSEC_TMPL_A_DADDR, "192.0.2.2");
	put_addr(nlh, KIPSEC_TMPL_A_SADDR, "192.0.2.1");
	mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, 1);
	mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_SPI, 0);
	mnl_attr_nest_end(nlh, t);
	mnl_attr_nest_end(nlh, n);
	put_cur(nlh, KIPSEC_POL_A_CUR);
	mnl_attr_nest_end(nlh, p);
	return nlh;
}

/* A block policy for ICMPv6 with an optional transport AH template. */
static struct nlmsghdr *in_policy(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_POLICY);
	struct nlattr *p = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY), *n, *t;

	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, KIPSEC_DIR_IN);
	n = mnl_attr_nest_start(nlh, KIPSEC_POL_A_SEL);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_FAMILY, AF_INET6);
	put_addr(nlh, KIPSEC_SEL_A_SADDR, "2001:db8::");
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_SPREFIX, 32);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_PROTO, IPPROTO_ICMPV6);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT, htons(135));
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT_MASK, 0xffff);
	mnl_attr_nest_end(nlh, n);
	put_pol_tmpl(nlh, 0, KIPSEC_ACTION_BLOCK, 16, KIPSEC_PROTO_AH,
		     KIPSEC_MODE_TRANSPORT, KIPSEC_LEVEL_USE, &n, &t);
	mnl_attr_nest_end(nlh, t);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, p);
	return nlh;
}

/* What those replies print, where more than one case expects it. */
#define AEAD_TEXT \
	"src 192.0.2.1 dst 192.0.2.2\n" \
	"\tproto esp spi 0x00001000 reqid 7 mode tunnel\n" \
	"\treplay-window 0 \n" \
	"\taead rfc4106(gcm(aes)) " KEY20 " 128\n" \
	"\tanti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000\n" \
	"\tsel src 10.0.1.0/24 dst 10.0.2.0/24 \n"
#define AEAD_TAIL_JSON \
	"\"replay-seq\":0,\"replay-oseq\":5,\"replay-seq-hi\":0," \
	"\"replay-oseq-hi\":0," \
	"\"sel\":{\"src\":\"10.0.1.0/24\",\"dst\":\"10.0.2.0/24\"}," \
	"\"limit\":{\"time-soft\":0,\"time-hard\":3600,\"time-use-soft\":0," \
	"\"time-use-hard\":0,\"byte-soft\":0,\"byte-hard\":0," \
	"\"packet-soft\":0,\"packet-hard\":0}"
#define NO_LIMITS_JSON \
	"\"limit\":{\"time-soft\":0,\"time-hard\":0,\"time-use-soft\":0," \
	"\"time-use-hard\":0,\"byte-soft\":0,\"byte-hard\":0," \
	"\"packet-soft\":0,\"packet-hard\":0}"
#define ESN_JSON \
	"{\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\",\"proto\":\"esp\"," \
	"\"spi\":\"0x00000102\",\"reqid\":0,\"mode\":\"transport\"," \
	"\"replay-window\":64,\"flag\":[\"noecn\",\"esn\"]," \
	"\"output-mark\":{\"value\":\"0x10\",\"mask\":\"0xffffffff\"}," \
	"\"auth\":{\"name\":\"hmac(sha256)\",\"key-len\":256,\"trunc-len\":96}," \
	"\"enc\":{\"name\":\"cbc(aes)\",\"key-len\":128}," \
	"\"replay-seq\":5,\"replay-oseq\":7,\"replay-seq-hi\":1," \
	"\"replay-oseq-hi\":0,\"replay-bitmap\":[31,0]," \
	"\"sel\":{\"src\":\"::/0\",\"dst\":\"::/0\"}," NO_LIMITS_JSON "}"
#define OUT_POLICY_TEXT \
	"src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 443 \n" \
	"\tdir out priority 100 \n" \
	"\ttmpl src 192.0.2.1 dst 192.0.2.2\n" \
	"\t\tproto esp reqid 1 mode tunnel\n"
#define IN_POLICY_TEXT \
	"src 2001:db8::/32 dst ::/0 proto ipv6-icmp type 135 \n" \
	"\tdir in action block priority 0 \n" \
	"\ttmpl src :: dst ::\n" \
	"\t\tproto ah reqid 0 mode transport\n" \
	"\t\tlevel use \n"

struct print_case {
	const char *name;
	struct nlmsghdr *(*msg)(char *buf);
	int (*cb)(const struct nlmsghdr *nlh, void *show);
	int stats;
	bool json, nokeys;
	const char *want;
};

static const struct print_case print_cases[] = {
	{ "print-sa-aead", aead_sa, sa_show_cb, 0, false, false,
	  AEAD_TEXT },
	{ "print-sa-stats", aead_sa, sa_show_cb, 1, false, false,
	  "src 192.0.2.1 dst 192.0.2.2\n"
	  "\tproto esp spi 0x00001000(4096) reqid 7(0x00000007) mode tunnel\n"
	  "\treplay-window 0 flag  (0x00000000)\n"
	  "\taead rfc4106(gcm(aes)) " KEY20 " (160 bits) 128\n"
	  "\tanti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000\n"
	  "\tsel src 10.0.1.0/24 dst 10.0.2.0/24 \n"
	  "\tlifetime config:\n"
	  "\t  limit: soft (INF)(bytes), hard (INF)(bytes)\n"
	  "\t  limit: soft (INF)(packets), hard (INF)(packets)\n"
	  "\t  expire add: soft 0(sec), hard 3600(sec)\n"
	  "\t  expire use: soft 0(sec), hard 0(sec)\n"
	  "\tlifetime current:\n"
	  "\t  1000(bytes), 10(packets)\n"
	  "\t  add 2023-11-14 22:13:20 use -\n"
	  "\tstats:\n"
	  "\t  replay-window 0 replay 1 failed 2\n"
	  "\t  padding 3 malformed 0 policy 0 selector 4 larval 0 tfc 0 no-sa 0 seq-overflow 0 no-memory 0 expired 0 encap-mismatch 0\n" },
	{ "print-sa-encap", encap_sa, sa_show_cb, 0, false, false,
	  "src 192.0.2.1 dst 192.0.2.2\n"
	  "\tproto esp spi 0x00001000 reqid 7 mode tunnel\n"
	  "\treplay-window 0 \n"
	  "\taead rfc4106(gcm(aes)) " KEY20 " 128\n"
	  "\tencap type espinudp sport 4500 dport 31001 addr 198.51.100.7\n"
	  "\tanti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000\n"
	  "\tsel src 10.0.1.0/24 dst 10.0.2.0/24 \n" },
	{ "print-sa-encap-json", encap_sa, sa_show_cb, 0, true, true,
	  "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"proto\":\"esp\","
	  "\"spi\":\"0x00001000\",\"reqid\":7,\"mode\":\"tunnel\","
	  "\"replay-window\":0,\"flag\":[],"
	  "\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key-len\":160,"
	  "\"icv-len\":128},"
	  "\"encap\":{\"type\":\"espinudp\",\"sport\":4500,\"dport\":31001,"
	  "\"addr\":\"198.51.100.7\"},"
	  AEAD_TAIL_JSON "}" },
	{ "print-sa-nokeys", aead_sa, sa_show_cb, 0, false, true,
	  "src 192.0.2.1 dst 192.0.2.2\n"
	  "\tproto esp spi 0x00001000 reqid 7 mode tunnel\n"
	  "\treplay-window 0 \n"
	  "\taead rfc4106(gcm(aes)) <<Keys hidden>> 128\n"
	  "\tanti-replay context: seq 0x0, oseq 0x5, bitmap 0x00000000\n"
	  "\tsel src 10.0.1.0/24 dst 10.0.2.0/24 \n" },
	{ "print-sa-json", aead_sa, sa_show_cb, 0, true, false,
	  "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"proto\":\"esp\","
	  "\"spi\":\"0x00001000\",\"reqid\":7,\"mode\":\"tunnel\","
	  "\"replay-window\":0,\"flag\":[],"
	  "\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key\":\"" KEY20 "\","
	  "\"key-len\":160,\"icv-len\":128},"
	  AEAD_TAIL_JSON "}" },
	{ "print-sa-json-stats", aead_sa, sa_show_cb, 1, true, true,
	  "{\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"proto\":\"esp\","
	  "\"spi\":\"0x00001000\",\"reqid\":7,\"mode\":\"tunnel\","
	  "\"replay-window\":0,\"flag\":[],"
	  "\"aead\":{\"name\":\"rfc4106(gcm(aes))\",\"key-len\":160,"
	  "\"icv-len\":128},"
	  AEAD_TAIL_JSON ","
	  "\"lifetime\":{\"bytes\":1000,\"packets\":10,\"add-time\":1700000000,"
	  "\"use-time\":0},"
	  "\"stats\":{\"replay\":1,\"failed\":2,\"padding\":3,\"malformed\":0,\"policy\":0,\"selector\":4,\"larval\":0,\"tfc\":0,\"no-sa\":0,\"seq-overflow\":0,\"no-memory\":0,\"expired\":0,\"encap-mismatch\":0}}" },
	{ "print-sa-esn-hidden-keys", esn_sa, sa_show_cb, 0, false, false,
	  "src 2001:db8::1 dst 2001:db8::2\n"
	  "\tproto esp spi 0x00000102 reqid 0 mode transport\n"
	  "\treplay-window 64 flag noecn esn\n"
	  "\toutput-mark 0x10/0xffffffff\n"
	  "\tauth-trunc hmac(sha256)  96\n"
	  "\tenc cbc(aes) \n"
	  "\tanti-replay esn context:\n"
	  "\t seq-hi 0x1, seq 0x5, oseq-hi 0x0, oseq 0x7\n"
	  "\t replay_window 64, bitmap-length 2\n"
	  "\t 00000000 0000001f \n"
	  "\tsel src ::/0 dst ::/0 \n" },
	{ "print-sa-esn-json", esn_sa, sa_show_cb, 0, true, false,
	  ESN_JSON },
	{ "print-policy", out_policy, pol_show_cb, 0, false, false,
	  OUT_POLICY_TEXT },
	{ "print-policy-stats", out_policy, pol_show_cb, 1, false, false,
	  "src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 443 \n"
	  "\tdir out action allow index 8 priority 100 \n"
	  "\tlifetime current:\n"
	  "\t  1000(bytes), 10(packets)\n"
	  "\t  add 2023-11-14 22:13:20 use -\n"
	  "\ttmpl src 192.0.2.1 dst 192.0.2.2\n"
	  "\t\tproto esp spi 0x00000000(0) reqid 1(0x00000001) mode tunnel\n"
	  "\t\tlevel required \n" },
	{ "print-policy-json", out_policy, pol_show_cb, 0, true, false,
	  "{\"src\":\"10.0.1.0/24\",\"dst\":\"10.0.2.0/24\",\"proto\":\"tcp\","
	  "\"dport\":443,\"dir\":\"out\",\"action\":\"allow\",\"index\":8,"
	  "\"priority\":100,\"tmpl\":[{\"src\":\"192.0.2.1\","
	  "\"dst\":\"192.0.2.2\",\"proto\":\"esp\",\"spi\":\"0x00000000\","
	  "\"reqid\":1,\"mode\":\"tunnel\",\"level\":\"required\"}]}" },
	{ "print-policy-block", in_policy, pol_show_cb, 0, false, false,
	  IN_POLICY_TEXT },
	{ "print-policy-block-json", in_policy, pol_show_cb, 1, true, false,
	  "{\"src\":\"2001:db8::/32\",\"dst\":\"::/0\",\"proto\":\"ipv6-icmp\","
	  "\"type\":135,\"dir\":\"in\",\"action\":\"block\",\"index\":16,"
	  "\"priority\":0,\"lifetime\":{\"bytes\":0,\"packets\":0,"
	  "\"add-time\":0,\"use-time\":0},\"tmpl\":[{\"proto\":\"ah\","
	  "\"spi\":\"0x00000000\",\"reqid\":0,\"mode\":\"transport\","
	  "\"level\":\"use\"}]}" },
};

/* Runs @cb on the replies @msgs[0..n) with @filter; returns the output. */
static char *show_msgs(struct nlmsghdr **msgs, size_t n,
		       int (*cb)(const struct nlmsghdr *, void *),
		       const void *filter, int stats, bool json, bool nokeys,
		       bool array)
{
	struct show sh = { .filter = filter };
	struct json j;
	char *out = NULL;
	size_t len, i;

	sh.out.f = open_memstream(&out, &len);
	sh.out.stats = stats;
	sh.out.nokeys = nokeys;
	if (json) {
		json_init(&j, sh.out.f);
		sh.out.j = &j;
		if (array)
			json_arr_open(&j, NULL);
	}
	for (i = 0; i < n; i++)
		cb(msgs[i], &sh);
	if (json && array)
		json_arr_close(&j);
	fclose(sh.out.f);
	return out;
}

static void check(const char *name, const char *got, const char *want)
{
	char why[4096] = "";

	if (strcmp(got, want))
		snprintf(why, sizeof(why), "\n--- got:\n%s\n--- want:\n%s", got,
			 want);
	report(name, !why[0], why);
}

static void test_print_cases(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(print_cases); i++) {
		const struct print_case *c = &print_cases[i];
		char buf[8192];
		struct nlmsghdr *nlh = c->msg(buf);
		char *got = show_msgs(&nlh, 1, c->cb, NULL, c->stats, c->json,
				      c->nokeys, false);

		check(c->name, got, c->want);
		free(got);
	}
}

/* list filters (client-side, as ip's) and the JSON array of a dump */
static void test_filters(void)
{
	char b1[8192], b2[8192], b3[8192], b4[8192], *argv[16], words[256];
	struct nlmsghdr *sas[2] = { aead_sa(b1), esn_sa(b2) };
	struct nlmsghdr *pols[2] = { out_policy(b3), in_policy(b4) };
	struct state_cmd sc;
	struct policy_cmd pc;
	char *got;
	int argc;

	argc = split_words("dst 2001:db8::/32 flag esn nopmtudisc", words,
			   sizeof(words), argv, 16);
	state_parse(&sc, ST_LIST, argc, argv);
	got = show_msgs(sas, 2, sa_show_cb, &sc.sa, 0, true, false, true);
	check("list-filter-sa", got,
	      "[" ESN_JSON "]");
	free(got);

	argc = split_words("src 192.0.2.0/24 reqid 7 proto esp spi 0x1000 mode tunnel",
			   words, sizeof(words), argv, 16);
	state_parse(&sc, ST_LIST, argc, argv);
	got = show_msgs(sas, 2, sa_show_cb, &sc.sa, 0, false, false, false);
	check("list-filter-sa-id", got,
	      AEAD_TEXT);
	free(got);

	argc = split_words("reqid 8", words, sizeof(words), argv, 16);
	state_parse(&sc, ST_LIST, argc, argv);
	got = show_msgs(sas, 2, sa_show_cb, &sc.sa, 0, true, false, true);
	check("list-filter-sa-none", got, "[]");
	free(got);

	argc = split_words("dir in", words, sizeof(words), argv, 16);
	policy_parse(&pc, PO_LIST, argc, argv);
	got = show_msgs(pols, 2, pol_show_cb, &pc.pol, 0, false, false, false);
	check("list-filter-policy-dir", got,
	      IN_POLICY_TEXT);
	free(got);

	argc = split_words("src 10.0.0.0/8 proto tcp dport 443 priority 100",
			   words, sizeof(words), argv, 16);
	policy_parse(&pc, PO_LIST, argc, argv);
	got = show_msgs(pols, 2, pol_show_cb, &pc.pol, 0, false, false, false);
	check("list-filter-policy-sel", got,
	      OUT_POLICY_TEXT);
	free(got);
}

static struct nlmsghdr *stats_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_STATS);
	struct nlattr *n = mnl_attr_nest_start(nlh, KIPSEC_A_STATS);

	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_SA_COUNT, 3);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_POLICY_COUNT, 12);
	mnl_attr_put_u64(nlh, KIPSEC_STATS_A_IN_AUTH, 99);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static struct nlmsghdr *default_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_GET_DEFAULT);
	struct nlattr *n = mnl_attr_nest_start(nlh, KIPSEC_A_DEFAULT);

	mnl_attr_put_u8(nlh, KIPSEC_DEFAULT_A_IN, KIPSEC_ACTION_ALLOW);
	mnl_attr_put_u8(nlh, KIPSEC_DEFAULT_A_OUT, KIPSEC_ACTION_BLOCK);
	mnl_attr_put_u8(nlh, KIPSEC_DEFAULT_A_FWD, KIPSEC_ACTION_BLOCK);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void test_small_replies(void)
{
	char buf[1024];
	struct nlmsghdr *nlh = stats_msg(buf);
	char *got;

	got = show_msgs(&nlh, 1, sa_count_cb, NULL, 0, false, false, false);
	check("print-sa-count", got, "\t SAD count 3\n");
	free(got);
	got = show_msgs(&nlh, 1, pol_count_cb, NULL, 0, true, false, false);
	check("print-policy-count-json", got, "{\"count\":12}");
	free(got);
	nlh = default_msg(buf);
	got = show_msgs(&nlh, 1, default_show_cb, NULL, 0, false, false, false);
	check("print-getdefault", got,
	      "Default policies:\n in:  accept\n fwd: block\n out: block\n");
	free(got);
	got = show_msgs(&nlh, 1, default_show_cb, NULL, 0, true, false, false);
	check("print-getdefault-json", got,
	      "{\"in\":\"accept\",\"fwd\":\"block\",\"out\":\"block\"}");
	free(got);
}

static void test_json_writer(void)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	struct json j;

	json_init(&j, f);
	json_obj_open(&j, NULL);
	json_str(&j, "q", "a\"b\\c/\n\t\x01\x7f");
	json_str(&j, "utf8", "gr\xc3\xbc\xc3\x9f \xe2\x82\xac");
	json_str(&j, "bad", "x\xff\xc3y\xed\xa0\x80z");
	json_arr_open(&j, "a");
	json_u64(&j, NULL, 18446744073709551615ULL);
	json_obj_open(&j, NULL);
	json_obj_close(&j);
	json_arr_open(&j, NULL);
	json_arr_close(&j);
	json_arr_close(&j);
	json_strf(&j, "f", "0x%08x", 0x1234);
	json_obj_close(&j);
	fclose(f);
	check("json-writer", out,
	      "{\"q\":\"a\\\"b\\\\c/\\n\\t\\u0001\\u007f\","
	      "\"utf8\":\"gr\xc3\xbc\xc3\x9f \xe2\x82\xac\","
	      "\"bad\":\"x\\ufffd\\ufffdy\\ufffd\\ufffd\\ufffdz\","
	      "\"a\":[18446744073709551615,{},[]],\"f\":\"0x00001234\"}");
	free(out);
}

/* --- kipsec save lines ----------------------------------------------------- */

static char *save_of(struct nlmsghdr *nlh, bool sa, int *ret)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);
	const struct nlattr *nest = msg_nest(nlh, sa ? KIPSEC_A_SA :
					     KIPSEC_A_POLICY);
	static struct sa s;
	static struct policy p;

	if (sa) {
		sa_from(nest, &s);
		*ret = sa_save(f, &s);
	} else {
		pol_from(nest, &p);
		*ret = pol_save(f, &p);
	}
	fclose(f);
	return out;
}

#define AEAD_SAVE \
	"state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x00001000 " \
	"reqid 7 mode tunnel replay-window 0 aead 'rfc4106(gcm(aes))' " KEY20 \
	" 128 sel src 10.0.1.0/24 dst 10.0.2.0/24 limit time-hard 3600 " \
	"replay-seq 0 replay-oseq 5\n"

#define ENCAP_SAVE \
	"state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x00001000 " \
	"reqid 7 mode tunnel replay-window 0 aead 'rfc4106(gcm(aes))' " KEY20 \
	" 128 sel src 10.0.1.0/24 dst 10.0.2.0/24 limit time-hard 3600 " \
	"encap espinudp 4500 31001 198.51.100.7 replay-seq 0 replay-oseq 5\n"

/*
 * A saved line parsed back (split as a batch line) gives the request
 * that, read as a reply, saves to the same line.
 */
static void test_save_reparse(const char *line)
{
	char copy[2048], *argv[128], got[2048] = "", why[4200] = "";
	static struct state_cmd sc;
	static struct sa back;
	struct nl_req req;
	int argc;
	FILE *f;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = split_line(copy, argv, 128);
	if (argc < 3 || state_parse(&sc, ST_ADD, argc - 2, argv + 2)) {
		snprintf(why, sizeof(why), "does not parse back: %s", last_error());
	} else {
		state_build(&sc, &req);
		sa_from(msg_nest(req.nlh, KIPSEC_A_SA), &back);
		f = fmemopen(got, sizeof(got), "w");
		sa_save(f, &back);
		fclose(f);
		if (strcmp(got, line))
			snprintf(why, sizeof(why), "\n--- got:\n%s--- want:\n%s",
				 got, line);
	}
	report("save-reparse", !why[0], why);
}

static void test_save(void)
{
	char b1[8192], b2[8192];
	char *got;
	int ret;

	got = save_of(aead_sa(b1), true, &ret);
	check("save-sa", got, AEAD_SAVE);
	free(got);
	test_save_reparse(AEAD_SAVE);
	got = save_of(encap_sa(b1), true, &ret);
	check("save-sa-encap", got, ENCAP_SAVE);
	free(got);
	test_save_reparse(ENCAP_SAVE);
	/* a reader without CAP_NET_ADMIN sees no keys: save refuses */
	got = save_of(esn_sa(b2), true, &ret);
	report("save-sa-nokeys", ret == -1 && !strcmp(last_error(),
		"saving needs CAP_NET_ADMIN: the kernel did not show the keys"),
	       last_error());
	free(got);
	got = save_of(out_policy(b1), false, &ret);
	check("save-policy", got,
	      "policy add src 10.0.1.0/24 dst 10.0.2.0/24 proto tcp dport 443 "
	      "dir out priority 100 action allow tmpl src 192.0.2.1 "
	      "dst 192.0.2.2 proto esp mode tunnel reqid 1 level required\n");
	free(got);
	got = save_of(in_policy(b1), false, &ret);
	check("save-policy-icmp", got,
	      "policy add src 2001:db8::/32 dst ::/0 proto ipv6-icmp type 135 "
	      "dir in priority 0 action block tmpl proto ah mode transport "
	      "level use\n");
	free(got);
}

/* --- kipsec monitor -------------------------------------------------------- */

#define STARTS(s, lit) (!strncmp((s), (lit), sizeof(lit) - 1))

static void set_cmd(struct nlmsghdr *nlh, uint8_t cmd)
{
	((struct genlmsghdr *)mnl_nlmsg_get_payload(nlh))->cmd = cmd;
}

static char *event_of(struct nlmsghdr *nlh, bool json, unsigned int mask)
{
	char *out = NULL;
	size_t len;
	struct json j;
	struct out o = { .f = open_memstream(&out, &len) };

	if (json) {
		json_init(&j, o.f);
		o.j = &j;
	}
	if (!event_print(&o, nlh, mask))
		fputs("(nothing)", o.f);
	fclose(o.f);
	return out;
}

static struct nlmsghdr *flush_msg(char *buf, uint8_t cmd)
{
	struct nlmsghdr *nlh = msg_start(buf, cmd);
	bool sa = cmd == KIPSEC_CMD_FLUSH_SA;
	struct nlattr *n = mnl_attr_nest_start(nlh, sa ? KIPSEC_A_SA :
					       KIPSEC_A_POLICY);

	if (sa)
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_AH);
	else
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, KIPSEC_DIR_FWD);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static struct nlmsghdr *acquire_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_ACQUIRE);
	struct nlattr *p = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY), *n;

	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_INDEX, 9);
	n = mnl_attr_nest_start(nlh, KIPSEC_POL_A_SEL);
	put_sel(nlh, AF_INET, "10.0.1.0", 24, "10.0.2.0", 24);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, 10);
	mnl_attr_nest_end(nlh, p);
	n = mnl_attr_nest_start(nlh, KIPSEC_A_TMPL);
	mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, AF_INET);
	put_addr(nlh, KIPSEC_TMPL_A_DADDR, "192.0.2.2");
	put_addr(nlh, KIPSEC_TMPL_A_SADDR, "192.0.2.1");
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TUNNEL);
	mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, 3);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, KIPSEC_A_SEL);
	put_sel(nlh, AF_INET, "10.0.1.5", 32, "10.0.2.7", 32);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_PROTO, IPPROTO_UDP);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT, htons(1234));
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT_MASK, 0xffff);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT, htons(53));
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT_MASK, 0xffff);
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

/* MAPPING as the module sends it: the SA's identity, the new source. */
static struct nlmsghdr *mapping_msg(char *buf)
{
	struct nlmsghdr *nlh = msg_start(buf, KIPSEC_CMD_MAPPING);
	struct nlattr *sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA), *n;

	put_sa_id(nlh, AF_INET, "192.0.2.2", "198.51.100.7", 0x1001);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, 1);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENCAP);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_TYPE, 2);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT, htons(31000));
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT, htons(4500));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, sa);
	n = mnl_attr_nest_start(nlh, KIPSEC_A_MAPPING);
	put_addr(nlh, KIPSEC_MAPPING_A_ADDR, "198.51.100.9");
	mnl_attr_put_u16(nlh, KIPSEC_MAPPING_A_PORT, htons(31001));
	mnl_attr_nest_end(nlh, n);
	return nlh;
}

static void test_events(void)
{
	char buf[8192];
	struct nlmsghdr *nlh;
	char *got;

	nlh = aead_sa(buf);
	set_cmd(nlh, KIPSEC_CMD_NEW_SA);
	got = event_of(nlh, false, EV_ALL);
	check("event-new-sa", got, AEAD_TEXT);
	free(got);
	set_cmd(nlh, KIPSEC_CMD_DEL_SA);
	got = event_of(nlh, false, EV_ALL);
	check("event-del-sa", got, "Deleted " AEAD_TEXT);
	free(got);
	got = event_of(nlh, false, EV_POLICY | EV_ACQUIRE);
	check("event-filtered", got, "(nothing)");
	free(got);
	set_cmd(nlh, KIPSEC_CMD_UPD_SA);
	got = event_of(nlh, true, EV_SA);
	report("event-upd-sa-json",
	       STARTS(got, "{\"event\":\"upd-sa\",\"sa\":{\"src\":\"192.0.2.1\",") &&
	       strstr(got, "\"dst\":\"10.0.2.0/24\"}") &&
	       !strcmp(got + strlen(got) - 3, "}}\n"), got);
	free(got);
	/* EXPIRE: the SA and the hard flag */
	set_cmd(nlh, KIPSEC_CMD_EXPIRE);
	mnl_attr_put(nlh, KIPSEC_A_EXPIRE_HARD, 0, NULL);
	got = event_of(nlh, false, EV_EXPIRE);
	check("event-expire", got,
	      "Expired src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x00001000 hard 1\n"
	      AEAD_TEXT);
	free(got);
	got = event_of(nlh, true, EV_EXPIRE);
	report("event-expire-json",
	       STARTS(got, "{\"event\":\"expire\",\"hard\":true,\"sa\":{"), got);
	free(got);
	nlh = flush_msg(buf, KIPSEC_CMD_FLUSH_SA);
	got = event_of(nlh, false, EV_SA);
	check("event-flush-sa", got, "Flushed state proto ah\n");
	free(got);
	got = event_of(nlh, true, EV_SA);
	check("event-flush-sa-json", got, "{\"event\":\"flush-sa\",\"proto\":\"ah\"}\n");
	free(got);
	nlh = flush_msg(buf, KIPSEC_CMD_FLUSH_POLICY);
	got = event_of(nlh, false, EV_POLICY);
	check("event-flush-policy", got, "Flushed policy dir fwd\n");
	free(got);
	nlh = msg_start(buf, KIPSEC_CMD_FLUSH_POLICY);
	got = event_of(nlh, true, EV_POLICY);
	check("event-flush-all-json", got, "{\"event\":\"flush-policy\"}\n");
	free(got);
	nlh = out_policy(buf);
	set_cmd(nlh, KIPSEC_CMD_UPD_POLICY);
	got = event_of(nlh, false, EV_POLICY);
	check("event-upd-policy", got, "Updated " OUT_POLICY_TEXT);
	free(got);
	set_cmd(nlh, KIPSEC_CMD_DEL_POLICY);
	got = event_of(nlh, true, EV_POLICY);
	report("event-del-policy-json",
	       STARTS(got, "{\"event\":\"del-policy\",\"policy\":{\"src\":\"10.0.1.0/24\"") &&
	       !strcmp(got + strlen(got) - 3, "}}\n"), got);
	free(got);
	nlh = acquire_msg(buf);
	got = event_of(nlh, false, EV_ACQUIRE);
	check("event-acquire", got,
	      "acquire proto esp \n"
	      "  sel src 10.0.1.5/32 dst 10.0.2.7/32 proto udp sport 1234 dport 53 \n"
	      "  policy src 10.0.1.0/24 dst 10.0.2.0/24 \n"
	      "\tdir out priority 10 \n"
	      "\ttmpl src 192.0.2.1 dst 192.0.2.2\n"
	      "\t\tproto esp reqid 3 mode tunnel\n");
	free(got);
	got = event_of(nlh, true, EV_ACQUIRE);
	check("event-acquire-json", got,
	      "{\"event\":\"acquire\",\"policy\":{\"src\":\"10.0.1.0/24\","
	      "\"dst\":\"10.0.2.0/24\",\"dir\":\"out\",\"action\":\"allow\","
	      "\"index\":9,\"priority\":10,\"tmpl\":[]},\"tmpl\":{\"src\":"
	      "\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"proto\":\"esp\",\"spi\":"
	      "\"0x00000000\",\"reqid\":3,\"mode\":\"tunnel\",\"level\":"
	      "\"required\"},\"sel\":{\"src\":\"10.0.1.5/32\",\"dst\":"
	      "\"10.0.2.7/32\",\"proto\":\"udp\",\"sport\":1234,\"dport\":53}}\n");
	free(got);
	nlh = mapping_msg(buf);
	got = event_of(nlh, false, EV_MAPPING);
	check("event-mapping", got,
	      "Mapping change 198.51.100.7:31000 -> 198.51.100.9:31001\n"
	      "\tdst 192.0.2.2 proto esp spi 0x00001001 reqid 1\n");
	free(got);
	got = event_of(nlh, true, EV_ALL);
	check("event-mapping-json", got,
	      "{\"event\":\"mapping\",\"src\":\"198.51.100.7\",\"sport\":31000,"
	      "\"new-src\":\"198.51.100.9\",\"new-sport\":31001,"
	      "\"dst\":\"192.0.2.2\",\"proto\":\"esp\",\"spi\":\"0x00001001\","
	      "\"reqid\":1}\n");
	free(got);
	got = event_of(nlh, false, EV_SA);
	check("event-mapping-not-selected", got, "(nothing)");
	free(got);
}

void test_printing(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_print_cases();
	test_filters();
	test_small_replies();
	test_json_writer();
	test_save();
	test_events();
}
