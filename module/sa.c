// SPDX-License-Identifier: GPL-2.0
/*
 * The security association database of a namespace: an inbound table by
 * (destination, SPI, protocol), an outbound table by (destination,
 * protocol) for templates, and an id-ordered index for dumps. Removal is
 * in two phases: unlink under kn->lock, free after an RCU grace period
 * once the last reference (in-flight crypto holds one) is dropped.
 */
#include "sa.h"
#include "acquire.h"
#include "debug.h"
#include "event.h"
#include "netns.h"
#include "policy.h"
#include "secpath.h"
#include "xform.h"

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/rhashtable.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/wait_bit.h>

static const struct rhashtable_params sa_spi_params = {
	.key_len = sizeof(struct kipsec_sa_key),
	.key_offset = offsetof(struct kipsec_sa, key),
	.head_offset = offsetof(struct kipsec_sa, spi_node),
	.automatic_shrinking = true,
};

static const struct rhashtable_params sa_dst_params = {
	.key_len = sizeof(struct kipsec_sa_dst_key),
	.key_offset = offsetof(struct kipsec_sa, dst_key),
	.head_offset = offsetof(struct kipsec_sa, dst_node),
	.automatic_shrinking = true,
};

/*
 * Removes larval SAs and acquire entries older than the acquire timeout;
 * again each second while there are any.
 */
static void kipsec_larval_reap(struct work_struct *work)
{
	struct kipsec_net *kn = container_of(to_delayed_work(work),
					     struct kipsec_net, larval_work);
	u64 now = ktime_get_real_seconds();
	struct kipsec_sa *sa, *tmp;
	bool more;

	mutex_lock(&kn->lock);
	list_for_each_entry_safe(sa, tmp, &kn->sa_larval, larval_node)
		if (sa->add_time + kn->acquire_expires <= now)
			kipsec_sa_unlink(sa);
	more = !list_empty(&kn->sa_larval);
	mutex_unlock(&kn->lock);
	if (kipsec_acquire_reap(kn) || more)
		schedule_delayed_work(&kn->larval_work, HZ);
}

int kipsec_sad_init(struct kipsec_net *kn)
{
	int ret;

	ret = rhashtable_init(&kn->sa_by_spi, &sa_spi_params);
	if (ret)
		return ret;
	ret = rhltable_init(&kn->sa_by_dst, &sa_dst_params);
	if (ret) {
		rhashtable_destroy(&kn->sa_by_spi);
		return ret;
	}
	xa_init_flags(&kn->sa_ids, XA_FLAGS_ALLOC1);
	INIT_LIST_HEAD(&kn->sa_larval);
	INIT_DELAYED_WORK(&kn->larval_work, kipsec_larval_reap);
	return 0;
}

void kipsec_sad_stop(struct kipsec_net *kn)
{
	cancel_delayed_work_sync(&kn->larval_work);
}

void kipsec_sad_exit(struct kipsec_net *kn)
{
	kipsec_sa_flush(kn, 0);
	xa_destroy(&kn->sa_ids);
	rhltable_destroy(&kn->sa_by_dst);
	rhashtable_destroy(&kn->sa_by_spi);
}

/*
 * Callers hold rcu_read_lock() (the datapath) or kn->lock (writers, for
 * whom the SA stays valid after the table's own RCU section ends: only
 * writers unlink). The table may resize under either.
 */
struct kipsec_sa *kipsec_sa_lookup(struct kipsec_net *kn, u16 family,
				   const union kipsec_addr *daddr, __be32 spi,
				   u8 proto)
{
	struct kipsec_sa_key key = {
		.spi = spi, .family = family, .proto = proto,
	};

	if (family == AF_INET)
		key.daddr.a4 = daddr->a4;
	else
		key.daddr.a6 = daddr->a6;
	return rhashtable_lookup_fast(&kn->sa_by_spi, &key, sa_spi_params);
}

/* SAs not freed yet: module unload waits for in-flight packets' ones. */
static atomic_t kipsec_sa_live = ATOMIC_INIT(0);

struct kipsec_sa *kipsec_sa_alloc(gfp_t gfp)
{
	struct kipsec_sa *sa = kzalloc(sizeof(*sa), gfp);

	if (!sa)
		return NULL;
	sa->stats = kipsec_stats_alloc(gfp);
	if (!sa->stats || dst_cache_init(&sa->dst_cache, gfp)) {
		kipsec_stats_free(sa->stats);
		kfree(sa);
		return NULL;
	}
	refcount_set(&sa->ref, 1);
	spin_lock_init(&sa->lock);
	seqcount_spinlock_init(&sa->addr_seq, &sa->lock);
	kipsec_sa_lifetime_init(sa);
	atomic_inc(&kipsec_sa_live);
	return sa;
}

/* Frees an SA that was never published, or whose last reference is gone. */
void kipsec_sa_free(struct kipsec_sa *sa)
{
	struct kipsec_net *kn = sa->kn;

	/* Stopped at unlink already; an SA never published was never armed. */
	hrtimer_cancel(&sa->timer);
	/* Set only once its init_sa() succeeded. */
	if (sa->encap)
		sa->encap->destroy_sa(sa);
	if (sa->aead)
		crypto_free_aead(sa->aead);
	if (sa->ahash)
		crypto_free_ahash(sa->ahash);
	kfree_sensitive(sa->alg_aead);
	kfree_sensitive(sa->alg_crypt);
	kfree_sensitive(sa->alg_auth);
	kipsec_replay_free(&sa->replay);
	kipsec_secpath_put_state(rcu_dereference_protected(sa->xs, true));
	dst_cache_destroy(&sa->dst_cache);
	kipsec_stats_free(sa->stats);
	memzero_explicit(&sa->iv_secret, sizeof(sa->iv_secret));
	kfree(sa);
	/* The wake-ups only hash the addresses: kn may be gone by then. */
	if (kn && atomic_dec_and_test(&kn->sa_live))
		wake_up_var(&kn->sa_live);
	if (atomic_dec_and_test(&kipsec_sa_live))
		wake_up_var(&kipsec_sa_live);
}

/*
 * SAs are freed in process context after a grace period: freeing a crypto
 * transform may sleep, and the last reference may go in softirq context.
 */
struct workqueue_struct *kipsec_sa_wq;

static void kipsec_sa_free_work(struct work_struct *work)
{
	kipsec_sa_free(container_of(to_rcu_work(work), struct kipsec_sa,
				    free_work));
}

void kipsec_sa_put(struct kipsec_sa *sa)
{
	if (refcount_dec_and_test(&sa->ref)) {
		INIT_RCU_WORK(&sa->free_work, kipsec_sa_free_work);
		queue_rcu_work(kipsec_sa_wq, &sa->free_work);
	}
}

int __init kipsec_sa_module_init(void)
{
	kipsec_sa_wq = alloc_workqueue("kipsec_sa", WQ_UNBOUND, 0);
	return kipsec_sa_wq ? 0 : -ENOMEM;
}

/*
 * After every namespace is gone: packets still in async crypto hold SAs,
 * and their completions run kipsec's code; wait until the last is freed.
 */
void kipsec_sa_drain(void)
{
	wait_var_event(&kipsec_sa_live, !atomic_read(&kipsec_sa_live));
}

void kipsec_sa_module_exit(void)
{
	kipsec_sa_drain();
	rcu_barrier();
	destroy_workqueue(kipsec_sa_wq);
}

void kipsec_sa_drop(struct kipsec_sa *sa, enum kipsec_stat reason)
{
	kipsec_stats_inc(sa->stats, reason);
	kipsec_stats_inc(sa->kn->stats, reason);
}

int kipsec_sa_insert(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	int ret;

	lockdep_assert_held(&kn->lock);
	if (!sa->kn) {
		sa->kn = kn;
		atomic_inc(&kn->sa_live);
	}
	sa->dst_key.daddr = sa->key.daddr;
	sa->dst_key.family = sa->key.family;
	sa->dst_key.proto = sa->key.proto;
	if (!rcu_access_pointer(sa->xs)) {
		struct xfrm_state *xs;

		xs = kipsec_secpath_new_state(sa, &sa->key.daddr, &sa->saddr);
		if (!xs)
			return -ENOMEM;
		RCU_INIT_POINTER(sa->xs, xs);
	}

	ret = xa_alloc_cyclic(&kn->sa_ids, &sa->id, sa, xa_limit_32b,
			      &kn->sa_next_id, GFP_KERNEL);
	if (ret < 0)
		return ret;
	ret = rhashtable_lookup_insert_fast(&kn->sa_by_spi, &sa->spi_node,
					    sa_spi_params);
	if (ret)
		goto err_spi;
	ret = rhltable_insert(&kn->sa_by_dst, &sa->dst_node, sa_dst_params);
	if (ret)
		goto err_dst;
	kn->sa_count++;
	if (sa->flags & KIPSEC_SA_F_LARVAL) {
		list_add_tail(&sa->larval_node, &kn->sa_larval);
		if (!delayed_work_pending(&kn->larval_work))
			schedule_delayed_work(&kn->larval_work, HZ);
	} else {
		kipsec_acquire_sa_added(kn, sa->key.family, &sa->key.daddr,
					sa->key.proto);
		kipsec_sa_lifetime_start(sa);
	}
	kipsec_net_changed(kn);
	return 0;

err_dst:
	rhashtable_remove_fast(&kn->sa_by_spi, &sa->spi_node, sa_spi_params);
err_spi:
	xa_erase(&kn->sa_ids, sa->id);
	return ret;
}

/*
 * An SA's destination changes (MOBIKE): out of the tables, then, with the
 * new addresses set, back in; -errno (and still out) if that fails.
 */
static void sa_rehash_begin(struct kipsec_sa *sa)
{
	struct kipsec_net *kn = sa->kn;

	lockdep_assert_held(&kn->lock);
	rhashtable_remove_fast(&kn->sa_by_spi, &sa->spi_node, sa_spi_params);
	rhltable_remove(&kn->sa_by_dst, &sa->dst_node, sa_dst_params);
}

static int sa_rehash_end(struct kipsec_sa *sa)
{
	struct kipsec_net *kn = sa->kn;
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = rhashtable_lookup_insert_fast(&kn->sa_by_spi, &sa->spi_node,
					    sa_spi_params);
	if (ret)
		return ret;
	ret = rhltable_insert(&kn->sa_by_dst, &sa->dst_node, sa_dst_params);
	if (ret) {
		rhashtable_remove_fast(&kn->sa_by_spi, &sa->spi_node,
				       sa_spi_params);
		return ret;
	}
	kipsec_acquire_sa_added(kn, sa->key.family, &sa->key.daddr,
				sa->key.proto);
	kipsec_net_changed(kn);
	return 0;
}

/* Phase one of removal: readers stop finding it; the reference goes. */
void kipsec_sa_unlink(struct kipsec_sa *sa)
{
	struct kipsec_net *kn = sa->kn;

	lockdep_assert_held(&kn->lock);
	WRITE_ONCE(sa->dead, true);
	kipsec_sa_lifetime_stop(sa);
	rhashtable_remove_fast(&kn->sa_by_spi, &sa->spi_node, sa_spi_params);
	rhltable_remove(&kn->sa_by_dst, &sa->dst_node, sa_dst_params);
	xa_erase(&kn->sa_ids, sa->id);
	if (sa->flags & KIPSEC_SA_F_LARVAL)
		list_del(&sa->larval_node);
	kn->sa_count--;
	kipsec_net_changed(kn);
	kipsec_sa_put(sa);
}

int kipsec_sa_insert_larval(struct kipsec_net *kn, struct kipsec_sa *sa,
			    u32 min, u32 max)
{
	u32 range = max - min, spi, i;

	lockdep_assert_held(&kn->lock);
	sa->flags |= KIPSEC_SA_F_LARVAL;
	/* Random tries first, then a bounded walk from a random start. */
	for (i = 0; i < 64 + 65536; i++) {
		if (i < 64 || i == 64)
			spi = min + (range == U32_MAX ? get_random_u32() :
				     get_random_u32_below(range + 1));
		else
			spi = spi == max ? min : spi + 1;
		if (!spi)
			continue;
		sa->key.spi = htonl(spi);
		if (!kipsec_sa_lookup(kn, sa->key.family, &sa->key.daddr,
				      sa->key.spi, sa->key.proto))
			return kipsec_sa_insert(kn, sa);
		if (range < 64 + 65536 && i >= 64 && i - 64 > range)
			break;
	}
	return -ENOSPC;
}

/*
 * Newest first: SAs to one destination share a list in sa_by_dst, newest
 * at its head, and removing the head is O(1) (oldest first would make a
 * flush of many SAs to one peer quadratic).
 */
void kipsec_sa_flush(struct kipsec_net *kn, u8 proto)
{
	struct kipsec_sa *sa, **all;
	unsigned long id;
	u32 n = 0;

	lockdep_assert_held(&kn->lock);
	all = kvmalloc_array(kn->sa_count, sizeof(*all), GFP_KERNEL);
	xa_for_each(&kn->sa_ids, id, sa) {
		if (proto && sa->key.proto != proto)
			continue;
		if (!all) {
			kipsec_sa_unlink(sa);
			cond_resched();
			continue;
		}
		all[n++] = sa;
	}
	while (all && n) {
		kipsec_sa_unlink(all[--n]);
		cond_resched();
	}
	kvfree(all);
}

/*
 * Whether @sa serves template @t for @flow; its destination too is
 * compared, as in xfrm_state_find(): the list walked is that of the
 * wanted destination, but an SA may be moving to another (MOBIKE).
 */
static bool tmpl_fits(const struct kipsec_tmpl *t, const struct kipsec_sa *sa,
		      u16 family, const union kipsec_addr *want_daddr,
		      const struct kipsec_flow *flow)
{
	union kipsec_addr daddr, saddr;

	if (sa->mode != t->mode || (t->reqid && sa->reqid != t->reqid) ||
	    (t->spi && sa->key.spi != t->spi) ||
	    (sa->flags & KIPSEC_SA_F_LARVAL) || kipsec_sa_expired(sa))
		return false;
	kipsec_sa_outer(sa, &daddr, &saddr);
	if (sa->key.family != family ||
	    !kipsec_addr_equal(family, &daddr, want_daddr))
		return false;
	if (t->mode == KIPSEC_MODE_TUNNEL) {
		if (!ipv6_addr_any(&t->saddr.a6) &&
		    !kipsec_addr_equal(t->family, &t->saddr, &saddr))
			return false;
	} else if (!kipsec_addr_equal(flow->family, &flow->saddr, &saddr)) {
		return false;
	}
	return kipsec_sel_match(&sa->sel, flow);
}

struct kipsec_sa *kipsec_sa_for_tmpl(struct kipsec_net *kn,
				     const struct kipsec_policy *pol,
				     const struct kipsec_flow *flow)
{
	const struct kipsec_tmpl *t = &pol->tmpl[0];
	struct kipsec_sa_dst_key key = { .proto = t->proto };
	struct kipsec_sa *sa, *best = NULL;
	struct rhlist_head *list, *pos;

	if (t->mode == KIPSEC_MODE_TUNNEL) {
		key.family = t->family;
		key.daddr = t->daddr;
	} else {
		key.family = flow->family;
		key.daddr = flow->daddr;
	}
	list = rhltable_lookup(&kn->sa_by_dst, &key, sa_dst_params);
	rhl_for_each_entry_rcu(sa, pos, list, dst_node) {
		if (READ_ONCE(sa->dead) ||
		    !tmpl_fits(t, sa, key.family, &key.daddr, flow)) {
			kipsec_race_delay();
			continue;
		}
		/* The newest SA wins, as in XFRM: after a rekey, the new one. */
		if (!best || sa->add_time > best->add_time ||
		    (sa->add_time == best->add_time && sa->id > best->id))
			best = sa;
	}
	return best;
}

/*
 * Sets the outer addresses and the secpath state that names them;
 * returns the state they replace, which no reader holds any more.
 */
static struct xfrm_state *sa_set_outer(struct kipsec_sa *sa,
				       const union kipsec_addr *daddr,
				       const union kipsec_addr *saddr,
				       struct xfrm_state *xs)
{
	spin_lock_bh(&sa->lock);
	write_seqcount_begin(&sa->addr_seq);
	sa->key.daddr = *daddr;
	sa->dst_key.daddr = *daddr;
	sa->saddr = *saddr;
	write_seqcount_end(&sa->addr_seq);
	spin_unlock_bh(&sa->lock);
	xs = kipsec_secpath_swap(sa, xs);
	/*
	 * Senders read the addresses, route and fill the route cache in
	 * one RCU section (the output hook): once those that may have read
	 * the old addresses are done, the cache is emptied, so none can
	 * leave a route to the old peer in it. The same grace period lets
	 * a move re-insert the SA (sa_rehash_end()) only once no
	 * reader still stands on its node of the old destination's list:
	 * one that did would follow it into the new one and miss the rest
	 * of the old; and no receiver still takes the old state. A new
	 * path: its MTU is learnt anew (pmtu.c), after any ICMP error
	 * for the old one that found the SA is done with it.
	 */
	synchronize_rcu();
	dst_cache_reset(&sa->dst_cache);
	WRITE_ONCE(sa->pmtu, 0);
	return xs;
}

/* MOBIKE: the SA moves to new outer addresses, rehashed if need be. */
static int sa_move(struct kipsec_sa *sa, const union kipsec_addr *daddr,
		   const union kipsec_addr *saddr)
{
	union kipsec_addr old_daddr = sa->key.daddr, old_saddr = sa->saddr;
	struct xfrm_state *xs;
	int ret = 0;

	kipsec_inflight_log(sa->kn, "sa move");
	xs = kipsec_secpath_new_state(sa, daddr, saddr);
	if (!xs)
		return -ENOMEM;
	if (kipsec_addr_equal(sa->key.family, daddr, &sa->key.daddr)) {
		xs = sa_set_outer(sa, daddr, saddr, xs);
		goto out;
	}
	sa_rehash_begin(sa);
	xs = sa_set_outer(sa, daddr, saddr, xs);
	ret = sa_rehash_end(sa);
	if (ret) {
		xs = sa_set_outer(sa, &old_daddr, &old_saddr, xs);
		WARN_ON_ONCE(sa_rehash_end(sa));
	}
out:
	kipsec_secpath_put_state(xs);
	return ret;
}

int kipsec_sa_change(struct kipsec_net *kn, struct kipsec_sa *sa,
		     struct kipsec_sa_change *c)
{
	struct kipsec_replay old;
	int ret;

	lockdep_assert_held(&kn->lock);
	if (c->move) {
		ret = sa_move(sa, &c->daddr, &c->saddr);
		if (ret) {
			kipsec_replay_free(&c->replay);
			return ret;
		}
	}
	if (c->ports) {
		/* After a move: the ports go with the new addresses. */
		spin_lock_bh(&sa->lock);
		write_seqcount_begin(&sa->addr_seq);
		sa->encap_sport = c->encap_sport;
		sa->encap_dport = c->encap_dport;
		write_seqcount_end(&sa->addr_seq);
		spin_unlock_bh(&sa->lock);
	}
	if (c->window) {
		spin_lock_bh(&sa->lock);
		kipsec_replay_take(&c->replay, &sa->replay);
		old = sa->replay;
		sa->replay = c->replay;
		spin_unlock_bh(&sa->lock);
		kipsec_replay_free(&old);
	}
	if (c->oseq) {
		s64 cur = atomic64_read(&sa->oseq);

		while ((u64)cur < c->oseq &&
		       !atomic64_try_cmpxchg(&sa->oseq, &cur, c->oseq))
			;
	}
	if (c->has_reqid && c->reqid != sa->reqid) {
		WRITE_ONCE(sa->reqid, c->reqid);
		kipsec_secpath_refresh(sa);
	}
	if (c->mark) {
		WRITE_ONCE(sa->smark_value, c->mark_value);
		WRITE_ONCE(sa->smark_mask, c->mark_mask);
	}
	if (c->lifetime) {
		WRITE_ONCE(sa->lft.soft_bytes, c->lft.soft_bytes);
		WRITE_ONCE(sa->lft.hard_bytes, c->lft.hard_bytes);
		WRITE_ONCE(sa->lft.soft_packets, c->lft.soft_packets);
		WRITE_ONCE(sa->lft.hard_packets, c->lft.hard_packets);
		WRITE_ONCE(sa->lft.soft_add_secs, c->lft.soft_add_secs);
		WRITE_ONCE(sa->lft.hard_add_secs, c->lft.hard_add_secs);
		WRITE_ONCE(sa->lft.soft_use_secs, c->lft.soft_use_secs);
		WRITE_ONCE(sa->lft.hard_use_secs, c->lft.hard_use_secs);
	}
	kipsec_net_changed(kn);
	kipsec_event_sa(sa, KIPSEC_CMD_UPD_SA);
	/* New limits may be reached already: the events follow the update. */
	if (c->lifetime)
		kipsec_sa_lifetime_check(sa);
	return 0;
}
