/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every kernel-version difference kipsec copes with, in one place. Kbuild
 * force-includes this header into every object; the .c files test only
 * the COMPAT_* names defined here, never LINUX_VERSION_CODE.
 *
 * Supported: Linux 6.1 (Debian 12's linux-image-amd64) and later.
 */
#ifndef _KIPSEC_COMPAT_H
#define _KIPSEC_COMPAT_H

#include <net/genetlink.h>

/*
 * GENL_MCAST_CAP_NET_ADMIN reached 6.1 through a stable update (6.1.64).
 * Without it anyone may join the event group, so events must never carry
 * key material there: COMPAT_CANNOT_RESTRICT_MCGRP tells the event code.
 */
#ifdef GENL_MCAST_CAP_NET_ADMIN
#define COMPAT_MCGRP_ADMIN_FLAGS GENL_MCAST_CAP_NET_ADMIN
#else
#define COMPAT_MCGRP_ADMIN_FLAGS 0
#define COMPAT_CANNOT_RESTRICT_MCGRP
#endif

/*
 * udp_tunnel_encap_enable() takes the sock since the UDP flags (and
 * udp_test_and_set_bit()) came to 6.1 through a stable update; it took
 * the socket before.
 */
#include <linux/udp.h>
#ifdef udp_test_and_set_bit
#define compat_udp_tunnel_encap_enable(sk) udp_tunnel_encap_enable(sk)
#else
#define compat_udp_tunnel_encap_enable(sk) \
	udp_tunnel_encap_enable((sk)->sk_socket)
#endif

#endif /* _KIPSEC_COMPAT_H */
