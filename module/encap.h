/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_ENCAP_H
#define _KIPSEC_ENCAP_H

#include <linux/types.h>

struct kipsec_net;
struct netlink_ext_ack;
struct sk_buff;
struct sock;

/*
 * encap_udp.c: the namespace's encapsulation sockets. set_port opens them
 * on @port (IPv4 and IPv6; the tables are activated first), reopens them
 * on a new port or closes them (0); kn->lock held. net_exit closes them,
 * before the tables go; no receiver runs once it returns.
 */
int kipsec_encap_set_port(struct kipsec_net *kn, u16 port,
			  struct netlink_ext_ack *extack);
void kipsec_encap_net_exit(struct kipsec_net *kn);

/*
 * The receive of both kinds of encapsulation socket (encap_udp.c): the
 * namespace's own, and an IKE daemon's (@daemon: IKE stays the socket's).
 */
int kipsec_encap_udp_rcv(struct kipsec_net *kn, struct sock *sk,
			 struct sk_buff *skb, bool daemon);

/*
 * encap_sock.c: IKE daemons' sockets handed over (KIPSEC_CMD_ENCAP_SOCK).
 * add takes the requester's descriptor @fd (kn->lock held); daemon_claims
 * tells, under RCU, whether one of them in @kn receives @skb (of @family)
 * on @port: bound to it, to the packet's family and destination or to any;
 * release_all gives every socket back as it was, at module unload, before
 * the namespaces' state goes (no new hand-over may start).
 */
int kipsec_encap_daemon_add(struct kipsec_net *kn, int fd,
			    struct netlink_ext_ack *extack);
bool kipsec_encap_daemon_claims(const struct kipsec_net *kn,
				const struct sk_buff *skb, __be16 port,
				u16 family);
void kipsec_encap_daemon_release_all(void);

/*
 * At LOCAL_IN: whether the packet, whose upper header is @proto at @off
 * from the network header, goes to the encapsulation socket (which judges
 * it; the cleartext policy check does not).
 */
bool kipsec_encap_port_claims(struct kipsec_net *kn, struct sk_buff *skb,
			      int off, u8 proto, u16 family);

#endif /* _KIPSEC_ENCAP_H */
