// SPDX-License-Identifier: GPL-2.0
/*
 * Security associations as "ip xfrm state" spells them: the command words
 * into a struct sa (checked whole, as ip and XFRM check them), and a
 * struct sa into the request. Replies are state_print.c's.
 */
#include "xfrm.h"
#include "util.h"

#include <arpa/inet.h>

/* --- Names --------------------------------------------------------------- */

static const char *const verb_names[] = {
	[ST_ADD] = "add", [ST_UPDATE] = "update", [ST_ALLOCSPI] = "allocspi",
	[ST_DELETE] = "delete", [ST_GET] = "get", [ST_LIST] = "list",
	[ST_DELETEALL] = "deleteall", [ST_FLUSH] = "flush",
	[ST_COUNT] = "count",
};

const char *state_verb_name(enum state_verb verb)
{
	return verb_names[verb];
}

/*
 * ip's state flags, in ip's print order, with their XFRM bit (for
 * "flag 0xNN" and -s) and what kipsec makes of them (0: refused).
 */
const struct sa_flag sa_flags[] = {
	{ "noecn", KIPSEC_SA_F_NOECN, 0x01 },
	{ "decap-dscp", KIPSEC_SA_F_DECAP_DSCP, 0x02 },
	{ "nopmtudisc", KIPSEC_SA_F_NOPMTUDISC, 0x04 },
	{ "wildrecv", 0, 0x08 },
	{ "icmp", 0, 0x10 },
	{ "af-unspec", SA_FLAG_ACCEPTED, 0x20 },
	{ "align4", KIPSEC_SA_F_ALIGN4, 0x40 },
	{ "esn", KIPSEC_SA_F_ESN, 0x80 },
	{ "dont-encap-dscp", KIPSEC_SA_F_DONT_ENCAP_DSCP, 0 },
	{ "larval", KIPSEC_SA_F_LARVAL, 0 },	/* read only */
	{ NULL, 0, 0 },
};

/* ip's "limit" words and the lifetime attribute each sets. */
const struct sa_limit sa_limits[] = {
	{ "time-soft", KIPSEC_LT_A_SOFT_ADD_SECS },
	{ "time-hard", KIPSEC_LT_A_HARD_ADD_SECS },
	{ "time-use-soft", KIPSEC_LT_A_SOFT_USE_SECS },
	{ "time-use-hard", KIPSEC_LT_A_HARD_USE_SECS },
	{ "byte-soft", KIPSEC_LT_A_SOFT_BYTES },
	{ "byte-hard", KIPSEC_LT_A_HARD_BYTES },
	{ "packet-soft", KIPSEC_LT_A_SOFT_PACKETS },
	{ "packet-hard", KIPSEC_LT_A_HARD_PACKETS },
	{ NULL, 0 },
};

/* ip-xfrm keywords of "state add" kipsec does not implement. */
static const char *const refused_add[] = {
	"mark", "seq", "coa", "ctx", "offload", "if_id", "tfcpad",
	"comp", NULL
};

static const char *const refused_id[] = { "mark", NULL };
static const char *const refused_allocspi[] = { "mark", "seq", NULL };

/* --- Parsing ------------------------------------------------------------- */

/* Extra state of one command line beyond struct sa. */
struct sa_words {
	uint32_t seq[4];	/* replay-seq, -oseq, -seq-hi, -oseq-hi */
	unsigned int seq_has;	/* BIT(i) of seq[] */
	bool flag, mark;	/* "flag", "output-mark" given */
};

/*
 * The replay-seq[-hi] and replay-oseq[-hi] words given (seq[] holds seq,
 * oseq, seq-hi, oseq-hi): the 64-bit SEQ and OSEQ they make.
 */
static void seq_words_finish(struct sa *sa, const struct sa_words *sw)
{
	if (sw->seq_has & (BIT(0) | BIT(2))) {
		sa->seq = (uint64_t)sw->seq[2] << 32 | sw->seq[0];
		sa->has |= BIT(KIPSEC_SA_A_SEQ);
	}
	if (sw->seq_has & (BIT(1) | BIT(3))) {
		sa->oseq = (uint64_t)sw->seq[3] << 32 | sw->seq[1];
		sa->has |= BIT(KIPSEC_SA_A_OSEQ);
	}
}

/*
 * "state update"'s MOBIKE words new-dst/new-src: the only words with no
 * place in struct sa, kept here from state_parse() to the state_build()
 * of the same command (has: BIT(KIPSEC_SA_A_NEW_DADDR/NEW_SADDR)).
 */
static struct {
	uint64_t has;
	struct kaddr daddr, saddr;
} mobike;

/*
 * One word of ID := src ADDR | dst ADDR | proto XFRM-PROTO | spi SPI.
 * Returns 1 if it took the word, 0 if @w is not an ID word, -1 on error.
 * @prefix: list filters take ADDR/PLEN.
 */
static int id_word(struct args *a, struct sa *sa, bool prefix)
{
	const char *w = args_peek(a);
	bool src = !strcmp(w, "src");
	struct kaddr *addr = src ? &sa->saddr : &sa->daddr;
	uint8_t *plen = src ? &sa->splen : &sa->dplen;
	int ret;

	if (src || !strcmp(w, "dst")) {
		args_take(a);
		ret = prefix ? args_prefix(a, w, addr, plen) :
			       args_addr(a, w, addr);
		sa->has |= BIT(src ? KIPSEC_SA_A_SADDR : KIPSEC_SA_A_DADDR);
	} else if (!strcmp(w, "proto")) {
		args_take(a);
		ret = args_xfrm_proto(a, &sa->proto);
		sa->has |= BIT(KIPSEC_SA_A_PROTO);
	} else if (!strcmp(w, "spi")) {
		args_take(a);
		ret = args_u32(a, w, &sa->spi);
		sa->has |= BIT(KIPSEC_SA_A_SPI);
	} else {
		return 0;
	}
	return ret ? -1 : 1;
}

/* Sets FAMILY from src/dst, which must agree. */
static int id_family(struct sa *sa)
{
	uint16_t sf = sa->has & BIT(KIPSEC_SA_A_SADDR) ? sa->saddr.family : 0;
	uint16_t df = sa->has & BIT(KIPSEC_SA_A_DADDR) ? sa->daddr.family : 0;

	if (args_same_family(sf, df, "src and dst"))
		return -1;
	sa->family = sf ? sf : df;
	if (sa->family)
		sa->has |= BIT(KIPSEC_SA_A_FAMILY);
	return 0;
}

static int require(const struct args *a, const struct sa *sa, uint16_t attr,
		   const char *word)
{
	if (sa->has & BIT(attr))
		return 0;
	return fail("\"%s\" is required for \"%s %s\"", word, a->obj, a->verb);
}

/* The ID the kernel needs to find an SA: dst, proto and a non-zero spi. */
static int id_complete(const struct args *a, struct sa *sa, bool spi)
{
	if (id_family(sa) || require(a, sa, KIPSEC_SA_A_DADDR, "dst") ||
	    require(a, sa, KIPSEC_SA_A_PROTO, "proto"))
		return -1;
	if (!spi)
		return 0;
	if (require(a, sa, KIPSEC_SA_A_SPI, "spi"))
		return -1;
	if (!sa->spi)
		return fail("spi 0 is not valid: an SA needs a non-zero SPI");
	return 0;
}

/* "flag FLAG..." (@extra: "extra-flag"), or one hex value of XFRM's bits. */
static int flag_words(struct args *a, const char *kw, bool extra,
		      uint32_t *flags)
{
	unsigned int n = 0;
	size_t i;

	if (args_peek(a) && !strncmp(args_peek(a), "0x", 2)) {
		const char *s = args_take(a);
		uint32_t v;

		if (parse_u32(s, &v))
			return fail("%s \"%s\" is not a hex number", kw, s);
		if (extra) {	/* XFRM_SA_XFLAG_* */
			if (v & ~1U)
				return fail("\"%s %s\": only dont-encap-dscp (0x1) is supported by kipsec",
					    kw, s);
			*flags |= v ? KIPSEC_SA_F_DONT_ENCAP_DSCP : 0;
			return 0;
		}
		for (i = 0; sa_flags[i].name; i++) {
			if (!(v & sa_flags[i].xfrm))
				continue;
			if (!sa_flags[i].bit)
				return fail("\"flag %s\" is not supported by kipsec",
					    sa_flags[i].name);
			*flags |= sa_flags[i].bit & ~SA_FLAG_ACCEPTED;
			v &= ~(uint32_t)sa_flags[i].xfrm;
		}
		if (v)
			return fail("flag \"%s\" has bits XFRM does not define", s);
		return 0;
	}
	for (; args_peek(a); n++) {
		const char *w = args_peek(a);

		if (extra && !strcmp(w, "oseq-may-wrap"))
			return fail("\"%s %s\" is not supported by kipsec", kw, w);
		for (i = 0; sa_flags[i].name; i++)
			if (!strcmp(w, sa_flags[i].name))
				break;
		if (!sa_flags[i].name ||
		    sa_flags[i].bit == KIPSEC_SA_F_LARVAL ||
		    (extra && sa_flags[i].bit != KIPSEC_SA_F_DONT_ENCAP_DSCP))
			break;
		if (!sa_flags[i].bit)
			return fail("\"flag %s\" is not supported by kipsec", w);
		*flags |= sa_flags[i].bit & ~SA_FLAG_ACCEPTED;
		args_take(a);
	}
	if (!n)
		return fail(extra ? "\"%s\" needs dont-encap-dscp" :
			    "\"%s\" needs a FLAG: noecn, decap-dscp, nopmtudisc, esn, align4 or dont-encap-dscp",
			    kw);
	return 0;
}

/* "limit LIMIT VALUE", one pair each time as ip. */
static int limit_words(struct args *a, struct u64s *lt)
{
	const char *w = args_take(a);
	size_t i;

	if (!w)
		return fail("\"limit\" needs a LIMIT and a value; try \"kipsec state help\"");
	for (i = 0; sa_limits[i].name; i++) {
		if (strcmp(w, sa_limits[i].name))
			continue;
		if (args_u64(a, w, &lt->v[sa_limits[i].attr]))
			return -1;
		/* XFRM's "infinite" (ip's "inf") is kipsec's 0: no limit. */
		if (lt->v[sa_limits[i].attr] == UINT64_MAX)
			lt->v[sa_limits[i].attr] = 0;
		lt->has |= (uint32_t)BIT(sa_limits[i].attr);
		return 0;
	}
	return fail("limit \"%s\" is not one of time-soft, time-hard, time-use-soft, time-use-hard, byte-soft, byte-hard, packet-soft, packet-hard",
		    w);
}

/* "output-mark VALUE [ mask MASK ]" */
static int mark_words(struct args *a, struct sa *sa)
{
	sa->mark_mask = 0xffffffff;	/* XFRM's default */
	if (args_u32(a, "output-mark", &sa->mark_value))
		return -1;
	if (args_is(a, "mask")) {
		args_take(a);
		if (args_u32(a, "mask", &sa->mark_mask))
			return -1;
	}
	/* As ip: an output-mark of 0 sets nothing. */
	if (sa->mark_value)
		sa->has |= BIT(KIPSEC_SA_A_SET_MARK);
	else
		sa->has &= ~BIT(KIPSEC_SA_A_SET_MARK);
	return 0;
}

/* "encap ENCAP-TYPE SPORT DPORT OADDR", as ip: all four. */
static int encap_words(struct args *a, struct sa *sa)
{
	uint16_t *ports[] = { &sa->encap_sport, &sa->encap_dport };
	const char *type, *s;
	uint32_t port;
	size_t i;

	if (args_value(a, "encap", &type))
		return -1;
	if (!strcmp(type, "espinudp-nonike") || !strcmp(type, "espintcp"))
		return fail("encap \"%s\" is not supported by kipsec (only espinudp)",
			    type);
	if (strcmp(type, "espinudp"))
		return fail("encap \"%s\" is not espinudp, espinudp-nonike or espintcp",
			    type);
	for (i = 0; i < ARRAY_SIZE(ports); i++) {
		if (args_value(a, "encap", &s))
			return -1;
		if (parse_u32(s, &port) || !port || port > 65535)
			return fail("encap %s \"%s\" is not a port (1-65535)",
				    i ? "DPORT" : "SPORT", s);
		*ports[i] = port;
	}
	if (args_addr(a, "encap", &sa->encap_oa))
		return -1;
	sa->encap_type = 2;	/* UDP_ENCAP_ESPINUDP */
	sa->has |= BIT(KIPSEC_SA_A_ENCAP);
	return 0;
}

/* "sel SELECTOR": as ip, one run of upper-layer words. */
static int sel_words(struct args *a, struct sel *s)
{
	int upspec = 0;		/* 0 none yet, 1 in the run, 2 after it */
	unsigned int n = 0;

	for (; args_peek(a) && sel_is_word(args_peek(a)); n++) {
		if (sel_is_upspec(args_peek(a))) {
			if (upspec == 2)
				break;
			upspec = 1;
		} else if (upspec == 1) {
			upspec = 2;
		}
		if (sel_word(a, s))
			return -1;
	}
	if (!n)
		return fail("\"sel\" needs a SELECTOR; try \"kipsec state help\"");
	return 0;
}

static int alg_key(struct args *a, const char *kw, struct alg *alg)
{
	const char *s;
	size_t len;

	if (args_value(a, kw, &s))
		return -1;
	if (parse_key(s, alg->key, sizeof(alg->key), &len))
		return fail("the key of \"%s\" is not valid: 0x and hex digits, or a string, at most %u bytes",
			    kw, KIPSEC_KEY_MAX);
	alg->key_len = (uint32_t)len;
	alg->has |= BIT(KIPSEC_ALG_A_KEY);
	return 0;
}

/*
 * ALGO := { enc | auth } NAME KEY | auth-trunc NAME KEY BITS |
 *         aead NAME KEY BITS. Returns 1 if @w is one, 0 if not.
 */
static int alg_words(struct args *a, struct sa *sa)
{
	const char *w = args_peek(a), *name, *canon;
	bool aead = !strcmp(w, "aead"), enc = !strcmp(w, "enc");
	bool trunc = !strcmp(w, "auth-trunc");
	enum alg_kind kind = aead ? ALG_AEAD : enc ? ALG_CRYPT : ALG_AUTH;
	struct alg *alg = aead ? &sa->aead : enc ? &sa->crypt : &sa->auth;
	uint16_t attr = aead ? KIPSEC_SA_A_ALG_AEAD :
			enc ? KIPSEC_SA_A_ALG_CRYPT : KIPSEC_SA_A_ALG_AUTH;

	if (!aead && !enc && !trunc && strcmp(w, "auth"))
		return 0;
	args_take(a);
	if (sa->has & BIT(attr))
		return fail("only one \"%s\" algorithm may be given",
			    aead ? "aead" : enc ? "enc" : "auth");
	if (args_value(a, w, &name))
		return -1;
	canon = alg_canonical(kind, name);
	if (!canon)
		return fail("algorithm \"%s\" is not supported", name);
	if (strlen(canon) >= sizeof(alg->name))
		return fail("algorithm name \"%s\" is too long", name);
	strcpy(alg->name, canon);
	alg->has |= BIT(KIPSEC_ALG_A_NAME);
	if (alg_key(a, w, alg))
		return -1;
	/* auth: ICV_BITS 0 = the kernel applies XFRM's default truncation */
	if ((aead || trunc) &&
	    args_u32(a, aead ? "ALGO-ICV-LEN" : "ALGO-TRUNC-LEN",
		     &alg->icv_bits))
		return -1;
	if (!enc)
		alg->has |= BIT(KIPSEC_ALG_A_ICV_BITS);
	sa->has |= BIT(attr);
	return 1;
}

/* The checks ip (and XFRM) make of a whole "state add". */
static int add_complete(const struct args *a, struct sa *sa,
			struct sa_words *sw)
{
	bool aead = sa->has & BIT(KIPSEC_SA_A_ALG_AEAD);
	bool enc = sa->has & BIT(KIPSEC_SA_A_ALG_CRYPT);
	bool auth = sa->has & BIT(KIPSEC_SA_A_ALG_AUTH);
	bool esn = sa->flags & KIPSEC_SA_F_ESN;

	if (id_complete(a, sa, true) ||
	    require(a, sa, KIPSEC_SA_A_SADDR, "src"))
		return -1;
	if (aead && (enc || auth))
		return fail("\"aead\" cannot be combined with \"enc\" or \"auth\"");
	if (sa->proto == KIPSEC_PROTO_ESP && !aead && !enc && !auth)
		return fail("proto esp needs an algorithm: aead, or enc and auth");
	if (sa->proto == KIPSEC_PROTO_AH && (aead || enc))
		return fail("proto ah takes only \"auth\" or \"auth-trunc\"");
	if (sa->proto == KIPSEC_PROTO_AH && !auth)
		return fail("proto ah needs \"auth\" or \"auth-trunc\"");
	if (esn && !sa->replay_window)
		return fail("\"flag esn\" needs a replay-window larger than 0 (as in ip xfrm)");
	if (sa->replay_window > KIPSEC_REPLAY_WINDOW_MAX)
		return fail("replay-window %u is larger than %u, the most kipsec takes",
			    sa->replay_window, KIPSEC_REPLAY_WINDOW_MAX);
	if (!esn && (sw->seq[2] || sw->seq[3]))
		return fail("\"replay-seq-hi\" and \"replay-oseq-hi\" need \"flag esn\"");
	seq_words_finish(sa, sw);
	if (sa->flags)
		sa->has |= BIT(KIPSEC_SA_A_FLAGS);
	if (sa->lifetime.has)
		sa->has |= BIT(KIPSEC_SA_A_LIFETIME);
	sa->has |= BIT(KIPSEC_SA_A_MODE);
	return (sa->has & BIT(KIPSEC_SA_A_SEL)) ?
	       sel_finish(&sa->sel, sa->family) : 0;
}

/* "new-dst ADDR" / "new-src ADDR" of "state update": 1 taken, 0 not, -1. */
static int mobike_word(struct args *a)
{
	bool dst = args_is(a, "new-dst");
	const char *w = args_peek(a);

	if (!dst && !args_is(a, "new-src"))
		return 0;
	args_take(a);
	mobike.has |= BIT(dst ? KIPSEC_SA_A_NEW_DADDR : KIPSEC_SA_A_NEW_SADDR);
	return args_addr(a, w, dst ? &mobike.daddr : &mobike.saddr) ? -1 : 1;
}

/*
 * "state update" without an algorithm changes an SA in place: only what
 * the line gives is sent (UPD_SA leaves absent attributes alone), the ID
 * (dst, proto, spi) is all that is required.
 */
static int update_complete(const struct args *a, struct sa *sa,
			   struct sa_words *sw)
{
	uint16_t nd = mobike.has & BIT(KIPSEC_SA_A_NEW_DADDR) ?
		      mobike.daddr.family : 0;
	uint16_t ns = mobike.has & BIT(KIPSEC_SA_A_NEW_SADDR) ?
		      mobike.saddr.family : 0;

	if (id_complete(a, sa, true))
		return -1;
	if (args_same_family(sa->family, nd, "dst and new-dst") ||
	    args_same_family(sa->family, ns, "dst and new-src") ||
	    args_same_family(nd, ns, "new-dst and new-src"))
		return -1;
	if (sa->replay_window > KIPSEC_REPLAY_WINDOW_MAX)
		return fail("replay-window %u is larger than %u, the most kipsec takes",
			    sa->replay_window, KIPSEC_REPLAY_WINDOW_MAX);
	seq_words_finish(sa, sw);
	if (sw->flag)
		sa->has |= BIT(KIPSEC_SA_A_FLAGS);
	if (sa->lifetime.has)
		sa->has |= BIT(KIPSEC_SA_A_LIFETIME);
	/* "output-mark 0" takes the SA's mark away */
	if (sw->mark && !(sa->has & BIT(KIPSEC_SA_A_SET_MARK))) {
		sa->mark_mask = 0;
		sa->has |= BIT(KIPSEC_SA_A_SET_MARK);
	}
	return (sa->has & BIT(KIPSEC_SA_A_SEL)) ?
	       sel_finish(&sa->sel, sa->family) : 0;
}

/* A u32 keyword: 1 taken, 0 not @kw, -1 bad value. */
static int u32_word(struct args *a, const char *kw, uint32_t *v,
		    uint64_t *has, uint16_t attr)
{
	if (!args_eat(a, kw))
		return 0;
	*has |= BIT(attr);
	return args_u32(a, kw, v) ? -1 : 1;
}

/* "mode MODE": 1 taken, 0 not "mode", -1 bad value. */
static int mode_word(struct args *a, struct sa *sa)
{
	if (!args_eat(a, "mode"))
		return 0;
	sa->has |= BIT(KIPSEC_SA_A_MODE);
	return args_mode(a, &sa->mode) ? -1 : 1;
}

/* One word of "state add" other than ID and ALGO: 1 taken, 0 not, -1. */
static int add_word(struct args *a, struct sa *sa, struct sa_words *sw)
{
	static const char *const seqs[] = {
		"replay-seq", "replay-oseq", "replay-seq-hi", "replay-oseq-hi",
	};
	const char *w = args_peek(a);
	size_t i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(seqs); i++) {
		if (args_eat(a, seqs[i])) {
			sw->seq_has |= 1U << i;
			return args_u32(a, w, &sw->seq[i]) ? -1 : 1;
		}
	}
	if ((ret = u32_word(a, "reqid", &sa->reqid, &sa->has,
			    KIPSEC_SA_A_REQID)) ||
	    (ret = u32_word(a, "replay-window", &sa->replay_window, &sa->has,
			    KIPSEC_SA_A_REPLAY_WINDOW)) ||
	    (ret = mode_word(a, sa)))
		return ret;
	if (args_eat(a, "flag") || args_eat(a, "extra-flag")) {
		sw->flag = true;
		ret = flag_words(a, w, w[0] == 'e', &sa->flags);
	} else if (args_eat(a, "limit")) {
		ret = limit_words(a, &sa->lifetime);
	} else if (args_eat(a, "output-mark")) {
		sw->mark = true;
		ret = mark_words(a, sa);
	} else if (args_eat(a, "encap")) {
		ret = encap_words(a, sa);
	}
	else if (args_eat(a, "sel"))
		ret = sel_words(a, &sa->sel);
	else
		return 0;
	if (!strcmp(w, "sel"))
		sa->has |= BIT(KIPSEC_SA_A_SEL);
	return ret ? -1 : 1;
}

/* "allocspi": ID [ mode MODE ] [ reqid REQID ] [ min SPI max SPI ] */
static int allocspi_word(struct args *a, struct sa *sa)
{
	int ret;

	if ((ret = mode_word(a, sa)) ||
	    (ret = u32_word(a, "reqid", &sa->reqid, &sa->has,
			    KIPSEC_SA_A_REQID)) ||
	    (ret = u32_word(a, "min", &sa->spi_min, &sa->has,
			    KIPSEC_SA_A_SPI_MIN)))
		return ret;
	return u32_word(a, "max", &sa->spi_max, &sa->has, KIPSEC_SA_A_SPI_MAX);
}

static int allocspi_complete(const struct args *a, struct sa *sa)
{
	bool min = sa->has & BIT(KIPSEC_SA_A_SPI_MIN);
	bool max = sa->has & BIT(KIPSEC_SA_A_SPI_MAX);

	if (sa->has & BIT(KIPSEC_SA_A_SPI))
		return fail("\"spi\" cannot be given to \"state allocspi\": the kernel picks it");
	if (id_complete(a, sa, false))
		return -1;
	if (min != max)
		return fail("\"%s\" is missing: give both min and max, or neither",
			    min ? "max" : "min");
	if (min && sa->spi_min > sa->spi_max)
		return fail("min 0x%x is larger than max 0x%x", sa->spi_min,
			    sa->spi_max);
	if (!min) {	/* ip's defaults (PF_KEY's), not the kernel's */
		sa->spi_min = 0x100;
		sa->spi_max = 0x0fffffff;
	}
	if (!sa->spi_min)
		return fail("min 0 is not valid: an SA needs a non-zero SPI");
	sa->has |= BIT(KIPSEC_SA_A_SPI_MIN) | BIT(KIPSEC_SA_A_SPI_MAX) |
		   BIT(KIPSEC_SA_A_MODE);
	return 0;
}

/*
 * "list"/"deleteall" filters, as ip: [ nokeys ] [ ID ] [ mode MODE ]
 * [ reqid REQID ] [ flag FLAG-LIST ].
 */
static int list_word(struct args *a, struct state_cmd *c)
{
	int ret;

	if (args_eat(a, "nokeys")) {
		c->nokeys = true;
		return 1;
	}
	if (args_eat(a, "flag")) {
		c->sa.has |= BIT(KIPSEC_SA_A_FLAGS);
		return flag_words(a, "flag", false, &c->sa.flags) ? -1 : 1;
	}
	if ((ret = mode_word(a, &c->sa)))
		return ret;
	return u32_word(a, "reqid", &c->sa.reqid, &c->sa.has,
			KIPSEC_SA_A_REQID);
}

int state_parse(struct state_cmd *c, enum state_verb verb, int argc,
		char **argv)
{
	struct args a = { argc, argv, "state", verb_names[verb] };
	bool filter = verb == ST_LIST || verb == ST_DELETEALL;
	struct sa_words sw = { .seq_has = 0 };
	struct sa *sa = &c->sa;
	const char *const *refused = verb == ST_ALLOCSPI ? refused_allocspi :
				     verb <= ST_UPDATE ? refused_add : refused_id;

	memset(c, 0, sizeof(*c));
	memset(&mobike, 0, sizeof(mobike));
	c->verb = verb;
	while (a.argc > 0) {
		const char *w = args_peek(&a);
		int ret = 0;

		if (verb == ST_COUNT)
			return fail("\"state count\" takes no arguments");
		if (verb == ST_FLUSH && strcmp(w, "proto"))
			return args_unknown(&a, w);
		if (verb == ST_UPDATE && (ret = mobike_word(&a))) {
			if (ret < 0)
				return -1;
			continue;
		}
		ret = id_word(&a, sa, filter);
		if (!ret && verb <= ST_UPDATE && !(ret = alg_words(&a, sa)))
			ret = add_word(&a, sa, &sw);
		if (!ret && verb == ST_ALLOCSPI)
			ret = allocspi_word(&a, sa);
		if (!ret && filter)
			ret = list_word(&a, c);
		if (ret < 0)
			return -1;
		if (!ret)
			return args_refuse(w, refused) ? -1 : args_unknown(&a, w);
	}
	switch (verb) {
	case ST_UPDATE:
		if (!(sa->has & (BIT(KIPSEC_SA_A_ALG_AEAD) |
				 BIT(KIPSEC_SA_A_ALG_CRYPT) |
				 BIT(KIPSEC_SA_A_ALG_AUTH))))
			return update_complete(&a, sa, &sw);
		if (mobike.has)
			return fail("new-dst and new-src move an SA: they cannot be combined with an algorithm (a complete SA)");
		return add_complete(&a, sa, &sw);
	case ST_ADD:
		return add_complete(&a, sa, &sw);
	case ST_ALLOCSPI:
		return allocspi_complete(&a, sa);
	case ST_DELETE:
	case ST_GET:
		return id_complete(&a, sa, true);
	case ST_LIST:
	case ST_DELETEALL:
		return id_family(sa);
	default:
		return 0;
	}
}

/* --- Building requests --------------------------------------------------- */

static void alg_put(struct nlmsghdr *nlh, uint16_t type, const struct alg *alg)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, alg->name);
	mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, alg->key_len, alg->key);
	if (alg->has & BIT(KIPSEC_ALG_A_ICV_BITS))
		mnl_attr_put_u32(nlh, KIPSEC_ALG_A_ICV_BITS, alg->icv_bits);
	mnl_attr_nest_end(nlh, nest);
}

/* Which SA attributes each verb sends (of those the command line set). */
static uint64_t verb_attrs(enum state_verb verb)
{
	uint64_t id = BIT(KIPSEC_SA_A_FAMILY) | BIT(KIPSEC_SA_A_DADDR) |
		      BIT(KIPSEC_SA_A_SPI) | BIT(KIPSEC_SA_A_PROTO);

	switch (verb) {
	case ST_ADD:
	case ST_UPDATE:
		return ~(BIT(KIPSEC_SA_A_SPI_MIN) | BIT(KIPSEC_SA_A_SPI_MAX));
	case ST_ALLOCSPI:
		return (id & ~BIT(KIPSEC_SA_A_SPI)) | BIT(KIPSEC_SA_A_SADDR) |
		       BIT(KIPSEC_SA_A_MODE) | BIT(KIPSEC_SA_A_REQID) |
		       BIT(KIPSEC_SA_A_SPI_MIN) | BIT(KIPSEC_SA_A_SPI_MAX);
	case ST_DELETE:
	case ST_GET:
		return id;
	case ST_LIST:
	case ST_DELETEALL:
	case ST_FLUSH:
		return BIT(KIPSEC_SA_A_PROTO);	/* the kernel's one filter */
	default:
		return 0;
	}
}

static const uint8_t verb_cmds[] = {
	[ST_ADD] = KIPSEC_CMD_NEW_SA, [ST_UPDATE] = KIPSEC_CMD_UPD_SA,
	[ST_ALLOCSPI] = KIPSEC_CMD_ALLOC_SPI, [ST_DELETE] = KIPSEC_CMD_DEL_SA,
	[ST_GET] = KIPSEC_CMD_GET_SA, [ST_LIST] = KIPSEC_CMD_GET_SA,
	[ST_DELETEALL] = KIPSEC_CMD_GET_SA, [ST_FLUSH] = KIPSEC_CMD_FLUSH_SA,
	[ST_COUNT] = KIPSEC_CMD_GET_STATS,
};

void state_build(const struct state_cmd *c, struct nl_req *req)
{
	const struct sa *sa = &c->sa;
	uint64_t has = sa->has & verb_attrs(c->verb);
	bool dump = c->verb == ST_LIST || c->verb == ST_DELETEALL;
	struct nlmsghdr *nlh;
	struct nlattr *nest;

	nlh = nl_req_start(req, verb_cmds[c->verb], dump ? NLM_F_DUMP : 0);
	if (!has)
		return;
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	if (has & BIT(KIPSEC_SA_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, sa->family);
	if (has & BIT(KIPSEC_SA_A_DADDR))
		addr_put(nlh, KIPSEC_SA_A_DADDR, &sa->daddr);
	if (has & BIT(KIPSEC_SA_A_SADDR))
		addr_put(nlh, KIPSEC_SA_A_SADDR, &sa->saddr);
	if (has & BIT(KIPSEC_SA_A_SPI))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, htonl(sa->spi));
	if (has & BIT(KIPSEC_SA_A_PROTO))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, sa->proto);
	if (has & BIT(KIPSEC_SA_A_MODE))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, sa->mode);
	if (has & BIT(KIPSEC_SA_A_REQID))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, sa->reqid);
	if (has & BIT(KIPSEC_SA_A_FLAGS))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS, sa->flags);
	if (has & BIT(KIPSEC_SA_A_ALG_AEAD))
		alg_put(nlh, KIPSEC_SA_A_ALG_AEAD, &sa->aead);
	if (has & BIT(KIPSEC_SA_A_ALG_CRYPT))
		alg_put(nlh, KIPSEC_SA_A_ALG_CRYPT, &sa->crypt);
	if (has & BIT(KIPSEC_SA_A_ALG_AUTH))
		alg_put(nlh, KIPSEC_SA_A_ALG_AUTH, &sa->auth);
	if (has & BIT(KIPSEC_SA_A_REPLAY_WINDOW))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW,
				 sa->replay_window);
	if (has & BIT(KIPSEC_SA_A_SEQ))
		mnl_attr_put_u64(nlh, KIPSEC_SA_A_SEQ, sa->seq);
	if (has & BIT(KIPSEC_SA_A_OSEQ))
		mnl_attr_put_u64(nlh, KIPSEC_SA_A_OSEQ, sa->oseq);
	if (has & BIT(KIPSEC_SA_A_SEL))
		sel_put(nlh, KIPSEC_SA_A_SEL, &sa->sel);
	if (has & BIT(KIPSEC_SA_A_LIFETIME))
		u64s_put(nlh, KIPSEC_SA_A_LIFETIME, &sa->lifetime);
	if (has & BIT(KIPSEC_SA_A_SET_MARK)) {
		struct nlattr *mark = mnl_attr_nest_start(nlh,
							  KIPSEC_SA_A_SET_MARK);

		mnl_attr_put_u32(nlh, KIPSEC_MARK_A_VALUE, sa->mark_value);
		mnl_attr_put_u32(nlh, KIPSEC_MARK_A_MASK, sa->mark_mask);
		mnl_attr_nest_end(nlh, mark);
	}
	if (has & BIT(KIPSEC_SA_A_ENCAP)) {
		struct nlattr *encap = mnl_attr_nest_start(nlh,
							   KIPSEC_SA_A_ENCAP);

		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_TYPE, sa->encap_type);
		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT,
				 htons(sa->encap_sport));
		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT,
				 htons(sa->encap_dport));
		if (sa->encap_oa.family)
			addr_put(nlh, KIPSEC_ENCAP_A_OA, &sa->encap_oa);
		mnl_attr_nest_end(nlh, encap);
	}
	if (has & BIT(KIPSEC_SA_A_SPI_MIN))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI_MIN, sa->spi_min);
	if (has & BIT(KIPSEC_SA_A_SPI_MAX))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI_MAX, sa->spi_max);
	if (c->verb == ST_UPDATE && (mobike.has & BIT(KIPSEC_SA_A_NEW_DADDR)))
		addr_put(nlh, KIPSEC_SA_A_NEW_DADDR, &mobike.daddr);
	if (c->verb == ST_UPDATE && (mobike.has & BIT(KIPSEC_SA_A_NEW_SADDR)))
		addr_put(nlh, KIPSEC_SA_A_NEW_SADDR, &mobike.saddr);
	mnl_attr_nest_end(nlh, nest);
}
