/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_SA_H
#define _KIPSEC_SA_H

#include "replay.h"
#include "selector.h"
#include "stats.h"

#include <linux/atomic.h>
#include <linux/kipsec.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/seqlock.h>
#include <linux/spinlock.h>
#include <linux/hrtimer.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>
#include <net/dst_cache.h>

struct crypto_aead;
struct xfrm_state;
struct crypto_ahash;
struct kipsec_encap_type;
struct kipsec_net;
struct kipsec_policy;
struct kipsec_xform_type;

/* An algorithm as it was configured, kept for GET and dumps. */
struct kipsec_alg {
	char name[KIPSEC_ALG_NAME_MAX];
	u32 icv_bits;
	u32 key_len;
	u8 key[];		/* zeroed before it is freed */
};

/* Lifetime limits (0 = none), as KIPSEC_A_LIFETIME. */
struct kipsec_lifetime {
	u64 soft_bytes, hard_bytes;
	u64 soft_packets, hard_packets;
	u64 soft_add_secs, hard_add_secs;
	u64 soft_use_secs, hard_use_secs;
};

/* How an SA makes the IV of a packet it sends. */
enum kipsec_iv_kind {
	KIPSEC_IV_NONE,		/* no IV (null encryption) */
	KIPSEC_IV_SEQ,		/* counter modes: seq XOR a per-SA secret */
	KIPSEC_IV_RANDOM,	/* CBC: unpredictable, from the RNG */
};

/* Lookup key of the inbound table: what an ESP or AH header names. */
struct kipsec_sa_key {
	union kipsec_addr daddr;
	__be32 spi;
	u16 family;
	u8 proto;
	u8 pad;
};

/* Lookup key of the outbound table: where a template sends to. */
struct kipsec_sa_dst_key {
	union kipsec_addr daddr;
	u16 family;
	u8 proto;
	u8 pad;
};

/*
 * A security association. Everything above @lock is fixed once the SA is
 * published; what changes is under @lock or atomic. Readers find SAs under
 * RCU and take a reference to keep one past the read section (async
 * crypto does).
 */
struct kipsec_sa {
	struct rhash_head spi_node;	/* kn->sa_by_spi */
	struct rhlist_head dst_node;	/* kn->sa_by_dst */
	struct rcu_work free_work;
	refcount_t ref;
	struct kipsec_net *kn;
	struct xfrm_state __rcu *xs;	/* what its packets' secpath lists */
	u32 id;				/* kn->sa_ids index: dump order */
	bool dead;			/* unlinked; set under kn->lock */
	struct list_head larval_node;	/* kn->sa_larval, while larval */

	/*
	 * The outer addresses change only by an update (MOBIKE), under
	 * @lock and @addr_seq; the datapath reads them with
	 * kipsec_sa_outer(). key.family, key.spi and key.proto never change.
	 */
	struct kipsec_sa_key key;	/* family, daddr, spi, proto */
	struct kipsec_sa_dst_key dst_key;
	union kipsec_addr saddr;
	seqcount_spinlock_t addr_seq;
	u8 mode;
	u32 reqid;
	u32 flags;			/* KIPSEC_SA_F_* */
	struct kipsec_sel sel;
	u32 smark_value, smark_mask;
	/*
	 * UDP encapsulation (sa->encap set): the ports change by an update,
	 * under @lock and @addr_seq (kipsec_sa_encap_ports()).
	 */
	__be16 encap_sport, encap_dport;
	u16 encap_type;
	u8 encap_oa_len;		/* 0, 4 or 16 */
	union kipsec_addr encap_oa;
	unsigned long encap_mapping_at;	/* jiffies of the last MAPPING */

	const struct kipsec_xform_type *type;	/* ESP or AH (xform.h) */
	const struct kipsec_encap_type *encap;	/* or NULL (xform.h) */
	struct crypto_aead *aead;	/* ESP */
	struct crypto_ahash *ahash;	/* AH */
	struct kipsec_alg *alg_aead, *alg_crypt, *alg_auth;
	u8 iv_kind;			/* enum kipsec_iv_kind */
	u8 ivlen;
	u8 icvlen;
	u8 padalign;			/* pad the payload to this (>= 4) */
	u8 ahlen;			/* AH header with ICV and padding */
	u64 iv_secret;

	spinlock_t lock;		/* replay window, addresses */
	atomic64_t oseq;		/* last sequence number sent */
	struct kipsec_replay replay;
	struct kipsec_lifetime lft;	/* READ_ONCE: an update rewrites it */
	atomic64_t cur_bytes, cur_packets;
	u64 add_time;			/* seconds since the epoch */
	u64 use_time;			/* same, 0 = not used yet */
	u64 add_ns, use_ns;		/* the same in ns, for time limits */
	struct kipsec_stats __percpu *stats;
	struct dst_cache dst_cache;	/* outer route, tunnel mode */
	/* The outer path's MTU from ICMP (pmtu.c), 0 = none; READ_ONCE. */
	unsigned int pmtu;
	u64 pmtu_expires;		/* jiffies_64 */

	/* Lifetimes (lifetime.c) */
	unsigned long expire_flags;	/* KIPSEC_SA_EXPIRE_* bits */
	struct hrtimer timer;		/* next time limit */
	struct work_struct expire_work;	/* holds a reference while queued */
};

/* Bits of kipsec_sa.expire_flags. */
enum {
	KIPSEC_SA_EXPIRE_SOFT,		/* soft limit reached, event sent */
	KIPSEC_SA_EXPIRE_SOFT_QUEUED,	/* datapath asked for the soft event */
	KIPSEC_SA_EXPIRE_HARD,		/* hard limit reached: not used again */
	KIPSEC_SA_EXPIRE_COUNTED,	/* has byte or packet limits */
};

extern struct workqueue_struct *kipsec_sa_wq;

/* The outer addresses of @sa, consistent with each other. */
static inline void kipsec_sa_outer(const struct kipsec_sa *sa,
				   union kipsec_addr *daddr,
				   union kipsec_addr *saddr)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&sa->addr_seq);
		*daddr = sa->key.daddr;
		*saddr = sa->saddr;
	} while (read_seqcount_retry(&sa->addr_seq, seq));
}

/* The UDP ports of an SA with an encapsulation, consistent. */
static inline void kipsec_sa_encap_ports(const struct kipsec_sa *sa,
					 __be16 *sport, __be16 *dport)
{
	unsigned int seq;

	do {
		seq = read_seqcount_begin(&sa->addr_seq);
		*sport = sa->encap_sport;
		*dport = sa->encap_dport;
	} while (read_seqcount_retry(&sa->addr_seq, seq));
}

static inline bool kipsec_sa_expired(const struct kipsec_sa *sa)
{
	return test_bit(KIPSEC_SA_EXPIRE_HARD, &sa->expire_flags);
}

/*
 * lifetime.c. Start: arms the time limits of a new SA (kn->lock held).
 * Stop: at unlink. Check: applies the limits now, sending soft and hard
 * EXPIRE events and removing the SA at a hard one (kn->lock held).
 * Account: the datapath counts one packet of @len bytes (see the uapi for
 * what is counted) and asks for an expiry check when a limit is reached.
 */
void kipsec_sa_lifetime_start(struct kipsec_sa *sa);
void kipsec_sa_lifetime_stop(struct kipsec_sa *sa);
void kipsec_sa_lifetime_check(struct kipsec_sa *sa);
void kipsec_sa_lifetime_init(struct kipsec_sa *sa);
void kipsec_sa_account(struct kipsec_sa *sa, unsigned int len);
/* The outbound counter is exhausted: a hard expiry. */
void kipsec_sa_seq_exhausted(struct kipsec_sa *sa);

int kipsec_sa_module_init(void);
void kipsec_sa_drain(void);
void kipsec_sa_module_exit(void);

/*
 * The tables of a namespace; exit flushes them, with kn->lock held, after
 * stop (without it) has stopped the larval reaper.
 */
int kipsec_sad_init(struct kipsec_net *kn);
void kipsec_sad_stop(struct kipsec_net *kn);
void kipsec_sad_exit(struct kipsec_net *kn);

/*
 * ALLOC_SPI: publishes a larval SA for (family, daddr, proto) with a free
 * SPI in [min, max]; it drops what it receives until UPD_SA completes it,
 * and goes after kn->acquire_expires seconds otherwise. kn->lock held.
 */
int kipsec_sa_insert_larval(struct kipsec_net *kn, struct kipsec_sa *sa,
			    u32 min, u32 max);

/* Inbound: the SA for (daddr, spi, proto), under RCU, or NULL. */
struct kipsec_sa *kipsec_sa_lookup(struct kipsec_net *kn, u16 family,
				   const union kipsec_addr *daddr, __be32 spi,
				   u8 proto);

/*
 * Outbound: the SA the first template of @pol asks for, for a packet of
 * @flow (the newest that fits), under RCU, or NULL.
 */
struct kipsec_sa *kipsec_sa_for_tmpl(struct kipsec_net *kn,
				     const struct kipsec_policy *pol,
				     const struct kipsec_flow *flow);

static inline bool kipsec_sa_get(struct kipsec_sa *sa)
{
	return refcount_inc_not_zero(&sa->ref);
}

void kipsec_sa_put(struct kipsec_sa *sa);

/*
 * The sequence number of the next packet sent; -EOVERFLOW when the counter
 * is exhausted (without ESN it never wraps: the SA stops sending).
 */
static inline int kipsec_sa_next_oseq(struct kipsec_sa *sa, u64 *seq)
{
	u64 s = atomic64_inc_return(&sa->oseq);
	u64 max = sa->flags & KIPSEC_SA_F_ESN ? U64_MAX : U32_MAX;

	if (unlikely(!s || s > max)) {
		atomic64_set(&sa->oseq, max);
		return -EOVERFLOW;
	}
	*seq = s;
	return 0;
}

/* A drop, counted for the SA and for its namespace. */
void kipsec_sa_drop(struct kipsec_sa *sa, enum kipsec_stat reason);

/*
 * Inbound, before the ICV is checked: whether the packet with the low
 * half @seq_lo may be new, its full sequence number into *@seq. A replay
 * is counted and returns non-zero.
 */
static inline int kipsec_sa_replay_check(struct kipsec_sa *sa, u32 seq_lo,
					 u64 *seq)
{
	int err;

	spin_lock_bh(&sa->lock);
	err = kipsec_replay_check(&sa->replay, seq_lo,
				  sa->flags & KIPSEC_SA_F_ESN, seq);
	spin_unlock_bh(&sa->lock);
	if (unlikely(err))
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_REPLAY);
	return err;
}

/*
 * Once the ICV is verified: moves the window (a late replay is counted).
 * BHs off: a driver may complete from a threaded IRQ (process context)
 * while a softirq on the same CPU checks the same window.
 */
static inline int kipsec_sa_replay_advance(struct kipsec_sa *sa, u64 seq)
{
	int err;

	spin_lock_bh(&sa->lock);
	err = kipsec_replay_advance(&sa->replay, seq);
	spin_unlock_bh(&sa->lock);
	if (unlikely(err))
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_REPLAY);
	return err;
}

/* Writers, with kn->lock held. */
int kipsec_sa_insert(struct kipsec_net *kn, struct kipsec_sa *sa);
void kipsec_sa_unlink(struct kipsec_sa *sa);
void kipsec_sa_flush(struct kipsec_net *kn, u8 proto);

/*
 * An update of a complete SA (UPD_SA), parsed and checked: what is set
 * changes in place. @replay, if @window, is the new window, made with
 * kipsec_replay_init(); it is the SA's or freed either way.
 */
struct kipsec_sa_change {
	struct kipsec_lifetime lft;
	struct kipsec_replay replay;
	union kipsec_addr daddr, saddr;	/* new outer addresses (MOBIKE) */
	__be16 encap_sport, encap_dport; /* new UDP ports (ports) */
	u32 mark_value, mark_mask;
	u32 reqid;
	u64 oseq;			/* raised to this, never lowered */
	bool lifetime, window, mark, move, has_reqid, ports;
};

/* Applies @c to @sa (kn->lock held) and tells listeners. */
int kipsec_sa_change(struct kipsec_net *kn, struct kipsec_sa *sa,
		     struct kipsec_sa_change *c);

/* Allocation and crypto set-up of a new SA (not yet published). */
struct kipsec_sa *kipsec_sa_alloc(gfp_t gfp);
void kipsec_sa_free(struct kipsec_sa *sa);

#endif /* _KIPSEC_SA_H */
