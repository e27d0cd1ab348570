/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_DATAPATH_H
#define _KIPSEC_DATAPATH_H

#include <linux/skbuff.h>

struct kipsec_sa;
struct netlink_ext_ack;

/*
 * Completion of a transform, sync or async alike. @err is 0 or the reason
 * the packet must be dropped (already counted); on success the skb's data
 * starts at the protected packet (output: the ESP header; input: the
 * payload, trailer removed) and @nexthdr is what it carries (input only).
 * The callee owns the skb and the SA reference the skb carries.
 */
typedef void (*kipsec_done_t)(struct sk_buff *skb, int err, u8 nexthdr);

/*
 * What the datapath keeps in skb->cb while a packet is in kipsec's hands
 * (from the hook that took it until it is handed back to the stack).
 */
struct kipsec_skb_cb {
	struct kipsec_sa *sa;		/* holds a reference */
	void *tmp;			/* crypto request memory */
	kipsec_done_t done;
	u64 seq;			/* sequence number of this packet */
	u16 family;			/* outer family */
	u16 inner_family;
	u16 hdrlen;			/* the IP header's length, with IPv6
					 * extension headers before ESP
					 */
	u16 nhoff;			/* input: where the IP header names ESP */
	u8 ds;				/* inner DSCP and ECN */
	u8 flags;
	__be16 encap_sport;		/* input: the UDP source port of ESP
					 * that came in UDP
					 */
};

#define KIPSEC_CB(skb) ((struct kipsec_skb_cb *)((skb)->cb))

static inline void kipsec_cb_check(void)
{
	BUILD_BUG_ON(sizeof(struct kipsec_skb_cb) >
		     sizeof_field(struct sk_buff, cb));
}

#endif /* _KIPSEC_DATAPATH_H */
