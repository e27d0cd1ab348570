// SPDX-License-Identifier: GPL-2.0
/*
 * Per-network-namespace state. The mutex and settings exist from the
 * namespace's creation; the SA and policy tables, counters and netfilter
 * hooks only once the namespace gets its first SA or policy.
 */
#include "netns.h"
#include "acquire.h"
#include "debug.h"
#include "encap.h"
#include "frag.h"
#include "hooks.h"
#include "output.h"
#include "policy.h"
#include "sa.h"

#include <linux/wait_bit.h>
#include <net/netns/generic.h>

static unsigned int kipsec_net_id __read_mostly;

struct kipsec_net *kipsec_net(const struct net *net)
{
	return net_generic(net, kipsec_net_id);
}

int kipsec_net_activate(struct kipsec_net *kn)
{
	int ret;

	lockdep_assert_held(&kn->lock);
	if (kn->active)
		return 0;
	kn->stats = kipsec_stats_alloc(GFP_KERNEL);
	if (!kn->stats)
		return -ENOMEM;
	ret = kipsec_sad_init(kn);
	if (ret)
		goto err_sad;
	ret = kipsec_spd_init(kn);
	if (ret)
		goto err_spd;
	ret = kipsec_frag_net_init(kn);
	if (ret)
		goto err_frag;
	ret = kipsec_output_net_init(kn);
	if (ret)
		goto err_output;
	ret = kipsec_hooks_register(kn);
	if (ret)
		goto err_hooks;
	kn->active = true;
	pr_debug("netns %u: hooks registered\n", kn->net->ns.inum);
	return 0;

err_hooks:
	kipsec_output_net_exit(kn);
err_output:
	kipsec_frag_net_exit(kn);
err_frag:
	kipsec_spd_exit(kn);
err_spd:
	kipsec_sad_exit(kn);
err_sad:
	kipsec_stats_free(kn->stats);
	kn->stats = NULL;
	return ret;
}

static int __net_init kipsec_net_init(struct net *net)
{
	struct kipsec_net *kn = kipsec_net(net);

	kn->net = net;
	mutex_init(&kn->lock);
	kn->gen = 1;
	kn->acquire_expires = 30;
	INIT_LIST_HEAD(&kn->encap_daemons);
	kipsec_acquire_init(kn);
	return 0;
}

static void __net_exit kipsec_net_exit(struct net *net)
{
	struct kipsec_net *kn = kipsec_net(net);

	if (kn->active) {
		/*
		 * The encapsulation sockets first: once closed (an RCU grace
		 * period later) no receiver hands packets to the tables.
		 */
		mutex_lock(&kn->lock);
		kipsec_encap_net_exit(kn);
		mutex_unlock(&kn->lock);
		/* No packet adds work after this (nf unregister syncs). */
		kipsec_hooks_unregister(kn);
		pr_debug("netns %u: hooks unregistered\n", net->ns.inum);
		kipsec_sad_stop(kn);
		mutex_lock(&kn->lock);
		kipsec_spd_exit(kn);
		kipsec_sad_exit(kn);
		mutex_unlock(&kn->lock);
		kipsec_acquire_exit(kn);
		/* Expire work queued before the flush may still want kn. */
		synchronize_rcu();
		flush_workqueue(kipsec_sa_wq);
		/*
		 * Packets still in async crypto hold SAs whose completions
		 * use kn (counters, policies) and the namespace (output):
		 * both live until the last SA is freed.
		 */
		kipsec_inflight_log(kn, "netns exit");
		wait_var_event(&kn->sa_live, !atomic_read(&kn->sa_live));
		kipsec_output_net_exit(kn);
		kipsec_frag_net_exit(kn);
		kipsec_stats_free(kn->stats);
	}
	/* Open sockets hold the namespace: each ended first. */
	WARN_ON_ONCE(!list_empty(&kn->encap_daemons));
	mutex_destroy(&kn->lock);
}

/*
 * No new fragment queue from here (those of packets still in crypto are
 * dropped); debug builds log what was in flight as the namespace began
 * to go.
 */
static void __net_exit kipsec_net_pre_exit(struct net *net)
{
	struct kipsec_net *kn = kipsec_net(net);

	if (!kn->active)
		return;
	kipsec_frag_net_pre_exit(kn);
	kipsec_inflight_log(kn, "netns pre-exit");
}

static struct pernet_operations kipsec_net_ops = {
	.init = kipsec_net_init,
	.pre_exit = kipsec_net_pre_exit,
	.exit = kipsec_net_exit,
	.id = &kipsec_net_id,
	.size = sizeof(struct kipsec_net),
};

int kipsec_netns_init(void)
{
	return register_pernet_subsys(&kipsec_net_ops);
}

void kipsec_netns_exit(void)
{
	unregister_pernet_subsys(&kipsec_net_ops);
}
