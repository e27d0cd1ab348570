// SPDX-License-Identifier: GPL-2.0
/*
 * Inbound. At LOCAL_IN, ESP or AH for an SA kipsec knows is taken over
 * (ESP or AH it does not know is left to the stack and counted as
 * pass-through), decrypted or verified, decapsulated, checked against its SA's selector and the
 * "in" or "fwd" policy that covers it, and handed back to the stack as a
 * received packet through a per-CPU NAPI context (so it gets GRO and
 * passes PRE_ROUTING, conntrack and INPUT or FORWARD like any packet).
 *
 * A delivered packet carries its verdict: a secpath listing the SAs
 * applied (secpath.c), which the cleartext checks at LOCAL_IN and FORWARD
 * honour wherever and whenever the packet gets there (RPS, ifb, NFQUEUE).
 */
#include "datapath.h"
#include "debug.h"
#include "encap.h"
#include "frag.h"
#include "hooks.h"
#include "input.h"
#include "netns.h"
#include "pmtu.h"
#include "policy.h"
#include "sa.h"
#include "secpath.h"
#include "xform.h"

#include <linux/cpu.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/dsfield.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

/* KIPSEC_CB(skb)->flags on the way in. */
#define KIPSEC_IN_ENCAP	0x01	/* came in UDP (encap_udp.c) */

struct kipsec_cell {
	struct sk_buff_head queue;
	struct napi_struct napi;
};

static struct kipsec_cell __percpu *kipsec_cells;
static struct net_device kipsec_napi_dev;

static int kipsec_cell_poll(struct napi_struct *napi, int budget)
{
	struct kipsec_cell *cell = container_of(napi, struct kipsec_cell, napi);
	struct sk_buff *skb;
	int work = 0;

	while (work < budget && (skb = __skb_dequeue(&cell->queue))) {
		/*
		 * A reassembled datagram is no GRO candidate (the stack's
		 * own reassembly comes after GRO): it goes after what GRO
		 * holds.
		 */
		if (skb_has_frag_list(skb)) {
			napi_gro_flush(napi, false);
			netif_receive_skb(skb);
		} else {
			napi_gro_receive(napi, skb);
		}
		work++;
	}
	if (work < budget)
		napi_complete_done(napi, work);
	return work;
}

/*
 * Queued packets hold no reference to their device: one that is going
 * away takes no more of them (the check and the queueing are one BH-off
 * section, which unregistration's synchronize_net() waits for), and
 * kipsec_netdev_event() purges those it already has.
 */
static void kipsec_deliver(struct sk_buff *skb)
{
	struct kipsec_cell *cell;

	local_bh_disable();
	cell = this_cpu_ptr(kipsec_cells);
	if (unlikely(READ_ONCE(skb->dev->reg_state) != NETREG_REGISTERED)) {
		kfree_skb(skb);
	} else if (skb_queue_len(&cell->queue) >
		   READ_ONCE(netdev_max_backlog)) {
		dev_core_stats_rx_dropped_inc(skb->dev);
		kfree_skb(skb);
	} else {
		__skb_queue_tail(&cell->queue, skb);
		if (skb_queue_len(&cell->queue) == 1)
			napi_schedule(&cell->napi);
	}
	local_bh_enable();
}

/* Drops the packets of @dev queued on @cell; its CPU, BHs off (or offline). */
static void kipsec_cell_purge(struct kipsec_cell *cell,
			      const struct net_device *dev)
{
	struct sk_buff *skb, *tmp;

	skb_queue_walk_safe(&cell->queue, skb, tmp) {
		if (skb->dev == dev) {
			__skb_unlink(skb, &cell->queue);
			kfree_skb(skb);
		}
	}
}

static const struct net_device *kipsec_purge_dev;	/* under RTNL */
static DEFINE_PER_CPU(struct work_struct, kipsec_purge_work);

static void kipsec_purge_work_fn(struct work_struct *work)
{
	local_bh_disable();
	kipsec_cell_purge(this_cpu_ptr(kipsec_cells), kipsec_purge_dev);
	local_bh_enable();
}

/*
 * A device is unregistering: the packets the cells queued for it go, as
 * flush_backlog() does for the core's queues. Each CPU's queue is its
 * own, so each purges in a work item bound to it.
 */
static int kipsec_netdev_event(struct notifier_block *nb,
			       unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	int cpu;

	/*
	 * In all namespaces: module unload replays this for every device
	 * after the namespaces' state is gone.
	 */
	if (event == NETDEV_GOING_DOWN)
		kipsec_inflight_log(NULL, dev->name);
	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	ASSERT_RTNL();
	kipsec_purge_dev = dev;
	cpus_read_lock();
	for_each_possible_cpu(cpu) {
		struct kipsec_cell *cell = per_cpu_ptr(kipsec_cells, cpu);

		if (!skb_queue_len_lockless(&cell->queue))
			continue;
		if (!cpu_online(cpu)) {
			kipsec_cell_purge(cell, dev);
			continue;
		}
		queue_work_on(cpu, system_highpri_wq,
			      per_cpu_ptr(&kipsec_purge_work, cpu));
	}
	/* Immediate for the CPUs that had nothing queued. */
	for_each_online_cpu(cpu)
		flush_work(per_cpu_ptr(&kipsec_purge_work, cpu));
	cpus_read_unlock();
	return NOTIFY_DONE;
}

static struct notifier_block kipsec_netdev_notifier = {
	.notifier_call = kipsec_netdev_event,
};

int __init kipsec_input_module_init(void)
{
	int cpu, ret;

	kipsec_cells = alloc_percpu(struct kipsec_cell);
	if (!kipsec_cells)
		return -ENOMEM;
	init_dummy_netdev(&kipsec_napi_dev);
	for_each_possible_cpu(cpu) {
		struct kipsec_cell *cell = per_cpu_ptr(kipsec_cells, cpu);

		__skb_queue_head_init(&cell->queue);
		/*
		 * Only the owning CPU fills and drains its queue, without a
		 * lock: another CPU's busy polling must never run this poll
		 * (gro_cells does the same).
		 */
		set_bit(NAPI_STATE_NO_BUSY_POLL, &cell->napi.state);
		netif_napi_add(&kipsec_napi_dev, &cell->napi, kipsec_cell_poll);
		napi_enable(&cell->napi);
		INIT_WORK(per_cpu_ptr(&kipsec_purge_work, cpu),
			  kipsec_purge_work_fn);
	}
	ret = register_netdevice_notifier(&kipsec_netdev_notifier);
	if (ret)
		kipsec_input_module_exit();
	return ret;
}

/* After every namespace's hooks are gone: nothing queues any more. */
void kipsec_input_module_exit(void)
{
	int cpu;

	unregister_netdevice_notifier(&kipsec_netdev_notifier);
	for_each_possible_cpu(cpu) {
		struct kipsec_cell *cell = per_cpu_ptr(kipsec_cells, cpu);

		napi_disable(&cell->napi);
		netif_napi_del(&cell->napi);
		__skb_queue_purge(&cell->queue);
	}
	free_percpu(kipsec_cells);
}

static bool tmpl_accepts(const struct kipsec_tmpl *t,
			 const struct kipsec_sa *sa)
{
	union kipsec_addr daddr, saddr;

	if (t->proto != sa->key.proto || t->mode != sa->mode ||
	    (t->reqid && t->reqid != sa->reqid) ||
	    (t->spi && t->spi != sa->key.spi))
		return false;
	if (t->mode != KIPSEC_MODE_TUNNEL)
		return true;
	if (t->family != sa->key.family)
		return false;
	kipsec_sa_outer(sa, &daddr, &saddr);
	return (ipv6_addr_any(&t->daddr.a6) ||
		kipsec_addr_equal(t->family, &t->daddr, &daddr)) &&
	       (ipv6_addr_any(&t->saddr.a6) ||
		kipsec_addr_equal(t->family, &t->saddr, &saddr));
}

/*
 * Whether the stack will deliver the inner packet of a tunnel to this
 * host, where XFRM checks it against the "in" policies (broadcast and
 * multicast included), rather than forward it ("fwd" policies).
 */
static bool delivered_locally(struct net *net, const struct kipsec_flow *flow)
{
	if (flow->family == AF_INET) {
		switch (inet_addr_type(net, flow->daddr.a4)) {
		case RTN_LOCAL:
		case RTN_BROADCAST:
		case RTN_MULTICAST:
			return true;
		default:
			return false;
		}
	}
	return ipv6_addr_is_multicast(&flow->daddr.a6) ||
	       ipv6_chk_addr(net, &flow->daddr.a6, NULL, 0);
}

/*
 * The device XFRM's flow names for forwarded inner packets: the one their
 * route leaves through. Looked up only when a selector can need it.
 */
static int forward_oif(struct sk_buff *skb, u16 family)
{
	int oif = 0;

	rcu_read_lock();
	skb_dst_drop(skb);
	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		if (ip_route_input_noref(skb, iph->daddr, iph->saddr,
					 iph->tos, skb->dev))
			skb_dst_drop(skb);
		if (skb_dst(skb) && skb_dst(skb)->dev)
			oif = skb_dst(skb)->dev->ifindex;
		skb_dst_drop(skb);
	} else {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		struct flowi6 fl6 = {
			.flowi6_iif = skb->dev->ifindex,
			.daddr = ip6h->daddr,
			.saddr = ip6h->saddr,
			.flowlabel = ip6_flowinfo(ip6h),
			.flowi6_mark = skb->mark,
			.flowi6_proto = ip6h->nexthdr,
		};
		struct dst_entry *dst;

		dst = ip6_route_input_lookup(dev_net(skb->dev), skb->dev, &fl6,
					     skb, RT6_LOOKUP_F_HAS_SADDR);
		if (dst->dev)
			oif = dst->dev->ifindex;
		dst_release(dst);
	}
	rcu_read_unlock();
	return oif;
}

/*
 * The checks a decapsulated packet passes before it is delivered: its SA's
 * selector, then the "in" or "fwd" policy covering it must list a
 * template this SA satisfies (XFRM's semantics: traffic no policy covers
 * passes only in transport mode and only when the direction's default
 * allows it).
 */
static int input_policy_check(struct kipsec_net *kn, struct kipsec_sa *sa,
			      struct sk_buff *skb, u16 family)
{
	struct kipsec_policy *pol;
	struct kipsec_flow flow;
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	u8 dir;
	int i;

	/* The inner packet's options will be parsed when it is delivered. */
	if (kipsec_flow_from_skb(skb, family, true, &flow))
		return KIPSEC_STAT_IN_MALFORMED;
	dir = !tunnel || delivered_locally(kn->net, &flow) ? KIPSEC_DIR_IN :
							     KIPSEC_DIR_FWD;
	/*
	 * The flow carries the outer packet's local route's device (the
	 * loopback or VRF device), right for "in"; "fwd" wants the inner
	 * packet's outgoing interface.
	 */
	if (dir == KIPSEC_DIR_FWD &&
	    (sa->sel.ifindex || READ_ONCE(kn->dev_policies[dir])))
		flow.ifindex = forward_oif(skb, family);
	if (!kipsec_sel_match(&sa->sel, &flow))
		return KIPSEC_STAT_IN_SELECTOR;

	rcu_read_lock();
	pol = kipsec_policy_lookup(kn, dir, &flow);
	if (!pol) {
		rcu_read_unlock();
		if (READ_ONCE(kn->default_action[dir]) != KIPSEC_ACTION_ALLOW)
			return KIPSEC_STAT_IN_POLICY_BLOCK;
		return tunnel ? KIPSEC_STAT_IN_POLICY : -1;
	}
	kipsec_policy_touch(pol);
	if (pol->action == KIPSEC_ACTION_BLOCK) {
		rcu_read_unlock();
		return KIPSEC_STAT_IN_POLICY_BLOCK;
	}
	for (i = 0; i < pol->ntmpl; i++) {
		if (tmpl_accepts(&pol->tmpl[i], sa)) {
			rcu_read_unlock();
			return -1;
		}
	}
	rcu_read_unlock();
	/* No template fits: only transport mode may pass a template-less one. */
	return !pol->ntmpl && !tunnel ? -1 : KIPSEC_STAT_IN_POLICY;
}

/* Tunnel mode: the inner packet, with DSCP and ECN from the outer one. */
static int decap_tunnel(struct kipsec_sa *sa, struct sk_buff *skb,
			u8 nexthdr, u8 outer_ds, u16 *family)
{
	if (nexthdr == IPPROTO_IPIP) {
		struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = (struct iphdr *)skb->data;
		if (iph->version != 4 || iph->ihl < 5 ||
		    ntohs(iph->tot_len) > skb->len ||
		    ntohs(iph->tot_len) < iph->ihl * 4 ||
		    pskb_trim(skb, ntohs(iph->tot_len)))
			return -EINVAL;
		skb_reset_network_header(skb);
		iph = ip_hdr(skb);
		if (sa->flags & KIPSEC_SA_F_DECAP_DSCP)
			ipv4_change_dsfield(iph, INET_ECN_MASK, outer_ds);
		if (!(sa->flags & KIPSEC_SA_F_NOECN) && INET_ECN_is_ce(outer_ds))
			IP_ECN_set_ce(iph);
		skb->protocol = htons(ETH_P_IP);
		*family = AF_INET;
	} else if (nexthdr == IPPROTO_IPV6) {
		struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = (struct ipv6hdr *)skb->data;
		if (ip6h->version != 6 ||
		    ntohs(ip6h->payload_len) + sizeof(*ip6h) > skb->len ||
		    pskb_trim(skb, ntohs(ip6h->payload_len) + sizeof(*ip6h)))
			return -EINVAL;
		skb_reset_network_header(skb);
		ip6h = ipv6_hdr(skb);
		if (sa->flags & KIPSEC_SA_F_DECAP_DSCP)
			ipv6_change_dsfield(ip6h, INET_ECN_MASK, outer_ds);
		if (!(sa->flags & KIPSEC_SA_F_NOECN) && INET_ECN_is_ce(outer_ds))
			IP6_ECN_set_ce(skb, ip6h);
		skb->protocol = htons(ETH_P_IPV6);
		*family = AF_INET6;
	} else {
		return -EINVAL;
	}
	return 0;
}

/*
 * Transport mode: the IP header (with its extension headers) moves up to
 * the payload again and names the protocol the ESP trailer carried.
 */
static int decap_transport(struct sk_buff *skb, u8 nexthdr, u16 family)
{
	unsigned int hlen = KIPSEC_CB(skb)->hdrlen;
	u8 *nh = skb_network_header(skb);

	memmove(skb->data - hlen, nh, hlen);
	skb_push(skb, hlen);
	skb_reset_network_header(skb);
	if (family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->protocol = nexthdr;
		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
		/* The byte that named ESP now names the payload. */
		skb_network_header(skb)[KIPSEC_CB(skb)->nhoff] = nexthdr;
	}
	return 0;
}

static void input_done(struct sk_buff *skb, int err, u8 nexthdr)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct kipsec_net *kn = sa->kn;
	struct net_device *dev = skb->dev;
	u16 family = cb->family;
	unsigned int len;
	int reason, fhoff, nhoff;
	bool nat_csum;

	if (kipsec_hold_completion(skb, err, nexthdr, input_done))
		return;
	if (err)
		goto drop;
	/* Verified, the outer header still in front: its source is known. */
	if (cb->flags & KIPSEC_IN_ENCAP)
		sa->encap->input_done(sa, skb);
	/*
	 * Counted as XFRM counts: what ESP or AH carried (the inner packet
	 * in tunnel mode, the payload after the IP header in transport
	 * mode), before transport mode puts the IP header back.
	 */
	len = skb->len;
	if (sa->mode == KIPSEC_MODE_TUNNEL)
		err = decap_tunnel(sa, skb, nexthdr, cb->ds, &family);
	else
		err = decap_transport(skb, nexthdr, family);
	if (err) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_MALFORMED);
		goto drop;
	}
	/*
	 * Transport mode through a NAT: the payload's checksum covers
	 * addresses the NAT changed; ESP's ICV vouched for it (esp4.c and
	 * esp6.c esp_input_done2() do the same).
	 */
	nat_csum = cb->flags & KIPSEC_IN_ENCAP &&
		   sa->mode == KIPSEC_MODE_TRANSPORT;
	if (nat_csum)
		skb->ip_summed = CHECKSUM_UNNECESSARY;
	skb_set_transport_header(skb, family == AF_INET ? ip_hdrlen(skb) :
							  sizeof(struct ipv6hdr));

	/*
	 * A fragment waits for the rest of its datagram from this SA: the
	 * policy check and the verdict are the whole datagram's.
	 */
	fhoff = kipsec_frag_offset(skb, family, &nhoff);
	if (fhoff == -2) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_MALFORMED);
		goto drop;
	}
	if (fhoff >= 0) {
		reason = kipsec_frag_gather(sa, skb, family, fhoff, nhoff);
		if (reason == -EINPROGRESS) {
			kipsec_sa_account(sa, len);
			goto out;
		}
		if (reason >= 0) {
			kipsec_sa_drop(sa, reason);
			goto drop;
		}
		skb_set_transport_header(skb, family == AF_INET ?
					 ip_hdrlen(skb) :
					 sizeof(struct ipv6hdr));
		/* Each fragment was vouched for: so is the datagram. */
		if (nat_csum)
			skb->ip_summed = CHECKSUM_UNNECESSARY;
	}

	reason = input_policy_check(kn, sa, skb, family);
	if (reason < 0)
		reason = kipsec_secpath_add(sa, skb);
	if (reason >= 0) {
		kipsec_sa_drop(sa, reason);
		goto drop;
	}

	kipsec_sa_account(sa, len);
	if (kn->decap_mark_mask)
		skb->mark = (skb->mark & ~kn->decap_mark_mask) |
			    (kn->decap_mark_value & kn->decap_mark_mask);
	if (sa->smark_mask)
		skb->mark = (skb->mark & ~sa->smark_mask) |
			    (sa->smark_value & sa->smark_mask);

	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb->pkt_type = PACKET_HOST;
	skb_mac_header_rebuild(skb);
	if (skb->mac_len)
		eth_hdr(skb)->h_proto = skb->protocol;
	memset(skb->cb, 0, sizeof(skb->cb));
	kipsec_deliver(skb);
	goto out;

drop:
	kfree_skb(skb);
out:
	kipsec_inflight_dec(sa->kn);
	dev_put(dev);
	kipsec_sa_put(sa);
}

/*
 * Where the upper header (ESP, AH, or what else) of a packet at LOCAL_IN
 * starts (from the network header), or -1 if it cannot be found (an
 * IPv6 fragment, a truncated header), -2 if a routing header with
 * segments left sends it on; *@proto says what it is, and *@nhoff is
 * where the byte naming it is, which transport mode rewrites once the
 * packet is verified.
 */
static int ipsec_offset4(struct sk_buff *skb, int *nhoff, u8 *proto)
{
	*nhoff = offsetof(struct iphdr, protocol);
	*proto = ip_hdr(skb)->protocol;
	return ip_hdrlen(skb);
}

static int ipsec_offset6(struct sk_buff *skb, int *nhoff, u8 *proto)
{
	int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	int prev = skb_network_offset(skb) + offsetof(struct ipv6hdr, nexthdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;

	while (ipv6_ext_hdr(nexthdr) && nexthdr != NEXTHDR_NONE &&
	       nexthdr != NEXTHDR_AUTH) {
		struct ipv6_rt_hdr _h;
		const struct ipv6_rt_hdr *h;

		h = skb_header_pointer(skb, off, sizeof(_h), &_h);
		/* A fragment here was not reassembled: leave it alone. */
		if (!h || nexthdr == NEXTHDR_FRAGMENT)
			return -1;
		/*
		 * Segments left: this host is not the final destination; the
		 * stack's routing header handler passes it on (or drops it),
		 * and ESP is processed where the route ends, as in XFRM.
		 */
		if (nexthdr == NEXTHDR_ROUTING && h->segments_left)
			return -2;
		prev = off;
		off += ipv6_optlen((const struct ipv6_opt_hdr *)h);
		nexthdr = h->nexthdr;
	}
	*nhoff = prev - skb_network_offset(skb);
	*proto = nexthdr;
	return off - skb_network_offset(skb);
}

static unsigned int cleartext_check(struct kipsec_net *kn, struct sk_buff *skb,
				    u16 family, u8 dir,
				    const struct net_device *in);

static unsigned int input_sa(struct kipsec_sa *sa, struct sk_buff *skb,
			     u16 family, int hlen, int nhoff, bool encap,
			     __be16 sport);

/*
 * Takes ESP or AH at LOCAL_IN whose header starts @hlen bytes after the IP
 * header (the data starts at the IP header): a kipsec SA's, or left to
 * the kernel's own ESP or AH as the "in" policies allow.
 */
static unsigned int input_ipsec(struct kipsec_net *kn, struct sk_buff *skb,
				u16 family, int hlen, int nhoff, u8 proto,
				const struct net_device *in)
{
	unsigned int off = skb_network_offset(skb) + hlen;
	unsigned int spioff = off + kipsec_xform_find(proto)->spi_offset;
	union kipsec_addr daddr;
	struct kipsec_sa *sa;
	__be32 spi;

	if (!pskb_may_pull(skb, spioff + sizeof(spi))) {
		/* Too short to name an SPI: nobody's ESP or AH. */
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_MALFORMED);
		return NF_DROP;
	}
	spi = *(__be32 *)(skb->data + spioff);
	if (family == AF_INET)
		daddr.a4 = ip_hdr(skb)->daddr;
	else
		daddr.a6 = ipv6_hdr(skb)->daddr;
	sa = kipsec_sa_lookup(kn, family, &daddr, spi, proto);
	if (!sa) {
		/*
		 * Not ours: the kernel's own ESP or AH (or nobody) may have
		 * it, if the "in" policies let it in as it is (protocol ESP
		 * or AH), as XFRM judges what raw sockets receive.
		 */
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_PASSTHROUGH);
		return cleartext_check(kn, skb, family, KIPSEC_DIR_IN, in);
	}
	return input_sa(sa, skb, family, hlen, nhoff, false, 0);
}

/*
 * Hands ESP or AH for @sa (looked up under RCU, no reference), whose
 * header starts @hlen bytes after the IP header, to its transform.
 * @encap: ESP that came in UDP (from source port @sport), for an SA with
 * an encapsulation only.
 */
static unsigned int input_sa(struct kipsec_sa *sa, struct sk_buff *skb,
			     u16 family, int hlen, int nhoff, bool encap,
			     __be16 sport)
{
	unsigned int off = skb_network_offset(skb) + hlen;
	struct kipsec_skb_cb *cb;

	if (sa->flags & KIPSEC_SA_F_LARVAL || !kipsec_sa_get(sa)) {
		/* Under RCU: its counters outlive this read section. */
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_LARVAL);
		return NF_DROP;
	}
	if (unlikely(kipsec_sa_expired(sa))) {
		kipsec_sa_drop(sa, KIPSEC_STAT_EXPIRED);
		kipsec_sa_put(sa);
		return NF_DROP;
	}
	/* In UDP for an SA that has UDP, plain otherwise (xfrm_input()). */
	if (unlikely(!sa->encap != !encap)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_ENCAP_MISMATCH);
		kipsec_sa_put(sa);
		return NF_DROP;
	}

	/* The packet's own connection entry goes; the inner gets one. */
	nf_reset_ct(skb);
	cb = KIPSEC_CB(skb);
	memset(cb, 0, sizeof(*cb));
	cb->sa = sa;
	cb->family = family;
	cb->hdrlen = hlen;
	cb->nhoff = nhoff;
	cb->flags = encap ? KIPSEC_IN_ENCAP : 0;
	cb->encap_sport = sport;
	cb->ds = family == AF_INET ? ip_hdr(skb)->tos :
				     ipv6_get_dsfield(ipv6_hdr(skb));
	/*
	 * The completion may run after this RCU section (async crypto) and
	 * reads the route (the flow's device): a reference-less one becomes
	 * real, as in xfrm_input(); gone already, nothing can judge it.
	 */
	skb_dst_force(skb);
	if (!skb_dst(skb)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_NO_ROUTE);
		kipsec_sa_put(sa);
		return NF_DROP;
	}
	/* LOCAL_IN sees the data at the network header: skip to ESP or AH. */
	__skb_pull(skb, off);
	/*
	 * The completion may run after this hook returns (async crypto):
	 * it uses the device, so the packet holds it until then (as
	 * xfrm_input() does); the SA reference keeps the namespace's state.
	 */
	dev_hold(skb->dev);
	kipsec_inflight_inc(sa->kn);
	sa->type->input(sa, skb, input_done);
	return NF_STOLEN;
}

void kipsec_input_encap(struct kipsec_sa *sa, struct sk_buff *skb,
			u16 family, int hlen, int nhoff, __be16 sport)
{
	/* What LOCAL_IN would have done with it, the verdict applied. */
	if (input_sa(sa, skb, family, hlen, nhoff, true, sport) == NF_DROP)
		kfree_skb(skb);
}

/* Cleartext in @dir: allowed unless a policy wants it protected or blocked. */
static unsigned int cleartext_check(struct kipsec_net *kn, struct sk_buff *skb,
				    u16 family, u8 dir,
				    const struct net_device *in)
{
	struct kipsec_policy *pol;
	struct kipsec_flow flow;

	if (kipsec_secpath_verified(skb) || kipsec_dev_exempt_in(in, family))
		return NF_ACCEPT;
	/* Fail closed: what cannot be read cannot be judged. */
	if (kipsec_flow_from_skb(skb, family, kipsec_hbh_parsed(skb, family),
				 &flow)) {
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_MALFORMED);
		return NF_DROP;
	}
	pol = kipsec_policy_lookup(kn, dir, &flow);
	if (!pol) {
		if (READ_ONCE(kn->default_action[dir]) == KIPSEC_ACTION_ALLOW)
			return NF_ACCEPT;
	} else {
		kipsec_policy_touch(pol);
		if (pol->action == KIPSEC_ACTION_ALLOW) {
			int i;

			for (i = 0; i < pol->ntmpl; i++)
				if (pol->tmpl[i].level == KIPSEC_LEVEL_REQUIRED)
					break;
			if (i == pol->ntmpl)
				return NF_ACCEPT;
			kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_POLICY);
			return NF_DROP;
		}
	}
	kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_POLICY_BLOCK);
	return NF_DROP;
}

unsigned int kipsec_input_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state)
{
	struct kipsec_net *kn = priv;
	u16 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	unsigned int verdict;
	int hlen, nhoff;
	u8 proto;

	if (state->in && state->in->flags & IFF_LOOPBACK)
		return NF_ACCEPT;
	hlen = family == AF_INET ? ipsec_offset4(skb, &nhoff, &proto) :
				   ipsec_offset6(skb, &nhoff, &proto);
	if (hlen >= 0 && kipsec_xform_find(proto))
		return input_ipsec(kn, skb, family, hlen, nhoff, proto,
				   state->in);
	if (hlen == -2)		/* not delivered here: FORWARD judges it */
		return NF_ACCEPT;
	/* ESP in UDP: the encapsulation socket takes it (encap_udp.c). */
	if (hlen >= 0 && kipsec_encap_port_claims(kn, skb, hlen, proto,
						  family))
		return NF_ACCEPT;
	verdict = cleartext_check(kn, skb, family, KIPSEC_DIR_IN, state->in);
	/*
	 * An error for an SA's packets lowers its path MTU (pmtu.c), once
	 * the policies let it in (as XFRM checks them in icmp_rcv() before
	 * esp4_err()).
	 */
	if (verdict == NF_ACCEPT && hlen >= 0 &&
	    proto == (family == AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6))
		kipsec_pmtu_icmp(kn, skb, family, hlen);
	return verdict;
}

unsigned int kipsec_forward_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	u16 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;

	return cleartext_check(priv, skb, family, KIPSEC_DIR_FWD, state->in);
}
