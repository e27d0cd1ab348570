// SPDX-License-Identifier: GPL-2.0
/*
 * The decryption verdict travels with the packet, as XFRM's does: a
 * decrypted packet carries XFRM's secpath (an skb extension) listing one
 * XFRM state per SA applied, outermost first. The extension stays with
 * the packet through RPS, the backlog, ifb and NFQUEUE, and the stack
 * drops it when the packet crosses into another namespace
 * (skb_scrub_packet()). The cleartext checks skip a packet whose secpath
 * names an SA of kipsec's: its policy was checked before delivery.
 *
 * The states are stand-ins, never in XFRM's tables: one per SA, holding
 * what firewall rules read (iptables -m policy --dir in, nft "ipsec in"
 * and "meta secpath"): protocol, SPI, reqid, family and the outer
 * addresses. Their selector is empty (any), so XFRM's own input check,
 * which every packet with a secpath gets, finds none mismatched. They say
 * transport mode, also for tunnel-mode SAs: XFRM drops a packet whose
 * secpath has a tunnel-mode entry that no XFRM policy template accounts
 * for (a policy-less namespace, a socket's bypass policy), and on the way
 * calls that entry's x->type->reject, which a stand-in (no type) does not
 * have. Transport-mode entries are never rejected that way.
 */
#include "secpath.h"
#include "netns.h"
#include "sa.h"
#include "stats.h"

#include <net/xfrm.h>

#if !IS_ENABLED(CONFIG_XFRM)
#error "kipsec needs CONFIG_XFRM for the secpath its packets carry"
#endif

/* Marks the states kipsec made (compared, never dereferenced). */
static const char kipsec_secpath_owner = 'k';

static bool kipsec_secpath_ours(const struct xfrm_state *x)
{
	return x->data == &kipsec_secpath_owner;
}

struct xfrm_state *kipsec_secpath_new_state(const struct kipsec_sa *sa,
					    const union kipsec_addr *daddr,
					    const union kipsec_addr *saddr)
{
	struct xfrm_state *x = xfrm_state_alloc(sa->kn->net);

	BUILD_BUG_ON(sizeof(*daddr) != sizeof(x->id.daddr));
	if (!x)
		return NULL;
	/* Never in XFRM's tables: dead from the start, as put expects. */
	x->km.state = XFRM_STATE_DEAD;
	x->data = (void *)&kipsec_secpath_owner;
	x->id.proto = sa->key.proto;
	x->id.spi = sa->key.spi;
	x->props.family = sa->key.family;
	x->props.reqid = sa->reqid;
	x->props.mode = XFRM_MODE_TRANSPORT;
	memcpy(&x->id.daddr, daddr, sizeof(*daddr));
	memcpy(&x->props.saddr, saddr, sizeof(*saddr));
	return x;
}

struct xfrm_state *kipsec_secpath_swap(struct kipsec_sa *sa,
				       struct xfrm_state *xs)
{
	return rcu_replace_pointer(sa->xs, xs, lockdep_is_held(&sa->kn->lock));
}

void kipsec_secpath_refresh(struct kipsec_sa *sa)
{
	struct xfrm_state *xs;

	xs = kipsec_secpath_new_state(sa, &sa->key.daddr, &sa->saddr);
	if (!xs)
		return;		/* short of memory: the old one stays */
	xs = kipsec_secpath_swap(sa, xs);
	synchronize_rcu();
	xfrm_state_put(xs);
}

void kipsec_secpath_put_state(struct xfrm_state *xs)
{
	if (xs)
		xfrm_state_put(xs);
}

int kipsec_secpath_add(struct kipsec_sa *sa, struct sk_buff *skb)
{
	struct sec_path *sp = secpath_set(skb);
	struct xfrm_state *xs;

	if (!sp)
		return KIPSEC_STAT_NO_MEMORY;
	/* Nested deeper than XFRM allows (XFRMINBUFFERERROR there). */
	if (sp->len == XFRM_MAX_DEPTH)
		return KIPSEC_STAT_IN_MALFORMED;
	rcu_read_lock();
	xs = rcu_dereference(sa->xs);
	xfrm_state_hold(xs);
	rcu_read_unlock();
	sp->xvec[sp->len++] = xs;
	return -1;
}

/*
 * Only the innermost entry vouches for the packet as it is now: an outer
 * SA of kipsec's with XFRM's inside it checked the packet XFRM decrypted,
 * not what XFRM delivered.
 */
bool kipsec_secpath_verified(const struct sk_buff *skb)
{
	const struct sec_path *sp = skb_sec_path(skb);

	return sp && sp->len && kipsec_secpath_ours(sp->xvec[sp->len - 1]);
}
