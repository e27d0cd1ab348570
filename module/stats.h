/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_STATS_H
#define _KIPSEC_STATS_H

#include <linux/percpu.h>
#include <linux/u64_stats_sync.h>

struct sk_buff;

/*
 * Counters kept per CPU, per netns and per SA: drops by reason, and
 * pass-through ESP. Each maps to one KIPSEC_STATS_A_* attribute.
 */
enum kipsec_stat {
	KIPSEC_STAT_PASSTHROUGH,
	KIPSEC_STAT_IN_REPLAY,
	KIPSEC_STAT_IN_AUTH,
	KIPSEC_STAT_IN_PADDING,
	KIPSEC_STAT_IN_MALFORMED,
	KIPSEC_STAT_IN_POLICY,
	KIPSEC_STAT_IN_SELECTOR,
	KIPSEC_STAT_IN_LARVAL,
	KIPSEC_STAT_OUT_NO_SA,
	KIPSEC_STAT_OUT_SEQ_OVERFLOW,
	KIPSEC_STAT_OUT_POLICY_BLOCK,
	KIPSEC_STAT_IN_POLICY_BLOCK,
	KIPSEC_STAT_NO_MEMORY,
	KIPSEC_STAT_EXPIRED,
	KIPSEC_STAT_IN_TFC,
	KIPSEC_STAT_OUT_NO_ROUTE,
	KIPSEC_STAT_OUT_MALFORMED,
	KIPSEC_STAT_IN_NO_ROUTE,
	KIPSEC_STAT_IN_FRAG_BAD,
	KIPSEC_STAT_IN_FRAG_LIMIT,
	KIPSEC_STAT_IN_FRAG_TIMEOUT,
	KIPSEC_STAT_IN_FRAG_REASM,	/* netns only; no drop */
	KIPSEC_STAT_EVENTS_LOST,	/* netns only */
	KIPSEC_STAT_IN_ENCAP_KEEPALIVE,	/* netns only; no drop */
	KIPSEC_STAT_IN_ENCAP_NO_SA,	/* netns only */
	KIPSEC_STAT_IN_ENCAP_MISMATCH,
	KIPSEC_STAT_IN_ENCAP_NON_ESP,	/* netns only */
	__KIPSEC_STAT_MAX
};

struct kipsec_stats {
	u64_stats_t count[__KIPSEC_STAT_MAX];
	struct u64_stats_sync syncp;
};

static inline void kipsec_stats_inc(struct kipsec_stats __percpu *stats,
				    enum kipsec_stat which)
{
	struct kipsec_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->count[which]);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

struct kipsec_stats __percpu *kipsec_stats_alloc(gfp_t gfp);
void kipsec_stats_free(struct kipsec_stats __percpu *stats);

/* Sums every CPU's counters into @sum. */
void kipsec_stats_read(struct kipsec_stats __percpu *stats,
		       u64 sum[__KIPSEC_STAT_MAX]);

/*
 * Puts @sum as KIPSEC_STATS_A_* attributes into an open nest; only the
 * non-zero ones if @nonzero (absent means 0, and SA dumps stay small).
 */
int kipsec_stats_put(struct sk_buff *skb, const u64 sum[__KIPSEC_STAT_MAX],
		     bool nonzero);

#endif /* _KIPSEC_STATS_H */
