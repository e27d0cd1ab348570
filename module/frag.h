/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_FRAG_H
#define _KIPSEC_FRAG_H

#include <linux/types.h>

struct kipsec_net;
struct kipsec_sa;
struct sk_buff;

/*
 * Where a decapsulated packet's fragment header is (IPv6) or its payload
 * starts (IPv4), from the network header: -1 if it is no fragment, -2 if
 * its headers cannot be read. IPv6: *@nhoff is the byte that names it.
 */
int kipsec_frag_offset(struct sk_buff *skb, u16 family, int *nhoff);

/*
 * Queues a fragment @sa decrypted with the others of its datagram, under
 * the SA. -1: @skb is now the whole datagram (or was one: an atomic
 * fragment); -EINPROGRESS: the queue has taken @skb; else the
 * KIPSEC_STAT_* reason to drop it for.
 */
int kipsec_frag_gather(struct kipsec_sa *sa, struct sk_buff *skb, u16 family,
		       int fhoff, int nhoff);

/* A namespace's queues: from activation; pre-exit stops new ones. */
int kipsec_frag_net_init(struct kipsec_net *kn);
void kipsec_frag_net_pre_exit(struct kipsec_net *kn);
void kipsec_frag_net_exit(struct kipsec_net *kn);

int kipsec_frag_module_init(void);
void kipsec_frag_module_exit(void);

#endif /* _KIPSEC_FRAG_H */
