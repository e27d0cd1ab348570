// SPDX-License-Identifier: GPL-2.0
/*
 * Acquire de-duplication: the larval entries that stand for an SA an IKE
 * daemon has been asked for, so that a flow without an SA sends one
 * ACQUIRE event and not one per packet. The entries are small, kept in a
 * hash under a spinlock (packets add them in softirq context), bounded in
 * number and removed after kn->acquire_expires seconds.
 */
#include "acquire.h"
#include "event.h"
#include "netns.h"
#include "policy.h"

#include <linux/jhash.h>
#include <linux/slab.h>

/* At most this many pending acquires per namespace; more are not sent. */
#define KIPSEC_ACQUIRE_MAX	4096

struct kipsec_acq {
	struct hlist_node node;
	unsigned long expires;		/* jiffies */
	struct kipsec_acq_key {
		union kipsec_addr daddr;
		union kipsec_addr saddr;
		u32 pol_index;
		u32 reqid;
		u16 family;
		u8 proto;
		u8 mode;
	} key;
};

static u32 acq_bucket(const struct kipsec_acq_key *k)
{
	/* By destination and protocol, so that an SA add finds its own. */
	return jhash_3words(jhash(&k->daddr, sizeof(k->daddr), 0), k->family,
			    k->proto, 0) % KIPSEC_ACQ_BUCKETS;
}

void kipsec_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
		    const struct kipsec_flow *flow)
{
	const struct kipsec_tmpl *t = &pol->tmpl[0];
	unsigned long now = jiffies;
	struct kipsec_acq_key key;
	struct kipsec_acq *acq;
	bool send = false;
	u32 b;

	/* Nobody to ask: no entry either, the next packet checks again. */
	if (!kipsec_event_listening(kn))
		return;
	memset(&key, 0, sizeof(key));
	key.pol_index = pol->index;
	key.reqid = t->reqid;
	key.proto = t->proto;
	key.mode = t->mode;
	if (t->mode == KIPSEC_MODE_TUNNEL) {
		key.family = t->family;
		key.daddr = t->daddr;
		key.saddr = t->saddr;
	} else {
		key.family = flow->family;
		key.daddr = flow->daddr;
		key.saddr = flow->saddr;
	}
	b = acq_bucket(&key);

	spin_lock_bh(&kn->acq_lock);
	hlist_for_each_entry(acq, &kn->acq_hash[b], node) {
		if (memcmp(&acq->key, &key, sizeof(key)))
			continue;
		if (time_before(now, acq->expires))
			goto out;
		acq->expires = now + READ_ONCE(kn->acquire_expires) * HZ;
		send = true;
		goto out;
	}
	if (kn->acq_count >= KIPSEC_ACQUIRE_MAX)
		goto out;
	acq = kmalloc(sizeof(*acq), GFP_ATOMIC);
	if (!acq)
		goto out;
	acq->key = key;
	acq->expires = now + READ_ONCE(kn->acquire_expires) * HZ;
	hlist_add_head(&acq->node, &kn->acq_hash[b]);
	kn->acq_count++;
	send = true;
	schedule_delayed_work(&kn->larval_work, HZ);
out:
	spin_unlock_bh(&kn->acq_lock);
	if (!send || kipsec_event_acquire(kn, pol, t, flow))
		return;
	/*
	 * Nobody heard it (the daemon went, or its socket overflowed): as
	 * XFRM, which keeps its acquire state only when the message went
	 * out, the next packet asks again instead of waiting out the timeout.
	 */
	spin_lock_bh(&kn->acq_lock);
	hlist_for_each_entry(acq, &kn->acq_hash[b], node) {
		if (!memcmp(&acq->key, &key, sizeof(key))) {
			acq->expires = now;
			break;
		}
	}
	spin_unlock_bh(&kn->acq_lock);
}

void kipsec_acquire_sa_added(struct kipsec_net *kn, u16 family,
			     const union kipsec_addr *daddr, u8 proto)
{
	struct kipsec_acq_key key;
	struct kipsec_acq *acq;
	struct hlist_node *tmp;
	u32 b;

	memset(&key, 0, sizeof(key));
	key.family = family;
	key.proto = proto;
	key.daddr = *daddr;
	if (family == AF_INET)
		memset((u8 *)&key.daddr + 4, 0, sizeof(key.daddr) - 4);
	b = acq_bucket(&key);

	spin_lock_bh(&kn->acq_lock);
	hlist_for_each_entry_safe(acq, tmp, &kn->acq_hash[b], node) {
		if (acq->key.family != family || acq->key.proto != proto ||
		    memcmp(&acq->key.daddr, &key.daddr, sizeof(key.daddr)))
			continue;
		hlist_del(&acq->node);
		kn->acq_count--;
		kfree(acq);
	}
	spin_unlock_bh(&kn->acq_lock);
}

static bool acq_prune(struct kipsec_net *kn, bool all)
{
	struct kipsec_acq *acq;
	struct hlist_node *tmp;
	bool left;
	int b;

	spin_lock_bh(&kn->acq_lock);
	for (b = 0; b < KIPSEC_ACQ_BUCKETS; b++) {
		hlist_for_each_entry_safe(acq, tmp, &kn->acq_hash[b], node) {
			if (!all && time_before(jiffies, acq->expires))
				continue;
			hlist_del(&acq->node);
			kn->acq_count--;
			kfree(acq);
		}
	}
	left = kn->acq_count;
	spin_unlock_bh(&kn->acq_lock);
	return left;
}

bool kipsec_acquire_reap(struct kipsec_net *kn)
{
	return acq_prune(kn, false);
}

void kipsec_acquire_init(struct kipsec_net *kn)
{
	int b;

	spin_lock_init(&kn->acq_lock);
	for (b = 0; b < KIPSEC_ACQ_BUCKETS; b++)
		INIT_HLIST_HEAD(&kn->acq_hash[b]);
}

void kipsec_acquire_exit(struct kipsec_net *kn)
{
	acq_prune(kn, true);
}
