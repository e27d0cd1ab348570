// SPDX-License-Identifier: GPL-2.0
/*
 * Reassembly of the inner fragments an SA delivered, before their policy
 * check. Had the stack reassembled them, a cleartext fragment could have
 * joined (or, sent first, displaced) a decrypted one in a datagram that
 * carries the decrypted head's verdict. Here the queues are kipsec's own,
 * one set per namespace, keyed by the SA: only fragments that one SA
 * decrypted make a datagram, which is then checked and delivered whole.
 *
 * The machinery is the stack's (inet_frag); the limits are the
 * namespace's IPv4 ones (net.ipv4.ipfrag_*) when its first SA or policy
 * arrives. An expired queue is dropped and counted, with no ICMP: the
 * bytes it would quote were encrypted on the wire.
 */
#include "datapath.h"
#include "frag.h"
#include "netns.h"
#include "sa.h"

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/inet_ecn.h>
#include <net/inet_frag.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/ipv6_frag.h>

/*
 * The stack's IPv6 key holds both families: IPv4 addresses v4-mapped, the
 * IPv4 protocol beside its 16-bit id, the SA's id as the user and the
 * family as the interface.
 */
struct kipsec_frag_queue {
	struct inet_frag_queue q;
	u16 nhoff;		/* IPv6: the byte that names the fragment header */
	u8 ecn;
};

static struct inet_frags kipsec_frags;

static void kipsec_frag_init_queue(struct inet_frag_queue *q, const void *a)
{
	struct kipsec_frag_queue *fq = container_of(q, struct kipsec_frag_queue, q);

	q->key.v6 = *(const struct frag_v6_compare_key *)a;
	fq->ecn = 0;
}

static void kipsec_frag_expire(struct timer_list *t)
{
	struct inet_frag_queue *q = from_timer(q, t, timer);
	struct kipsec_net *kn;

	rcu_read_lock();
	/* A namespace going away purges its queues, uncounted. */
	if (READ_ONCE(q->fqdir->dead))
		goto out_rcu;
	spin_lock(&q->lock);
	if (!(q->flags & INET_FRAG_COMPLETE)) {
		inet_frag_kill(q);
		kn = kipsec_net(q->fqdir->net);
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_FRAG_TIMEOUT);
	}
	spin_unlock(&q->lock);
out_rcu:
	rcu_read_unlock();
	inet_frag_put(q);
}

/*
 * Where an IPv6 packet's fragment header is (from the network header), and
 * where the byte naming it is; -1 without one, -2 if the headers are cut.
 */
static int frag_hdr_offset6(struct sk_buff *skb, int *nhoff)
{
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;
	int off = sizeof(struct ipv6hdr);

	*nhoff = offsetof(struct ipv6hdr, nexthdr);
	while (nexthdr != NEXTHDR_FRAGMENT) {
		struct ipv6_opt_hdr _h;
		const struct ipv6_opt_hdr *h;

		if (!ipv6_ext_hdr(nexthdr) || nexthdr == NEXTHDR_NONE)
			return -1;
		h = skb_header_pointer(skb, skb_network_offset(skb) + off,
				       sizeof(_h), &_h);
		if (!h)
			return -2;
		*nhoff = off;
		off += nexthdr == NEXTHDR_AUTH ? ipv6_authlen(h) :
						 ipv6_optlen(h);
		nexthdr = h->nexthdr;
	}
	return off;
}

int kipsec_frag_offset(struct sk_buff *skb, u16 family, int *nhoff)
{
	if (family == AF_INET)
		return ip_is_fragment(ip_hdr(skb)) ? ip_hdrlen(skb) : -1;
	return frag_hdr_offset6(skb, nhoff);
}

/* The queue's fragments make one datagram, which @skb (the last) becomes. */
static int frag_reasm(struct kipsec_frag_queue *fq, struct sk_buff *skb,
		      struct sk_buff *prev_tail, struct net_device *dev,
		      u16 family)
{
	void *reasm_data;
	unsigned int hlen;
	u8 ecn;

	inet_frag_kill(&fq->q);
	ecn = ip_frag_ecn_table[fq->ecn];
	if (ecn == 0xff)
		return -EINVAL;
	reasm_data = inet_frag_reasm_prepare(&fq->q, skb, prev_tail);
	if (!reasm_data)
		return -ENOMEM;
	/* The head's headers (up to its payload) stay in front. */
	hlen = skb->data - skb_network_header(skb);
	if (family == AF_INET) {
		struct iphdr *iph;

		if (hlen + fq->q.len > IP_MAX_MTU)
			return -E2BIG;
		inet_frag_reasm_finish(&fq->q, skb, reasm_data, false);
		iph = ip_hdr(skb);
		iph->tot_len = htons(hlen + fq->q.len);
		/* Forwarded on, it may be fragmented again. */
		iph->frag_off = 0;
		iph->tos |= ecn;
		ip_send_check(iph);
	} else {
		if (hlen - sizeof(struct frag_hdr) - sizeof(struct ipv6hdr) +
		    fq->q.len > IPV6_MAXPLEN)
			return -E2BIG;
		/* The fragment header goes: what names it names its next. */
		skb_network_header(skb)[fq->nhoff] = skb_transport_header(skb)[0];
		memmove(skb->head + sizeof(struct frag_hdr), skb->head,
			(skb->data - skb->head) - sizeof(struct frag_hdr));
		if (skb_mac_header_was_set(skb))
			skb->mac_header += sizeof(struct frag_hdr);
		skb->network_header += sizeof(struct frag_hdr);
		hlen -= sizeof(struct frag_hdr);
		inet_frag_reasm_finish(&fq->q, skb, reasm_data, false);
		ipv6_hdr(skb)->payload_len =
			htons(hlen - sizeof(struct ipv6hdr) + fq->q.len);
		ipv6_change_dsfield(ipv6_hdr(skb), 0xff,
				    ipv6_get_dsfield(ipv6_hdr(skb)) | ecn);
		/* Forwarded on, it may be fragmented again. */
		skb->ignore_df = 1;
	}
	skb->dev = dev;
	skb->ip_summed = CHECKSUM_NONE;
	fq->q.rb_fragments = RB_ROOT;
	fq->q.fragments_tail = NULL;
	fq->q.last_run_head = NULL;
	return 0;
}

/* Adds @skb to @fq; under its lock. 0: @skb is the whole datagram. */
static int frag_queue(struct kipsec_frag_queue *fq, struct sk_buff *skb,
		      u16 family, int fhoff, int nhoff)
{
	struct sk_buff *prev_tail;
	struct net_device *dev;
	int offset, end, err;
	bool more;
	u8 ds;

	if (fq->q.flags & INET_FRAG_COMPLETE)
		return -EINVAL;
	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		offset = (ntohs(iph->frag_off) & IP_OFFSET) << 3;
		more = iph->frag_off & htons(IP_MF);
		end = offset + ntohs(iph->tot_len) - fhoff;
		ds = iph->tos;
	} else {
		const struct frag_hdr *fh;

		fh = (const struct frag_hdr *)(skb_network_header(skb) + fhoff);
		offset = ntohs(fh->frag_off) & ~0x7;
		more = fh->frag_off & htons(IP6_MF);
		end = offset + skb->len - fhoff - sizeof(*fh);
		fhoff += sizeof(*fh);
		ds = ipv6_get_dsfield(ipv6_hdr(skb));
		skb_set_transport_header(skb, fhoff - sizeof(*fh));
	}
	if (end > (family == AF_INET ? IP_MAX_MTU : IPV6_MAXPLEN))
		goto kill;
	if (!more) {
		/* Data past the end, or a second, different end: corrupt. */
		if (end < fq->q.len ||
		    (fq->q.flags & INET_FRAG_LAST_IN && end != fq->q.len))
			goto kill;
		fq->q.flags |= INET_FRAG_LAST_IN;
		fq->q.len = end;
	} else {
		/* Only the last fragment may end off an 8-byte boundary. */
		if (end & 7)
			goto kill;
		if (end > fq->q.len) {
			if (fq->q.flags & INET_FRAG_LAST_IN)
				goto kill;
			fq->q.len = end;
		}
	}
	if (end == offset)
		goto kill;
	/* The data starts at the network header (decapsulated). */
	if (!pskb_pull(skb, fhoff) || pskb_trim_rcsum(skb, end - offset))
		goto kill;

	/* skb->dev and skb->rbnode share their place. */
	dev = skb->dev;
	barrier();
	prev_tail = fq->q.fragments_tail;
	err = inet_frag_queue_insert(&fq->q, skb, offset, end);
	if (err) {
		/* A duplicate goes alone; an overlap takes the datagram. */
		if (err == IPFRAG_DUP)
			return -EINVAL;
		goto kill;
	}
	fq->q.stamp = skb->tstamp;
	fq->q.mono_delivery_time = skb->mono_delivery_time;
	fq->q.meat += skb->len;
	fq->ecn |= 1 << (ds & INET_ECN_MASK);
	add_frag_mem_limit(fq->q.fqdir, skb->truesize);
	if (!offset) {
		fq->nhoff = nhoff;
		fq->q.flags |= INET_FRAG_FIRST_IN;
	}
	if (fq->q.flags == (INET_FRAG_FIRST_IN | INET_FRAG_LAST_IN) &&
	    fq->q.meat == fq->q.len) {
		unsigned long orefdst = skb->_skb_refdst;

		skb->_skb_refdst = 0UL;
		err = frag_reasm(fq, skb, prev_tail, dev, family);
		skb->_skb_refdst = orefdst;
		/* The queue owns @skb now: it goes with the queue. */
		return err ? -EPROTO : 0;
	}
	skb_dst_drop(skb);
	skb_orphan(skb);
	return -EINPROGRESS;

kill:
	inet_frag_kill(&fq->q);
	return -EINVAL;
}

int kipsec_frag_gather(struct kipsec_sa *sa, struct sk_buff *skb, u16 family,
		       int fhoff, int nhoff)
{
	struct kipsec_net *kn = sa->kn;
	struct frag_v6_compare_key key = {
		.user = sa->id,
		.iif = family,
	};
	struct inet_frag_queue *q;
	int ret;

	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		ipv6_addr_set_v4mapped(iph->saddr, &key.saddr);
		ipv6_addr_set_v4mapped(iph->daddr, &key.daddr);
		key.id = htonl(ntohs(iph->id) << 16 | iph->protocol);
	} else {
		const struct frag_hdr *fh;

		if (!pskb_may_pull(skb, fhoff + sizeof(*fh)))
			return KIPSEC_STAT_IN_FRAG_BAD;
		fh = (const struct frag_hdr *)(skb_network_header(skb) + fhoff);
		/* An atomic fragment (RFC 6946) is a datagram of its own. */
		if (!(fh->frag_off & htons(IP6_OFFSET | IP6_MF)))
			return -1;
		key.saddr = ipv6_hdr(skb)->saddr;
		key.daddr = ipv6_hdr(skb)->daddr;
		key.id = fh->identification;
	}

	q = inet_frag_find(kn->fqdir, &key);
	if (!q)
		return KIPSEC_STAT_IN_FRAG_LIMIT;
	/* A hardware driver's completion may run with BHs on. */
	spin_lock_bh(&q->lock);
	ret = frag_queue(container_of(q, struct kipsec_frag_queue, q), skb,
			 family, fhoff, nhoff);
	spin_unlock_bh(&q->lock);
	inet_frag_put(q);
	switch (ret) {
	case 0:
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_FRAG_REASM);
		return -1;
	case -EINPROGRESS:
		return -EINPROGRESS;
	case -EPROTO:
		/* Taken with its queue: counted, not freed here. */
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_FRAG_BAD);
		return -EINPROGRESS;
	default:
		return KIPSEC_STAT_IN_FRAG_BAD;
	}
}

int kipsec_frag_net_init(struct kipsec_net *kn)
{
	struct fqdir *v4 = kn->net->ipv4.fqdir;
	int ret;

	ret = fqdir_init(&kn->fqdir, &kipsec_frags, kn->net);
	if (ret)
		return ret;
	kn->fqdir->high_thresh = READ_ONCE(v4->high_thresh);
	kn->fqdir->low_thresh = READ_ONCE(v4->low_thresh);
	kn->fqdir->timeout = READ_ONCE(v4->timeout);
	return 0;
}

void kipsec_frag_net_pre_exit(struct kipsec_net *kn)
{
	fqdir_pre_exit(kn->fqdir);
}

void kipsec_frag_net_exit(struct kipsec_net *kn)
{
	fqdir_exit(kn->fqdir);
}

static const struct rhashtable_params kipsec_frag_rhash_params = {
	.head_offset = offsetof(struct inet_frag_queue, node),
	.hashfn = ip6frag_key_hashfn,
	.obj_hashfn = ip6frag_obj_hashfn,
	.obj_cmpfn = ip6frag_obj_cmpfn,
	.automatic_shrinking = true,
};

int __init kipsec_frag_module_init(void)
{
	kipsec_frags.constructor = kipsec_frag_init_queue;
	kipsec_frags.qsize = sizeof(struct kipsec_frag_queue);
	kipsec_frags.frag_expire = kipsec_frag_expire;
	kipsec_frags.frags_cache_name = "kipsec_frags";
	kipsec_frags.rhash_params = kipsec_frag_rhash_params;
	return inet_frags_init(&kipsec_frags);
}

/* After every namespace's queues are gone. */
void kipsec_frag_module_exit(void)
{
	inet_frags_fini(&kipsec_frags);
}
