/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_EVENT_H
#define _KIPSEC_EVENT_H

#include <linux/types.h>

struct kipsec_flow;
struct kipsec_net;
struct kipsec_policy;
struct kipsec_sa;
struct kipsec_tmpl;
union kipsec_addr;

/*
 * Events on the multicast group (see "Events" in the uapi header). Each
 * is built only when someone listens in the SA's or policy's namespace;
 * one that cannot be delivered raises the EVENTS_LOST counter. All but
 * acquire run in process context with kn->lock held.
 */
void kipsec_event_sa(struct kipsec_sa *sa, u8 cmd);
void kipsec_event_expire(struct kipsec_sa *sa, bool hard);
void kipsec_event_policy(struct kipsec_net *kn,
			 const struct kipsec_policy *pol, u8 cmd);
/* FLUSH_SA (@what = protocol) or FLUSH_POLICY (@what = direction). */
void kipsec_event_flush(struct kipsec_net *kn, u8 cmd, int what);
/* Any context: whether anyone (an IKE daemon) listens to the events. */
bool kipsec_event_listening(struct kipsec_net *kn);
/*
 * Any context: an outbound packet of @flow found no SA for @t. True when
 * every listener got the ACQUIRE (false: nobody listens, or it was lost).
 */
bool kipsec_event_acquire(struct kipsec_net *kn,
			  const struct kipsec_policy *pol,
			  const struct kipsec_tmpl *t,
			  const struct kipsec_flow *flow);

/*
 * Any context: ESP in UDP for @sa (inbound, with an encapsulation) came
 * from @addr, UDP port @port, not the SA's source.
 */
void kipsec_event_mapping(struct kipsec_sa *sa, const union kipsec_addr *addr,
			  __be16 port);

#endif /* _KIPSEC_EVENT_H */
