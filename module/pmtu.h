/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_PMTU_H
#define _KIPSEC_PMTU_H

#include "sa.h"

#include <linux/jiffies.h>
#include <linux/limits.h>

struct kipsec_net;
struct sk_buff;

/*
 * pmtu.c: an ICMP "fragmentation needed" or "packet too big" arriving in
 * the LOCAL_IN hook (@hlen: offset of the ICMP header from the network
 * header) for the ESP or AH packets of one of @kn's SAs lowers that SA's
 * path MTU. The packet goes on unchanged whatever it is.
 */
void kipsec_pmtu_icmp(struct kipsec_net *kn, struct sk_buff *skb,
		      u16 family, int hlen);

/* The outer path MTU learnt for @sa, or UINT_MAX (none, or expired). */
static inline unsigned int kipsec_sa_pmtu(const struct kipsec_sa *sa)
{
	unsigned int mtu = READ_ONCE(sa->pmtu);

	if (!mtu ||
	    time_after_eq64(get_jiffies_64(), READ_ONCE(sa->pmtu_expires)))
		return UINT_MAX;
	return mtu;
}

#endif
