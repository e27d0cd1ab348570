// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec stats: the namespace's counters, the analogue of XFRM's
 * /proc/net/xfrm_stat: object counts, drops by reason, pass-through.
 */
#include "json.h"
#include "kipsec.h"
#include "nl.h"
#include "util.h"

#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <stdio.h>
#include <string.h>

/* Names in xfrm_stat's style for text, ip-ish words for JSON. */
static const struct {
	const char *text;
	const char *json;
} names[KIPSEC_STATS_A_MAX + 1] = {
	[KIPSEC_STATS_A_SA_COUNT] = { "SACount", "sa-count" },
	[KIPSEC_STATS_A_POLICY_COUNT] = { "PolicyCount", "policy-count" },
	[KIPSEC_STATS_A_EVENTS_LOST] = { "EventsLost", "events-lost" },
	[KIPSEC_STATS_A_PASSTHROUGH] = { "InPassThrough", "passthrough" },
	[KIPSEC_STATS_A_IN_REPLAY] = { "InReplay", "in-replay" },
	[KIPSEC_STATS_A_IN_AUTH] = { "InAuthFailed", "in-auth" },
	[KIPSEC_STATS_A_IN_PADDING] = { "InBadPadding", "in-padding" },
	[KIPSEC_STATS_A_IN_MALFORMED] = { "InMalformed", "in-malformed" },
	[KIPSEC_STATS_A_IN_POLICY] = { "InPolicyMismatch", "in-policy" },
	[KIPSEC_STATS_A_IN_SELECTOR] = { "InSelectorMismatch", "in-selector" },
	[KIPSEC_STATS_A_IN_LARVAL] = { "InLarval", "in-larval" },
	[KIPSEC_STATS_A_OUT_NO_SA] = { "OutNoState", "out-no-sa" },
	[KIPSEC_STATS_A_OUT_SEQ_OVERFLOW] = { "OutSeqOverflow", "out-seq-overflow" },
	[KIPSEC_STATS_A_OUT_POLICY_BLOCK] = { "OutPolicyBlock", "out-policy-block" },
	[KIPSEC_STATS_A_IN_POLICY_BLOCK] = { "InPolicyBlock", "in-policy-block" },
	[KIPSEC_STATS_A_NO_MEMORY] = { "NoMemory", "no-memory" },
	[KIPSEC_STATS_A_EXPIRED] = { "Expired", "expired" },
	[KIPSEC_STATS_A_IN_TFC] = { "InTfcDummy", "in-tfc" },
	[KIPSEC_STATS_A_OUT_NO_ROUTE] = { "OutNoRoute", "out-no-route" },
	[KIPSEC_STATS_A_OUT_MALFORMED] = { "OutMalformed", "out-malformed" },
	[KIPSEC_STATS_A_IN_NO_ROUTE] = { "InNoRoute", "in-no-route" },
	[KIPSEC_STATS_A_IN_FRAG_BAD] = { "InFragBad", "in-frag-bad" },
	[KIPSEC_STATS_A_IN_FRAG_LIMIT] = { "InFragLimit", "in-frag-limit" },
	[KIPSEC_STATS_A_IN_FRAG_TIMEOUT] = { "InFragTimeout", "in-frag-timeout" },
	[KIPSEC_STATS_A_IN_FRAG_REASM] = { "InFragReasm", "in-frag-reasm" },
	[KIPSEC_STATS_A_IN_ENCAP_KEEPALIVE] = { "InEncapKeepalive", "in-encap-keepalive" },
	[KIPSEC_STATS_A_IN_ENCAP_NO_SA] = { "InEncapNoState", "in-encap-no-sa" },
	[KIPSEC_STATS_A_IN_ENCAP_MISMATCH] = { "InEncapMismatch", "in-encap-mismatch" },
	[KIPSEC_STATS_A_IN_ENCAP_NON_ESP] = { "InEncapNonEsp", "in-encap-non-esp" },
};

struct stats {
	uint64_t v[KIPSEC_STATS_A_MAX + 1];
	bool has[KIPSEC_STATS_A_MAX + 1];
};

static int stat_cb(const struct nlattr *attr, void *data)
{
	struct stats *st = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= KIPSEC_STATS_A_MAX && names[type].text &&
	    mnl_attr_validate(attr, MNL_TYPE_U64) >= 0) {
		st->v[type] = mnl_attr_get_u64(attr);
		st->has[type] = true;
	}
	return MNL_CB_OK;
}

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(attr) == KIPSEC_A_STATS)
			mnl_attr_parse_nested(attr, stat_cb, data);
	return MNL_CB_OK;
}

int do_stats(int verb, int argc, char **argv)
{
	struct stats st;
	struct nl_req req;
	struct json j;
	int i;

	(void)verb;
	memset(&st, 0, sizeof(st));
	if (argc > 0 && matches(argv[0], "help")) {
		puts("Usage: kipsec [ -j ] stats [ show ]\n"
		     "The namespace's SA and policy counts, lost events and drops by reason\n"
		     "(the analogue of /proc/net/xfrm_stat); see kipsec(8).");
		return 0;
	}
	if (argc > 0 && !matches(argv[0], "show") && !matches(argv[0], "list"))
		die("unknown command \"%s\" for \"stats\"; try \"kipsec help\"",
		    argv[0]);
	if (argc > 1)
		die("\"stats\" takes no arguments");
	nl_req_start(&req, KIPSEC_CMD_GET_STATS, 0);
	if (nl_talk(&req, stats_cb, &st))
		return 2;
	if (opts.json) {
		json_init(&j, stdout);
		json_obj_open(&j, NULL);
	}
	for (i = 0; i <= KIPSEC_STATS_A_MAX; i++) {
		if (!st.has[i])
			continue;
		if (opts.json)
			json_u64(&j, names[i].json, st.v[i]);
		else
			printf("%-24s %llu\n", names[i].text,
			       (unsigned long long)st.v[i]);
	}
	if (opts.json) {
		json_obj_close(&j);
		putchar('\n');
	}
	return 0;
}
