// SPDX-License-Identifier: GPL-2.0
/*
 * The security policy database of a namespace: per direction, a list in
 * priority order (lower first, then older first) that packets are matched
 * against under RCU; a hash of (direction, selector) that finds duplicates
 * and policies to update; an index for dumps and "index N" requests.
 */
#include "policy.h"
#include "netns.h"

#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

static const struct rhashtable_params pol_params = {
	.key_len = sizeof(struct kipsec_policy_key),
	.key_offset = offsetof(struct kipsec_policy, key),
	.head_offset = offsetof(struct kipsec_policy, sel_node),
	.automatic_shrinking = true,
};

int kipsec_spd_init(struct kipsec_net *kn)
{
	int dir, ret;

	ret = rhashtable_init(&kn->pol_by_sel, &pol_params);
	if (ret)
		return ret;
	xa_init_flags(&kn->pol_ids, XA_FLAGS_ALLOC1);
	for (dir = 0; dir < __KIPSEC_DIR_MAX; dir++)
		INIT_LIST_HEAD(&kn->pol_list[dir]);
	seqcount_init(&kn->pol_move_seq);
	return 0;
}

void kipsec_spd_exit(struct kipsec_net *kn)
{
	kipsec_policy_flush(kn, -1);
	xa_destroy(&kn->pol_ids);
	rhashtable_destroy(&kn->pol_by_sel);
}

struct kipsec_policy *kipsec_policy_lookup(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_flow *flow)
{
	struct kipsec_policy *pol, *found;
	unsigned int seq;

	/*
	 * A policy whose priority changes moves in the list: a reader
	 * between its old and its new place could pass both. Such a walk
	 * is done again (kipsec_policy_insert).
	 */
	do {
		seq = read_seqcount_begin(&kn->pol_move_seq);
		found = NULL;
		list_for_each_entry_rcu(pol, &kn->pol_list[dir], list) {
			if (kipsec_sel_match(&pol->key.sel, flow)) {
				found = pol;
				break;
			}
		}
	} while (read_seqcount_retry(&kn->pol_move_seq, seq));
	return found;
}

struct kipsec_policy *kipsec_policy_find(struct kipsec_net *kn, u8 dir,
					 const struct kipsec_sel *sel)
{
	struct kipsec_policy_key key;

	memset(&key, 0, sizeof(key));
	key.sel = *sel;
	key.dir = dir;
	return rhashtable_lookup_fast(&kn->pol_by_sel, &key, pol_params);
}

struct kipsec_policy *kipsec_policy_by_index(struct kipsec_net *kn, u32 index)
{
	return xa_load(&kn->pol_ids, index);
}

/* Links @pol into its direction's list before the first lower priority. */
static void pol_list_add(struct kipsec_net *kn, struct kipsec_policy *pol)
{
	struct list_head *head = &kn->pol_list[pol->key.dir];
	struct kipsec_policy *p;

	/* Bulk loads add in priority order: appending is the common case. */
	if (list_empty(head) ||
	    list_last_entry(head, struct kipsec_policy, list)->priority <=
	    pol->priority) {
		list_add_tail_rcu(&pol->list, head);
		return;
	}
	list_for_each_entry(p, head, list) {
		if (p->priority > pol->priority) {
			list_add_tail_rcu(&pol->list, &p->list);
			return;
		}
	}
	list_add_tail_rcu(&pol->list, head);
}

int kipsec_policy_insert(struct kipsec_net *kn, struct kipsec_policy *pol,
			 struct kipsec_policy *old)
{
	int ret;

	lockdep_assert_held(&kn->lock);
	if (old) {
		pol->index = old->index;
		ret = rhashtable_replace_fast(&kn->pol_by_sel, &old->sel_node,
					      &pol->sel_node, pol_params);
		if (ret)
			return ret;
		xa_store(&kn->pol_ids, pol->index, pol, GFP_KERNEL);
		if (pol->priority == old->priority) {
			/* Readers see the old or the new, never neither. */
			list_replace_rcu(&old->list, &pol->list);
		} else {
			/*
			 * A move: lookups walking meanwhile start over
			 * (kipsec_policy_lookup). Bottom halves off, so
			 * that none spins on this CPU.
			 */
			local_bh_disable();
			write_seqcount_begin(&kn->pol_move_seq);
			pol_list_add(kn, pol);
			list_del_rcu(&old->list);
			write_seqcount_end(&kn->pol_move_seq);
			local_bh_enable();
		}
		kfree_rcu(old, rcu);
		kipsec_net_changed(kn);
		return 0;
	}
	if (pol->index) {
		ret = xa_insert(&kn->pol_ids, pol->index, pol, GFP_KERNEL);
		if (ret == -EBUSY)
			ret = -EEXIST;
	} else {
		ret = xa_alloc_cyclic(&kn->pol_ids, &pol->index, pol,
				      xa_limit_32b, &kn->pol_next_index,
				      GFP_KERNEL);
		ret = ret < 0 ? ret : 0;
	}
	if (ret)
		return ret;
	ret = rhashtable_lookup_insert_fast(&kn->pol_by_sel, &pol->sel_node,
					    pol_params);
	if (ret) {
		xa_erase(&kn->pol_ids, pol->index);
		return ret;
	}
	pol_list_add(kn, pol);
	kn->pol_count++;
	if (pol->key.sel.ifindex)
		WRITE_ONCE(kn->dev_policies[pol->key.dir],
			   kn->dev_policies[pol->key.dir] + 1);
	kipsec_net_changed(kn);
	return 0;
}

void kipsec_policy_unlink(struct kipsec_net *kn, struct kipsec_policy *pol)
{
	lockdep_assert_held(&kn->lock);
	rhashtable_remove_fast(&kn->pol_by_sel, &pol->sel_node, pol_params);
	xa_erase(&kn->pol_ids, pol->index);
	list_del_rcu(&pol->list);
	kn->pol_count--;
	if (pol->key.sel.ifindex)
		WRITE_ONCE(kn->dev_policies[pol->key.dir],
			   kn->dev_policies[pol->key.dir] - 1);
	kipsec_net_changed(kn);
	kfree_rcu(pol, rcu);
}

/* Removes every policy of @dir, or of every direction when @dir < 0. */
void kipsec_policy_flush(struct kipsec_net *kn, int dir)
{
	struct kipsec_policy *pol;
	unsigned long index;

	lockdep_assert_held(&kn->lock);
	xa_for_each(&kn->pol_ids, index, pol) {
		if (dir < 0 || pol->key.dir == dir)
			kipsec_policy_unlink(kn, pol);
		cond_resched();
	}
}
