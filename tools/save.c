// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec save: the namespace's SAs, policies and settings as the command
 * lines that re-create them (kipsec restore, kipsec -batch). Keys and
 * sequence numbers are saved, so a restored outbound SA goes on from its
 * last sequence number instead of reusing one. Nothing is printed unless
 * everything could be saved.
 */
#include "kipsec.h"
#include "show.h"
#include "util.h"
#include "xfrm.h"

#include <arpa/inet.h>
#include <linux/genetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

/* --- Objects as the command lines that re-create them --------------------- */

/* A word that the batch splitter (and a shell) reads back as it was. */
void save_word(FILE *f, const char *w)
{
	const char *p;

	for (p = w; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			    "0123456789-_.:/,+=@%", *p))
			break;
	if (*w && !*p) {
		fputs(w, f);
		return;
	}
	/* '...' unless the word has a quote of its own (never for names) */
	fprintf(f, strchr(w, '\'') ? "\"%s\"" : "'%s'", w);
}

static int alg_save(FILE *f, const char *kw, const struct alg *alg,
		    bool icv)
{
	if (!(alg->has & BIT(KIPSEC_ALG_A_KEY)))
		return fail("saving needs CAP_NET_ADMIN: the kernel did not show the keys");
	fprintf(f, " %s ", kw);
	save_word(f, alg->name);
	fputc(' ', f);
	if (alg->key_len)
		key_hex(f, alg->key, alg->key_len);
	else
		fputs("''", f);
	if (icv)
		fprintf(f, " %u", alg->icv_bits);
	return 0;
}

/* "sel ..." words: what the kernel keeps of a selector. */
void sel_save(FILE *f, const struct sel *s)
{
	bool icmp = s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6;
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], pbuf[8];
	char dev[IF_NAMESIZE + 8];
	uint16_t fam = s->family ? s->family : AF_INET;

	fprintf(f, "src %s/%u dst %s/%u",
		addr_str(s->has & BIT(KIPSEC_SEL_A_SADDR) ? &s->saddr : NULL,
			 fam, src), s->splen,
		addr_str(s->has & BIT(KIPSEC_SEL_A_DADDR) ? &s->daddr : NULL,
			 fam, dst), s->dplen);
	if (s->proto)
		fprintf(f, " proto %s", upper_proto_name(s->proto, pbuf));
	if (s->sport_mask)
		fprintf(f, " %s %u", icmp ? "type" : "sport", s->sport);
	if (s->dport_mask)
		fprintf(f, " %s %u", icmp ? "code" : "dport", s->dport);
	if (s->ifindex > 0) {
		if (!if_indextoname((unsigned int)s->ifindex, dev))
			snprintf(dev, sizeof(dev), "if%d", s->ifindex);
		fprintf(f, " dev %s", dev);
	}
}

int sa_save(FILE *f, const struct sa *sa)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *proto = xfrm_proto_name(sa->proto);
	const char *mode = mode_name(sa->mode);
	bool esn = sa->flags & KIPSEC_SA_F_ESN;
	uint32_t flags = sa->flags;
	size_t i;

	addr_str(sa->has & BIT(KIPSEC_SA_A_SADDR) ? &sa->saddr : NULL,
		 sa->family, s);
	addr_str(&sa->daddr, sa->family, d);
	if (flags & KIPSEC_SA_F_LARVAL) {
		fprintf(f, "# larval SA src %s dst %s proto %s spi 0x%08x skipped (it has no keys yet)\n",
			s, d, proto ? proto : "?", sa->spi);
		return 0;
	}
	if (!proto || !mode)
		return fail("SA spi 0x%08x: protocol %u or mode %u is unknown to this tool",
			    sa->spi, sa->proto, sa->mode);
	fprintf(f, "state add src %s dst %s proto %s spi 0x%08x reqid %u mode %s replay-window %u",
		s, d, proto, sa->spi, sa->reqid, mode, sa->replay_window);
	if (flags) {
		fputs(" flag", f);
		for (i = 0; sa_flags[i].name; i++) {
			if (!(sa_flags[i].bit & flags) ||
			    sa_flags[i].bit == SA_FLAG_ACCEPTED)
				continue;
			fprintf(f, " %s", sa_flags[i].name);
			flags &= ~sa_flags[i].bit;
		}
		if (flags)
			return fail("SA spi 0x%08x: flags 0x%x are unknown to this tool",
				    sa->spi, flags);
	}
	if ((sa->has & BIT(KIPSEC_SA_A_ALG_AEAD)) &&
	    alg_save(f, "aead", &sa->aead, true))
		return -1;
	if ((sa->has & BIT(KIPSEC_SA_A_ALG_CRYPT)) &&
	    alg_save(f, "enc", &sa->crypt, false))
		return -1;
	if ((sa->has & BIT(KIPSEC_SA_A_ALG_AUTH)) &&
	    alg_save(f, sa->auth.icv_bits ? "auth-trunc" : "auth", &sa->auth,
		     sa->auth.icv_bits))
		return -1;
	if (sa->has & BIT(KIPSEC_SA_A_SEL)) {
		fputs(" sel ", f);
		sel_save(f, &sa->sel);
	}
	for (i = 0; sa_limits[i].name; i++)
		if (sa->lifetime.v[sa_limits[i].attr])
			fprintf(f, " limit %s %llu", sa_limits[i].name,
				(unsigned long long)sa->lifetime.v[sa_limits[i].attr]);
	if ((sa->has & BIT(KIPSEC_SA_A_SET_MARK)) && sa->mark_value)
		fprintf(f, " output-mark 0x%x mask 0x%x", sa->mark_value,
			sa->mark_mask);
	if (sa->has & BIT(KIPSEC_SA_A_ENCAP)) {
		struct kaddr zero = { .family = sa->family };
		char oa[INET6_ADDRSTRLEN];

		/* as ip takes it; no original address saves as 0.0.0.0 or :: */
		addr_str(sa->encap_oa.family ? &sa->encap_oa : &zero,
			 sa->encap_oa.family ? sa->encap_oa.family : sa->family,
			 oa);
		fprintf(f, " encap espinudp %u %u %s", sa->encap_sport,
			sa->encap_dport, oa);
	}
	/* the sequence numbers, so that a restored SA never reuses one */
	fprintf(f, " replay-seq %u replay-oseq %u", (uint32_t)sa->seq,
		(uint32_t)sa->oseq);
	if (esn)
		fprintf(f, " replay-seq-hi %u replay-oseq-hi %u",
			(uint32_t)(sa->seq >> 32), (uint32_t)(sa->oseq >> 32));
	fputc('\n', f);
	return 0;
}

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

/* --- The command ----------------------------------------------------------- */

struct save {
	FILE *f;		/* this attempt's text */
	char *buf;
	size_t len;
	char err[512];		/* the first object that cannot be saved */
};

static void save_reset(void *data)
{
	struct save *sv = data;

	if (sv->f)
		fclose(sv->f);
	free(sv->buf);
	sv->buf = NULL;
	sv->err[0] = '\0';
	sv->f = open_memstream(&sv->buf, &sv->len);
	if (!sv->f)
		die("out of memory");
}

static void save_failed(struct save *sv)
{
	if (!sv->err[0])
		snprintf(sv->err, sizeof(sv->err), "%s", last_error());
}

static int sa_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_SA);
	struct save *sv = data;
	struct sa sa;

	if (!nest || sv->err[0])
		return MNL_CB_OK;
	sa_from(nest, &sa);
	if (sa_save(sv->f, &sa))
		save_failed(sv);
	return MNL_CB_OK;
}

static int pol_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_POLICY);
	struct save *sv = data;
	struct policy p;

	if (!nest || sv->err[0])
		return MNL_CB_OK;
	pol_from(nest, &p);
	if (pol_save(sv->f, &p))
		save_failed(sv);
	return MNL_CB_OK;
}

/* Runs the dump of @cmd into a string of lines; NULL after the error line. */
static char *dump_lines(uint8_t cmd, nl_reply_cb cb)
{
	struct save sv = { .f = NULL };
	struct nl_req req;

	nl_req_start(&req, cmd, NLM_F_DUMP);
	if (dump_retry(&req, cb, &sv, save_reset)) {
		fclose(sv.f);
		free(sv.buf);
		return NULL;
	}
	fclose(sv.f);
	if (sv.err[0]) {
		free(sv.buf);
		die("%s", sv.err);
	}
	return sv.buf;
}

static int attr_u8s_cb(const struct nlattr *attr, void *data)
{
	uint8_t *v = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= KIPSEC_DEFAULT_A_MAX && mnl_attr_get_payload_len(attr) == 1)
		v[type] = mnl_attr_get_u8(attr);
	return MNL_CB_OK;
}

static int default_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_DEFAULT);

	if (nest)
		mnl_attr_parse_nested(nest, attr_u8s_cb, data);
	return MNL_CB_OK;
}

struct config {
	uint32_t acquire_expires, mark_value, mark_mask;
};

static int mark_cb(const struct nlattr *attr, void *data)
{
	struct config *c = data;

	if (mnl_attr_get_payload_len(attr) != 4)
		return MNL_CB_OK;
	if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_VALUE)
		c->mark_value = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KIPSEC_MARK_A_MASK)
		c->mark_mask = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int config_attr_cb(const struct nlattr *attr, void *data)
{
	struct config *c = data;

	if (mnl_attr_get_type(attr) == KIPSEC_CONFIG_A_ACQUIRE_EXPIRES &&
	    mnl_attr_get_payload_len(attr) == 4)
		c->acquire_expires = mnl_attr_get_u32(attr);
	else if (mnl_attr_get_type(attr) == KIPSEC_CONFIG_A_DECAP_MARK)
		mnl_attr_parse_nested(attr, mark_cb, c);
	return MNL_CB_OK;
}

static int config_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_CONFIG);

	if (nest)
		mnl_attr_parse_nested(nest, config_attr_cb, data);
	return MNL_CB_OK;
}

static const char *action_word(uint8_t v)
{
	return v == KIPSEC_ACTION_BLOCK ? "block" : "accept";
}

int do_save(int verb, int argc, char **argv)
{
	uint8_t dflt[KIPSEC_DEFAULT_A_MAX + 1] = { 0 };
	struct config cfg = { 0, 0, 0 };
	char *sas, *pols;
	struct nl_req req;

	(void)verb;
	if (argc > 0 && matches(argv[0], "help")) {
		puts("Usage: kipsec save\n"
		     "Prints the SAs (with their keys and sequence numbers), policies,\n"
		     "default actions and settings of the namespace as command lines for\n"
		     "\"kipsec restore FILE\" (needs CAP_NET_ADMIN, as the keys do).");
		return 0;
	}
	if (argc > 0)
		die("\"save\" takes no arguments");
	nl_req_start(&req, KIPSEC_CMD_GET_CONFIG, 0);
	if (nl_talk(&req, config_cb, &cfg))
		return 2;
	nl_req_start(&req, KIPSEC_CMD_GET_DEFAULT, 0);
	if (nl_talk(&req, default_cb, dflt))
		return 2;
	sas = dump_lines(KIPSEC_CMD_GET_SA, sa_cb);
	if (!sas)
		return 2;
	pols = dump_lines(KIPSEC_CMD_GET_POLICY, pol_cb);
	if (!pols) {
		free(sas);
		return 2;
	}
	printf("# kipsec save: restore with \"kipsec restore FILE\"\n");
	if (cfg.acquire_expires)
		printf("config set acquire-expires %u decap-mark 0x%x/0x%x\n",
		       cfg.acquire_expires, cfg.mark_value, cfg.mark_mask);
	fputs(sas, stdout);
	fputs(pols, stdout);
	printf("policy setdefault in %s fwd %s out %s\n",
	       action_word(dflt[KIPSEC_DEFAULT_A_IN]),
	       action_word(dflt[KIPSEC_DEFAULT_A_FWD]),
	       action_word(dflt[KIPSEC_DEFAULT_A_OUT]));
	free(sas);
	free(pols);
	if (fflush(stdout) || ferror(stdout))
		die("cannot write the saved lines: %m");
	return 0;
}
