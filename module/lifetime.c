// SPDX-License-Identifier: GPL-2.0
/*
 * SA lifetimes: soft and hard limits on bytes, packets, seconds since the
 * SA was added and seconds since its first use, as XFRM's.
 *
 * The datapath counts each packet (kipsec_sa_account) and, when a count
 * reaches a limit, marks the SA and queues its expire work; a per-SA timer
 * does the same for the time limits. It is an hrtimer, as XFRM's: the
 * timer wheel fires a timer of a few seconds up to a quarter of a second
 * late (its coarser levels), which a rekey would wait for. The work runs in process context
 * with kn->lock held: it sends the soft EXPIRE event once, or the hard one
 * and removes the SA. A hard limit marks the SA at once, so the datapath
 * stops using it before the work runs: a limit is overshot by at most the
 * packets already past the check, one per CPU.
 */
#include "event.h"
#include "netns.h"
#include "sa.h"

#include <linux/timekeeping.h>

/* Queues the expire work, holding a reference while it is queued. */
static void expire_queue(struct kipsec_sa *sa)
{
	if (READ_ONCE(sa->dead) || !kipsec_sa_get(sa))
		return;
	if (!queue_work(kipsec_sa_wq, &sa->expire_work))
		kipsec_sa_put(sa);
}

static bool reached(u64 cur, u64 limit)
{
	return limit && cur >= limit;
}

/* When a time limit of @secs from @start (ns, 0 = not started) falls. */
static u64 deadline(u64 start, u64 secs)
{
	if (!start || !secs)
		return 0;
	return start + min_t(u64, secs, U64_MAX / NSEC_PER_SEC / 2) *
		       NSEC_PER_SEC;
}

/* The nearest of @a and @b, where 0 means none. */
static u64 nearest(u64 a, u64 b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return min(a, b);
}

static void arm(struct kipsec_sa *sa, u64 when, u64 now)
{
	if (!when)
		return;
	hrtimer_start(&sa->timer, ns_to_ktime(when <= now ? 0 : when - now),
		      HRTIMER_MODE_REL_SOFT);
}

void kipsec_sa_lifetime_check(struct kipsec_sa *sa)
{
	struct kipsec_lifetime l = {
		.soft_bytes = READ_ONCE(sa->lft.soft_bytes),
		.hard_bytes = READ_ONCE(sa->lft.hard_bytes),
		.soft_packets = READ_ONCE(sa->lft.soft_packets),
		.hard_packets = READ_ONCE(sa->lft.hard_packets),
		.soft_add_secs = READ_ONCE(sa->lft.soft_add_secs),
		.hard_add_secs = READ_ONCE(sa->lft.hard_add_secs),
		.soft_use_secs = READ_ONCE(sa->lft.soft_use_secs),
		.hard_use_secs = READ_ONCE(sa->lft.hard_use_secs),
	};
	u64 bytes = atomic64_read(&sa->cur_bytes);
	u64 packets = atomic64_read(&sa->cur_packets);
	u64 use = READ_ONCE(sa->use_ns), now = ktime_get_real_ns();
	u64 hard_at, soft_at;

	lockdep_assert_held(&sa->kn->lock);
	if (sa->dead || (sa->flags & KIPSEC_SA_F_LARVAL))
		return;
	hard_at = nearest(deadline(sa->add_ns, l.hard_add_secs),
			  deadline(use, l.hard_use_secs));
	soft_at = nearest(deadline(sa->add_ns, l.soft_add_secs),
			  deadline(use, l.soft_use_secs));

	if (kipsec_sa_expired(sa) || reached(bytes, l.hard_bytes) ||
	    reached(packets, l.hard_packets) || (hard_at && hard_at <= now)) {
		set_bit(KIPSEC_SA_EXPIRE_HARD, &sa->expire_flags);
		kipsec_event_expire(sa, true);
		kipsec_sa_unlink(sa);
		return;
	}
	if (!test_bit(KIPSEC_SA_EXPIRE_SOFT, &sa->expire_flags) &&
	    (reached(bytes, l.soft_bytes) || reached(packets, l.soft_packets) ||
	     (soft_at && soft_at <= now))) {
		set_bit(KIPSEC_SA_EXPIRE_SOFT, &sa->expire_flags);
		kipsec_event_expire(sa, false);
	}
	if (test_bit(KIPSEC_SA_EXPIRE_SOFT, &sa->expire_flags))
		soft_at = 0;
	else
		clear_bit(KIPSEC_SA_EXPIRE_SOFT_QUEUED, &sa->expire_flags);
	if (l.soft_bytes || l.hard_bytes || l.soft_packets || l.hard_packets)
		set_bit(KIPSEC_SA_EXPIRE_COUNTED, &sa->expire_flags);
	else
		clear_bit(KIPSEC_SA_EXPIRE_COUNTED, &sa->expire_flags);
	arm(sa, nearest(hard_at, soft_at), now);
}

static void expire_work(struct work_struct *work)
{
	struct kipsec_sa *sa = container_of(work, struct kipsec_sa,
					    expire_work);
	struct kipsec_net *kn = sa->kn;

	if (!READ_ONCE(sa->dead)) {
		mutex_lock(&kn->lock);
		kipsec_sa_lifetime_check(sa);
		mutex_unlock(&kn->lock);
	}
	kipsec_sa_put(sa);
}

static enum hrtimer_restart expire_timer(struct hrtimer *t)
{
	struct kipsec_sa *sa = container_of(t, struct kipsec_sa, timer);

	expire_queue(sa);
	return HRTIMER_NORESTART;
}

void kipsec_sa_lifetime_init(struct kipsec_sa *sa)
{
	hrtimer_init(&sa->timer, CLOCK_BOOTTIME, HRTIMER_MODE_REL_SOFT);
	sa->timer.function = expire_timer;
	INIT_WORK(&sa->expire_work, expire_work);
}

void kipsec_sa_lifetime_start(struct kipsec_sa *sa)
{
	kipsec_sa_lifetime_check(sa);
}

/*
 * At unlink (sa->dead is set): no timer runs after this. Only
 * kipsec_sa_lifetime_check() arms it, under kn->lock, and not once the SA
 * is dead; an expire work still queued finds it dead and does nothing.
 */
void kipsec_sa_lifetime_stop(struct kipsec_sa *sa)
{
	hrtimer_cancel(&sa->timer);
}

void kipsec_sa_account(struct kipsec_sa *sa, unsigned int len)
{
	u64 bytes = atomic64_add_return(len, &sa->cur_bytes);
	u64 packets = atomic64_inc_return(&sa->cur_packets);

	if (unlikely(!READ_ONCE(sa->use_ns))) {
		u64 now = ktime_get_real_ns();

		/* First use: the use-time limits start now. */
		if (!cmpxchg(&sa->use_ns, 0, now)) {
			WRITE_ONCE(sa->use_time, div_u64(now, NSEC_PER_SEC));
			if (READ_ONCE(sa->lft.soft_use_secs) ||
			    READ_ONCE(sa->lft.hard_use_secs))
				expire_queue(sa);
		}
	}
	if (likely(!test_bit(KIPSEC_SA_EXPIRE_COUNTED, &sa->expire_flags)))
		return;
	if (reached(bytes, READ_ONCE(sa->lft.hard_bytes)) ||
	    reached(packets, READ_ONCE(sa->lft.hard_packets))) {
		if (!test_and_set_bit(KIPSEC_SA_EXPIRE_HARD, &sa->expire_flags))
			expire_queue(sa);
	} else if ((reached(bytes, READ_ONCE(sa->lft.soft_bytes)) ||
		    reached(packets, READ_ONCE(sa->lft.soft_packets))) &&
		   !test_and_set_bit(KIPSEC_SA_EXPIRE_SOFT_QUEUED,
				     &sa->expire_flags)) {
		expire_queue(sa);
	}
}

void kipsec_sa_seq_exhausted(struct kipsec_sa *sa)
{
	if (!test_and_set_bit(KIPSEC_SA_EXPIRE_HARD, &sa->expire_flags))
		expire_queue(sa);
}
