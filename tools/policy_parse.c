// SPDX-License-Identifier: GPL-2.0
/*
 * Security policies as "ip xfrm policy" spells them: the command words
 * into a struct policy, and a struct policy into the request. Replies
 * are policy_print.c's.
 */
#include "xfrm.h"
#include "util.h"

#include <arpa/inet.h>

static const char *const verb_names[] = {
	[PO_ADD] = "add", [PO_UPDATE] = "update", [PO_DELETE] = "delete",
	[PO_GET] = "get", [PO_LIST] = "list", [PO_DELETEALL] = "deleteall",
	[PO_FLUSH] = "flush", [PO_COUNT] = "count",
	[PO_SETDEFAULT] = "setdefault", [PO_GETDEFAULT] = "getdefault",
};

const char *policy_verb_name(enum policy_verb verb)
{
	return verb_names[verb];
}

/* ip-xfrm keywords of "policy add" kipsec does not implement. */
static const char *const refused[] = {
	"ctx", "mark", "if_id", "flag", "limit", NULL
};

/* --- Parsing ------------------------------------------------------------- */

static int action_word(struct args *a, uint8_t *action, bool accept)
{
	const char *s;

	if (args_value(a, "action", &s))
		return -1;
	if (!strcmp(s, "allow") || (accept && !strcmp(s, "accept")))
		*action = KIPSEC_ACTION_ALLOW;
	else if (!strcmp(s, "block"))
		*action = KIPSEC_ACTION_BLOCK;
	else
		return fail("action \"%s\" is not %s or block", s,
			    accept ? "accept" : "allow");
	return 0;
}

static int ptype_word(struct args *a)
{
	const char *s;

	if (args_value(a, "ptype", &s))
		return -1;
	if (!strcmp(s, "sub"))
		return args_unsupported("ptype sub");
	if (strcmp(s, "main"))
		return fail("ptype \"%s\" is not main", s);
	return 0;
}

static int level_word(struct args *a, uint8_t *level)
{
	const char *s;

	if (args_value(a, "level", &s))
		return -1;
	if (!strcmp(s, "required"))
		*level = KIPSEC_LEVEL_REQUIRED;
	else if (!strcmp(s, "use"))
		*level = KIPSEC_LEVEL_USE;
	else
		return fail("level \"%s\" is not required or use", s);
	return 0;
}

/* One word of a template's ID (src dst proto spi); -1 on error. */
static int tmpl_id_word(struct args *a, struct tmpl *t)
{
	const char *w = args_take(a);

	if (!strcmp(w, "src")) {
		t->has |= BIT(KIPSEC_TMPL_A_SADDR);
		return args_addr(a, w, &t->saddr);
	}
	if (!strcmp(w, "dst")) {
		t->has |= BIT(KIPSEC_TMPL_A_DADDR);
		return args_addr(a, w, &t->daddr);
	}
	if (!strcmp(w, "spi")) {
		t->has |= BIT(KIPSEC_TMPL_A_SPI);
		return args_u32(a, w, &t->spi);
	}
	return args_xfrm_proto(a, &t->proto);
}

static bool is_id_word(const char *w)
{
	return !strcmp(w, "src") || !strcmp(w, "dst") || !strcmp(w, "proto") ||
	       !strcmp(w, "spi");
}

/*
 * "tmpl TMPL", TMPL := ID [ mode MODE ] [ reqid REQID ] [ level LEVEL ].
 * As ip, the ID is one run of words: an ID word after another word that
 * followed the ID ends the template (and belongs to the policy).
 */
static int tmpl_words(struct args *a, struct policy *p)
{
	bool in_id = false, id_seen = false;
	unsigned int n = 0;
	struct tmpl *t;
	const char *w;

	if (p->ntmpl == KIPSEC_MAX_TMPLS)
		return fail("a policy takes at most %d templates", KIPSEC_MAX_TMPLS);
	t = &p->tmpl[p->ntmpl++];
	t->proto = KIPSEC_PROTO_ESP;	/* as ip's usage: proto esp */
	t->has = BIT(KIPSEC_TMPL_A_PROTO) | BIT(KIPSEC_TMPL_A_MODE) |
		 BIT(KIPSEC_TMPL_A_LEVEL);
	for (; (w = args_peek(a)); n++) {
		int ret;

		if (is_id_word(w)) {
			if (id_seen && !in_id)
				break;
			in_id = id_seen = true;
			ret = tmpl_id_word(a, t);
		} else if (args_eat(a, "mode")) {
			ret = args_mode(a, &t->mode);
		} else if (args_eat(a, "reqid")) {
			t->has |= BIT(KIPSEC_TMPL_A_REQID);
			ret = args_u32(a, "reqid", &t->reqid);
		} else if (args_eat(a, "level")) {
			ret = level_word(a, &t->level);
		} else {
			break;
		}
		if (ret)
			return -1;
		if (!is_id_word(w))
			in_id = false;
	}
	if (!n)
		return fail("\"tmpl\" needs a TMPL; try \"kipsec policy help\"");
	if (args_same_family(t->has & BIT(KIPSEC_TMPL_A_SADDR) ? t->saddr.family : 0,
			     t->has & BIT(KIPSEC_TMPL_A_DADDR) ? t->daddr.family : 0,
			     "tmpl src and dst"))
		return -1;
	if (t->has & (BIT(KIPSEC_TMPL_A_SADDR) | BIT(KIPSEC_TMPL_A_DADDR))) {
		t->family = t->has & BIT(KIPSEC_TMPL_A_SADDR) ?
			    t->saddr.family : t->daddr.family;
		t->has |= BIT(KIPSEC_TMPL_A_FAMILY);
	}
	return 0;
}

/* One word any policy command may take: 1 taken, 0 not, -1 error. */
static int policy_word(struct args *a, struct policy_cmd *c)
{
	struct policy *p = &c->pol;
	const char *w = args_peek(a);
	bool filter = c->verb == PO_LIST || c->verb == PO_DELETEALL;
	bool modify = c->verb == PO_ADD || c->verb == PO_UPDATE;
	int ret;

	if (sel_is_word(w))
		return sel_word(a, &p->sel) ? -1 : 1;
	if (args_eat(a, "dir")) {
		p->has |= BIT(KIPSEC_POL_A_DIR);
		ret = args_dir(a, &p->dir);
	} else if (args_eat(a, "index")) {
		p->has |= BIT(KIPSEC_POL_A_INDEX);
		ret = args_u32(a, "index", &p->index);
	} else if (args_eat(a, "ptype")) {
		ret = ptype_word(a);
	} else if ((modify || filter) && args_eat(a, "action")) {
		p->has |= BIT(KIPSEC_POL_A_ACTION);
		ret = action_word(a, &p->action, false);
	} else if ((modify || filter) && args_eat(a, "priority")) {
		p->has |= BIT(KIPSEC_POL_A_PRIORITY);
		ret = args_u32(a, "priority", &p->priority);
	} else if (modify && args_eat(a, "tmpl")) {
		p->has |= BIT(KIPSEC_POL_A_TMPLS);
		ret = tmpl_words(a, p);
	} else if (filter && args_eat(a, "nosock")) {
		ret = 0;	/* kipsec has no socket policies */
	} else {
		return 0;
	}
	return ret ? -1 : 1;
}

static int require_dir(const struct args *a, const struct policy *p)
{
	if (p->has & BIT(KIPSEC_POL_A_DIR))
		return 0;
	return fail("\"dir\" is required for \"policy %s\"", a->verb);
}

/* The ID of a policy: dir and a selector, or dir and index. */
static int id_complete(const struct args *a, struct policy *p)
{
	bool sel = p->sel.has, idx = p->has & BIT(KIPSEC_POL_A_INDEX);

	if (require_dir(a, p))
		return -1;
	if (sel && idx)
		return fail("\"policy %s\" takes a SELECTOR or \"index\", not both",
			    a->verb);
	if (!sel && !idx)
		return fail("\"policy %s\" needs a SELECTOR or \"index INDEX\"",
			    a->verb);
	if (idx)
		return 0;
	p->has |= BIT(KIPSEC_POL_A_SEL);
	return sel_finish(&p->sel, AF_INET);
}

/* "setdefault DIR ACTION [ DIR ACTION ]...", ACTION := accept | block */
static int setdefault_words(struct args *a, struct policy_cmd *c)
{
	while (args_peek(a)) {
		const char *w = args_peek(a);
		uint8_t dir;

		if (parse_dir(w, &dir))
			return fail("\"%s\" is not a direction (in, out or fwd); try \"kipsec policy help\"",
				    w);
		args_take(a);
		if (c->dflt_has & BIT(dir))
			return fail("direction \"%s\" is given twice", w);
		if (action_word(a, &c->dflt[dir], true))
			return -1;
		c->dflt_has |= (uint32_t)BIT(dir);
	}
	if (!c->dflt_has)
		return fail("\"policy setdefault\" needs DIR ACTION, e.g. \"out block\"");
	return 0;
}

int policy_parse(struct policy_cmd *c, enum policy_verb verb, int argc,
		 char **argv)
{
	struct args a = { argc, argv, "policy", verb_names[verb] };
	struct policy *p = &c->pol;
	int ret;

	memset(c, 0, sizeof(*c));
	c->verb = verb;
	if (verb == PO_SETDEFAULT)
		return setdefault_words(&a, c);
	if ((verb == PO_COUNT || verb == PO_GETDEFAULT) && argc > 0)
		return fail("\"policy %s\" takes no arguments", a.verb);
	while (a.argc > 0) {
		const char *w = args_peek(&a);

		if (verb == PO_FLUSH && strcmp(w, "dir") && strcmp(w, "ptype"))
			return args_unknown(&a, w);
		ret = policy_word(&a, c);
		if (ret < 0)
			return -1;
		if (!ret)
			return args_refuse(w, refused) ? -1 : args_unknown(&a, w);
	}
	switch (verb) {
	case PO_ADD:
	case PO_UPDATE:
		if (require_dir(&a, p))
			return -1;
		p->has |= BIT(KIPSEC_POL_A_SEL) | BIT(KIPSEC_POL_A_ACTION) |
			  BIT(KIPSEC_POL_A_PRIORITY);
		return sel_finish(&p->sel, AF_INET);
	case PO_DELETE:
	case PO_GET:
		return id_complete(&a, p);
	default:
		return 0;
	}
}

/* --- Building requests --------------------------------------------------- */

static void tmpl_put(struct nlmsghdr *nlh, const struct tmpl *t)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_TMPL);

	if (t->has & BIT(KIPSEC_TMPL_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, t->family);
	if (t->has & BIT(KIPSEC_TMPL_A_DADDR))
		addr_put(nlh, KIPSEC_TMPL_A_DADDR, &t->daddr);
	if (t->has & BIT(KIPSEC_TMPL_A_SADDR))
		addr_put(nlh, KIPSEC_TMPL_A_SADDR, &t->saddr);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, t->proto);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, t->mode);
	if (t->has & BIT(KIPSEC_TMPL_A_REQID))
		mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, t->reqid);
	if (t->has & BIT(KIPSEC_TMPL_A_SPI))
		mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_SPI, htonl(t->spi));
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_LEVEL, t->level);
	mnl_attr_nest_end(nlh, nest);
}

static const uint8_t verb_cmds[] = {
	[PO_ADD] = KIPSEC_CMD_NEW_POLICY, [PO_UPDATE] = KIPSEC_CMD_UPD_POLICY,
	[PO_DELETE] = KIPSEC_CMD_DEL_POLICY, [PO_GET] = KIPSEC_CMD_GET_POLICY,
	[PO_LIST] = KIPSEC_CMD_GET_POLICY,
	[PO_DELETEALL] = KIPSEC_CMD_GET_POLICY,
	[PO_FLUSH] = KIPSEC_CMD_FLUSH_POLICY, [PO_COUNT] = KIPSEC_CMD_GET_STATS,
	[PO_SETDEFAULT] = KIPSEC_CMD_SET_DEFAULT,
	[PO_GETDEFAULT] = KIPSEC_CMD_GET_DEFAULT,
};

static void defaults_put(struct nlmsghdr *nlh, const struct policy_cmd *c)
{
	static const uint16_t attrs[] = {
		[KIPSEC_DIR_IN] = KIPSEC_DEFAULT_A_IN,
		[KIPSEC_DIR_OUT] = KIPSEC_DEFAULT_A_OUT,
		[KIPSEC_DIR_FWD] = KIPSEC_DEFAULT_A_FWD,
	};
	struct nlattr *nest = mnl_attr_nest_start(nlh, KIPSEC_A_DEFAULT);
	unsigned int dir;

	for (dir = 0; dir < __KIPSEC_DIR_MAX; dir++)
		if (c->dflt_has & BIT(dir))
			mnl_attr_put_u8(nlh, attrs[dir], c->dflt[dir]);
	mnl_attr_nest_end(nlh, nest);
}

void policy_build(const struct policy_cmd *c, struct nl_req *req)
{
	const struct policy *p = &c->pol;
	bool dump = c->verb == PO_LIST || c->verb == PO_DELETEALL;
	bool modify = c->verb == PO_ADD || c->verb == PO_UPDATE;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;

	nlh = nl_req_start(req, verb_cmds[c->verb], dump ? NLM_F_DUMP : 0);
	if (c->verb == PO_SETDEFAULT)
		defaults_put(nlh, c);
	if (dump || !(p->has & BIT(KIPSEC_POL_A_DIR)))
		return;		/* also count, getdefault, flush of all */
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, p->dir);
	if (p->has & BIT(KIPSEC_POL_A_SEL))
		sel_put(nlh, KIPSEC_POL_A_SEL, &p->sel);
	if (p->has & BIT(KIPSEC_POL_A_INDEX))
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_INDEX, p->index);
	if (modify) {
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, p->priority);
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, p->action);
	}
	if (modify && p->ntmpl) {
		struct nlattr *tmpls = mnl_attr_nest_start(nlh,
							   KIPSEC_POL_A_TMPLS);

		for (i = 0; i < p->ntmpl; i++)
			tmpl_put(nlh, &p->tmpl[i]);
		mnl_attr_nest_end(nlh, tmpls);
	}
	mnl_attr_nest_end(nlh, nest);
}
