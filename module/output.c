// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound: at POST_ROUTING, after SNAT and every filter, a packet that an
 * "out" policy wants protected is taken over, segmented if it is GSO,
 * checked against the path MTU less the ESP overhead, encapsulated (tunnel)
 * or given an ESP header after its IP header (transport), encrypted, and
 * sent again through LOCAL_OUT and POST_ROUTING as an ESP packet, as XFRM
 * does, marked as transformed so it is not looked at twice.
 */
#include "datapath.h"
#include "hooks.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dsfield.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/route.h>

/* What the encapsulation needs from the inner packet, kept in skb->cb. */
#define KIPSEC_OUT_DF	0x01	/* inner IPv4 DF, or inner IPv6 */

static bool transformed(const struct sk_buff *skb, u16 family)
{
	if (family == AF_INET)
		return IPCB(skb)->flags & IPSKB_XFRM_TRANSFORMED;
	return IP6CB(skb)->flags & IP6SKB_XFRM_TRANSFORMED;
}

static void out_drop(struct sk_buff *skb, struct kipsec_sa *sa)
{
	kfree_skb(skb);
	kipsec_sa_put(sa);
}

/* The outer route of a tunnel-mode SA, from its cache or looked up. */
static struct dst_entry *tunnel_route4(struct net *net, struct kipsec_sa *sa,
				       struct sk_buff *skb)
{
	struct flowi4 fl4 = {
		.daddr = sa->key.daddr.a4,
		.saddr = sa->saddr.a4,
		.flowi4_proto = IPPROTO_ESP,
		.flowi4_mark = skb->mark,
	};
	struct rtable *rt;
	__be32 saddr;

	rt = dst_cache_get_ip4(&sa->dst_cache, &saddr);
	if (rt)
		return &rt->dst;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	dst_cache_set_ip4(&sa->dst_cache, &rt->dst, fl4.saddr);
	return &rt->dst;
}

static struct dst_entry *tunnel_route6(struct net *net, struct kipsec_sa *sa,
				       struct sk_buff *skb)
{
	struct flowi6 fl6 = {
		.daddr = sa->key.daddr.a6,
		.saddr = sa->saddr.a6,
		.flowi6_proto = IPPROTO_ESP,
		.flowi6_mark = skb->mark,
	};
	struct in6_addr saddr;
	struct dst_entry *dst;

	dst = dst_cache_get_ip6(&sa->dst_cache, &saddr);
	if (dst)
		return dst;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return NULL;
	}
	dst_cache_set_ip6(&sa->dst_cache, dst, &fl6.saddr);
	return dst;
}

/* The IP header ESP sits behind in transport mode, and where it says so. */
static int transport_hdrlen(struct sk_buff *skb, u16 family, u8 **nexthdr)
{
	if (family == AF_INET) {
		*nexthdr = &ip_hdr(skb)->protocol;
		return ip_hdrlen(skb);
	}
	return ip6_find_1stfragopt(skb, nexthdr);
}

static void output_done(struct sk_buff *skb, int err, u8 nexthdr);

/*
 * One packet (never GSO, checksum resolved) whose data starts at its IP
 * header: finds the outer route, enforces the MTU, and hands the payload
 * to ESP.
 */
static void output_one(struct net *net, struct kipsec_sa *sa,
		       struct sk_buff *skb, u16 family)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	unsigned int hdrlen, mtu, inner_mtu, esplen;
	struct dst_entry *dst;
	bool df;
	u8 *nh, proto;

	if (tunnel) {
		dst = sa->key.family == AF_INET ? tunnel_route4(net, sa, skb) :
						  tunnel_route6(net, sa, skb);
		if (!dst) {
			kipsec_sa_drop(sa, KIPSEC_STAT_OUT_NO_ROUTE);
			goto drop;
		}
		hdrlen = sa->key.family == AF_INET ? sizeof(struct iphdr) :
						     sizeof(struct ipv6hdr);
	} else {
		dst = dst_clone(skb_dst(skb));
		hdrlen = 0;
	}
	esplen = 8 + sa->ivlen;
	/*
	 * The device MTU, not the route's PMTU: the ICMP errors below lower
	 * the PMTU of the inner route, which in transport mode (and between
	 * two hosts in tunnel mode) is also the outer one.
	 */
	mtu = READ_ONCE(dst->dev->mtu);
	/* The largest inner packet whose ESP packet fits the path. */
	inner_mtu = ALIGN_DOWN(mtu - hdrlen - esplen - sa->icvlen,
			       sa->padalign) - 2;

	df = family == AF_INET6 || (ip_hdr(skb)->frag_off & htons(IP_DF));
	if (skb->len > inner_mtu && df && !(tunnel && family == AF_INET &&
					    sa->flags & KIPSEC_SA_F_NOPMTUDISC)) {
		/* Tell the sender, local or not, the MTU it can use. */
		if (family == AF_INET)
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				      htonl(inner_mtu));
		else
			icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0,
					max_t(u32, inner_mtu, IPV6_MIN_MTU));
		dst_release(dst);
		goto drop;
	}

	cb->family = sa->key.family;
	cb->inner_family = family;
	cb->flags = df ? KIPSEC_OUT_DF : 0;
	if (tunnel) {
		/* Remember what the outer header copies from the inner one. */
		cb->ds = family == AF_INET ? ip_hdr(skb)->tos :
					     ipv6_get_dsfield(ipv6_hdr(skb));
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		proto = family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	} else {
		int hlen;

		dst_release(dst);
		if (skb_cow_head(skb, esplen + MAX_HEADER))
			goto nomem;
		hlen = transport_hdrlen(skb, family, &nh);
		if (hlen < 0)
			goto nomem;
		proto = *nh;
		*nh = IPPROTO_ESP;
		/* Open a gap for the ESP header between IP header and data. */
		skb_push(skb, esplen);
		memmove(skb->data, skb->data + esplen, hlen);
		skb_reset_network_header(skb);
		__skb_pull(skb, hlen + esplen);
		cb->hdrlen = hlen;
	}
	if (kipsec_sa_next_oseq(sa, &cb->seq)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_OUT_SEQ_OVERFLOW);
		goto drop;
	}
	/* Counted as XFRM counts: the packet before the transform. */
	atomic64_add(skb->len, &sa->cur_bytes);
	atomic64_inc(&sa->cur_packets);
	kipsec_esp_output(sa, skb, proto, output_done);
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
drop:
	out_drop(skb, sa);
}

static void tunnel_header4(struct sk_buff *skb, struct kipsec_sa *sa,
			   u8 inner_ds, bool df)
{
	struct iphdr *iph;
	u8 tos;

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	tos = sa->flags & KIPSEC_SA_F_DONT_ENCAP_DSCP ? 0 : inner_ds;
	tos = INET_ECN_encapsulate(tos, inner_ds);
	if (sa->flags & KIPSEC_SA_F_NOECN)
		tos &= ~INET_ECN_MASK;
	iph->version = 4;
	iph->ihl = 5;
	iph->tos = tos;
	iph->frag_off = df && !(sa->flags & KIPSEC_SA_F_NOPMTUDISC) ?
			htons(IP_DF) : 0;
	iph->ttl = ip4_dst_hoplimit(skb_dst(skb));
	iph->protocol = IPPROTO_ESP;
	iph->saddr = sa->saddr.a4;
	iph->daddr = sa->key.daddr.a4;
	iph->tot_len = htons(skb->len);
	ip_select_ident(dev_net(skb_dst(skb)->dev), skb, NULL);
}

static void tunnel_header6(struct sk_buff *skb, struct kipsec_sa *sa,
			   u8 inner_ds)
{
	struct ipv6hdr *ip6h;
	u8 ds;

	skb_push(skb, sizeof(*ip6h));
	skb_reset_network_header(skb);
	ip6h = ipv6_hdr(skb);
	ds = sa->flags & KIPSEC_SA_F_DONT_ENCAP_DSCP ? 0 : inner_ds;
	ds = INET_ECN_encapsulate(ds, inner_ds);
	if (sa->flags & KIPSEC_SA_F_NOECN)
		ds &= ~INET_ECN_MASK;
	ip6_flow_hdr(ip6h, ds, 0);
	ip6h->nexthdr = IPPROTO_ESP;
	ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
	ip6h->saddr = sa->saddr.a6;
	ip6h->daddr = sa->key.daddr.a6;
	/* An IPv4 packet without DF may be fragmented inside IPv6. */
	skb->ignore_df = 1;
}

/* ESP is done: complete the outer packet and send it on. */
static void output_done(struct sk_buff *skb, int err, u8 nexthdr)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct net *net = sa->kn->net;
	u16 family = cb->family;

	if (err)
		goto drop;
	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		if (family == AF_INET)
			tunnel_header4(skb, sa, cb->ds, cb->flags & KIPSEC_OUT_DF);
		else
			tunnel_header6(skb, sa, cb->ds);
	} else {
		skb_push(skb, cb->hdrlen);
		skb_reset_network_header(skb);
	}
	skb_set_transport_header(skb, family == AF_INET ? ip_hdrlen(skb) : 0);
	skb->protocol = family == AF_INET ? htons(ETH_P_IP) : htons(ETH_P_IPV6);
	skb->ip_summed = CHECKSUM_NONE;
	if (sa->smark_mask)
		skb->mark = (skb->mark & ~sa->smark_mask) |
			    (sa->smark_value & sa->smark_mask);
	nf_reset_ct(skb);

	if (family == AF_INET) {
		/* FORWARDED: sized against the device MTU, as checked. */
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->flags = IPSKB_XFRM_TRANSFORMED | IPSKB_FORWARDED;
		ip_local_out(net, NULL, skb);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->flags = IP6SKB_XFRM_TRANSFORMED;
		skb->ignore_df = 1;
		ip6_local_out(net, NULL, skb);
	}
	/* Last: the reference keeps module unload waiting until here. */
	kipsec_sa_put(sa);
	return;

drop:
	out_drop(skb, sa);
}

/* Segments a GSO packet once, then protects each segment. */
static void output_skb(struct net *net, struct kipsec_sa *sa,
		       struct sk_buff *skb, u16 family)
{
	struct sk_buff *segs, *seg, *next;

	if (!skb_is_gso(skb)) {
		if (skb->ip_summed == CHECKSUM_PARTIAL &&
		    skb_checksum_help(skb)) {
			kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
			out_drop(skb, sa);
			return;
		}
		KIPSEC_CB(skb)->sa = sa;
		output_one(net, sa, skb, family);
		return;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
		out_drop(skb, sa);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (next)
			refcount_inc(&sa->ref);	/* one per segment */
		KIPSEC_CB(seg)->sa = sa;
		output_one(net, sa, seg, family);
	}
}

unsigned int kipsec_output_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	struct kipsec_net *kn = priv;
	u16 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct kipsec_policy *pol;
	struct kipsec_flow flow;
	struct kipsec_sa *sa;

	if (transformed(skb, family) ||
	    kipsec_dev_exempt_out(state->out, family))
		return NF_ACCEPT;
	if (kipsec_flow_from_skb(skb, family, &flow))
		return NF_ACCEPT;
	flow.ifindex = state->out->ifindex;

	pol = kipsec_policy_lookup(kn, KIPSEC_DIR_OUT, &flow);
	if (!pol) {
		if (READ_ONCE(kn->default_action[KIPSEC_DIR_OUT]) ==
		    KIPSEC_ACTION_ALLOW)
			return NF_ACCEPT;
		goto block;
	}
	kipsec_policy_touch(pol);
	if (pol->action == KIPSEC_ACTION_BLOCK)
		goto block;
	if (!pol->ntmpl)
		return NF_ACCEPT;

	sa = kipsec_sa_for_tmpl(kn, pol, &flow);
	if (!sa || !kipsec_sa_get(sa)) {
		if (pol->tmpl[0].level == KIPSEC_LEVEL_USE)
			return NF_ACCEPT;
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_OUT_NO_SA);
		return NF_DROP;
	}
	kipsec_sa_touch(sa);

	/* The packet ends here for the stack: confirm its connection. */
	if (nf_conntrack_confirm(skb) != NF_ACCEPT) {
		kipsec_sa_put(sa);
		return NF_DROP;
	}
	output_skb(state->net, sa, skb, family);
	return NF_STOLEN;

block:
	kipsec_stats_inc(kn->stats, KIPSEC_STAT_OUT_POLICY_BLOCK);
	return NF_DROP;
}
