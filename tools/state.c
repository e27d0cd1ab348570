// SPDX-License-Identifier: GPL-2.0
/* kipsec state: the security association database, as ip xfrm state. */
#include "kipsec.h"
#include "show.h"
#include "util.h"
#include "xfrm.h"


static void usage(void)
{
	fputs("Usage: kipsec state { add | update } ID [ ALGO-LIST ] [ mode MODE ]\n"
	      "        [ reqid REQID ] [ replay-window SIZE ] [ replay-seq SEQ ]\n"
	      "        [ replay-oseq SEQ ] [ replay-seq-hi SEQ ] [ replay-oseq-hi SEQ ]\n"
	      "        [ flag FLAG-LIST ] [ sel SELECTOR ] [ LIMIT-LIST ]\n"
	      "        [ output-mark MARK [ mask MASK ] ]\n"
	      "Usage: kipsec state update ID [ new-dst ADDR ] [ new-src ADDR ] [ reqid REQID ]\n"
	      "        [ replay-window SIZE ] [ replay-oseq SEQ ] [ replay-oseq-hi SEQ ]\n"
	      "        [ sel SELECTOR ] [ LIMIT-LIST ] [ output-mark MARK [ mask MASK ] ]\n"
	      "        without ALGO-LIST: changes only what is given, in place (the\n"
	      "        limits given replace all limits; output-mark 0 removes the mark);\n"
	      "        new-dst/new-src move the SA to new outer addresses (MOBIKE)\n"
	      "Usage: kipsec state allocspi ID [ mode MODE ] [ reqid REQID ]\n"
	      "        [ min SPI max SPI ]\n"
	      "Usage: kipsec state { delete | get } ID\n"
	      "Usage: kipsec [ -s ] [ -j ] state { list | deleteall } [ nokeys ] [ ID ]\n"
	      "        [ mode MODE ] [ reqid REQID ] [ flag FLAG-LIST ]\n"
	      "Usage: kipsec state flush [ proto XFRM-PROTO ]\n"
	      "Usage: kipsec state count\n"
	      "ID := [ src ADDR ] [ dst ADDR ] [ proto XFRM-PROTO ] [ spi SPI ]\n"
	      "XFRM-PROTO := esp | ah\n"
	      "ALGO-LIST := [ ALGO-LIST ] ALGO\n"
	      "ALGO := { enc | auth } ALGO-NAME ALGO-KEYMAT |\n"
	      "        auth-trunc ALGO-NAME ALGO-KEYMAT ALGO-TRUNC-LEN |\n"
	      "        aead ALGO-NAME ALGO-KEYMAT ALGO-ICV-LEN\n"
	      "ALGO-KEYMAT := 0xHEX | STRING\n"
	      "MODE := transport | tunnel\n"
	      "FLAG-LIST := [ FLAG-LIST ] FLAG\n"
	      "FLAG := noecn | decap-dscp | nopmtudisc | esn | dont-encap-dscp\n"
	      "SELECTOR := [ src ADDR[/PLEN] ] [ dst ADDR[/PLEN] ] [ dev DEV ] [ UPSPEC ]\n"
	      "UPSPEC := proto { tcp | udp | sctp | dccp } [ sport PORT ] [ dport PORT ] |\n"
	      "          proto { icmp | ipv6-icmp } [ type NUMBER ] [ code NUMBER ] |\n"
	      "          proto PROTO\n"
	      "LIMIT-LIST := [ LIMIT-LIST ] limit LIMIT\n"
	      "LIMIT := { time-soft | time-hard | time-use-soft | time-use-hard } SECONDS |\n"
	      "         { byte-soft | byte-hard } SIZE | { packet-soft | packet-hard } COUNT\n"
	      "         (a value may be \"inf\": no limit)\n",
	      stdout);
}

/* What deleteall deletes: the ID of each SA the filter matched. */
struct sa_id {
	struct kaddr daddr;
	uint16_t family;
	uint8_t proto;
	uint32_t spi;
};

static int collect_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_SA);
	struct collect *c = data;
	struct sa_id *id;
	struct sa sa;

	if (!nest)
		return MNL_CB_OK;
	sa_from(nest, &sa);
	if (!sa_match(c->filter, &sa))
		return MNL_CB_OK;
	id = vec_add(&c->ids, sizeof(*id));
	id->daddr = sa.daddr;
	id->family = sa.family;
	id->proto = sa.proto;
	id->spi = sa.spi;
	return MNL_CB_OK;
}

static void build_delete(const void *data, struct nl_req *req)
{
	const struct sa_id *id = data;
	struct state_cmd del = { .verb = ST_DELETE };

	del.sa.family = id->family;
	del.sa.daddr = id->daddr;
	del.sa.proto = id->proto;
	del.sa.spi = id->spi;
	del.sa.has = BIT(KIPSEC_SA_A_FAMILY) | BIT(KIPSEC_SA_A_DADDR) |
		     BIT(KIPSEC_SA_A_PROTO) | BIT(KIPSEC_SA_A_SPI);
	state_build(&del, req);
}

static int run(int verb, int argc, char **argv)
{
	struct state_cmd c;
	struct nl_req req;

	if (state_parse(&c, verb, argc, argv))
		die("%s", last_error());
	state_build(&c, &req);
	switch (verb) {
	case ST_GET:
	case ST_ALLOCSPI:
		return show_one(&req, sa_show_cb, false);
	case ST_LIST:
		return show_dump(&req, sa_show_cb, &c.sa, c.nokeys);
	case ST_DELETEALL:
		return delete_all(&req, collect_cb, &c.sa, sizeof(struct sa_id),
				  build_delete);
	case ST_COUNT:
		return show_one(&req, sa_count_cb, false);
	default:
		return talk(&req);
	}
}

static const struct command verbs[] = {
	{ "add", run, ST_ADD, "add an SA" },
	{ "update", run, ST_UPDATE, "change an SA" },
	{ "allocspi", run, ST_ALLOCSPI, "reserve an SPI" },
	{ "delete", run, ST_DELETE, "delete an SA" },
	{ "deleteall", run, ST_DELETEALL, "delete the SAs a filter matches" },
	{ "delall", run, ST_DELETEALL, "delete the SAs a filter matches" },
	{ "list", run, ST_LIST, "show SAs" },
	{ "show", run, ST_LIST, "show SAs" },
	{ "lst", run, ST_LIST, "show SAs" },
	{ "get", run, ST_GET, "show one SA" },
	{ "flush", run, ST_FLUSH, "delete all SAs" },
	{ "count", run, ST_COUNT, "count SAs" },
	{ NULL, NULL, 0, NULL },
};

int do_state(int verb, int argc, char **argv)
{
	(void)verb;
	if (argc == 0)		/* as ip: "kipsec state" lists */
		return run(ST_LIST, 0, argv);
	return dispatch("state", verbs, argc, argv, usage);
}
