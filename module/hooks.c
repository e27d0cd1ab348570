// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter hooks, registered per namespace once it has an SA or a
 * policy. See the README's table for why each hook sits where it does.
 *
 *   out  POST_ROUTING  LAST      after SNAT and every filter; local and
 *                                forwarded packets with their final route
 *   in   LOCAL_IN      LAST - 1  ESP addressed to us, after the INPUT
 *                                filter and IPv4 reassembly; cleartext
 *                                that an "in" policy wants protected
 *   fwd  FORWARD       FILTER-1  cleartext that a "fwd" policy wants
 *                                protected (as XFRM, before the filter)
 *
 * IPv6 fragments reach LOCAL_IN unreassembled unless nf_defrag_ipv6 runs
 * in the namespace, so it is enabled with the hooks.
 */
#include "hooks.h"
#include "input.h"
#include "netns.h"
#include "output.h"

#include <linux/inetdevice.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/addrconf.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>

static const struct nf_hook_ops kipsec_nf_ops[] = {
	{ .hook = kipsec_output_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_POST_ROUTING, .priority = NF_IP_PRI_LAST },
	{ .hook = kipsec_output_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_POST_ROUTING, .priority = NF_IP6_PRI_LAST },
	{ .hook = kipsec_input_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP_PRI_LAST - 1 },
	{ .hook = kipsec_input_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_LOCAL_IN, .priority = NF_IP6_PRI_LAST - 1 },
	{ .hook = kipsec_forward_hook, .pf = NFPROTO_IPV4,
	  .hooknum = NF_INET_FORWARD, .priority = NF_IP_PRI_FILTER - 1 },
	{ .hook = kipsec_forward_hook, .pf = NFPROTO_IPV6,
	  .hooknum = NF_INET_FORWARD, .priority = NF_IP6_PRI_FILTER - 1 },
};

int kipsec_hooks_register(struct kipsec_net *kn)
{
	struct nf_hook_ops ops[ARRAY_SIZE(kipsec_nf_ops)];
	int i, ret;

	ret = nf_defrag_ipv4_enable(kn->net);
	if (ret)
		return ret;
	ret = nf_defrag_ipv6_enable(kn->net);
	if (ret)
		goto err_defrag6;
	memcpy(ops, kipsec_nf_ops, sizeof(ops));
	for (i = 0; i < ARRAY_SIZE(ops); i++)
		ops[i].priv = kn;
	memcpy(kn->nf_ops, ops, sizeof(ops));
	ret = nf_register_net_hooks(kn->net, kn->nf_ops, ARRAY_SIZE(ops));
	if (ret)
		goto err_hooks;
	return 0;

err_hooks:
	nf_defrag_ipv6_disable(kn->net);
err_defrag6:
	nf_defrag_ipv4_disable(kn->net);
	return ret;
}

void kipsec_hooks_unregister(struct kipsec_net *kn)
{
	/* Waits for packets in the hooks (synchronize_net). */
	nf_unregister_net_hooks(kn->net, kn->nf_ops, ARRAY_SIZE(kipsec_nf_ops));
	nf_defrag_ipv6_disable(kn->net);
	nf_defrag_ipv4_disable(kn->net);
}

/*
 * Interfaces are exempted with XFRM's own switches: net.ipv4.conf.IF.
 * disable_xfrm for output, disable_policy (IPv4 and IPv6) for input.
 * Loopback is always exempt.
 */
bool kipsec_dev_exempt_out(const struct net_device *dev, u16 family)
{
	struct in_device *in_dev;

	if (!dev || dev->flags & IFF_LOOPBACK)
		return true;
	if (family != AF_INET)
		return false;
	in_dev = __in_dev_get_rcu(dev);
	return in_dev && IN_DEV_CONF_GET(in_dev, NOXFRM);
}

bool kipsec_dev_exempt_in(const struct net_device *dev, u16 family)
{
	const struct inet6_dev *idev;

	if (!dev || dev->flags & IFF_LOOPBACK)
		return true;
	if (family == AF_INET) {
		struct in_device *in_dev = __in_dev_get_rcu(dev);

		return in_dev && IN_DEV_CONF_GET(in_dev, NOPOLICY);
	}
	idev = __in6_dev_get(dev);
	return idev && READ_ONCE(idev->cnf.disable_policy);
}
