// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of selector.c, included by selector.c in debug builds:
 * selectors matching flows of both families, and the flow
 * decoder's answers for IPv6 chains that end oddly (as XFRM's
 * decode_session6() gives them).
 */

struct sel_case {
	struct kipsec_sel sel;
	bool v4, v6;
};

/*
 * decode_session6()'s answers for chains that end oddly: after the
 * 40-byte IPv6 header come @len bytes of @after, first named by @nh.
 */
struct flow_case {
	u8 nh;
	u8 len;
	u8 after[24];
	u8 proto;
	u16 sport, dport;
	bool hbh_parsed;
};

static bool __init flow_case_ok(const struct flow_case *c)
{
	struct kipsec_flow flow;
	struct ipv6hdr *ip6h;
	struct sk_buff *skb;
	bool ok;

	skb = alloc_skb(sizeof(*ip6h) + c->len, GFP_KERNEL);
	if (!skb)
		return false;
	skb_reset_network_header(skb);
	ip6h = skb_put_zero(skb, sizeof(*ip6h));
	ip6h->version = 6;
	ip6h->nexthdr = c->nh;
	ip6h->payload_len = htons(c->len);
	skb_put_data(skb, c->after, c->len);
	ok = !kipsec_flow_from_skb(skb, AF_INET6, c->hbh_parsed, &flow) &&
	     flow.proto == c->proto && ntohs(flow.sport) == c->sport &&
	     ntohs(flow.dport) == c->dport;
	kfree_skb(skb);
	return ok;
}

static bool __init flow_selftest(void)
{
	static const struct flow_case t[] __initconst = {
		/* A bare No Next Header: the walk never starts. */
		{ NEXTHDR_NONE, 0, {}, 0 },
		/* No Next Header with two bytes after it: protocol 59. */
		{ NEXTHDR_NONE, 2, { 1, 2 }, NEXTHDR_NONE },
		/* A destination options header cut short: protocol 0. */
		{ NEXTHDR_DEST, 1, { IPPROTO_TCP }, 0 },
		/* A chain that ends right after a complete header: 0. */
		{ NEXTHDR_DEST, 8, { IPPROTO_TCP, 0 }, 0 },
		/* Options, then TCP: its ports. */
		{ NEXTHDR_DEST, 12, { IPPROTO_TCP, 0, [8] = 0x9c, 0x40, 0x01,
		  0xbb }, IPPROTO_TCP, 40000, 443 },
		/* TCP with two bytes: the protocol, no ports. */
		{ IPPROTO_TCP, 2, { 0x9c, 0x40 }, IPPROTO_TCP },
		/* AH ends the walk, whatever it protects. */
		{ NEXTHDR_AUTH, 16, { IPPROTO_TCP, 2 }, NEXTHDR_AUTH },
		/* A fragment header: the protocol but never ports. */
		{ NEXTHDR_FRAGMENT, 12, { IPPROTO_UDP, 0, [8] = 0, 53, 0, 53 },
		  IPPROTO_UDP },
		/* ICMPv6: type and code. */
		{ IPPROTO_ICMPV6, 4, { 128, 0 }, IPPROTO_ICMPV6, 128, 0 },
		/* Parsed hop-by-hop options: read as the protocol they name. */
		{ NEXTHDR_HOP, 8, { IPPROTO_ICMPV6, 0, 5, 2 }, IPPROTO_ICMPV6,
		  IPPROTO_ICMPV6, 0, true },
		/* GRE with a key: its halves. */
		{ IPPROTO_GRE, 12, { 0x20, 0, 0x08, 0, 0x12, 0x34, 0x56, 0x78 },
		  IPPROTO_GRE, 0x1234, 0x5678 },
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (!flow_case_ok(&t[i])) {
			pr_err("selector selftest: flow %zu decoded wrong\n",
			       i + 1);
			ok = false;
		}
	}
	return ok;
}

/* Table-driven: each selector against flows that must and must not match. */
bool __init kipsec_selector_selftest(void)
{
	struct kipsec_flow f4 = {
		.family = AF_INET, .proto = IPPROTO_TCP,
		.saddr.a4 = htonl(0x0a000102), .daddr.a4 = htonl(0xc0a80101),
		.sport = htons(40000), .dport = htons(443), .ifindex = 3,
	};
	struct kipsec_flow f6 = {
		.family = AF_INET6, .proto = IPPROTO_ICMPV6,
		.saddr.a6 = { { { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
		.daddr.a6 = { { { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 } } },
		.sport = htons(128), .dport = htons(0),
	};
	static const struct sel_case t[] __initconst = {
		{ { .family = 0 }, true, true },
		{ { .family = AF_INET }, true, false },
		{ { .family = AF_INET, .sprefix = 8,
		    .saddr.a4 = htonl(0x0a000000) }, true, false },
		{ { .family = AF_INET, .sprefix = 24,
		    .saddr.a4 = htonl(0x0a000200) }, false, false },
		{ { .family = AF_INET, .dprefix = 32,
		    .daddr.a4 = htonl(0xc0a80101) }, true, false },
		{ { .family = AF_INET, .dprefix = 31,
		    .daddr.a4 = htonl(0xc0a80100) }, true, false },
		{ { .family = AF_INET, .proto = IPPROTO_UDP }, false, false },
		{ { .family = AF_INET, .proto = IPPROTO_TCP,
		    .dport = htons(443), .dport_mask = htons(0xffff) },
		  true, false },
		{ { .family = AF_INET, .proto = IPPROTO_TCP,
		    .dport = htons(80), .dport_mask = htons(0xffff) },
		  false, false },
		{ { .family = AF_INET, .proto = IPPROTO_TCP,
		    .sport = htons(0x9c00), .sport_mask = htons(0xff00) },
		  true, false },
		{ { .family = AF_INET, .ifindex = 3 }, true, false },
		{ { .family = AF_INET, .ifindex = 4 }, false, false },
		{ { .family = AF_INET6, .sprefix = 32,
		    .saddr.a6 = { { { 0x20, 0x01, 0x0d, 0xb8 } } } },
		  false, true },
		{ { .family = AF_INET6, .dprefix = 48,
		    .daddr.a6 = { { { 0x20, 0x01, 0x0d, 0xb8 } } } },
		  false, false },
		{ { .family = AF_INET6, .dprefix = 47,
		    .daddr.a6 = { { { 0x20, 0x01, 0x0d, 0xb8 } } } },
		  false, true },
		{ { .family = AF_INET6, .proto = IPPROTO_ICMPV6,
		    .sport = htons(128), .sport_mask = htons(0xffff) },
		  false, true },
		{ { .family = AF_INET6, .proto = IPPROTO_ICMPV6,
		    .sport = htons(129), .sport_mask = htons(0xffff) },
		  false, false },
	};
	bool ok = true;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		if (kipsec_sel_match(&t[i].sel, &f4) != t[i].v4 ||
		    kipsec_sel_match(&t[i].sel, &f6) != t[i].v6) {
			pr_err("selector selftest %zu: wrong match\n", i + 1);
			ok = false;
		}
		if (!kipsec_sel_equal(&t[i].sel, &t[i].sel)) {
			pr_err("selector selftest %zu: not equal to itself\n",
			       i + 1);
			ok = false;
		}
	}
	if (kipsec_sel_equal(&t[2].sel, &t[3].sel))
		ok = false;
	return ok && flow_selftest();
}
