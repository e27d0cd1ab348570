// SPDX-License-Identifier: GPL-2.0
/*
 * Events on the multicast group KIPSEC_MCGRP_EVENTS: SA and policy
 * changes, expiry and acquire, as the uapi header describes them.
 */
#include "event.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"

#include <net/genetlink.h>

/* Keys go to the group only where the kernel restricts it to admins. */
#ifdef COMPAT_CANNOT_RESTRICT_MCGRP
#define EVENT_KEYS false
#else
#define EVENT_KEYS true
#endif

static bool listening(struct kipsec_net *kn)
{
	return genl_has_listeners(&kipsec_genl_family, kn->net, 0);
}

bool kipsec_event_listening(struct kipsec_net *kn)
{
	return listening(kn);
}

static void lost(struct kipsec_net *kn)
{
	if (kn->stats)
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_EVENTS_LOST);
}

static struct sk_buff *event_start(u8 cmd, size_t size, gfp_t gfp,
				   void **hdr)
{
	struct sk_buff *msg = genlmsg_new(size, gfp);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &kipsec_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

/* 0 when every listener got it. */
static int event_send(struct kipsec_net *kn, struct sk_buff *msg, void *hdr,
		      gfp_t gfp)
{
	int ret;

	genlmsg_end(msg, hdr);
	ret = genlmsg_multicast_netns(&kipsec_genl_family, kn->net, msg, 0, 0,
				      gfp);
	/* -ESRCH: nobody listens any more, which loses nothing. */
	if (ret && ret != -ESRCH)
		lost(kn);
	return ret;
}

static void event_fail(struct kipsec_net *kn, struct sk_buff *msg)
{
	nlmsg_free(msg);
	lost(kn);
}

/* An SA (with the hard flag for a hard EXPIRE) or a policy event. */
static void object_event(struct kipsec_net *kn, u8 cmd, struct kipsec_sa *sa,
			 bool hard, const struct kipsec_policy *pol)
{
	struct sk_buff *msg;
	void *hdr;

	lockdep_assert_held(&kn->lock);
	if (!listening(kn))
		return;
	msg = event_start(cmd, NLMSG_GOODSIZE, GFP_KERNEL, &hdr);
	if (!msg) {
		lost(kn);
		return;
	}
	if ((sa && kipsec_nl_put_sa(msg, sa, EVENT_KEYS)) ||
	    (hard && nla_put_flag(msg, KIPSEC_A_EXPIRE_HARD)) ||
	    (pol && kipsec_nl_put_policy(msg, pol))) {
		event_fail(kn, msg);
		return;
	}
	event_send(kn, msg, hdr, GFP_KERNEL);
}

void kipsec_event_sa(struct kipsec_sa *sa, u8 cmd)
{
	object_event(sa->kn, cmd, sa, false, NULL);
}

void kipsec_event_expire(struct kipsec_sa *sa, bool hard)
{
	object_event(sa->kn, KIPSEC_CMD_EXPIRE, sa, hard, NULL);
}

void kipsec_event_policy(struct kipsec_net *kn,
			 const struct kipsec_policy *pol, u8 cmd)
{
	object_event(kn, cmd, NULL, false, pol);
}

void kipsec_event_flush(struct kipsec_net *kn, u8 cmd, int what)
{
	bool sa = cmd == KIPSEC_CMD_FLUSH_SA;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	if (!listening(kn))
		return;
	msg = event_start(cmd, NLMSG_DEFAULT_SIZE, GFP_KERNEL, &hdr);
	if (!msg) {
		lost(kn);
		return;
	}
	if (what >= 0 && (sa ? what : 1)) {
		nest = nla_nest_start(msg, sa ? KIPSEC_A_SA : KIPSEC_A_POLICY);
		if (!nest ||
		    nla_put_u8(msg, sa ? KIPSEC_SA_A_PROTO : KIPSEC_POL_A_DIR,
			       what)) {
			event_fail(kn, msg);
			return;
		}
		nla_nest_end(msg, nest);
	}
	event_send(kn, msg, hdr, GFP_KERNEL);
}

void kipsec_event_mapping(struct kipsec_sa *sa, const union kipsec_addr *addr,
			  __be16 port)
{
	struct kipsec_net *kn = sa->kn;
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	if (!listening(kn))
		return;
	msg = event_start(KIPSEC_CMD_MAPPING, NLMSG_DEFAULT_SIZE, GFP_ATOMIC,
			  &hdr);
	if (!msg) {
		lost(kn);
		return;
	}
	if (kipsec_nl_put_sa_id(msg, sa))
		goto fail;
	nest = nla_nest_start(msg, KIPSEC_A_MAPPING);
	if (!nest ||
	    kipsec_addr_to_nla(msg, KIPSEC_MAPPING_A_ADDR, sa->key.family,
			       addr) ||
	    nla_put_be16(msg, KIPSEC_MAPPING_A_PORT, port))
		goto fail;
	nla_nest_end(msg, nest);
	event_send(kn, msg, hdr, GFP_ATOMIC);
	return;

fail:
	event_fail(kn, msg);
}

/* The packet as a selector: its addresses, protocol and ports exactly. */
static void flow_to_sel(struct kipsec_sel *sel, const struct kipsec_flow *f)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = f->family;
	sel->saddr = f->saddr;
	sel->daddr = f->daddr;
	sel->sprefix = f->family == AF_INET ? 32 : 128;
	sel->dprefix = sel->sprefix;
	sel->proto = f->proto;
	sel->sport = f->sport;
	sel->dport = f->dport;
	if (f->sport || f->dport) {
		sel->sport_mask = htons(0xffff);
		sel->dport_mask = htons(0xffff);
	}
}

bool kipsec_event_acquire(struct kipsec_net *kn,
			  const struct kipsec_policy *pol,
			  const struct kipsec_tmpl *t,
			  const struct kipsec_flow *flow)
{
	struct kipsec_tmpl tmpl = *t;
	struct kipsec_sel sel;
	struct sk_buff *msg;
	void *hdr;

	if (!listening(kn))
		return false;
	if (tmpl.mode != KIPSEC_MODE_TUNNEL) {
		tmpl.family = flow->family;
		tmpl.daddr = flow->daddr;
		tmpl.saddr = flow->saddr;
	}
	flow_to_sel(&sel, flow);
	msg = event_start(KIPSEC_CMD_ACQUIRE, NLMSG_DEFAULT_SIZE, GFP_ATOMIC,
			  &hdr);
	if (!msg) {
		lost(kn);
		return false;
	}
	if (kipsec_nl_put_policy(msg, pol) ||
	    kipsec_nl_put_tmpl(msg, &tmpl) ||
	    kipsec_sel_to_nla(msg, KIPSEC_A_SEL, &sel)) {
		event_fail(kn, msg);
		return false;
	}
	return !event_send(kn, msg, hdr, GFP_ATOMIC);
}
