// SPDX-License-Identifier: GPL-2.0
/*
 * IKE daemons' sockets (KIPSEC_CMD_ENCAP_SOCK). An IKE daemon keeps its
 * UDP socket on the NAT-T port (4500) for IKE and hands it over, as it
 * would set UDP_ENCAP_ESPINUDP on it for XFRM (strongSwan's
 * enable_udp_decap()): kipsec installs its ESP-in-UDP receive on it
 * (kipsec_encap_udp_rcv(), which leaves IKE to the socket).
 *
 * The socket stays the daemon's: kipsec holds no reference while it is
 * open, so the daemon's close ends it as usual. kipsec learns of its end
 * through sk_destruct, which runs after the last packet using the socket
 * is gone (an RCU callback: a bound UDP socket is SOCK_RCU_FREE). When the
 * module goes first, every socket is given back as it was found: its
 * destructor, its sk_user_data, and XFRM's encap_rcv if the daemon had set
 * UDP_ENCAP (or none).
 */
#include "encap.h"
#include "netns.h"

#include <linux/file.h>
#include <linux/net.h>
#include <linux/rculist.h>
#include <linux/udp.h>
#include <net/inet_sock.h>
#include <net/ipv6.h>
#include <net/netlink.h>
#include <net/sock.h>
#include <net/udp_tunnel.h>

struct kipsec_encap_daemon {
	struct list_head list;		/* daemon_socks, RCU */
	struct list_head net_list;	/* kn->encap_daemons, RCU */
	struct list_head release;	/* release_all's own list */
	struct sock *sk;
	struct kipsec_net *kn;
	/*
	 * What it receives: its port, family and bound address, copied:
	 * the claim reads them under RCU, and the socket is freed in the
	 * same RCU callback that unlinks this entry.
	 */
	__be16 port;
	u16 family;
	bool v6only;
	__be32 addr4;			/* AF_INET */
	struct in6_addr addr6;		/* AF_INET6 */
	/* What the socket had, given back at unload. */
	void (*old_destruct)(struct sock *sk);
	int (*old_encap_rcv)(struct sock *sk, struct sk_buff *skb);
	u8 old_encap_type;
	struct rcu_head rcu;
};

/*
 * Every namespace's (each namespace's in kn->encap_daemons too, for the
 * claim): a daemon hands over two or three sockets. The lock is taken in
 * sk_destruct, an RCU callback: BHs off elsewhere.
 */
static LIST_HEAD(daemon_socks);
static DEFINE_SPINLOCK(daemon_lock);

static int encap_daemon_rcv(struct sock *sk, struct sk_buff *skb)
{
	struct kipsec_encap_daemon *d = rcu_dereference_sk_user_data(sk);

	/* Being given back: the socket's, as it was. */
	if (!d)
		return 1;
	return kipsec_encap_udp_rcv(d->kn, sk, skb, true);
}

/*
 * The socket's end. release_all may have given the socket its own
 * destructor back while this one waited for the lock: then that is the
 * one to call.
 */
static void encap_daemon_destruct(struct sock *sk)
{
	struct kipsec_encap_daemon *d, *found = NULL;
	void (*destruct)(struct sock *sk);

	spin_lock_bh(&daemon_lock);
	destruct = sk->sk_destruct;
	if (destruct == encap_daemon_destruct) {
		list_for_each_entry(d, &daemon_socks, list) {
			if (d->sk == sk) {
				found = d;
				break;
			}
		}
		destruct = NULL;
		if (!WARN_ON_ONCE(!found)) {
			list_del_rcu(&found->list);
			list_del_rcu(&found->net_list);
			destruct = found->old_destruct;
			sk->sk_destruct = destruct;
		}
	}
	spin_unlock_bh(&daemon_lock);
	if (found)
		kfree_rcu(found, rcu);
	if (destruct)
		destruct(sk);
}

static int encap_daemon_take(struct kipsec_net *kn, struct sock *sk,
			     struct kipsec_encap_daemon *d,
			     struct netlink_ext_ack *extack)
{
	struct udp_sock *up = udp_sk(sk);
	int ret = 0;

	if (!inet_sk(sk)->inet_num || !sock_flag(sk, SOCK_RCU_FREE)) {
		NL_SET_ERR_MSG(extack, "the socket is not bound");
		return -EINVAL;
	}
	d->sk = sk;
	d->kn = kn;
	d->port = inet_sk(sk)->inet_sport;
	d->family = sk->sk_family;
	if (sk->sk_family == AF_INET6) {
		d->v6only = sk->sk_ipv6only;
		d->addr6 = sk->sk_v6_rcv_saddr;
	} else {
		d->addr4 = inet_sk(sk)->inet_rcv_saddr;
	}

	/*
	 * Checked and taken under the lock that sk_user_data's owners
	 * (L2TP, sockmap) take. The receive finds its state before it is
	 * installed.
	 */
	write_lock_bh(&sk->sk_callback_lock);
	spin_lock(&daemon_lock);
	if (READ_ONCE(sk->sk_user_data)) {
		/*
		 * Ours already (our destructor is set with our state, under
		 * these locks): handed over again, perhaps after the daemon
		 * set UDP_ENCAP over our receive; it is put back.
		 */
		ret = sk->sk_destruct == encap_daemon_destruct ? -EALREADY :
								 -EBUSY;
	} else if (up->encap_type && up->encap_type != UDP_ENCAP_ESPINUDP) {
		ret = -EBUSY;
	} else {
		d->old_encap_rcv = READ_ONCE(up->encap_rcv);
		d->old_encap_type = up->encap_type;
		rcu_assign_sk_user_data(sk, d);
		d->old_destruct = sk->sk_destruct;
		sk->sk_destruct = encap_daemon_destruct;
		list_add_tail_rcu(&d->list, &daemon_socks);
		list_add_tail_rcu(&d->net_list, &kn->encap_daemons);
	}
	spin_unlock(&daemon_lock);
	write_unlock_bh(&sk->sk_callback_lock);
	if (ret == -EBUSY) {
		NL_SET_ERR_MSG(extack, "another tunnel owns the socket");
		return ret;
	}

	WRITE_ONCE(up->encap_type, UDP_ENCAP_ESPINUDP);
	WRITE_ONCE(up->encap_rcv, encap_daemon_rcv);
	compat_udp_tunnel_encap_enable(sk);
	return ret;
}

int kipsec_encap_daemon_add(struct kipsec_net *kn, int fd,
			    struct netlink_ext_ack *extack)
{
	struct kipsec_encap_daemon *d;
	struct socket *sock;
	struct sock *sk;
	int ret;

	lockdep_assert_held(&kn->lock);
	sock = sockfd_lookup(fd, &ret);
	if (!sock) {
		if (ret == -ENOTSOCK)
			NL_SET_ERR_MSG(extack, "the descriptor is not a socket");
		else
			NL_SET_ERR_MSG(extack, "no such file descriptor");
		return ret;
	}
	sk = sock->sk;
	if (sk->sk_type != SOCK_DGRAM || sk->sk_protocol != IPPROTO_UDP ||
	    (sk->sk_family != AF_INET && sk->sk_family != AF_INET6)) {
		NL_SET_ERR_MSG(extack, "not a UDP socket");
		ret = -EPROTONOSUPPORT;
		goto out;
	}
	if (!net_eq(sock_net(sk), kn->net)) {
		NL_SET_ERR_MSG(extack,
			       "the socket is of another network namespace");
		ret = -EINVAL;
		goto out;
	}
	/* Its ESP finds the tables. */
	ret = kipsec_net_activate(kn);
	if (ret)
		goto out;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d) {
		ret = -ENOMEM;
		goto out;
	}
	lock_sock(sk);
	ret = encap_daemon_take(kn, sk, d, extack);
	release_sock(sk);
	if (ret) {
		kfree(d);
		if (ret == -EALREADY)
			ret = 0;
	}
out:
	sockfd_put(sock);
	return ret;
}

static bool encap_daemon_receives(const struct kipsec_encap_daemon *d,
				  const struct sk_buff *skb, u16 family)
{
	if (family == AF_INET) {
		__be32 daddr = ip_hdr(skb)->daddr;

		if (d->family == AF_INET)
			return !d->addr4 || d->addr4 == daddr;
		return !d->v6only && (ipv6_addr_any(&d->addr6) ||
				      (ipv6_addr_v4mapped(&d->addr6) &&
				       d->addr6.s6_addr32[3] == daddr));
	}
	return d->family == AF_INET6 &&
	       (ipv6_addr_any(&d->addr6) ||
		ipv6_addr_equal(&d->addr6, &ipv6_hdr(skb)->daddr));
}

bool kipsec_encap_daemon_claims(const struct kipsec_net *kn,
				const struct sk_buff *skb, __be16 port,
				u16 family)
{
	struct kipsec_encap_daemon *d;

	list_for_each_entry_rcu(d, &kn->encap_daemons, net_list)
		if (d->port == port &&
		    encap_daemon_receives(d, skb, family))
			return true;
	return false;
}

/*
 * An open socket, held: its receive as it was, unless the daemon has set
 * UDP_ENCAP over ours since (then its own stays).
 */
static void encap_daemon_give_back_rcv(struct kipsec_encap_daemon *d)
{
	struct sock *sk = d->sk;
	struct udp_sock *up = udp_sk(sk);

	lock_sock(sk);
	if (cmpxchg(&up->encap_rcv, encap_daemon_rcv, d->old_encap_rcv) ==
	    encap_daemon_rcv)
		WRITE_ONCE(up->encap_type, d->old_encap_type);
	release_sock(sk);
}

/* Once no receive runs ours: its sk_user_data, and the reference. */
static void encap_daemon_give_back(struct kipsec_encap_daemon *d)
{
	struct sock *sk = d->sk;

	write_lock_bh(&sk->sk_callback_lock);
	rcu_assign_sk_user_data(sk, NULL);
	write_unlock_bh(&sk->sk_callback_lock);
	sock_put(sk);
	kfree_rcu(d, rcu);
}

void kipsec_encap_daemon_release_all(void)
{
	struct kipsec_encap_daemon *d, *tmp;
	LIST_HEAD(held);

	spin_lock_bh(&daemon_lock);
	list_for_each_entry_safe(d, tmp, &daemon_socks, list) {
		/*
		 * Its own destructor back, whether it is open or already on
		 * its way out (its memory lasts until the destructor runs,
		 * which needs this lock).
		 */
		if (d->sk->sk_destruct == encap_daemon_destruct)
			d->sk->sk_destruct = d->old_destruct;
		list_del_rcu(&d->list);
		list_del_rcu(&d->net_list);
		if (refcount_inc_not_zero(&d->sk->sk_refcnt))
			list_add(&d->release, &held);
		else
			kfree_rcu(d, rcu);
	}
	spin_unlock_bh(&daemon_lock);
	list_for_each_entry(d, &held, release)
		encap_daemon_give_back_rcv(d);
	/* A packet inside our receive finishes with its state. */
	synchronize_rcu();
	list_for_each_entry_safe(d, tmp, &held, release)
		encap_daemon_give_back(d);
	/*
	 * Every destructor that may have found encap_daemon_destruct
	 * (queued before) has run, and the states are freed.
	 */
	rcu_barrier();
}
