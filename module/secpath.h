/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_SECPATH_H
#define _KIPSEC_SECPATH_H

#include <linux/types.h>

struct kipsec_sa;
struct sk_buff;
struct xfrm_state;
union kipsec_addr;

/*
 * The verdict a decrypted packet carries (secpath.c). Each SA owns a
 * stand-in XFRM state describing it (proto, SPI, reqid, mode, outer
 * addresses): new_state builds one for the outer addresses given (kn->lock
 * held), the SA keeps it in sa->xs, and a move replaces it (swap returns
 * the old one, to be put after a grace period).
 */
struct xfrm_state *kipsec_secpath_new_state(const struct kipsec_sa *sa,
					    const union kipsec_addr *daddr,
					    const union kipsec_addr *saddr);
struct xfrm_state *kipsec_secpath_swap(struct kipsec_sa *sa,
				       struct xfrm_state *xs);
void kipsec_secpath_put_state(struct xfrm_state *xs);
/* The SA's reqid changed: a new state says so (kn->lock held; sleeps). */
void kipsec_secpath_refresh(struct kipsec_sa *sa);

/*
 * Appends @sa's state to @skb's secpath once its packet has passed the
 * SA's selector and policy: -1, or the reason (a KIPSEC_STAT_*) to drop it.
 */
int kipsec_secpath_add(struct kipsec_sa *sa, struct sk_buff *skb);

/* Whether kipsec verified @skb: its secpath's innermost SA is kipsec's. */
bool kipsec_secpath_verified(const struct sk_buff *skb);

#endif /* _KIPSEC_SECPATH_H */
