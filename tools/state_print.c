// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations in replies: a KIPSEC_A_SA nest into a struct sa,
 * and a struct sa printed in ip xfrm's shape or as JSON, or matched
 * against a list filter as ip's list filters match.
 */
#include "xfrm.h"
#include "kipsec.h"
#include "print.h"
#include "util.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <net/if.h>
#include <stddef.h>

/* Per-SA counters: ip prints "replay" and "failed"; the rest are ours. */
static const struct {
	uint16_t attr;
	const char *name;
} sa_counters[] = {
	{ KIPSEC_STATS_A_IN_REPLAY, "replay" },
	{ KIPSEC_STATS_A_IN_AUTH, "failed" },
	{ KIPSEC_STATS_A_IN_PADDING, "padding" },
	{ KIPSEC_STATS_A_IN_MALFORMED, "malformed" },
	{ KIPSEC_STATS_A_IN_POLICY, "policy" },
	{ KIPSEC_STATS_A_IN_SELECTOR, "selector" },
	{ KIPSEC_STATS_A_IN_LARVAL, "larval" },
	{ KIPSEC_STATS_A_IN_TFC, "tfc" },
	{ KIPSEC_STATS_A_OUT_NO_SA, "no-sa" },
	{ KIPSEC_STATS_A_OUT_SEQ_OVERFLOW, "seq-overflow" },
	{ KIPSEC_STATS_A_NO_MEMORY, "no-memory" },
	{ KIPSEC_STATS_A_EXPIRED, "expired" },
	{ KIPSEC_STATS_A_IN_ENCAP_MISMATCH, "encap-mismatch" },
};

/* --- Reading replies ------------------------------------------------------ */

static bool len_is(const struct nlattr *attr, size_t len)
{
	return mnl_attr_get_payload_len(attr) == len;
}

static int alg_attr_cb(const struct nlattr *attr, void *data)
{
	struct alg *alg = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (type) {
	case KIPSEC_ALG_A_NAME:
		str_from(attr, alg->name, sizeof(alg->name));
		break;
	case KIPSEC_ALG_A_KEY:
		if (len > sizeof(alg->key))
			return MNL_CB_OK;
		memcpy(alg->key, mnl_attr_get_payload(attr), len);
		alg->key_len = len;
		break;
	case KIPSEC_ALG_A_ICV_BITS:
	case KIPSEC_ALG_A_KEY_BITS:
		if (!len_is(attr, 4))
			return MNL_CB_OK;
		*(type == KIPSEC_ALG_A_ICV_BITS ? &alg->icv_bits :
		  &alg->key_bits) = mnl_attr_get_u32(attr);
		break;
	default:
		return MNL_CB_OK;
	}
	alg->has |= (uint32_t)BIT(type);
	return MNL_CB_OK;
}

static int mark_attr_cb(const struct nlattr *attr, void *data)
{
	struct sa *sa = data;

	if (!len_is(attr, 4))
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_VALUE)
		sa->mark_value = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_MASK)
		sa->mark_mask = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

/* The integer attributes of an SA and where they go. */
static const struct {
	uint16_t type;
	uint16_t size;
	size_t off;
} sa_scalars[] = {
	{ KIPSEC_SA_A_FAMILY, 2, offsetof(struct sa, family) },
	{ KIPSEC_SA_A_SPI, 4, offsetof(struct sa, spi) },
	{ KIPSEC_SA_A_PROTO, 1, offsetof(struct sa, proto) },
	{ KIPSEC_SA_A_MODE, 1, offsetof(struct sa, mode) },
	{ KIPSEC_SA_A_REQID, 4, offsetof(struct sa, reqid) },
	{ KIPSEC_SA_A_FLAGS, 4, offsetof(struct sa, flags) },
	{ KIPSEC_SA_A_REPLAY_WINDOW, 4, offsetof(struct sa, replay_window) },
	{ KIPSEC_SA_A_SEQ, 8, offsetof(struct sa, seq) },
	{ KIPSEC_SA_A_OSEQ, 8, offsetof(struct sa, oseq) },
	{ KIPSEC_SA_A_SPI_MIN, 4, offsetof(struct sa, spi_min) },
	{ KIPSEC_SA_A_SPI_MAX, 4, offsetof(struct sa, spi_max) },
};

/* Where an integer attribute goes in @sa, and its size; NULL if none. */
static void *sa_scalar(struct sa *sa, uint16_t type, size_t *size)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(sa_scalars); i++) {
		if (sa_scalars[i].type == type) {
			*size = sa_scalars[i].size;
			return (char *)sa + sa_scalars[i].off;
		}
	}
	return NULL;
}

static int encap_attr_cb(const struct nlattr *attr, void *data)
{
	struct sa *sa = data;

	switch (mnl_attr_get_type(attr)) {
	case KIPSEC_ENCAP_A_TYPE:
		if (len_is(attr, 2))
			sa->encap_type = mnl_attr_get_u16(attr);
		break;
	case KIPSEC_ENCAP_A_SPORT:
		if (len_is(attr, 2))
			sa->encap_sport = ntohs(mnl_attr_get_u16(attr));
		break;
	case KIPSEC_ENCAP_A_DPORT:
		if (len_is(attr, 2))
			sa->encap_dport = ntohs(mnl_attr_get_u16(attr));
		break;
	case KIPSEC_ENCAP_A_OA:
		addr_from(attr, &sa->encap_oa);
		break;
	}
	return MNL_CB_OK;
}

static int sa_attr_cb(const struct nlattr *attr, void *data)
{
	struct sa *sa = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);
	size_t size;
	void *p = sa_scalar(sa, type, &size);

	if (p) {
		if (!len_is(attr, size))
			return MNL_CB_OK;
		memcpy(p, mnl_attr_get_payload(attr), size);
		if (type == KIPSEC_SA_A_SPI)
			sa->spi = ntohl(sa->spi);
	} else if (type == KIPSEC_SA_A_DADDR || type == KIPSEC_SA_A_SADDR) {
		if (addr_from(attr, type == KIPSEC_SA_A_DADDR ? &sa->daddr :
				    &sa->saddr))
			return MNL_CB_OK;
	} else if (type == KIPSEC_SA_A_ALG_AEAD) {
		mnl_attr_parse_nested(attr, alg_attr_cb, &sa->aead);
	} else if (type == KIPSEC_SA_A_ALG_CRYPT) {
		mnl_attr_parse_nested(attr, alg_attr_cb, &sa->crypt);
	} else if (type == KIPSEC_SA_A_ALG_AUTH) {
		mnl_attr_parse_nested(attr, alg_attr_cb, &sa->auth);
	} else if (type == KIPSEC_SA_A_SEL) {
		sel_from(attr, &sa->sel);
	} else if (type == KIPSEC_SA_A_LIFETIME) {
		u64s_from(attr, &sa->lifetime);
	} else if (type == KIPSEC_SA_A_CUR) {
		u64s_from(attr, &sa->cur);
	} else if (type == KIPSEC_SA_A_STATS) {
		u64s_from(attr, &sa->stats);
	} else if (type == KIPSEC_SA_A_SET_MARK) {
		mnl_attr_parse_nested(attr, mark_attr_cb, sa);
	} else if (type == KIPSEC_SA_A_ENCAP) {
		mnl_attr_parse_nested(attr, encap_attr_cb, sa);
	} else if (type == KIPSEC_SA_A_REPLAY_BITMAP) {
		if (len % 4 || len > sizeof(sa->bitmap))
			return MNL_CB_OK;
		memcpy(sa->bitmap, mnl_attr_get_payload(attr), len);
		sa->bitmap_words = len / 4;
	} else {
		return MNL_CB_OK;
	}
	sa->has |= BIT(type);
	return MNL_CB_OK;
}

void sa_from(const struct nlattr *nest, struct sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	mnl_attr_parse_nested(nest, sa_attr_cb, sa);
	if (!(sa->has & BIT(KIPSEC_SA_A_FAMILY)))
		sa->family = sa->daddr.family;
}

const struct nlattr *msg_nest(const struct nlmsghdr *nlh, uint16_t type)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == type)
			return attr;
	return NULL;
}

/* --- Printing ------------------------------------------------------------ */

/* XFRM's default truncation of an auth algorithm; -1 if not known. */
static int64_t auth_trunc_bits(const struct alg *alg)
{
	static const struct {
		const char *name;
		uint32_t bits;
	} dflt[] = {
		{ "hmac(sha1)", 96 }, { "hmac(sha256)", 96 },
		{ "hmac(sha384)", 192 }, { "hmac(sha512)", 256 },
		{ "xcbc(aes)", 96 }, { "cmac(aes)", 96 }, { "hmac(sm3)", 256 },
		{ "digest_null", 0 },
	};
	size_t i;

	if ((alg->has & BIT(KIPSEC_ALG_A_ICV_BITS)) && alg->icv_bits)
		return alg->icv_bits;
	for (i = 0; i < ARRAY_SIZE(dflt); i++)
		if (!strcmp(alg->name, dflt[i].name))
			return dflt[i].bits;
	return -1;
}

/* "0x" and @len bytes in hex into @buf (2 * len + 3 bytes); no printf. */
static char *hex_str(char *buf, const uint8_t *p, size_t len)
{
	static const char digits[] = "0123456789abcdef";
	char *s = buf;
	size_t i;

	*s++ = '0';
	*s++ = 'x';
	for (i = 0; i < len; i++) {
		*s++ = digits[p[i] >> 4];
		*s++ = digits[p[i] & 15];
	}
	*s = '\0';
	return buf;
}

void key_hex(FILE *f, const uint8_t *p, size_t len)
{
	char buf[2 * KIPSEC_KEY_MAX + 3];

	fputs(hex_str(buf, p, len < KIPSEC_KEY_MAX ? len : KIPSEC_KEY_MAX), f);
}

static uint32_t key_bits(const struct alg *alg)
{
	if (alg->has & BIT(KIPSEC_ALG_A_KEY_BITS))
		return alg->key_bits;
	return alg->has & BIT(KIPSEC_ALG_A_KEY) ? alg->key_len * 8 : 0;
}

/*
 * ip's algorithm line: "\tTYPE NAME KEY[ (N bits)][ ICV]". A key the
 * kernel did not show is left out, as ip leaves out an empty one.
 */
static void alg_print(const struct out *o, const char *text,
		      const char *type, const struct alg *alg,
		      const char *icv_key, int64_t icv)
{
	bool key = (alg->has & BIT(KIPSEC_ALG_A_KEY)) && !o->nokeys;
	char buf[2 * KIPSEC_KEY_MAX + 3] = "";

	if (key && alg->key_len)
		hex_str(buf, alg->key, alg->key_len < KIPSEC_KEY_MAX ?
				       alg->key_len : KIPSEC_KEY_MAX);
	print_open_obj(o, type);
	print_text(o, "\t%s ", text);
	print_str(o, PRINT_ANY, "name", "%s ", alg->name);
	if (key)
		print_str(o, PRINT_JSON, "key", NULL, buf);
	if (o->nokeys) {
		print_text(o, "<<Keys hidden>>");
	} else if (key && alg->key_len) {
		print_text(o, "%s", buf);
		if (o->stats)
			print_text(o, " (%u bits)", key_bits(alg));
	} else if (o->stats && key_bits(alg)) {
		print_text(o, "(%u bits)", key_bits(alg));
	}
	if (key_bits(alg))
		print_u64(o, PRINT_JSON, "key-len", NULL, key_bits(alg));
	if (icv >= 0)
		print_u64(o, PRINT_ANY, icv_key, " %llu", (uint64_t)icv);
	print_text(o, "\n");
	print_close_obj(o);
}

static void flags_print(const struct out *o, uint32_t flags)
{
	uint8_t xfrm = 0;
	size_t i;
	int b;

	print_open_arr(o, "flag");
	if (o->stats || flags)
		print_text(o, "flag ");
	for (i = 0; sa_flags[i].name; i++) {
		if (!(sa_flags[i].bit & flags))
			continue;
		flags &= ~sa_flags[i].bit;
		xfrm |= sa_flags[i].xfrm;
		print_str(o, PRINT_ANY, NULL, "%s", sa_flags[i].name);
		if (flags)
			print_text(o, " ");
	}
	if (flags)
		print_text(o, "%x", flags);
	if (o->stats) {
		/* ip's bit picture, of XFRM's flag bits */
		print_text(o, " (0x");
		for (b = 7; b >= 0; b--)
			print_text(o, "%c", xfrm & (1 << b) ? '1' : '0');
		print_text(o, ")");
	}
	print_close_arr(o);
}

/* ip's "anti-replay context" lines, ESN-style for ESN or a wide window. */
static void replay_print(const struct out *o, const struct sa *sa)
{
	uint32_t i;

	print_u64(o, PRINT_JSON, "replay-seq", NULL, (uint32_t)sa->seq);
	print_u64(o, PRINT_JSON, "replay-oseq", NULL, (uint32_t)sa->oseq);
	print_u64(o, PRINT_JSON, "replay-seq-hi", NULL, sa->seq >> 32);
	print_u64(o, PRINT_JSON, "replay-oseq-hi", NULL, sa->oseq >> 32);
	if (sa->has & BIT(KIPSEC_SA_A_REPLAY_BITMAP)) {
		print_open_arr(o, "replay-bitmap");
		for (i = 0; i < sa->bitmap_words; i++)
			print_u64(o, PRINT_JSON, NULL, NULL, sa->bitmap[i]);
		print_close_arr(o);
	}
	if (!(sa->flags & KIPSEC_SA_F_ESN) && sa->replay_window <= 32) {
		print_text(o, "\tanti-replay context: seq 0x%x, oseq 0x%x, bitmap 0x%08x\n",
			   (uint32_t)sa->seq, (uint32_t)sa->oseq,
			   sa->bitmap_words ? sa->bitmap[0] : 0);
		return;
	}
	print_text(o, "\tanti-replay esn context:\n");
	print_text(o, "\t seq-hi 0x%x, seq 0x%x, oseq-hi 0x%x, oseq 0x%x\n",
		   (uint32_t)(sa->seq >> 32), (uint32_t)sa->seq,
		   (uint32_t)(sa->oseq >> 32), (uint32_t)sa->oseq);
	print_text(o, "\t replay_window %u, bitmap-length %u",
		   sa->replay_window, sa->bitmap_words);
	for (i = 0; i < sa->bitmap_words; i++) {
		if (i % 8 == 0)
			print_text(o, "\n\t ");
		print_text(o, "%08x ", sa->bitmap[sa->bitmap_words - 1 - i]);
	}
	print_text(o, "\n");
}

/* ip's "(INF)" for no limit: kipsec's 0 is XFRM's infinity. */
static const char *limit_str(uint64_t v, char buf[24])
{
	if (!v)
		return "(INF)";
	snprintf(buf, 24, "%llu", (unsigned long long)v);
	return buf;
}

static void lifetime_print(const struct out *o, const struct sa *sa)
{
	const uint64_t *v = sa->lifetime.v;
	char a[24], b[24];
	size_t i;

	print_open_obj(o, "limit");
	for (i = 0; sa_limits[i].name; i++)
		print_u64(o, PRINT_JSON, sa_limits[i].name, NULL,
			  v[sa_limits[i].attr]);
	print_close_obj(o);
	if (!o->stats)	/* ip's text shows the limits with -s only */
		return;
	print_text(o, "\tlifetime config:\n");
	print_text(o, "\t  limit: soft %s(bytes), hard %s(bytes)\n",
		   limit_str(v[KIPSEC_LT_A_SOFT_BYTES], a),
		   limit_str(v[KIPSEC_LT_A_HARD_BYTES], b));
	print_text(o, "\t  limit: soft %s(packets), hard %s(packets)\n",
		   limit_str(v[KIPSEC_LT_A_SOFT_PACKETS], a),
		   limit_str(v[KIPSEC_LT_A_HARD_PACKETS], b));
	print_text(o, "\t  expire add: soft %llu(sec), hard %llu(sec)\n",
		   (unsigned long long)v[KIPSEC_LT_A_SOFT_ADD_SECS],
		   (unsigned long long)v[KIPSEC_LT_A_HARD_ADD_SECS]);
	print_text(o, "\t  expire use: soft %llu(sec), hard %llu(sec)\n",
		   (unsigned long long)v[KIPSEC_LT_A_SOFT_USE_SECS],
		   (unsigned long long)v[KIPSEC_LT_A_HARD_USE_SECS]);
}

static void stats_print(const struct out *o, const struct u64s *st)
{
	const char *sep = "\t  ";
	size_t i;

	/* The kernel leaves zero counters out: absent is 0. */
	print_open_obj(o, "stats");
	print_text(o, "\tstats:\n\t  replay-window 0");
	print_u64(o, PRINT_ANY, sa_counters[0].name, " replay %llu",
		  st->v[sa_counters[0].attr]);
	print_u64(o, PRINT_ANY, sa_counters[1].name, " failed %llu\n",
		  st->v[sa_counters[1].attr]);
	for (i = 2; i < ARRAY_SIZE(sa_counters); i++) {
		print_text(o, "%s%s", sep, sa_counters[i].name);
		print_u64(o, PRINT_ANY, sa_counters[i].name, " %llu",
			  st->v[sa_counters[i].attr]);
		sep = " ";
	}
	if (sep[0] == ' ')
		print_text(o, "\n");
	print_close_obj(o);
}

/* As ip shows XFRM's SAs: auth-trunc (auth if the length is not known),
 * aead, enc; JSON names the first "auth" either way. */
static void algs_print(const struct out *o, const struct sa *sa)
{
	int64_t trunc = auth_trunc_bits(&sa->auth);

	if (sa->has & BIT(KIPSEC_SA_A_ALG_AUTH))
		alg_print(o, trunc >= 0 ? "auth-trunc" : "auth", "auth",
			  &sa->auth, "trunc-len", trunc);
	if (sa->has & BIT(KIPSEC_SA_A_ALG_AEAD))
		alg_print(o, "aead", "aead", &sa->aead, "icv-len",
			  sa->aead.icv_bits ? sa->aead.icv_bits : 128);
	if (sa->has & BIT(KIPSEC_SA_A_ALG_CRYPT))
		alg_print(o, "enc", "enc", &sa->crypt, NULL, -1);
}

/*
 * As ip: "encap type espinudp sport 4500 dport 4500 addr 0.0.0.0" (the
 * original address, the SA family's zero address when none was given).
 */
static void encap_print(const struct out *o, const struct sa *sa)
{
	struct kaddr zero = { .family = sa->family };
	char a[INET6_ADDRSTRLEN];

	addr_str(sa->encap_oa.family ? &sa->encap_oa : &zero,
		 sa->encap_oa.family ? sa->encap_oa.family : sa->family, a);
	print_open_obj(o, "encap");
	print_str(o, PRINT_ANY, "type", "\tencap type %s",
		  sa->encap_type == 2 ? "espinudp" :
		  sa->encap_type == 1 ? "espinudp-nonike" :
		  sa->encap_type == 7 ? "espintcp" : "unknown");
	print_u64(o, PRINT_ANY, "sport", " sport %llu", sa->encap_sport);
	print_u64(o, PRINT_ANY, "dport", " dport %llu", sa->encap_dport);
	print_str(o, PRINT_ANY, "addr", " addr %s\n", a);
	print_close_obj(o);
}

void sa_print(const struct out *o, const struct sa *sa)
{
	sa_print_key(o, sa, NULL);
}

void sa_print_key(const struct out *o, const struct sa *sa, const char *key)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	addr_str(sa->has & BIT(KIPSEC_SA_A_SADDR) ? &sa->saddr : NULL,
		 sa->family, s);
	addr_str(&sa->daddr, sa->family, d);
	print_open_obj(o, key);
	print_str(o, PRINT_ANY, "src", "src %s ", s);
	print_str(o, PRINT_ANY, "dst", "dst %s\n", d);
	print_name(o, PRINT_ANY, "proto", "\tproto %s ",
		   xfrm_proto_name(sa->proto), sa->proto);
	print_hex32(o, PRINT_ANY, "spi", "spi 0x%08x", sa->spi);
	if (o->stats)
		print_text(o, "(%u)", sa->spi);
	print_u64(o, PRINT_ANY, "reqid", " reqid %llu", sa->reqid);
	if (o->stats)
		print_text(o, "(0x%08x)", sa->reqid);
	print_name(o, PRINT_ANY, "mode", " mode %s\n", mode_name(sa->mode),
		   sa->mode);
	print_u64(o, PRINT_ANY, "replay-window", "\treplay-window %llu ",
		  sa->replay_window);
	flags_print(o, sa->flags);
	print_text(o, "\n");
	if (sa->has & BIT(KIPSEC_SA_A_SET_MARK)) {
		print_open_obj(o, "output-mark");
		print_hex(o, PRINT_ANY, "value", "\toutput-mark 0x%x",
			  sa->mark_value);
		print_hex(o, PRINT_ANY, "mask", "/0x%x\n", sa->mark_mask);
		print_close_obj(o);
	}
	algs_print(o, sa);
	if (sa->has & BIT(KIPSEC_SA_A_ENCAP))
		encap_print(o, sa);
	replay_print(o, sa);
	print_open_obj(o, "sel");
	print_text(o, "\tsel ");
	sel_print(o, &sa->sel, sa->family);
	print_text(o, "\n");
	print_close_obj(o);
	lifetime_print(o, sa);
	if (o->stats) {
		cur_print(o, &sa->cur, "\t");
		stats_print(o, &sa->stats);
	}
	print_close_obj(o);
}

bool sa_match(const struct sa *f, const struct sa *sa)
{
	if ((f->has & BIT(KIPSEC_SA_A_FAMILY)) && f->family != sa->family)
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_SADDR)) &&
	    !addr_match(&f->saddr, &sa->saddr, f->splen))
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_DADDR)) &&
	    !addr_match(&f->daddr, &sa->daddr, f->dplen))
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_PROTO)) && f->proto != sa->proto)
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_SPI)) && f->spi != sa->spi)
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_MODE)) && f->mode != sa->mode)
		return false;
	if ((f->has & BIT(KIPSEC_SA_A_REQID)) && f->reqid != sa->reqid)
		return false;
	/* as ip: any of the flags given */
	return !(f->has & BIT(KIPSEC_SA_A_FLAGS)) || (f->flags & sa->flags);
}

int sa_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_SA);
	struct show *sh = data;
	struct sa sa;

	if (!nest)
		return MNL_CB_OK;
	sa_from(nest, &sa);
	if (sh->filter && !sa_match(sh->filter, &sa))
		return MNL_CB_OK;
	sa_print(&sh->out, &sa);
	sh->count++;
	return MNL_CB_OK;
}

int sa_count_cb(const struct nlmsghdr *nlh, void *show)
{
	return count_show(nlh, show, KIPSEC_STATS_A_SA_COUNT, "SAD");
}
