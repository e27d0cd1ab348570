/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_INPUT_H
#define _KIPSEC_INPUT_H

#include <linux/netfilter.h>

/* The inbound hooks: LOCAL_IN takes ESP and AH and checks policy. */
unsigned int kipsec_input_hook(void *priv, struct sk_buff *skb,
			       const struct nf_hook_state *state);
/* FORWARD: policy only (what LOCAL_IN decapsulated comes back through). */
unsigned int kipsec_forward_hook(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state);

struct kipsec_sa;

/*
 * ESP for @sa (looked up under this RCU section, no reference) that came
 * in UDP on the namespace's encapsulation socket, stripped of its UDP
 * header (the data starts at ESP, @hlen bytes after the IP header; the
 * byte at @nhoff from it names ESP; it came from UDP port @sport):
 * processed as plain ESP, if @sa has an encapsulation. Takes the skb.
 * Under RCU, BHs off.
 */
void kipsec_input_encap(struct kipsec_sa *sa, struct sk_buff *skb,
			u16 family, int hlen, int nhoff, __be16 sport);

/* The per-CPU delivery cells and the device notifier, module-wide. */
int kipsec_input_module_init(void);
void kipsec_input_module_exit(void);

#endif /* _KIPSEC_INPUT_H */
