/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_POLICY_H
#define _KIPSEC_POLICY_H

#include "selector.h"

#include <linux/kipsec.h>
#include <linux/list.h>
#include <linux/rhashtable-types.h>
#include <linux/timekeeping.h>

struct kipsec_net;

/* A template: which SA protects what a policy matches. */
struct kipsec_tmpl {
	u16 family;			/* outer family; 0 = the packet's */
	union kipsec_addr daddr;	/* tunnel endpoints (tunnel mode) */
	union kipsec_addr saddr;
	u8 proto;
	u8 mode;
	u8 level;
	u32 reqid;
	__be32 spi;			/* 0 = any SA that fits */
};

/* What identifies a policy, as XFRM: its direction and selector. */
struct kipsec_policy_key {
	struct kipsec_sel sel;
	u8 dir;
	u8 pad[3];
};

struct kipsec_policy {
	struct rhash_head sel_node;	/* kn->pol_by_sel */
	struct list_head list;		/* kn->pol_list[dir], by priority */
	struct rcu_head rcu;
	struct kipsec_policy_key key;
	u32 index;
	u32 priority;
	u8 action;
	u8 ntmpl;
	u64 add_time;			/* seconds since the epoch */
	u64 use_time;			/* 0 = never; written racily */
	struct kipsec_tmpl tmpl[];
};

/* Records a use; written only when the second changes (shared cache line). */
static inline void kipsec_policy_touch(struct kipsec_policy *pol)
{
	u64 now = ktime_get_real_seconds();

	if (READ_ONCE(pol->use_time) != now)
		WRITE_ONCE(pol->use_time, now);
}

int kipsec_spd_init(struct kipsec_net *kn);
void kipsec_spd_exit(struct kipsec_net *kn);

/* The policy that applies to @flow in @dir, under RCU, or NULL. */
struct kipsec_policy *kipsec_policy_lookup(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_flow *flow);

/* Writers, with kn->lock held. */
struct kipsec_policy *kipsec_policy_find(struct kipsec_net *kn, u8 dir,
					 const struct kipsec_sel *sel);
struct kipsec_policy *kipsec_policy_by_index(struct kipsec_net *kn,
					     u32 index);
/* Adds @pol, or replaces @old (same key) keeping its index. */
int kipsec_policy_insert(struct kipsec_net *kn, struct kipsec_policy *pol,
			 struct kipsec_policy *old);
void kipsec_policy_unlink(struct kipsec_net *kn, struct kipsec_policy *pol);
void kipsec_policy_flush(struct kipsec_net *kn, int dir);

#endif /* _KIPSEC_POLICY_H */
