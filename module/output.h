/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_OUTPUT_H
#define _KIPSEC_OUTPUT_H

#include <linux/netfilter.h>

struct kipsec_net;

/* The outbound hook (POST_ROUTING): policy lookup, then the SA's transform. */
unsigned int kipsec_output_hook(void *priv, struct sk_buff *skb,
				const struct nf_hook_state *state);

/*
 * Puts the IP header in front of a protected packet whose data starts at
 * the ESP or AH header (the outer header in tunnel mode, the original one
 * moved back in transport mode), with its lengths set; returns its
 * length. Called by AH before hashing, otherwise once ESP is done.
 */
unsigned int kipsec_output_headers(struct sk_buff *skb);

/* The socket that owns outer IPv6 packets sent whole (output.c). */
int kipsec_output_net_init(struct kipsec_net *kn);
void kipsec_output_net_exit(struct kipsec_net *kn);

#endif /* _KIPSEC_OUTPUT_H */
