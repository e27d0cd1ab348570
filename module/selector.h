/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_SELECTOR_H
#define _KIPSEC_SELECTOR_H

#include <linux/in6.h>
#include <linux/kipsec.h>
#include <net/netlink.h>
#include <net/ipv6.h>
#include <linux/types.h>

struct sk_buff;

/* An IPv4 or IPv6 address; which one is said by a family next to it. */
union kipsec_addr {
	__be32 a4;
	struct in6_addr a6;
};

static inline bool kipsec_addr_equal(u16 family, const union kipsec_addr *a,
				     const union kipsec_addr *b)
{
	if (family == AF_INET)
		return a->a4 == b->a4;
	return ipv6_addr_equal(&a->a6, &b->a6);
}

/*
 * What a selector is matched against: the addresses, upper protocol and
 * ports (ICMP: type and code) of one packet, and, as in XFRM, the device
 * of its route: the interface it leaves through (out, fwd), the loopback
 * device or VRF device of the local route (in).
 */
struct kipsec_flow {
	u16 family;
	u8 proto;
	union kipsec_addr saddr;
	union kipsec_addr daddr;
	__be16 sport;
	__be16 dport;
	int ifindex;
};

/* A traffic selector, as XFRM's: family 0 matches every packet. */
struct kipsec_sel {
	u16 family;
	u8 sprefix;
	u8 dprefix;
	union kipsec_addr saddr;
	union kipsec_addr daddr;
	u8 proto;
	__be16 sport;
	__be16 sport_mask;
	__be16 dport;
	__be16 dport_mask;
	int ifindex;
};

bool kipsec_sel_match(const struct kipsec_sel *sel,
		      const struct kipsec_flow *flow);
bool kipsec_sel_equal(const struct kipsec_sel *a, const struct kipsec_sel *b);

/*
 * The flow XFRM decodes from an IPv4 or IPv6 packet at its network header
 * (decode_session4/6); -EINVAL only when the IP header cannot be read.
 * @hbh_parsed: the stack parsed the packet's IPv6 hop-by-hop options
 * (kipsec_hbh_parsed() for a packet in the IPv6 stack).
 */
int kipsec_flow_from_skb(struct sk_buff *skb, u16 family, bool hbh_parsed,
			 struct kipsec_flow *flow);

/* For a packet the IPv6 stack holds (its cb is IP6CB): see above. */
static inline bool kipsec_hbh_parsed(const struct sk_buff *skb, u16 family)
{
	return family == AF_INET6 &&
	       IP6CB(skb)->nhoff == sizeof(struct ipv6hdr);
}

/* The selector nest; SA and policy requests validate it with this. */
extern const struct nla_policy kipsec_sel_policy[KIPSEC_SEL_A_MAX + 1];
int kipsec_sel_from_nla(struct kipsec_sel *sel, const struct nlattr *nla,
			struct netlink_ext_ack *extack);
int kipsec_sel_to_nla(struct sk_buff *skb, int type,
		      const struct kipsec_sel *sel);

/*
 * Address attributes: @nla must be as long as @family's addresses; the
 * policy allows either family's.
 */
#define KIPSEC_ADDR_POLICY NLA_POLICY_RANGE(NLA_BINARY, 4, 16)
int kipsec_addr_from_nla(union kipsec_addr *addr, u16 family,
			 const struct nlattr *nla,
			 struct netlink_ext_ack *extack);
int kipsec_addr_to_nla(struct sk_buff *skb, int type, u16 family,
		       const union kipsec_addr *addr);
int kipsec_family_from_nla(u16 *family, const struct nlattr *nla,
			   struct netlink_ext_ack *extack);

#ifdef DEBUG
bool kipsec_selector_selftest(void);
#endif

#endif /* _KIPSEC_SELECTOR_H */
