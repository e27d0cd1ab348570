// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948): the encapsulation of the transform design
 * (xform.h). Output puts a UDP header between the outer IP header and
 * ESP; input is a pair of kernel UDP sockets per namespace (IPv4 and
 * IPv6) on the port KIPSEC_CONFIG_A_ENCAP_PORT names, whose encap_rcv
 * takes NAT keepalives, leaves IKE to the socket, strips the UDP header
 * from ESP and hands it to the input path (kipsec_input_encap()), as
 * xfrm4_udp_encap_rcv() and xfrm6_udp_encap_rcv() do.
 */
#include "encap.h"
#include "event.h"
#include "input.h"
#include "netns.h"
#include "sa.h"
#include "xform.h"

#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/ipv6_stubs.h>
#include <net/udp_tunnel.h>
#include <net/xfrm.h>

static int espinudp_init_sa(struct kipsec_sa *sa,
			    struct netlink_ext_ack *extack)
{
	/* The ports and the original address are all it needs. */
	return 0;
}

static void espinudp_destroy_sa(struct kipsec_sa *sa)
{
}

static unsigned int espinudp_hdrlen(const struct kipsec_sa *sa)
{
	return sizeof(struct udphdr);
}

/*
 * The data starts at ESP, with room in front (the ESP transform's
 * skb_cow_head() leaves MAX_HEADER, transport mode opened a gap for it).
 * Over IPv4 the checksum is 0 (RFC 3948 3.1.2), as esp4.c sends it.
 */
static void espinudp_output(struct kipsec_sa *sa, struct sk_buff *skb)
{
	struct udphdr *uh;
	__be16 sport, dport;

	kipsec_sa_encap_ports(sa, &sport, &dport);
	uh = skb_push(skb, sizeof(*uh));
	uh->source = sport;
	uh->dest = dport;
	uh->len = htons(skb->len);
	uh->check = 0;
}

/*
 * Once the IP header is in front (the transport header is the UDP
 * header): IPv6 needs a real checksum (RFC 8200 8.1), computed over the
 * encrypted packet as esp6.c's esp_output_encap_csum() does.
 */
static void espinudp_output_finish(struct kipsec_sa *sa, struct sk_buff *skb)
{
	unsigned int off = skb_transport_offset(skb);
	const struct ipv6hdr *ip6h;
	struct udphdr *uh;
	__wsum csum;

	if (KIPSEC_CB(skb)->family != AF_INET6)
		return;
	ip6h = ipv6_hdr(skb);
	uh = udp_hdr(skb);
	csum = skb_checksum(skb, off, skb->len - off, 0);
	uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, skb->len - off,
				    IPPROTO_UDP, csum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
}

/*
 * A verified packet from another source than the inbound SA's peer: the
 * NAT in front of it changed its mapping. Reported (MAPPING), not acted
 * on, at most once a second per SA (esp4.c's esp_input_done2() calls
 * km_new_mapping() for every such packet).
 */
static void espinudp_input_done(struct kipsec_sa *sa, struct sk_buff *skb)
{
	__be16 port = KIPSEC_CB(skb)->encap_sport, sport, dport;
	union kipsec_addr daddr, saddr, from;
	unsigned long now, last;

	kipsec_sa_outer(sa, &daddr, &saddr);
	kipsec_sa_encap_ports(sa, &sport, &dport);
	if (sa->key.family == AF_INET)
		from.a4 = ip_hdr(skb)->saddr;
	else
		from.a6 = ipv6_hdr(skb)->saddr;
	if (port == sport && kipsec_addr_equal(sa->key.family, &from, &saddr))
		return;
	now = jiffies;
	last = READ_ONCE(sa->encap_mapping_at);
	if (last && time_before(now, last + HZ))
		return;
	/* One of the CPUs that see it in the same second reports it. */
	if (cmpxchg(&sa->encap_mapping_at, last, now ?: 1) != last)
		return;
	kipsec_event_mapping(sa, &from, port);
}

const struct kipsec_encap_type kipsec_encap_espinudp = {
	.type		= UDP_ENCAP_ESPINUDP,
	.proto		= IPPROTO_UDP,
	.init_sa	= espinudp_init_sa,
	.destroy_sa	= espinudp_destroy_sa,
	.hdrlen		= espinudp_hdrlen,
	.output		= espinudp_output,
	.output_finish	= espinudp_output_finish,
	.input_done	= espinudp_input_done,
};

/*
 * Removes the UDP header of ESP in UDP whose data starts at that header:
 * the IP header (with IPv6 extension headers) moves up against ESP and
 * names ESP, so the packet is what plain ESP would have been. Returns
 * the IP header's length, or -1 (the skb could not be made private).
 */
static int espinudp_strip(struct sk_buff *skb, u16 family, int *nhoff)
{
	int hlen = skb->data - skb_network_header(skb);
	u8 *nh;

	if (skb_unclone(skb, GFP_ATOMIC))
		return -1;
	nh = skb_network_header(skb);
	__skb_pull(skb, sizeof(struct udphdr));
	memmove(nh + sizeof(struct udphdr), nh, hlen);
	skb_set_network_header(skb, -hlen);
	skb_reset_transport_header(skb);
	if (family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		*nhoff = offsetof(struct iphdr, protocol);
		iph->protocol = IPPROTO_ESP;
		iph->tot_len = htons(ntohs(iph->tot_len) -
				     sizeof(struct udphdr));
		ip_send_check(iph);
	} else {
		struct ipv6hdr *ip6h = ipv6_hdr(skb);

		/* Where the byte naming UDP is, as ip6_input left it. */
		*nhoff = IP6CB(skb)->nhoff;
		if (*nhoff < offsetof(struct ipv6hdr, nexthdr) ||
		    *nhoff >= hlen)
			return -1;
		skb_network_header(skb)[*nhoff] = IPPROTO_ESP;
		ip6h->payload_len = htons(ntohs(ip6h->payload_len) -
					  sizeof(struct udphdr));
	}
	return hlen;
}

/*
 * ESP in UDP for an SPI no kipsec SA has: XFRM's if it has the state, as
 * xfrm4_udp_encap_rcv() and xfrm6_udp_encap_rcv() would have taken it on
 * this port (the packet is as they expect it: data at the UDP header).
 * Returns what they return, or -1 when XFRM has no such state either.
 */
static int encap_to_xfrm(struct kipsec_net *kn, struct sock *sk,
			 struct sk_buff *skb, u16 family,
			 const union kipsec_addr *daddr, __be32 spi)
{
	xfrm_address_t xa = {};
	struct xfrm_state *x;

	memcpy(&xa, daddr, family == AF_INET ? sizeof(daddr->a4) :
					       sizeof(daddr->a6));
	x = xfrm_state_lookup(kn->net, skb->mark, &xa, spi, IPPROTO_ESP,
			      family);
	if (!x)
		return -1;
	xfrm_state_put(x);
	kipsec_stats_inc(kn->stats, KIPSEC_STAT_PASSTHROUGH);
	if (family == AF_INET)
		return xfrm4_udp_encap_rcv(sk, skb);
	if (!ipv6_stub->xfrm6_udp_encap_rcv)
		return -1;
	return ipv6_stub->xfrm6_udp_encap_rcv(sk, skb);
}

static int encap_drop(struct kipsec_net *kn, struct sk_buff *skb,
		      enum kipsec_stat reason)
{
	kipsec_stats_inc(kn->stats, reason);
	kfree_skb(skb);
	return 0;
}

/*
 * An encapsulation socket's receive (udp_queue_rcv_one_skb(), under RCU,
 * BHs off, the UDP checksum verified; the data starts at the UDP header):
 * 0 when the packet was taken or dropped, > 0 to leave it to the socket.
 * On an IKE daemon's socket (@daemon, encap_sock.c) IKE and what is too
 * short for ESP are the daemon's, as xfrm4_udp_encap_rcv() leaves them.
 */
int kipsec_encap_udp_rcv(struct kipsec_net *kn, struct sock *sk,
			 struct sk_buff *skb, bool daemon)
{
	u16 family = skb->protocol == htons(ETH_P_IP) ? AF_INET : AF_INET6;
	unsigned int len = skb->len - sizeof(struct udphdr);
	const u8 *data;
	union kipsec_addr daddr;
	struct kipsec_sa *sa;
	int hlen, nhoff, ret;
	__be32 spi;
	__be16 sport;

	if (!pskb_may_pull(skb, sizeof(struct udphdr) +
			   min_t(unsigned int, len, sizeof(struct ip_esp_hdr))))
		return daemon ? 1 : encap_drop(kn, skb, KIPSEC_STAT_IN_MALFORMED);
	data = skb->data + sizeof(struct udphdr);
	if (len == 1 && data[0] == 0xff) {
		/* A NAT keepalive (RFC 3948 2.3): it has done its job. */
		kipsec_stats_inc(kn->stats, KIPSEC_STAT_IN_ENCAP_KEEPALIVE);
		consume_skb(skb);
		return 0;
	}
	if (daemon && (len <= sizeof(struct ip_esp_hdr) || !*(const u32 *)data))
		return 1;
	if (len < sizeof(struct ip_esp_hdr))
		return encap_drop(kn, skb, KIPSEC_STAT_IN_MALFORMED);
	/*
	 * The non-ESP marker: IKE. Nobody reads the module's socket: left to
	 * it, such packets would fill its queue.
	 */
	if (!*(const u32 *)data)
		return encap_drop(kn, skb, KIPSEC_STAT_IN_ENCAP_NON_ESP);
	spi = *(const __be32 *)data;
	if (family == AF_INET)
		daddr.a4 = ip_hdr(skb)->daddr;
	else
		daddr.a6 = ipv6_hdr(skb)->daddr;
	sa = kipsec_sa_lookup(kn, family, &daddr, spi, IPPROTO_ESP);
	if (!sa) {
		ret = encap_to_xfrm(kn, sk, skb, family, &daddr, spi);
		if (ret >= 0)
			return ret;
		/* Nobody's: not passed on. */
		return encap_drop(kn, skb, KIPSEC_STAT_IN_ENCAP_NO_SA);
	}
	sport = udp_hdr(skb)->source;
	hlen = espinudp_strip(skb, family, &nhoff);
	if (hlen < 0)
		return encap_drop(kn, skb, KIPSEC_STAT_IN_MALFORMED);
	kipsec_input_encap(sa, skb, family, hlen, nhoff, sport);
	return 0;
}

/* The namespace's own sockets' encap_rcv. */
static int kipsec_encap_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct kipsec_net *kn = rcu_dereference_sk_user_data(sk);

	/* Closing: udp_tunnel_sock_release() cleared it. */
	if (!kn) {
		kfree_skb(skb);
		return 0;
	}
	return kipsec_encap_udp_rcv(kn, sk, skb, false);
}

bool kipsec_encap_port_claims(struct kipsec_net *kn, struct sk_buff *skb,
			      int off, u8 proto, u16 family)
{
	u16 port = READ_ONCE(kn->encap_port);
	struct udphdr _uh;
	const struct udphdr *uh;

	/*
	 * A packet already assigned to a socket (TPROXY, bpf_sk_assign)
	 * goes to that one: the cleartext check judges it.
	 */
	if (proto != IPPROTO_UDP || skb->sk)
		return false;
	uh = skb_header_pointer(skb, skb_network_offset(skb) + off,
				sizeof(_uh), &_uh);
	if (!uh)
		return false;
	return (port && uh->dest == htons(port)) ||
	       kipsec_encap_daemon_claims(kn, skb, uh->dest, family);
}

/*
 * XFRM checks its "in" policies on a UDP socket before the socket's
 * encap_rcv (udp_queue_rcv_one_skb(), udpv6_queue_rcv_one_skb()): an
 * XFRM policy covering the peers would drop their ESP in UDP before
 * kipsec sees it. As charon does on its sockets, ours carries a policy
 * of its own that lets everything in; what the ESP carries is judged
 * once decrypted. It takes XFRM's key manager (xfrm_user): without it
 * XFRM has no policies either, and the socket goes without.
 */
static void encap_sock_bypass(struct socket *sock, u16 family)
{
	struct xfrm_userpolicy_info pol = {
		.sel.family = family,
		.action = XFRM_POLICY_ALLOW,
		.dir = XFRM_POLICY_IN,
	};
	int err;

	err = xfrm_user_policy(sock->sk, family == AF_INET ? IP_XFRM_POLICY :
							     IPV6_XFRM_POLICY,
			       KERNEL_SOCKPTR(&pol), sizeof(pol));
	if (err)
		pr_debug("no XFRM bypass on the encapsulation socket: %d\n",
			 err);
}

/* One encapsulation socket of @family on @port. */
static int encap_sock_open(struct kipsec_net *kn, u16 family, u16 port,
			   struct socket **sockp)
{
	struct udp_tunnel_sock_cfg cfg = {
		.sk_user_data = kn,
		.encap_type = UDP_ENCAP_ESPINUDP,
		.encap_rcv = kipsec_encap_rcv,
	};
	struct udp_port_cfg pc = {
		.family = family,
		.local_udp_port = htons(port),
	};
	int ret;

	if (family == AF_INET) {
		pc.local_ip.s_addr = htonl(INADDR_ANY);
	} else {
		pc.local_ip6 = in6addr_any;
		pc.ipv6_v6only = 1;
		pc.use_udp6_rx_checksums = 1;
	}
	ret = udp_sock_create(kn->net, &pc, sockp);
	if (ret)
		return ret;
	encap_sock_bypass(*sockp, family);
	setup_udp_tunnel_sock(kn->net, *sockp, &cfg);
	return 0;
}

static void encap_socks_close(struct socket *socks[2])
{
	int i;

	/* Each waits for the receivers that may still see it (RCU). */
	for (i = 0; i < 2; i++)
		if (socks[i])
			udp_tunnel_sock_release(socks[i]);
}

int kipsec_encap_set_port(struct kipsec_net *kn, u16 port,
			  struct netlink_ext_ack *extack)
{
	struct socket *socks[2] = { NULL, NULL };
	int ret;

	lockdep_assert_held(&kn->lock);
	if (port == kn->encap_port)
		return 0;
	if (port) {
		/* The sockets hand packets to the tables: they exist first. */
		ret = kipsec_net_activate(kn);
		if (ret)
			return ret;
		ret = encap_sock_open(kn, AF_INET, port, &socks[0]);
		if (!ret && ipv6_mod_enabled())
			ret = encap_sock_open(kn, AF_INET6, port, &socks[1]);
		if (ret) {
			encap_socks_close(socks);
			if (ret == -EADDRINUSE)
				NL_SET_ERR_MSG(extack,
					       "the encapsulation port is in use");
			else
				NL_SET_ERR_MSG(extack,
					       "cannot open the encapsulation socket");
			return ret;
		}
	}
	/*
	 * Between the old sockets' close and nothing (or the new ones), a
	 * packet for the old port meets no socket; one for the new port
	 * meets the cleartext check until encap_port says so.
	 */
	swap(socks[0], kn->encap_sock[0]);
	swap(socks[1], kn->encap_sock[1]);
	WRITE_ONCE(kn->encap_port, port);
	encap_socks_close(socks);
	return 0;
}

void kipsec_encap_net_exit(struct kipsec_net *kn)
{
	WRITE_ONCE(kn->encap_port, 0);
	encap_socks_close(kn->encap_sock);
	kn->encap_sock[0] = NULL;
	kn->encap_sock[1] = NULL;
}
