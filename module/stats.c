// SPDX-License-Identifier: GPL-2.0
/* Per-CPU drop and pass-through counters, summed for netlink. */
#include "stats.h"

#include <linux/kipsec.h>
#include <net/netlink.h>

static const u16 kipsec_stat_attr[__KIPSEC_STAT_MAX] = {
	[KIPSEC_STAT_PASSTHROUGH] = KIPSEC_STATS_A_PASSTHROUGH,
	[KIPSEC_STAT_IN_REPLAY] = KIPSEC_STATS_A_IN_REPLAY,
	[KIPSEC_STAT_IN_AUTH] = KIPSEC_STATS_A_IN_AUTH,
	[KIPSEC_STAT_IN_PADDING] = KIPSEC_STATS_A_IN_PADDING,
	[KIPSEC_STAT_IN_MALFORMED] = KIPSEC_STATS_A_IN_MALFORMED,
	[KIPSEC_STAT_IN_POLICY] = KIPSEC_STATS_A_IN_POLICY,
	[KIPSEC_STAT_IN_SELECTOR] = KIPSEC_STATS_A_IN_SELECTOR,
	[KIPSEC_STAT_IN_LARVAL] = KIPSEC_STATS_A_IN_LARVAL,
	[KIPSEC_STAT_OUT_NO_SA] = KIPSEC_STATS_A_OUT_NO_SA,
	[KIPSEC_STAT_OUT_SEQ_OVERFLOW] = KIPSEC_STATS_A_OUT_SEQ_OVERFLOW,
	[KIPSEC_STAT_OUT_POLICY_BLOCK] = KIPSEC_STATS_A_OUT_POLICY_BLOCK,
	[KIPSEC_STAT_IN_POLICY_BLOCK] = KIPSEC_STATS_A_IN_POLICY_BLOCK,
	[KIPSEC_STAT_NO_MEMORY] = KIPSEC_STATS_A_NO_MEMORY,
	[KIPSEC_STAT_EXPIRED] = KIPSEC_STATS_A_EXPIRED,
	[KIPSEC_STAT_IN_TFC] = KIPSEC_STATS_A_IN_TFC,
	[KIPSEC_STAT_OUT_NO_ROUTE] = KIPSEC_STATS_A_OUT_NO_ROUTE,
	[KIPSEC_STAT_OUT_MALFORMED] = KIPSEC_STATS_A_OUT_MALFORMED,
	[KIPSEC_STAT_IN_NO_ROUTE] = KIPSEC_STATS_A_IN_NO_ROUTE,
	[KIPSEC_STAT_IN_FRAG_BAD] = KIPSEC_STATS_A_IN_FRAG_BAD,
	[KIPSEC_STAT_IN_FRAG_LIMIT] = KIPSEC_STATS_A_IN_FRAG_LIMIT,
	[KIPSEC_STAT_IN_FRAG_TIMEOUT] = KIPSEC_STATS_A_IN_FRAG_TIMEOUT,
	[KIPSEC_STAT_IN_FRAG_REASM] = KIPSEC_STATS_A_IN_FRAG_REASM,
	[KIPSEC_STAT_EVENTS_LOST] = KIPSEC_STATS_A_EVENTS_LOST,
	[KIPSEC_STAT_IN_ENCAP_KEEPALIVE] = KIPSEC_STATS_A_IN_ENCAP_KEEPALIVE,
	[KIPSEC_STAT_IN_ENCAP_NO_SA] = KIPSEC_STATS_A_IN_ENCAP_NO_SA,
	[KIPSEC_STAT_IN_ENCAP_MISMATCH] = KIPSEC_STATS_A_IN_ENCAP_MISMATCH,
	[KIPSEC_STAT_IN_ENCAP_NON_ESP] = KIPSEC_STATS_A_IN_ENCAP_NON_ESP,
};

struct kipsec_stats __percpu *kipsec_stats_alloc(gfp_t gfp)
{
	struct kipsec_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu_gfp(struct kipsec_stats, gfp);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void kipsec_stats_free(struct kipsec_stats __percpu *stats)
{
	free_percpu(stats);
}

void kipsec_stats_read(struct kipsec_stats __percpu *stats,
		       u64 sum[__KIPSEC_STAT_MAX])
{
	int cpu, i;

	memset(sum, 0, sizeof(u64) * __KIPSEC_STAT_MAX);
	for_each_possible_cpu(cpu) {
		const struct kipsec_stats *s = per_cpu_ptr(stats, cpu);
		u64 v[__KIPSEC_STAT_MAX];
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			for (i = 0; i < __KIPSEC_STAT_MAX; i++)
				v[i] = u64_stats_read(&s->count[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		for (i = 0; i < __KIPSEC_STAT_MAX; i++)
			sum[i] += v[i];
	}
}

int kipsec_stats_put(struct sk_buff *skb, const u64 sum[__KIPSEC_STAT_MAX],
		     bool nonzero)
{
	int i;

	for (i = 0; i < __KIPSEC_STAT_MAX; i++)
		if ((!nonzero || sum[i]) &&
		    nla_put_u64_64bit(skb, kipsec_stat_attr[i], sum[i],
				      KIPSEC_STATS_A_PAD))
			return -EMSGSIZE;
	return 0;
}
