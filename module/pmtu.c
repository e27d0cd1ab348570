// SPDX-License-Identifier: GPL-2.0
/*
 * The outer path's MTU. A router past the first hop that cannot forward
 * an ESP or AH packet (plain, or ESP in UDP) answers with ICMP
 * "fragmentation needed" or ICMPv6 "packet too big"; the MTU it names
 * becomes the SA's path MTU, which inner_mtu() (output.c) uses in place
 * of the outgoing device's, so that inner senders, local or forwarded,
 * learn the MTU left to them (less the SA's overhead).
 *
 * kipsec owns neither the ESP and AH protocol handlers nor (always) the
 * UDP socket, so the errors are read in the LOCAL_IN hook and passed on
 * unchanged: raw sockets, XFRM and a UDP socket still get them. As
 * esp4_err()/esp6_err(), only an error whose quoted packet names one of
 * the namespace's SAs by destination, protocol and SPI (and, in UDP, by
 * the SA's ports) is believed, so an error forged without the SPI changes
 * nothing; a value below the family's minimum is raised to it (552, as
 * the route code's min_pmtu; 1280), and only a lower MTU replaces one
 * still valid. As icmp_rcv() and icmpv6_rcv() would, an error with a bad
 * checksum or (IPv4) sent to a broadcast or multicast address changes
 * nothing, nor does one net.ipv4.ip_no_pmtu_disc says to ignore (2, and 3:
 * ESP, AH and UDP have no strict tag validation); with 1, the error
 * lowers the MTU to 552, as XFRM's esp4_err() then does. This runs after
 * the cleartext policy check let the error in. The MTU expires after ten
 * minutes (net.ipv4.route.mtu_expires' default), after which the device's
 * MTU is tried again.
 *
 * Kept in the SA, where XFRM keeps it in the route's PMTU exception: XFRM
 * has a bundle route per SA between the inner route and the outer one;
 * kipsec has not, and in transport mode the inner route is the outer one,
 * whose PMTU the "fragmentation needed" errors kipsec sends to inner
 * senders lower in turn.
 */
#include "pmtu.h"
#include "netns.h"
#include "sa.h"

#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/skbuff.h>
#include <linux/udp.h>
#include <linux/netfilter.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/route.h>

#define KIPSEC_PMTU_MIN4	552
#define KIPSEC_PMTU_EXPIRES	(600 * HZ)

static void kipsec_sa_pmtu_lower(struct kipsec_sa *sa, unsigned int mtu)
{
	if (mtu >= kipsec_sa_pmtu(sa))
		return;
	WRITE_ONCE(sa->pmtu_expires, get_jiffies_64() + KIPSEC_PMTU_EXPIRES);
	WRITE_ONCE(sa->pmtu, mtu);
}

/*
 * The quoted packet from @off, whose IP header said @proto and @daddr:
 * the SA it names, if any, gets @mtu. Called under RCU (the hook).
 */
static void pmtu_quoted(struct kipsec_net *kn, struct sk_buff *skb,
			u16 family, const union kipsec_addr *daddr, u8 proto,
			int off, unsigned int mtu)
{
	struct kipsec_sa *sa;
	__be16 sport, dport;
	struct udphdr _uh;
	const struct udphdr *uh = NULL;
	__be32 _spi;
	const __be32 *spi;

	if (proto == IPPROTO_UDP) {
		uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
		if (!uh)
			return;
		off += sizeof(*uh);
		proto = IPPROTO_ESP;
	} else if (proto == IPPROTO_AH) {
		off += offsetof(struct ip_auth_hdr, spi);
	} else if (proto != IPPROTO_ESP) {
		return;
	}
	spi = skb_header_pointer(skb, off, sizeof(_spi), &_spi);
	/* SPI 0 in UDP is the non-ESP marker: IKE, not kipsec's. */
	if (!spi || !*spi)
		return;
	sa = kipsec_sa_lookup(kn, family, daddr, *spi, proto);
	if (!sa || !sa->encap != !uh)
		return;
	if (uh) {
		kipsec_sa_encap_ports(sa, &sport, &dport);
		if (uh->source != sport || uh->dest != dport)
			return;
	}
	kipsec_sa_pmtu_lower(sa, mtu);
}

static void pmtu_icmp4(struct kipsec_net *kn, struct sk_buff *skb, int off)
{
	union kipsec_addr daddr = {};
	const struct icmphdr *ih;
	const struct iphdr *iph;
	struct icmphdr _ih;
	struct iphdr _iph;
	unsigned int mtu;

	ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
	if (!ih || ih->type != ICMP_DEST_UNREACH ||
	    ih->code != ICMP_FRAG_NEEDED)
		return;
	switch (READ_ONCE(kn->net->ipv4.sysctl_ip_no_pmtu_disc)) {
	case 0:
		mtu = ntohs(ih->un.frag.mtu);
		break;
	case 2:
	case 3:
		return;
	default:
		mtu = 0;
	}
	if (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST) ||
	    nf_checksum(skb, NF_INET_LOCAL_IN, off, IPPROTO_ICMP, AF_INET))
		return;
	mtu = max_t(unsigned int, mtu, KIPSEC_PMTU_MIN4);
	off += sizeof(_ih);
	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	/* A later fragment quotes no ESP header. */
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    iph->frag_off & htons(IP_OFFSET))
		return;
	daddr.a4 = iph->daddr;
	pmtu_quoted(kn, skb, AF_INET, &daddr, iph->protocol,
		    off + iph->ihl * 4, mtu);
}

static void pmtu_icmp6(struct kipsec_net *kn, struct sk_buff *skb, int off)
{
	union kipsec_addr daddr = {};
	const struct icmp6hdr *ih;
	const struct ipv6hdr *ip6h;
	struct icmp6hdr _ih;
	struct ipv6hdr _ip6h;
	unsigned int mtu;
	u8 proto;

	ih = skb_header_pointer(skb, off, sizeof(_ih), &_ih);
	if (!ih || ih->icmp6_type != ICMPV6_PKT_TOOBIG ||
	    nf_checksum(skb, NF_INET_LOCAL_IN, off, IPPROTO_ICMPV6, AF_INET6))
		return;
	mtu = max_t(unsigned int, ntohl(ih->icmp6_mtu), IPV6_MIN_MTU);
	off += sizeof(_ih);
	ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6)
		return;
	daddr.a6 = ip6h->daddr;
	proto = ip6h->nexthdr;
	off += sizeof(_ip6h);
	/* To ESP, AH (which ipv6_skip_exthdr() would pass) or UDP. */
	while (ipv6_ext_hdr(proto) && proto != NEXTHDR_AUTH) {
		const struct frag_hdr *fh;
		struct frag_hdr _fh;

		if (proto == NEXTHDR_NONE)
			return;
		fh = skb_header_pointer(skb, off, sizeof(_fh), &_fh);
		if (!fh)
			return;
		if (proto == NEXTHDR_FRAGMENT) {
			/* A later fragment quotes no ESP header. */
			if (fh->frag_off & htons(IP6_OFFSET))
				return;
			off += sizeof(_fh);
		} else {
			off += ipv6_optlen((const struct ipv6_opt_hdr *)fh);
		}
		proto = fh->nexthdr;
	}
	pmtu_quoted(kn, skb, AF_INET6, &daddr, proto, off, mtu);
}

void kipsec_pmtu_icmp(struct kipsec_net *kn, struct sk_buff *skb,
		      u16 family, int hlen)
{
	int off = skb_network_offset(skb) + hlen;

	if (family == AF_INET)
		pmtu_icmp4(kn, skb, off);
	else
		pmtu_icmp6(kn, skb, off);
}
