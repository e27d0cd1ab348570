// SPDX-License-Identifier: GPL-2.0
/*
 * Security policies in replies: a KIPSEC_A_POLICY nest into a struct
 * policy, printed in ip xfrm's shape or as JSON, or matched against a
 * list filter; and the replies of getdefault.
 */
#include "xfrm.h"
#include "kipsec.h"
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

static void tmpl_json(const struct out *o, const struct tmpl *t,
		      const char *key)
{
	const char *proto = xfrm_proto_name(t->proto);
	const char *mode = mode_name(t->mode);
	const char *level = level_name(t->level);
	char buf[INET6_ADDRSTRLEN];

	json_obj_open(o->j, key);
	if (t->has & BIT(KIPSEC_TMPL_A_SADDR))
		json_str(o->j, "src", addr_str(&t->saddr, 0, buf));
	if (t->has & BIT(KIPSEC_TMPL_A_DADDR))
		json_str(o->j, "dst", addr_str(&t->daddr, 0, buf));
	if (proto)
		json_str(o->j, "proto", proto);
	else
		json_strf(o->j, "proto", "%u", t->proto);
	json_strf(o->j, "spi", "0x%08x", t->spi);
	json_u64(o->j, "reqid", t->reqid);
	if (mode)
		json_str(o->j, "mode", mode);
	else
		json_strf(o->j, "mode", "%u", t->mode);
	if (level)
		json_str(o->j, "level", level);
	else
		json_strf(o->j, "level", "%u", t->level);
	json_obj_close(o->j);
}

/* ip's two (or three) lines of a template, under a policy. */
static void tmpl_print(const struct out *o, const struct tmpl *t,
		       uint16_t family)
{
	const char *proto = xfrm_proto_name(t->proto);
	const char *mode = mode_name(t->mode);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	uint16_t f = t->family ? t->family : family;
	FILE *out = o->f;

	fprintf(out, "\ttmpl src %s dst %s\n",
		addr_str(t->has & BIT(KIPSEC_TMPL_A_SADDR) ? &t->saddr : NULL,
			 f, s),
		addr_str(t->has & BIT(KIPSEC_TMPL_A_DADDR) ? &t->daddr : NULL,
			 f, d));
	if (proto)
		fprintf(out, "\t\tproto %s ", proto);
	else
		fprintf(out, "\t\tproto %u ", t->proto);
	if (o->stats || t->spi) {
		fprintf(out, "spi 0x%08x", t->spi);
		if (o->stats)
			fprintf(out, "(%u)", t->spi);
		fputc(' ', out);
	}
	fprintf(out, "reqid %u", t->reqid);
	if (o->stats)
		fprintf(out, "(0x%08x)", t->reqid);
	if (mode)
		fprintf(out, " mode %s\n", mode);
	else
		fprintf(out, " mode %u\n", t->mode);
	if (o->stats || t->level != KIPSEC_LEVEL_REQUIRED) {
		const char *level = level_name(t->level);

		if (level)
			fprintf(out, "\t\tlevel %s \n", level);
		else
			fprintf(out, "\t\tlevel %u \n", t->level);
	}
}

static void pol_json(const struct out *o, const struct policy *p,
		     const char *key)
{
	const char *dir = dir_name(p->dir);
	unsigned int i;

	json_obj_open(o->j, key);
	sel_print(o, &p->sel, 0);
	if (dir)
		json_str(o->j, "dir", dir);
	else
		json_strf(o->j, "dir", "%u", p->dir);
	if (p->action == KIPSEC_ACTION_ALLOW || p->action == KIPSEC_ACTION_BLOCK)
		json_str(o->j, "action", p->action ? "block" : "allow");
	else
		json_strf(o->j, "action", "%u", p->action);
	json_u64(o->j, "index", p->index);
	json_u64(o->j, "priority", p->priority);
	json_arr_open(o->j, "tmpl");
	for (i = 0; i < p->ntmpl; i++)
		tmpl_json(o, &p->tmpl[i], NULL);
	json_arr_close(o->j);
	if (o->stats)
		cur_print(o, &p->cur, "\t");
	json_obj_close(o->j);
}

void pol_print(const struct out *o, const struct policy *p)
{
	pol_print_key(o, p, NULL);
}

void pol_print_key(const struct out *o, const struct policy *p,
		   const char *key)
{
	const char *dir = dir_name(p->dir);
	unsigned int i;

	if (o->j) {
		pol_json(o, p, key);
		return;
	}
	sel_print(o, &p->sel, 0);
	fputc('\n', o->f);
	if (dir)
		fprintf(o->f, "\tdir %s ", dir);
	else
		fprintf(o->f, "\tdir %u ", p->dir);
	if (p->action == KIPSEC_ACTION_BLOCK)
		fputs("action block ", o->f);
	else if (p->action != KIPSEC_ACTION_ALLOW)
		fprintf(o->f, "action %u ", p->action);
	else if (o->stats)
		fputs("action allow ", o->f);
	if (o->stats)
		fprintf(o->f, "index %u ", p->index);
	fprintf(o->f, "priority %u \n", p->priority);
	if (o->stats)
		cur_print(o, &p->cur, "\t");
	for (i = 0; i < p->ntmpl; i++)
		tmpl_print(o, &p->tmpl[i], p->sel.family);
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
	if (sh->out.j)
		json_obj_open(sh->out.j, NULL);
	else
		fputs("Default policies:\n", sh->out.f);
	for (i = 0; i < ARRAY_SIZE(dirs); i++) {
		uint8_t v = dflt[dirs[i].attr];
		const char *name = v == KIPSEC_ACTION_ALLOW ? "accept" :
				   v == KIPSEC_ACTION_BLOCK ? "block" : "unknown";

		if (sh->out.j)
			json_str(sh->out.j, dirs[i].key, name);
		else
			fprintf(sh->out.f, "%s%s\n", dirs[i].text, name);
	}
	if (sh->out.j)
		json_obj_close(sh->out.j);
	sh->count++;
	return MNL_CB_OK;
}

/* --- kipsec save ----------------------------------------------------------- */

int pol_save(FILE *f, const struct policy *p)
{
	const char *dir = dir_name(p->dir);
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	if (!dir || p->action >= __KIPSEC_ACTION_MAX)
		return fail("policy index %u: direction %u or action %u is unknown to this tool",
			    p->index, p->dir, p->action);
	fputs("policy add ", f);
	sel_save(f, &p->sel);
	fprintf(f, " dir %s priority %u action %s", dir, p->priority,
		p->action == KIPSEC_ACTION_BLOCK ? "block" : "allow");
	for (i = 0; i < p->ntmpl; i++) {
		const struct tmpl *t = &p->tmpl[i];
		const char *proto = xfrm_proto_name(t->proto);
		const char *mode = mode_name(t->mode);
		const char *level = level_name(t->level);

		if (!proto || !mode || !level)
			return fail("policy index %u: a template's protocol, mode or level is unknown to this tool",
				    p->index);
		fputs(" tmpl", f);
		if (t->has & BIT(KIPSEC_TMPL_A_SADDR))
			fprintf(f, " src %s", addr_str(&t->saddr, 0, buf));
		if (t->has & BIT(KIPSEC_TMPL_A_DADDR))
			fprintf(f, " dst %s", addr_str(&t->daddr, 0, buf));
		fprintf(f, " proto %s", proto);
		if (t->spi)
			fprintf(f, " spi 0x%08x", t->spi);
		fprintf(f, " mode %s", mode);
		if (t->reqid)
			fprintf(f, " reqid %u", t->reqid);
		fprintf(f, " level %s", level);
	}
	fputc('\n', f);
	return 0;
}

/* --- kipsec monitor: events as ip xfrm monitor prints them ------------------ */

static const struct {
	uint8_t cmd;
	unsigned int obj;	/* EV_* */
	const char *name;	/* JSON "event" */
	const char *prefix;	/* text, before the object */
} events[] = {
	{ KIPSEC_CMD_NEW_SA, EV_SA, "new-sa", "" },
	{ KIPSEC_CMD_UPD_SA, EV_SA, "upd-sa", "Updated " },
	{ KIPSEC_CMD_DEL_SA, EV_SA, "del-sa", "Deleted " },
	{ KIPSEC_CMD_FLUSH_SA, EV_SA, "flush-sa", "Flushed state" },
	{ KIPSEC_CMD_NEW_POLICY, EV_POLICY, "new-policy", "" },
	{ KIPSEC_CMD_UPD_POLICY, EV_POLICY, "upd-policy", "Updated " },
	{ KIPSEC_CMD_DEL_POLICY, EV_POLICY, "del-policy", "Deleted " },
	{ KIPSEC_CMD_FLUSH_POLICY, EV_POLICY, "flush-policy", "Flushed policy" },
	{ KIPSEC_CMD_EXPIRE, EV_EXPIRE, "expire", "Expired " },
	{ KIPSEC_CMD_ACQUIRE, EV_ACQUIRE, "acquire", "acquire" },
};

/* FLUSH_SA { PROTO } / FLUSH_POLICY { DIR }: what was flushed. */
static void flush_print(const struct out *o, const struct nlmsghdr *nlh,
			uint8_t cmd)
{
	bool sa = cmd == KIPSEC_CMD_FLUSH_SA;
	const struct nlattr *nest = msg_nest(nlh, sa ? KIPSEC_A_SA :
					     KIPSEC_A_POLICY);
	const char *name = NULL;
	char num[8] = "";

	if (sa && nest) {
		struct sa f;

		sa_from(nest, &f);
		if (f.has & BIT(KIPSEC_SA_A_PROTO)) {
			name = xfrm_proto_name(f.proto);
			if (!name)
				snprintf(num, sizeof(num), "%u", f.proto);
		}
	} else if (nest) {
		struct policy f;

		pol_from(nest, &f);
		if (f.has & BIT(KIPSEC_POL_A_DIR)) {
			name = dir_name(f.dir);
			if (!name)
				snprintf(num, sizeof(num), "%u", f.dir);
		}
	}
	if (!name && num[0] && nest)
		name = num;
	if (o->j) {
		if (name)
			json_str(o->j, sa ? "proto" : "dir", name);
	} else if (name) {
		fprintf(o->f, " %s %s", sa ? "proto" : "dir", name);
	}
}

static void acquire_print(const struct out *o, const struct nlmsghdr *nlh)
{
	const struct nlattr *pn = msg_nest(nlh, KIPSEC_A_POLICY);
	const struct nlattr *tn = msg_nest(nlh, KIPSEC_A_TMPL);
	const struct nlattr *sn = msg_nest(nlh, KIPSEC_A_SEL);
	struct policy p;
	struct tmpl t;
	struct sel pkt;
	const char *proto;

	memset(&p, 0, sizeof(p));
	memset(&t, 0, sizeof(t));
	memset(&pkt, 0, sizeof(pkt));
	if (pn)
		pol_from(pn, &p);
	if (tn)
		mnl_attr_parse_nested(tn, tmpl_attr_cb, &t);
	if (sn)
		sel_from(sn, &pkt);
	if (o->j) {
		if (pn)
			pol_json(o, &p, "policy");
		if (tn)
			tmpl_json(o, &t, "tmpl");
		if (sn) {
			json_obj_open(o->j, "sel");
			sel_print(o, &pkt, 0);
			json_obj_close(o->j);
		}
		return;
	}
	proto = xfrm_proto_name(t.proto);
	if (proto)
		fprintf(o->f, " proto %s \n", proto);
	else
		fprintf(o->f, " proto %u \n", t.proto);
	fputs("  sel ", o->f);
	sel_print(o, &pkt, p.sel.family);
	fputs("\n  policy ", o->f);
	pol_print(o, &p);
	if (tn)
		tmpl_print(o, &t, p.sel.family);
}

int event_print(const struct out *o, const struct nlmsghdr *nlh,
		unsigned int mask)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *nest;
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return 0;
	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].cmd == g->cmd)
			break;
	if (i == ARRAY_SIZE(events) || !(events[i].obj & mask))
		return 0;
	if (o->j) {
		json_obj_open(o->j, NULL);
		json_str(o->j, "event", events[i].name);
	} else {
		fputs(events[i].prefix, o->f);
	}
	switch (g->cmd) {
	case KIPSEC_CMD_FLUSH_SA:
	case KIPSEC_CMD_FLUSH_POLICY:
		flush_print(o, nlh, g->cmd);
		if (!o->j)
			fputc('\n', o->f);
		break;
	case KIPSEC_CMD_NEW_POLICY:
	case KIPSEC_CMD_UPD_POLICY:
	case KIPSEC_CMD_DEL_POLICY:
		nest = msg_nest(nlh, KIPSEC_A_POLICY);
		if (nest) {
			struct policy p;

			pol_from(nest, &p);
			pol_print_key(o, &p, "policy");
		} else if (!o->j) {
			fputc('\n', o->f);
		}
		break;
	case KIPSEC_CMD_ACQUIRE:
		acquire_print(o, nlh);
		break;
	default:	/* the SA events and EXPIRE */
		nest = msg_nest(nlh, KIPSEC_A_SA);
		if (g->cmd == KIPSEC_CMD_EXPIRE) {
			bool hard = msg_nest(nlh, KIPSEC_A_EXPIRE_HARD);

			if (o->j)
				json_bool(o->j, "hard", hard);
			if (!o->j && nest) {
				struct sa sa;
				char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
				const char *proto;

				sa_from(nest, &sa);
				proto = xfrm_proto_name(sa.proto);
				fprintf(o->f, "src %s dst %s proto %s spi 0x%08x hard %d\n",
					addr_str(sa.has & BIT(KIPSEC_SA_A_SADDR) ?
						 &sa.saddr : NULL, sa.family, s),
					addr_str(&sa.daddr, sa.family, d),
					proto ? proto : "?", sa.spi, hard);
			} else if (!o->j) {
				fprintf(o->f, "hard %d\n", hard);
			}
		}
		if (nest) {
			struct sa sa;

			sa_from(nest, &sa);
			sa_print_key(o, &sa, "sa");
		} else if (!o->j && g->cmd != KIPSEC_CMD_EXPIRE) {
			fputc('\n', o->f);
		}
		break;
	}
	if (o->j) {
		json_obj_close(o->j);
		fputc('\n', o->f);
	}
	return 1;
}
