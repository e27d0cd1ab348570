// SPDX-License-Identifier: GPL-2.0
/*
 * Security policies in replies: a KIPSEC_A_POLICY nest into a struct
 * policy, printed in ip xfrm's shape or as JSON, or matched against a
 * list filter; and the replies of getdefault.
 */
#include "xfrm.h"
#include "kipsec.h"
#include "print.h"
#include "util.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>

/* --- Reading replies ------------------------------------------------------ */

static int tmpl_attr_cb(const struct nlattr *attr, void *data)
{
	struct tmpl *t = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (type) {
	case KIPSEC_TMPL_A_FAMILY:
		if (len != 2)
			return MNL_CB_OK;
		t->family = mnl_attr_get_u16(attr);
		break;
	case KIPSEC_TMPL_A_DADDR:
	case KIPSEC_TMPL_A_SADDR:
		if (addr_from(attr, type == KIPSEC_TMPL_A_DADDR ? &t->daddr :
			      &t->saddr))
			return MNL_CB_OK;
		break;
	case KIPSEC_TMPL_A_PROTO:
	case KIPSEC_TMPL_A_MODE:
	case KIPSEC_TMPL_A_LEVEL:
		if (len != 1)
			return MNL_CB_OK;
		*(type == KIPSEC_TMPL_A_PROTO ? &t->proto :
		  type == KIPSEC_TMPL_A_MODE ? &t->mode : &t->level) =
			mnl_attr_get_u8(attr);
		break;
	case KIPSEC_TMPL_A_REQID:
	case KIPSEC_TMPL_A_SPI:
		if (len != 4)
			return MNL_CB_OK;
		if (type == KIPSEC_TMPL_A_REQID)
			t->reqid = mnl_attr_get_u32(attr);
		else
			t->spi = ntohl(mnl_attr_get_u32(attr));
		break;
	default:
		return MNL_CB_OK;
	}
	t->has |= (uint32_t)BIT(type);
	return MNL_CB_OK;
}

void tmpl_from(const struct nlattr *nest, struct tmpl *t)
{
	memset(t, 0, sizeof(*t));
	mnl_attr_parse_nested(nest, tmpl_attr_cb, t);
}

static int tmpls_attr_cb(const struct nlattr *attr, void *data)
{
	struct policy *p = data;

	if (mnl_attr_get_type(attr) != KIPSEC_A_TMPL ||
	    p->ntmpl == KIPSEC_MAX_TMPLS)
		return MNL_CB_OK;
	mnl_attr_parse_nested(attr, tmpl_attr_cb, &p->tmpl[p->ntmpl++]);
	return MNL_CB_OK;
}

static int pol_attr_cb(const struct nlattr *attr, void *data)
{
	struct policy *p = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);

	switch (type) {
	case KIPSEC_POL_A_DIR:
	case KIPSEC_POL_A_ACTION:
		if (len != 1)
			return MNL_CB_OK;
		*(type == KIPSEC_POL_A_DIR ? &p->dir : &p->action) =
			mnl_attr_get_u8(attr);
		break;
	case KIPSEC_POL_A_PRIORITY:
	case KIPSEC_POL_A_INDEX:
		if (len != 4)
			return MNL_CB_OK;
		*(type == KIPSEC_POL_A_PRIORITY ? &p->priority : &p->index) =
			mnl_attr_get_u32(attr);
		break;
	case KIPSEC_POL_A_SEL:
		sel_from(attr, &p->sel);
		break;
	case KIPSEC_POL_A_TMPLS:
		mnl_attr_parse_nested(attr, tmpls_attr_cb, p);
		break;
	case KIPSEC_POL_A_CUR:
		u64s_from(attr, &p->cur);
		break;
	default:
		return MNL_CB_OK;
	}
	p->has |= (uint32_t)BIT(type);
	return MNL_CB_OK;
}

void pol_from(const struct nlattr *nest, struct policy *p)
{
	memset(p, 0, sizeof(*p));
	mnl_attr_parse_nested(nest, pol_attr_cb, p);
}

/* --- Printing ------------------------------------------------------------ */

void tmpl_print(const struct out *o, const struct tmpl *t,
		       uint16_t family, const char *key)
{
	bool has_s = t->has & BIT(KIPSEC_TMPL_A_SADDR);
	bool has_d = t->has & BIT(KIPSEC_TMPL_A_DADDR);
	/* What ip leaves out of its text unless -s or set. */
	bool spi = o->stats || t->spi;
	bool level = o->stats || t->level != KIPSEC_LEVEL_REQUIRED;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	uint16_t f = t->family ? t->family : family;

	addr_str(has_s ? &t->saddr : NULL, f, s);
	addr_str(has_d ? &t->daddr : NULL, f, d);
	print_open_obj(o, key);
	print_str(o, has_s ? PRINT_ANY : PRINT_FP, "src", "\ttmpl src %s ", s);
	print_str(o, has_d ? PRINT_ANY : PRINT_FP, "dst", "dst %s\n", d);
	print_name(o, PRINT_ANY, "proto", "\t\tproto %s ",
		   xfrm_proto_name(t->proto), t->proto);
	print_hex32(o, spi ? PRINT_ANY : PRINT_JSON, "spi", "spi 0x%08x",
		    t->spi);
	if (o->stats)
		print_text(o, "(%u)", t->spi);
	if (spi)
		print_text(o, " ");
	print_u64(o, PRINT_ANY, "reqid", "reqid %llu", t->reqid);
	if (o->stats)
		print_text(o, "(0x%08x)", t->reqid);
	print_name(o, PRINT_ANY, "mode", " mode %s\n", mode_name(t->mode),
		   t->mode);
	print_name(o, level ? PRINT_ANY : PRINT_JSON, "level",
		   "\t\tlevel %s \n", level_name(t->level), t->level);
	print_close_obj(o);
}

static const char *action_name(uint8_t action)
{
	return action == KIPSEC_ACTION_ALLOW ? "allow" :
	       action == KIPSEC_ACTION_BLOCK ? "block" : NULL;
}

void pol_print(const struct out *o, const struct policy *p)
{
	pol_print_key(o, p, NULL);
}

void pol_print_key(const struct out *o, const struct policy *p,
		   const char *key)
{
	/* ip's text names the action "allow" only with -s. */
	bool action = o->stats || p->action != KIPSEC_ACTION_ALLOW;
	unsigned int i;

	print_open_obj(o, key);
	sel_print(o, &p->sel, 0);
	print_text(o, "\n");
	print_name(o, PRINT_ANY, "dir", "\tdir %s ", dir_name(p->dir), p->dir);
	print_name(o, action ? PRINT_ANY : PRINT_JSON, "action", "action %s ",
		   action_name(p->action), p->action);
	print_u64(o, o->stats ? PRINT_ANY : PRINT_JSON, "index", "index %llu ",
		  p->index);
	print_u64(o, PRINT_ANY, "priority", "priority %llu \n", p->priority);
	/* ip's order: use counters, then templates (JSON keys in the same) */
	if (o->stats)
		cur_print(o, &p->cur, "\t");
	print_open_arr(o, "tmpl");
	for (i = 0; i < p->ntmpl; i++)
		tmpl_print(o, &p->tmpl[i], p->sel.family, NULL);
	print_close_arr(o);
	print_close_obj(o);
}

bool pol_match(const struct policy *f, const struct policy *p)
{
	if ((f->has & BIT(KIPSEC_POL_A_DIR)) && f->dir != p->dir)
		return false;
	if ((f->has & BIT(KIPSEC_POL_A_INDEX)) && f->index != p->index)
		return false;
	if ((f->has & BIT(KIPSEC_POL_A_ACTION)) && f->action != p->action)
		return false;
	if ((f->has & BIT(KIPSEC_POL_A_PRIORITY)) && f->priority != p->priority)
		return false;
	return sel_match(&f->sel, &p->sel);
}

int pol_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_POLICY);
	struct show *sh = data;
	struct policy p;

	if (!nest)
		return MNL_CB_OK;
	pol_from(nest, &p);
	if (sh->filter && !pol_match(sh->filter, &p))
		return MNL_CB_OK;
	pol_print(&sh->out, &p);
	sh->count++;
	return MNL_CB_OK;
}

int pol_count_cb(const struct nlmsghdr *nlh, void *show)
{
	return count_show(nlh, show, KIPSEC_STATS_A_POLICY_COUNT, "SPD");
}

static int default_attr_cb(const struct nlattr *attr, void *data)
{
	uint8_t *dflt = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type >= KIPSEC_DEFAULT_A_IN && type <= KIPSEC_DEFAULT_A_FWD &&
	    mnl_attr_get_payload_len(attr) == 1)
		dflt[type] = mnl_attr_get_u8(attr);
	return MNL_CB_OK;
}

int default_show_cb(const struct nlmsghdr *nlh, void *data)
{
	static const struct {
		uint16_t attr;
		const char *text;	/* ip's, aligned */
		const char *key;
	} dirs[] = {
		{ KIPSEC_DEFAULT_A_IN, " in:  ", "in" },
		{ KIPSEC_DEFAULT_A_FWD, " fwd: ", "fwd" },
		{ KIPSEC_DEFAULT_A_OUT, " out: ", "out" },
	};
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_DEFAULT);
	uint8_t dflt[KIPSEC_DEFAULT_A_MAX + 1] = { 0 };	/* ALLOW */
	struct show *sh = data;
	size_t i;

	if (nest)
		mnl_attr_parse_nested(nest, default_attr_cb, dflt);
	print_open_obj(&sh->out, NULL);
	print_text(&sh->out, "Default policies:\n");
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		uint8_t v = dflt[dirs[i].attr];
		const char *name = v == KIPSEC_ACTION_ALLOW ? "accept" :
				   v == KIPSEC_ACTION_BLOCK ? "block" : "unknown";

		print_text(&sh->out, "%s", dirs[i].text);
		print_str(&sh->out, PRINT_ANY, dirs[i].key, "%s\n", name);
	}
	print_close_obj(&sh->out);
	sh->count++;
	return MNL_CB_OK;
}
