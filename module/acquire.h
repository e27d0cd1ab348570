/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_ACQUIRE_H
#define _KIPSEC_ACQUIRE_H

#include "selector.h"

struct kipsec_net;
struct kipsec_policy;

/*
 * Acquire: an outbound packet matched @pol but its first template found no
 * SA. Sends one ACQUIRE event per (policy, template endpoints, protocol)
 * and remembers it in a larval entry, as XFRM's acquire state, until an SA
 * to that destination is added or kn->acquire_expires seconds pass. Any
 * context.
 */
void kipsec_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
		    const struct kipsec_flow *flow);

/* An SA to (@family, @daddr, @proto) was added: its entries go. */
void kipsec_acquire_sa_added(struct kipsec_net *kn, u16 family,
			     const union kipsec_addr *daddr, u8 proto);

/* Drops expired entries; returns whether any remain. */
bool kipsec_acquire_reap(struct kipsec_net *kn);

void kipsec_acquire_init(struct kipsec_net *kn);
void kipsec_acquire_exit(struct kipsec_net *kn);

#endif /* _KIPSEC_ACQUIRE_H */
