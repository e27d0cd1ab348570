// SPDX-License-Identifier: GPL-2.0
/* kipsec policy: the security policy database, as ip xfrm policy. */
#include "kipsec.h"
#include "show.h"
#include "util.h"
#include "xfrm.h"


static void usage(void)
{
	fputs("Usage: kipsec policy { add | update } SELECTOR dir DIR\n"
	      "        [ index INDEX ] [ ptype PTYPE ] [ action ACTION ]\n"
	      "        [ priority PRIORITY ] [ TMPL-LIST ]\n"
	      "Usage: kipsec policy { delete | get } { SELECTOR | index INDEX } dir DIR\n"
	      "        [ ptype PTYPE ]\n"
	      "Usage: kipsec [ -s ] [ -j ] policy { list | deleteall } [ SELECTOR ] [ dir DIR ]\n"
	      "        [ index INDEX ] [ ptype PTYPE ] [ action ACTION ] [ priority PRIORITY ]\n"
	      "Usage: kipsec policy flush [ dir DIR ] [ ptype PTYPE ]\n"
	      "Usage: kipsec policy count\n"
	      "Usage: kipsec policy setdefault DIR ACTION [ DIR ACTION ] [ DIR ACTION ]\n"
	      "Usage: kipsec policy getdefault\n"
	      "SELECTOR := [ src ADDR[/PLEN] ] [ dst ADDR[/PLEN] ] [ dev DEV ] [ UPSPEC ]\n"
	      "UPSPEC := proto { tcp | udp | sctp | dccp } [ sport PORT ] [ dport PORT ] |\n"
	      "          proto { icmp | ipv6-icmp } [ type NUMBER ] [ code NUMBER ] |\n"
	      "          proto PROTO\n"
	      "DIR := in | out | fwd\n"
	      "PTYPE := main\n"
	      "ACTION := allow | block   (setdefault: accept | block)\n"
	      "TMPL-LIST := [ TMPL-LIST ] tmpl TMPL\n"
	      "TMPL := ID [ mode MODE ] [ reqid REQID ] [ level LEVEL ]\n"
	      "ID := [ src ADDR ] [ dst ADDR ] [ proto XFRM-PROTO ] [ spi SPI ]\n"
	      "XFRM-PROTO := esp | ah\n"
	      "MODE := transport | tunnel\n"
	      "LEVEL := required | use\n",
	      stdout);
}

/* What deleteall deletes: each matching policy, by direction and index. */
struct pol_id {
	uint8_t dir;
	uint32_t idx;
};

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_POLICY);
	struct collect *c = data;
	struct pol_id *id;
	struct policy p;

	if (!nest)
		return MNL_CB_OK;
	pol_from(nest, &p);
	if (!pol_match(c->filter, &p))
		return MNL_CB_OK;
	id = vec_add(&c->ids, sizeof(*id));
	id->dir = p.dir;
	id->idx = p.index;
	return MNL_CB_OK;
}

static void build_delete(const void *data, struct nl_req *req)
{
	const struct pol_id *id = data;
	struct policy_cmd del = { .verb = PO_DELETE };

	del.pol.dir = id->dir;
	del.pol.index = id->idx;
	del.pol.has = BIT(KIPSEC_POL_A_DIR) | BIT(KIPSEC_POL_A_INDEX);
	policy_build(&del, req);
}

static int run(int verb, int argc, char **argv)
{
	struct policy_cmd c;
	struct nl_req req;

	if (policy_parse(&c, verb, argc, argv))
		die("%s", last_error());
	policy_build(&c, &req);
	switch (verb) {
	case PO_GET:
		return show_one(&req, pol_show_cb, false);
	case PO_LIST:
		return show_dump(&req, pol_show_cb, &c.pol, false);
	case PO_DELETEALL:
		return delete_all(&req, collect_cb, &c.pol,
				  sizeof(struct pol_id), build_delete);
	case PO_COUNT:
		return show_one(&req, pol_count_cb, false);
	case PO_GETDEFAULT:
		return show_one(&req, default_show_cb, false);
	default:
		return talk(&req);
	}
}

static int refuse_set(int verb, int argc, char **argv)
{
	(void)verb;
	(void)argc;
	(void)argv;
	die("\"policy set\" (hash thresholds) is not supported by kipsec");
}

/* In ip's order, for its abbreviations ("s" is show, "se" set). */
static const struct command verbs[] = {
	{ "add", run, PO_ADD, "add a policy" },
	{ "update", run, PO_UPDATE, "add or change a policy" },
	{ "delete", run, PO_DELETE, "delete a policy" },
	{ "deleteall", run, PO_DELETEALL, "delete the policies a filter matches" },
	{ "delall", run, PO_DELETEALL, "delete the policies a filter matches" },
	{ "list", run, PO_LIST, "show policies" },
	{ "show", run, PO_LIST, "show policies" },
	{ "lst", run, PO_LIST, "show policies" },
	{ "get", run, PO_GET, "show one policy" },
	{ "flush", run, PO_FLUSH, "delete all policies" },
	{ "count", run, PO_COUNT, "count policies" },
	{ "set", refuse_set, 0, "not supported" },
	{ "setdefault", run, PO_SETDEFAULT, "set the default action" },
	{ "getdefault", run, PO_GETDEFAULT, "show the default actions" },
	{ NULL, NULL, 0, NULL },
};

int do_policy(int verb, int argc, char **argv)
{
	(void)verb;
	if (argc == 0)		/* as ip: "kipsec policy" lists */
		return run(PO_LIST, 0, argv);
	return dispatch("policy", verbs, argc, argv, usage);
}
