/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * charon's kernel_ipsec_t on kipsec: SAs here, policies in kipsec_policy,
 * events in kipsec_events.
 */
#ifndef KIPSEC_IPSEC_H_
#define KIPSEC_IPSEC_H_

#include <kernel/kernel_ipsec.h>

/**
 * The interface, or NULL (logged loudly: charon then falls back to
 * kernel-netlink, i.e. the kernel's XFRM) if kipsec is not there.
 */
kernel_ipsec_t *kipsec_ipsec_create(void);

#endif /* KIPSEC_IPSEC_H_ */
