/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_HOOKS_H
#define _KIPSEC_HOOKS_H

#include <linux/netfilter.h>

struct kipsec_net;
struct kipsec_policy;
struct kipsec_sa;

int kipsec_hooks_register(struct kipsec_net *kn);
void kipsec_hooks_unregister(struct kipsec_net *kn);

/* Whether kipsec leaves packets through or from @dev alone. */
bool kipsec_dev_exempt_out(const struct net_device *dev, u16 family);
bool kipsec_dev_exempt_in(const struct net_device *dev, u16 family);

#endif /* _KIPSEC_HOOKS_H */
