/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_NETNS_H
#define _KIPSEC_NETNS_H

#include "stats.h"

#include <linux/kipsec.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/inet_frag.h>
#include <net/net_namespace.h>

/*
 * Everything kipsec keeps for one network namespace. Readers on the packet
 * path use RCU; every writer holds @lock. The tables are set up when the
 * namespace gets its first SA or policy (kipsec_net_activate), so that
 * namespaces that do not use kipsec pay nothing.
 */
struct kipsec_net {
	struct net *net;
	struct mutex lock;		/* serialises configuration changes */
	u32 gen;			/* bumped on each change, for dumps */
	bool active;			/* tables and hooks are set up */

	/* SAD (sa.c) */
	struct rhashtable sa_by_spi;	/* inbound: (daddr, spi, proto) */
	struct rhltable sa_by_dst;	/* outbound: (daddr, proto) */
	struct xarray sa_ids;		/* every SA by id: dump order */
	u32 sa_next_id;
	u32 sa_count;
	atomic_t sa_live;		/* SAs not freed yet, in-flight
					 * packets' ones included
					 */
	struct list_head sa_larval;	/* larval SAs, oldest first */
	struct delayed_work larval_work; /* removes expired larval SAs */

	/* SPD (policy.c) */
	struct rhashtable pol_by_sel;	/* (dir, selector): duplicates */
	struct xarray pol_ids;		/* every policy by index */
	struct list_head pol_list[__KIPSEC_DIR_MAX]; /* by priority */
	seqcount_t pol_move_seq;	/* a policy moving in its list */
	u32 pol_next_index;
	u32 pol_count;
	u8 default_action[__KIPSEC_DIR_MAX];
	u32 dev_policies[__KIPSEC_DIR_MAX]; /* with a dev selector */

	/* Pending acquires (acquire.c) */
#define KIPSEC_ACQ_BUCKETS 64
	spinlock_t acq_lock;		/* the acquire hash; BHs off */
	struct hlist_head acq_hash[KIPSEC_ACQ_BUCKETS];
	unsigned int acq_count;

	/* Settings (KIPSEC_A_CONFIG) */
	u32 acquire_expires;
	u32 decap_mark_value, decap_mark_mask;
	u16 encap_port;			/* 0 = none; READ_ONCE in the hook */
	struct socket *encap_sock[2];	/* encap_udp.c: IPv4, IPv6 */
	struct list_head encap_daemons;	/* encap_sock.c: handed over, RCU */
	struct socket *out6_sock;	/* output.c: owns IPv6 sent whole */

	struct kipsec_stats __percpu *stats;
	struct fqdir *fqdir;		/* frag.c: inner fragments' queues */
	struct nf_hook_ops nf_ops[6];	/* hooks.c */
#ifdef DEBUG
	atomic_t inflight;		/* debug.c: packets in ESP or AH */
#endif
};

struct kipsec_net *kipsec_net(const struct net *net);

/* Sets up the tables (and, later, hooks) on first use; kn->lock held. */
int kipsec_net_activate(struct kipsec_net *kn);

/* Bumps the generation: a dump in progress will report NLM_F_DUMP_INTR. */
static inline void kipsec_net_changed(struct kipsec_net *kn)
{
	WRITE_ONCE(kn->gen, kn->gen + 1);
}

int kipsec_netns_init(void);
void kipsec_netns_exit(void);

#endif /* _KIPSEC_NETNS_H */
