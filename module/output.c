// SPDX-License-Identifier: GPL-2.0
/*
 * Outbound: at POST_ROUTING, after SNAT and every filter, a packet that an
 * "out" policy wants protected is taken over, checked against the path
 * MTU less the ESP or AH overhead, segmented if it is GSO, encapsulated
 * (tunnel) or given an ESP or AH header after its IP header (transport),
 * encrypted or authenticated, and sent again through LOCAL_OUT and
 * POST_ROUTING as an ESP or AH packet, as XFRM does, marked as
 * transformed so it is not looked at twice.
 */
#include "datapath.h"
#include "debug.h"
#include "acquire.h"
#include "hooks.h"
#include "netns.h"
#include "output.h"
#include "pmtu.h"
#include "policy.h"
#include "sa.h"
#include "xform.h"

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
#include <net/ipv6_stubs.h>
#include <net/netfilter/nf_conntrack_core.h>
#include <net/route.h>
#include <net/sock.h>
#include <net/xfrm.h>

/* What the encapsulation needs from the inner packet, kept in skb->cb. */
#define KIPSEC_OUT_DF	0x01	/* inner IPv4 DF, or inner IPv6 */
#define KIPSEC_OUT_HDRS	0x02	/* kipsec_output_headers() has run */

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
		.flowi4_proto = sa->key.proto,
		.flowi4_mark = skb->mark,
	};
	union kipsec_addr daddr, saddr;
	struct rtable *rt;
	__be32 src;

	rt = dst_cache_get_ip4(&sa->dst_cache, &src);
	if (rt)
		return &rt->dst;
	kipsec_sa_outer(sa, &daddr, &saddr);
	fl4.daddr = daddr.a4;
	fl4.saddr = saddr.a4;
	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	kipsec_route_hold();
	dst_cache_set_ip4(&sa->dst_cache, &rt->dst, fl4.saddr);
	return &rt->dst;
}

static struct dst_entry *tunnel_route6(struct net *net, struct kipsec_sa *sa,
				       struct sk_buff *skb)
{
	struct flowi6 fl6 = {
		.flowi6_proto = sa->key.proto,
		.flowi6_mark = skb->mark,
	};
	union kipsec_addr daddr, saddr;
	struct dst_entry *dst;
	struct in6_addr src;

	dst = dst_cache_get_ip6(&sa->dst_cache, &src);
	if (dst)
		return dst;
	kipsec_sa_outer(sa, &daddr, &saddr);
	fl6.daddr = daddr.a6;
	fl6.saddr = saddr.a6;
	dst = ip6_route_output(net, NULL, &fl6);
	if (dst->error) {
		dst_release(dst);
		return NULL;
	}
	kipsec_route_hold();
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

/* What the IP header in front of ESP or AH (or its encapsulation) names. */
static u8 outer_proto(const struct kipsec_sa *sa)
{
	return sa->encap ? sa->encap->proto : sa->key.proto;
}

/*
 * Bytes between the IP header and the payload: ESP's or AH's header and,
 * if the SA has one, the encapsulation's (pushed by kipsec_output_headers()
 * into the front of this gap in transport mode).
 */
static unsigned int xform_hdrlen(const struct kipsec_sa *sa)
{
	return sa->type->hdrlen(sa) + (sa->encap ? sa->encap->hdrlen(sa) : 0);
}

/*
 * The largest packet @sa can protect on @dst without the outer packet
 * exceeding the device MTU or the path MTU that ICMP errors for the SA's
 * packets named (pmtu.c); not the route's PMTU: the ICMP errors below
 * lower the PMTU of the inner route, which in transport mode (and between
 * two hosts in tunnel mode) is also the outer one.
 */
static unsigned int inner_mtu(const struct kipsec_sa *sa,
			      const struct dst_entry *dst)
{
	unsigned int mtu = min(READ_ONCE(dst->dev->mtu), kipsec_sa_pmtu(sa));
	unsigned int hdrs = xform_hdrlen(sa);

	if (sa->mode == KIPSEC_MODE_TUNNEL)
		hdrs += sa->key.family == AF_INET ? sizeof(struct iphdr) :
						    sizeof(struct ipv6hdr);
	/* A device too small for the headers alone: nothing fits. */
	if (mtu <= hdrs)
		return 0;
	return sa->type->payload_max(sa, mtu - hdrs);
}

/*
 * One packet (never GSO, checksum resolved) whose data starts at its IP
 * header, and the route its protected form takes (a reference): makes
 * room for ESP or AH and hands the packet to it.
 */
static void output_one(struct kipsec_sa *sa, struct sk_buff *skb,
		       struct dst_entry *dst, u16 family, bool df)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int xlen = xform_hdrlen(sa);
	u8 *nh, proto;

	cb->sa = sa;
	cb->family = sa->key.family;
	cb->inner_family = family;
	cb->flags = df ? KIPSEC_OUT_DF : 0;
	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		/* Remember what the outer header copies from the inner one. */
		cb->ds = family == AF_INET ? ip_hdr(skb)->tos :
					     ipv6_get_dsfield(ipv6_hdr(skb));
		skb_dst_drop(skb);
		skb_dst_set(skb, dst);
		proto = family == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	} else {
		int hlen;

		dst_release(dst);
		if (skb_cow_head(skb, xlen + MAX_HEADER))
			goto nomem;
		hlen = transport_hdrlen(skb, family, &nh);
		if (hlen < 0)
			goto nomem;
		proto = *nh;
		*nh = outer_proto(sa);
		/* Open a gap for ESP or AH between IP header and data. */
		skb_push(skb, xlen);
		memmove(skb->data, skb->data + xlen, hlen);
		skb_reset_network_header(skb);
		__skb_pull(skb, hlen + xlen);
		cb->hdrlen = hlen;
	}
	if (kipsec_sa_next_oseq(sa, &cb->seq)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_OUT_SEQ_OVERFLOW);
		kipsec_sa_seq_exhausted(sa);
		goto drop;
	}
	/* Counted as XFRM counts: the packet before the transform. */
	kipsec_sa_account(sa, skb->len);
	kipsec_inflight_inc(sa->kn);
	sa->type->output(sa, skb, proto, output_done);
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
drop:
	out_drop(skb, sa);
}

static void tunnel_header4(struct sk_buff *skb, struct kipsec_sa *sa,
			   u8 inner_ds, bool df)
{
	union kipsec_addr daddr, saddr;
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
	iph->protocol = outer_proto(sa);
	kipsec_sa_outer(sa, &daddr, &saddr);
	iph->saddr = saddr.a4;
	iph->daddr = daddr.a4;
	iph->tot_len = htons(skb->len);
	ip_select_ident(dev_net(skb_dst(skb)->dev), skb, NULL);
}

static void tunnel_header6(struct sk_buff *skb, struct kipsec_sa *sa,
			   u8 inner_ds)
{
	union kipsec_addr daddr, saddr;
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
	ip6h->nexthdr = outer_proto(sa);
	ip6h->hop_limit = ip6_dst_hoplimit(skb_dst(skb));
	kipsec_sa_outer(sa, &daddr, &saddr);
	ip6h->saddr = saddr.a6;
	ip6h->daddr = daddr.a6;
	ip6h->payload_len = htons(skb->len - sizeof(*ip6h));
	/* An IPv4 packet without DF may be fragmented inside IPv6. */
	skb->ignore_df = 1;
}

unsigned int kipsec_output_headers(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	unsigned int hdrlen;

	if (sa->encap)
		sa->encap->output(sa, skb);
	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		if (cb->family == AF_INET)
			tunnel_header4(skb, sa, cb->ds, cb->flags & KIPSEC_OUT_DF);
		else
			tunnel_header6(skb, sa, cb->ds);
		hdrlen = cb->family == AF_INET ? sizeof(struct iphdr) :
						 sizeof(struct ipv6hdr);
	} else {
		hdrlen = cb->hdrlen;
		skb_push(skb, hdrlen);
		skb_reset_network_header(skb);
		if (cb->family == AF_INET)
			ip_hdr(skb)->tot_len = htons(skb->len);
		else
			ipv6_hdr(skb)->payload_len =
				htons(skb->len - sizeof(struct ipv6hdr));
	}
	skb_set_transport_header(skb, hdrlen);
	if (sa->encap)
		sa->encap->output_finish(sa, skb);
	cb->flags |= KIPSEC_OUT_HDRS;
	return hdrlen;
}

/*
 * IPv6 has no IPSKB_FORWARDED. The "packet too big" errors that kipsec
 * sends a local sender (output_skb()) lower the PMTU of its route to the
 * inner MTU, and in transport mode (or a tunnel between two hosts) that
 * route is also the protected packets' one: ip6_finish_output() would
 * then fragment every full-sized ESP packet to it. A packet that fits the
 * link (its IPv6 MTU, or the MTU configured on the route, not the one
 * learnt for its exception) and the SA's path MTU leaves as a forwarded
 * IPv4 one does (IPSKB_FORWARDED): owned by a kernel socket that probes
 * the MTU (IPV6_PMTUDISC_PROBE: ip6_skb_dst_mtu() then takes the
 * device's), no longer by the sender's socket.
 */
static unsigned int route_mtu6(const struct dst_entry *dst)
{
	const struct rt6_info *rt = container_of(dst, struct rt6_info, dst);
	const struct fib6_info *from;
	unsigned int mtu;

	/*
	 * Only an exception (RTF_CACHE) has a learnt PMTU in its metric; not
	 * an rt6_info at all: br_netfilter's fake IPv4 route on a bridged
	 * IPv6 packet, XFRM's bundle.
	 */
	if (dst->ops->family != AF_INET6 || dst->xfrm ||
	    !(rt->rt6i_flags & RTF_CACHE))
		return dst_mtu(dst);
	/*
	 * As forwarding sizes packets: the link's IPv6 MTU (mtu6, which a
	 * router advertisement may set below the device's), a locked MTU
	 * as it is; then the MTU configured on the route.
	 */
	mtu = ip6_dst_mtu_maybe_forward(dst, true);
	rcu_read_lock();
	from = rcu_dereference(rt->from);
	if (from && from->fib6_pmtu)
		mtu = min(mtu, from->fib6_pmtu);
	rcu_read_unlock();
	return mtu;
}

static void output_own6(struct kipsec_net *kn, struct sk_buff *skb)
{
	struct sock *sk = kn->out6_sock ? kn->out6_sock->sk : NULL;

	if (!sk)
		return;
	skb_orphan(skb);
	sock_hold(sk);
	skb->sk = sk;
	skb->destructor = sock_efree;
}

int kipsec_output_net_init(struct kipsec_net *kn)
{
	struct socket *sock;
	int ret;

	ret = sock_create_kern(kn->net, AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
			       &sock);
	if (ret == -EAFNOSUPPORT)	/* ipv6.disable=1: no IPv6 to send */
		return 0;
	if (ret)
		return ret;
	inet6_sk(sock->sk)->pmtudisc = IPV6_PMTUDISC_PROBE;
	kn->out6_sock = sock;
	return 0;
}

/* Packets still queued keep the socket (not the namespace) until sent. */
void kipsec_output_net_exit(struct kipsec_net *kn)
{
	if (kn->out6_sock)
		sock_release(kn->out6_sock);
	kn->out6_sock = NULL;
}

/* ESP or AH is done: complete the outer packet and send it on. */
static void output_done(struct sk_buff *skb, int err, u8 nexthdr)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct net *net = sa->kn->net;
	u16 family = cb->family;

	if (err)
		goto drop;
	if (!(cb->flags & KIPSEC_OUT_HDRS))
		kipsec_output_headers(skb);
	skb->protocol = family == AF_INET ? htons(ETH_P_IP) : htons(ETH_P_IPV6);
	skb->ip_summed = CHECKSUM_NONE;
	if (sa->smark_mask)
		skb->mark = (skb->mark & ~sa->smark_mask) |
			    (sa->smark_value & sa->smark_mask);
	nf_reset_ct(skb);
	/* What decrypted it on the way in is not what protects it now. */
	secpath_reset(skb);

	if (family == AF_INET) {
		/* FORWARDED: sized against the device MTU, as checked. */
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		IPCB(skb)->flags = IPSKB_XFRM_TRANSFORMED | IPSKB_FORWARDED;
		ip_local_out(net, NULL, skb);
	} else {
		unsigned int pmtu = kipsec_sa_pmtu(sa);
		unsigned int rmtu = dst_mtu(skb_dst(skb));

		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		IP6CB(skb)->flags = IP6SKB_XFRM_TRANSFORMED;
		/*
		 * A packet that may be fragmented (checked against the SA's
		 * MTU) is, to the path MTU ICMP named (pmtu.c), if the route
		 * does not already say less.
		 */
		if (skb->len > pmtu && pmtu < rmtu)
			IP6CB(skb)->frag_max_size = pmtu;
		else if (skb->len > rmtu &&
			 skb->len <= min(pmtu, route_mtu6(skb_dst(skb))))
			output_own6(sa->kn, skb);
		skb->ignore_df = 1;
		ip6_local_out(net, NULL, skb);
	}
	kipsec_inflight_dec(sa->kn);
	/* Last: the reference keeps module unload waiting until here. */
	kipsec_sa_put(sa);
	return;

drop:
	kipsec_inflight_dec(sa->kn);
	out_drop(skb, sa);
}

/*
 * IPv6 in tunnel mode that may be fragmented (a local socket lets the
 * stack fragment, or nf_defrag_ipv6 reassembled it on its way through) is
 * fragmented before ESP or AH, as XFRM does and as ip6_finish_output()
 * would have done had kipsec not taken the packet: into fragments that
 * fit the tunnel and are no larger than those received. Sent whole, the
 * far gateway could not forward it to a link with a smaller MTU (IPv6
 * routers do not fragment). ip6_fragment() calls back synchronously, once
 * per fragment; the SA and route travel in a per-CPU slot (BHs off).
 */
struct kipsec_frag6 {
	struct kipsec_sa *sa;
	struct dst_entry *dst;
};

static DEFINE_PER_CPU(struct kipsec_frag6, kipsec_frag6);

static int output_frag6_one(struct net *net, struct sock *sk,
			    struct sk_buff *skb)
{
	struct kipsec_frag6 *f = this_cpu_ptr(&kipsec_frag6);

	refcount_inc(&f->sa->ref);
	dst_hold(f->dst);
	output_one(f->sa, skb, f->dst, AF_INET6, false);
	return 0;
}

static void output_frag6(struct net *net, struct kipsec_sa *sa,
			 struct sk_buff *skb, struct dst_entry *dst,
			 unsigned int mtu)
{
	unsigned int max = IP6CB(skb)->frag_max_size;
	struct kipsec_frag6 *f, saved;

	IP6CB(skb)->frag_max_size = max && max < mtu ? max : mtu;
	local_bh_disable();
	f = this_cpu_ptr(&kipsec_frag6);
	saved = *f;
	f->sa = sa;
	f->dst = dst;
	ipv6_stub->ipv6_fragment(net, skb->sk, skb, output_frag6_one);
	*f = saved;
	local_bh_enable();
	dst_release(dst);
	kipsec_sa_put(sa);
}

/*
 * Finds the route of the protected packets, enforces the MTU (once for a
 * GSO packet: one ICMP error, not one per segment), segments a GSO packet
 * once and protects each packet.
 */
static void output_skb(struct net *net, struct kipsec_sa *sa,
		       struct sk_buff *skb, u16 family)
{
	struct sk_buff *segs, *seg, *next;
	struct dst_entry *dst;
	unsigned int mtu;
	bool df, fits;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		dst = sa->key.family == AF_INET ? tunnel_route4(net, sa, skb) :
						  tunnel_route6(net, sa, skb);
		if (!dst) {
			kipsec_sa_drop(sa, KIPSEC_STAT_OUT_NO_ROUTE);
			goto drop;
		}
	} else {
		dst = dst_clone(skb_dst(skb));
	}
	mtu = inner_mtu(sa, dst);
	fits = skb_is_gso(skb) ? skb_gso_validate_network_len(skb, mtu) :
				 skb->len <= mtu;
	/*
	 * May the packet be fragmented? Not if forwarded with DF (IPv6:
	 * always), nor if a local socket forbids it; ignore_df is how a
	 * local socket (ping without -M do, say) lets the stack fragment.
	 */
	df = !skb->ignore_df &&
	     (family == AF_INET6 || (ip_hdr(skb)->frag_off & htons(IP_DF)));
	/* Reassembled from fragments too large for the tunnel (ip6_forward). */
	if (family == AF_INET6 && IP6CB(skb)->frag_max_size > mtu)
		df = true;
	if (!fits && df && !(sa->mode == KIPSEC_MODE_TUNNEL &&
			     family == AF_INET &&
			     sa->flags & KIPSEC_SA_F_NOPMTUDISC)) {
		/* Tell the sender, local or not, the MTU it can use. */
		if (family == AF_INET)
			icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
				      htonl(mtu));
		else
			icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0,
					max_t(u32, mtu, IPV6_MIN_MTU));
		dst_release(dst);
		goto drop;
	}

	if (!skb_is_gso(skb)) {
		if (skb->ip_summed == CHECKSUM_PARTIAL &&
		    skb_checksum_help(skb)) {
			dst_release(dst);
			goto nomem;
		}
		if (family == AF_INET6 && sa->mode == KIPSEC_MODE_TUNNEL &&
		    (!fits || (IP6CB(skb)->frag_max_size &&
			       skb->len > IP6CB(skb)->frag_max_size))) {
			output_frag6(net, sa, skb, dst, mtu);
			return;
		}
		output_one(sa, skb, dst, family, df);
		return;
	}
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		dst_release(dst);
		goto nomem;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, seg, next) {
		skb_mark_not_on_list(seg);
		if (next) {
			refcount_inc(&sa->ref);	/* one per segment */
			dst_hold(dst);
		}
		output_one(sa, seg, dst, family, df);
	}
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
drop:
	out_drop(skb, sa);
}

static unsigned int output_hook(struct kipsec_net *kn, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	u16 family = state->pf == NFPROTO_IPV4 ? AF_INET : AF_INET6;
	struct kipsec_policy *pol;
	struct kipsec_flow flow;
	struct kipsec_sa *sa;

	if (transformed(skb, family) ||
	    kipsec_dev_exempt_out(state->out, family))
		return NF_ACCEPT;
	/* Fail closed: what cannot be read cannot be judged. */
	if (kipsec_flow_from_skb(skb, family, kipsec_hbh_parsed(skb, family),
				 &flow)) {
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_OUT_MALFORMED);
		return NF_DROP;
	}

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
		kipsec_acquire(kn, pol, &flow);
		return NF_DROP;
	}

	/* The packet ends here for the stack: confirm its connection. */
	if (nf_conntrack_confirm(skb) != NF_ACCEPT) {
		kipsec_sa_put(sa);
		return NF_DROP;
	}
	/*
	 * Forwarded packets and TCP carry a route without a reference, valid
	 * only in this RCU section; the packet may finish after it (async
	 * crypto), so it takes one, as xfrm_output() does.
	 */
	skb_dst_force(skb);
	if (!skb_dst(skb)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_OUT_NO_ROUTE);
		kipsec_sa_put(sa);
		return NF_DROP;
	}
	output_skb(state->net, sa, skb, family);
	return NF_STOLEN;

block:
	kipsec_stats_inc(kn->stats, KIPSEC_STAT_OUT_POLICY_BLOCK);
	return NF_DROP;
}

/*
 * Locally generated packets reach POST_ROUTING in process context; the
 * SA's route cache (dst_cache) and the per-CPU state below want bottom
 * halves off, as in ip_tunnel and WireGuard, so a softirq on this CPU
 * using the same SA cannot interleave.
 */
unsigned int kipsec_output_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state)
{
	unsigned int verdict;

	local_bh_disable();
	verdict = output_hook(priv, skb, state);
	local_bh_enable();
	return verdict;
}
