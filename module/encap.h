/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_ENCAP_H
#define _KIPSEC_ENCAP_H

#include <linux/types.h>

struct kipsec_net;
struct netlink_ext_ack;
struct sk_buff;

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
 * At LOCAL_IN: whether the packet, whose upper header is @proto at @off
 * from the network header, goes to the encapsulation socket (which judges
 * it; the cleartext policy check does not).
 */
bool kipsec_encap_port_claims(struct kipsec_net *kn, struct sk_buff *skb,
			      int off, u8 proto);

#endif /* _KIPSEC_ENCAP_H */
