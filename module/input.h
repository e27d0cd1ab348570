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

/* The per-CPU delivery cells and the device notifier, module-wide. */
int kipsec_input_module_init(void);
void kipsec_input_module_exit(void);

#endif /* _KIPSEC_INPUT_H */
