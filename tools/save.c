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

#include <linux/genetlink.h>
#include <stdlib.h>

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
