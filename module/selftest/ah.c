// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of ah.c, included by ah.c in debug builds: what AH's ICV
 * covers of the IP header (RFC 4302 3.3.3.1, Appendix A; as XFRM's
 * ah4.c and ah6.c compute it): mutable fields and options seen as zero,
 * immutable options kept, a source route's final destination in place of
 * the next hop's.
 */

/*
 * IPv4 with router alert (immutable), a NOP and a loose source route
 * to 10.0.0.9 (mutable, cleared; its final hop becomes the destination).
 */
static bool __init ah_v4_selftest(void)
{
	static const u8 in[32] __initconst = {
		0x48, 0xb8, 0x00, 0x20, 0x12, 0x34, 0x40, 0x00,
		0x3f, 0x33, 0xaa, 0xbb, 10, 0, 0, 1, 10, 0, 0, 2,
		0x94, 0x04, 0x00, 0x00, 0x01,
		0x83, 0x07, 0x04, 10, 0, 0, 9,
	};
	static const u8 want[32] __initconst = {
		0x48, 0x00, 0x00, 0x20, 0x12, 0x34, 0x00, 0x00,
		0x00, 0x33, 0x00, 0x00, 10, 0, 0, 1, 10, 0, 0, 9,
		0x94, 0x04, 0x00, 0x00, 0x01,
		0, 0, 0, 0, 0, 0, 0,
	};
	u8 hdr[32];
	bool ok;

	memcpy(hdr, in, sizeof(hdr));
	ok = !ah_clear_mutable(hdr, sizeof(hdr), AF_INET) &&
	     !memcmp(hdr, want, sizeof(hdr));
	/* An option running past the header is refused. */
	memcpy(hdr, in, sizeof(hdr));
	hdr[26] = 0x08;
	ok &= ah_clear_mutable(hdr, sizeof(hdr), AF_INET) == -EINVAL;
	if (!ok)
		pr_err("ah selftest: IPv4 options\n");
	return ok;
}

/*
 * IPv6 with a hop-by-hop header (an option that may change en route,
 * cleared; one that may not, kept) and a type 0 routing header with one
 * segment left: the ICV sees it as the final destination will.
 */
static bool __init ah_v6_selftest(void)
{
	static const u8 fixed[8] __initconst = {
		0x6a, 0xbc, 0xde, 0xf1, 0x00, 0x30, 0x00, 0x40,
	};
	static const u8 hbh[8] __initconst = {
		NEXTHDR_ROUTING, 0, 0x3e, 0x02, 0xaa, 0xbb, 0x05, 0x00,
	};
	static const u8 hbh_want[8] __initconst = {
		NEXTHDR_ROUTING, 0, 0x3e, 0x02, 0x00, 0x00, 0x05, 0x00,
	};
	static const u8 rt[8] __initconst = {
		NEXTHDR_AUTH, 4, IPV6_SRCRT_TYPE_0, 1, 0, 0, 0, 0,
	};
	struct in6_addr src = { .s6_addr = { 0x20, 0x01, 0xd, 0xb8, [15] = 1 } };
	struct in6_addr hop = { .s6_addr = { 0x20, 0x01, 0xd, 0xb8, [15] = 2 } };
	struct in6_addr via = { .s6_addr = { 0x20, 0x01, 0xd, 0xb8, [15] = 3 } };
	struct in6_addr dst = { .s6_addr = { 0x20, 0x01, 0xd, 0xb8, [15] = 4 } };
	u8 hdr[88], want[88];
	struct ipv6hdr *ip6h = (struct ipv6hdr *)hdr;
	struct in6_addr *addr = (struct in6_addr *)(hdr + 56);
	bool ok;

	memcpy(hdr, fixed, sizeof(fixed));
	ip6h->nexthdr = NEXTHDR_HOP;
	ip6h->saddr = src;
	ip6h->daddr = hop;
	memcpy(hdr + 40, hbh, sizeof(hbh));
	memcpy(hdr + 48, rt, sizeof(rt));
	addr[0] = via;
	addr[1] = dst;

	memcpy(want, hdr, sizeof(want));
	ip6h = (struct ipv6hdr *)want;
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->hop_limit = 0;
	ip6h->daddr = dst;
	memcpy(want + 40, hbh_want, sizeof(hbh_want));
	want[51] = 0;				/* segments left */
	addr = (struct in6_addr *)(want + 56);
	addr[1] = hop;

	ok = !ah_clear_mutable(hdr, sizeof(hdr), AF_INET6) &&
	     !memcmp(hdr, want, sizeof(hdr));
	if (!ok)
		pr_err("ah selftest: IPv6 extension headers\n");
	return ok;
}

bool __init kipsec_ah_selftest(void)
{
	bool ok = ah_v4_selftest();

	return ah_v6_selftest() && ok;
}
