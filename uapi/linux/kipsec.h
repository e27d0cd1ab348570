/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * kipsec: an IPsec (ESP, AH) datapath configured over generic netlink.
 *
 * This header is the ABI and its specification. The module and the tools
 * include it; nothing else defines the protocol.
 *
 * Family
 * ------
 * Generic netlink family KIPSEC_GENL_NAME ("kipsec"), version
 * KIPSEC_GENL_VERSION. The family is netns aware: every object (SA, policy,
 * setting, counter) lives in the network namespace of the socket that
 * created it, and every request acts on the socket's namespace only.
 * Looking the family up with CTRL_CMD_GETFAMILY loads the module when it is
 * installed (MODULE_ALIAS_GENL_FAMILY).
 *
 * Permissions
 * -----------
 * Every command that changes state needs CAP_NET_ADMIN in the user namespace
 * that owns the socket's network namespace (GENL_UNS_ADMIN_PERM); without it
 * the request fails with -EPERM. Reading (GET, dumps, stats) is open, but
 * key material (KIPSEC_ALG_A_KEY) is only ever put in a reply or an event
 * for a requester that holds CAP_NET_ADMIN; others see the algorithm name
 * and lengths only. The event group KIPSEC_MCGRP_EVENTS can only be joined
 * with CAP_NET_ADMIN.
 *
 * Messages
 * --------
 * Every request carries attributes from enum kipsec_attr at the top level.
 * Objects travel in one nest each (KIPSEC_A_SA, KIPSEC_A_POLICY, ...), and
 * each nesting level has its own strict attribute policy: an unknown
 * attribute, a wrong length or a value out of range is rejected with
 * -EINVAL (-ERANGE for integers, keys and addresses whose value or length
 * is outside what the attribute policy allows) and an extended ack message
 * naming the attribute. A command takes only the attributes its
 * description lists; the generic netlink header's reserved field must be
 * 0. Integers are in host byte order except
 * where the type says __be (SPIs and ports are in network byte order, as on
 * the wire). Addresses are binary: 4 bytes for AF_INET, 16 for AF_INET6,
 * and must match the family given next to them.
 *
 * Errors
 * ------
 * Errors come back in the netlink ack (NLMSG_ERROR) with a negative errno
 * and, where the kernel can say more, an extended ack message
 * (NLMSGERR_ATTR_MSG) and the offending attribute (NLMSGERR_ATTR_OFFS):
 *   -EINVAL      malformed or inconsistent request (see the extack message)
 *   -EEXIST      the object to add exists already
 *   -ENOENT      the object to change, get or delete does not exist
 *   -ENOSPC      no free SPI in the requested range
 *   -ENOBUFS     out of memory (-ENOMEM is also possible)
 *   -EOPNOTSUPP  a command, feature or algorithm this module (or the kernel
 *                crypto API) does not have
 *   -EPERM       the caller lacks CAP_NET_ADMIN in the netns
 * For a dump the errno is carried in NLMSG_DONE.
 *
 * Dumps
 * -----
 * GET commands with NLM_F_DUMP list every object of their kind in the
 * namespace, possibly over many messages. A dump resumes where the previous
 * message ended; if the set of objects changed while a dump was in
 * progress, the messages after the change carry NLM_F_DUMP_INTR
 * (genl_dump_check_consistent) and the reader should start over (the
 * kipsec tool retries a few times, then reports it). A dump never shows an
 * object twice and never skips one that existed for its whole duration.
 *
 * Zero
 * ----
 * Unless an attribute says otherwise, an absent attribute means its default
 * and zero means "none": a lifetime limit of 0 is no limit, a reqid of 0
 * matches any reqid, a mark mask of 0 leaves the mark alone, a prefix
 * length of 0 matches every address, a port mask of 0 matches every port.
 *
 * Commands
 * --------
 * KIPSEC_CMD_GET_INFO  (doit)
 *   request:  nothing
 *   reply:    KIPSEC_A_INFO { VERSION, ABI, REPLAY_WINDOW_MAX, MAX_TMPLS }
 *
 * KIPSEC_CMD_NEW_SA    (doit, admin)          ip xfrm state add
 *   request:  KIPSEC_A_SA { ... }
 *   Adds an SA; -EEXIST if (DADDR, SPI, PROTO) is taken. Required: FAMILY,
 *   DADDR, SADDR, SPI (not 0), PROTO, and the algorithms the protocol
 *   needs (ESP: AEAD, or CRYPT and/or AUTH; AH: AUTH).
 *
 * KIPSEC_CMD_UPD_SA    (doit, admin)          ip xfrm state update
 *   request:  KIPSEC_A_SA { FAMILY, DADDR, SPI, PROTO, ... }
 *   -ENOENT if there is no SA (DADDR, SPI, PROTO).
 *   A larval SA (from ALLOC_SPI) is completed: the request is then a full
 *   SA as for NEW_SA, and replaces the larval entry.
 *   A full SA is changed in place; keys, counters, sequence numbers and
 *   the replay window's history are kept. What may change:
 *     LIFETIME        replaces the limits (a limit already reached fires)
 *     REPLAY_WINDOW   resizes the window, keeping the history that fits
 *     SET_MARK, REQID
 *     OSEQ            only upwards (a restored SA never reuses a number)
 *     NEW_DADDR, NEW_SADDR   move the SA to new outer addresses (MOBIKE);
 *                     same family; the SA is then (NEW_DADDR, SPI, PROTO):
 *                     -EEXIST, and nothing changes, if that is taken.
 *     ENCAP           its SPORT and DPORT, on an SA that has ENCAP
 *   MODE, FLAGS, SEL and the algorithms with their keys may be repeated
 *   but not changed (-EINVAL); SADDR, SEQ and the rest are ignored.
 *   Absent attributes are left as they are. An update sends UPD_SA.
 *
 * KIPSEC_CMD_DEL_SA    (doit, admin)          ip xfrm state delete
 *   request:  KIPSEC_A_SA { FAMILY, DADDR, SPI, PROTO }
 *
 * KIPSEC_CMD_GET_SA    (doit or dump)         ip xfrm state get / list
 *   doit request: KIPSEC_A_SA { FAMILY, DADDR, SPI, PROTO }
 *   dump request: optionally KIPSEC_A_SA { PROTO } to list one protocol
 *   reply: one KIPSEC_A_SA per SA, with LIFETIME, CUR and STATS nests
 *   that carry only their non-zero values (absent = 0: a dump of many
 *   SAs stays small).
 *
 * KIPSEC_CMD_FLUSH_SA  (doit, admin)          ip xfrm state flush
 *   request:  optionally KIPSEC_A_SA { PROTO } to flush one protocol only.
 *
 * KIPSEC_CMD_ALLOC_SPI (doit, admin)          ip xfrm state allocspi
 *   request:  KIPSEC_A_SA { FAMILY, DADDR, SADDR, PROTO, MODE, REQID,
 *             SPI_MIN, SPI_MAX }   (SPI_MIN/MAX default 0x100..0xffffffff;
 *             the kipsec tool sends ip's 0x100..0x0fffffff)
 *   reply:    KIPSEC_A_SA of the larval SA, SPI filled in. A larval SA
 *             drops what it receives, is completed by UPD_SA, and is
 *             removed on its own after the acquire timeout.
 *
 * KIPSEC_CMD_NEW_POLICY (doit, admin)         ip xfrm policy add
 * KIPSEC_CMD_UPD_POLICY (doit, admin)         ip xfrm policy update
 *   request:  KIPSEC_A_POLICY { DIR, SEL, PRIORITY, ACTION, TMPL... }
 *   SEL is required; an empty SEL nest matches every packet (as XFRM's
 *   all-zero selector). At most KIPSEC_MAX_TMPLS templates
 *   (-EINVAL beyond; more than one is -EOPNOTSUPP for now).
 *   As in XFRM a policy is identified by (DIR, SEL); PRIORITY is not part
 *   of its identity. NEW_POLICY gives -EEXIST for a duplicate, UPD_POLICY
 *   replaces it or adds it. The kernel assigns INDEX, shown by GET.
 *
 * KIPSEC_CMD_DEL_POLICY (doit, admin)         ip xfrm policy delete
 * KIPSEC_CMD_GET_POLICY (doit or dump)        ip xfrm policy get / list
 *   request:  KIPSEC_A_POLICY { DIR, SEL } or { DIR, INDEX }
 *
 * KIPSEC_CMD_FLUSH_POLICY (doit, admin)       ip xfrm policy flush
 *   request:  optionally KIPSEC_A_POLICY { DIR }.
 *
 * KIPSEC_CMD_SET_DEFAULT (doit, admin)        ip xfrm policy setdefault
 * KIPSEC_CMD_GET_DEFAULT (doit)               ip xfrm policy getdefault
 *   attributes: KIPSEC_A_DEFAULT { IN, OUT, FWD } (enum kipsec_action);
 *   absent ones are left unchanged. The default is ALLOW.
 *
 * KIPSEC_CMD_SET_CONFIG (doit, admin)
 * KIPSEC_CMD_GET_CONFIG (doit)
 *   attributes: KIPSEC_A_CONFIG { ... }; absent ones are left unchanged.
 *
 * KIPSEC_CMD_ENCAP_SOCK (doit, admin)   setsockopt(UDP_ENCAP_ESPINUDP)
 *   request:  KIPSEC_A_ENCAP_FD
 *   An IKE daemon hands its UDP socket (normally port 4500) to kipsec, as
 *   it would set UDP_ENCAP_ESPINUDP on it for XFRM (strongSwan's
 *   enable_udp_decap). The socket stays the daemon's; kipsec installs its
 *   receive function on it. On that socket ESP in UDP for kipsec's SAs is
 *   taken as on the namespace's own encapsulation socket (see
 *   KIPSEC_SA_A_ENCAP), a NAT keepalive is consumed, and IKE (the non-ESP
 *   marker) and payloads of 8 bytes or fewer stay the daemon's, unchanged,
 *   as XFRM leaves them. ESP in UDP for an SPI kipsec does not have goes
 *   to XFRM when XFRM has the state (so XFRM's SAs keep working on the
 *   same socket), else it is dropped (IN_ENCAP_NO_SA). As on the
 *   namespace's socket, UDP that the socket receives (its port, its
 *   family, or IPv4 too on an IPv6 socket without IPV6_V6ONLY, and its
 *   bound address or any) is not checked against the cleartext "in"
 *   policies (the daemon bypasses them with its IKE policies anyway).
 *   The socket must be a bound UDP socket (IPv4 or IPv6) of the
 *   requester's namespace whose sk_user_data is unused (no other tunnel
 *   owns it); one on which the daemon set UDP_ENCAP_ESPINUDP for XFRM is
 *   taken over. Handing over a socket kipsec already has is a no-op, or
 *   puts kipsec's receive back if the daemon set UDP_ENCAP since.
 *   The hand-over ends when the socket is closed (kipsec keeps no
 *   reference to it) or when the module is unloaded: the socket is then
 *   given back as it was (XFRM's receive function if the daemon had set
 *   UDP_ENCAP before the hand-over, else none; whatever it set after, if
 *   it did) and stays open and usable.
 *   Errors: -EBADF (no such descriptor), -ENOTSOCK, -EPROTONOSUPPORT (not
 *   a UDP socket), -EINVAL (not bound, or of another namespace), -EBUSY
 *   (another tunnel or encapsulation owns the socket).
 *   The namespace's own socket (KIPSEC_CONFIG_A_ENCAP_PORT) and a daemon's
 *   cannot share a port: whichever binds it first has it (-EADDRINUSE for
 *   the other). With an IKE daemon leave ENCAP_PORT at 0: the daemon's
 *   socket serves hand-keyed SAs as well.
 *
 * KIPSEC_CMD_GET_STATS (doit)                 /proc/net/xfrm_stat
 *   reply:    KIPSEC_A_STATS { SA_COUNT, POLICY_COUNT, counters... }
 *
 * Events (multicast group KIPSEC_MCGRP_EVENTS, never requested)
 *   The group can only be joined with CAP_NET_ADMIN in the namespace
 *   (GENL_MCAST_CAP_NET_ADMIN); events are sent to the namespace of the
 *   object only. The command says what happened:
 *   NEW_SA, UPD_SA, DEL_SA:  KIPSEC_A_SA as GET shows it, with keys (the
 *                       group is admin-only; on a kernel that cannot
 *                       restrict the group, never with keys). As in XFRM,
 *                       an SA removed by a hard expiry sends only the hard
 *                       EXPIRE, one removed by a flush only FLUSH_SA, and a
 *                       larval SA timing out nothing.
 *   FLUSH_SA:           optionally KIPSEC_A_SA { PROTO } as requested.
 *   NEW_POLICY, UPD_POLICY, DEL_POLICY: KIPSEC_A_POLICY as GET shows it.
 *   FLUSH_POLICY:       optionally KIPSEC_A_POLICY { DIR }.
 *   EXPIRE:             KIPSEC_A_SA as GET shows it (CUR tells the use),
 *                       KIPSEC_A_EXPIRE_HARD set for a hard expiry (the
 *                       SA is removed right after). A soft limit sends one
 *                       soft EXPIRE per SA; reaching a hard limit (bytes,
 *                       packets, seconds since add or first use) or
 *                       exhausting the outbound sequence number sends the
 *                       hard one. Time limits fire within one second.
 *   ACQUIRE:            an outbound packet matched a policy whose template
 *                       finds no SA. KIPSEC_A_POLICY { DIR, INDEX, SEL,
 *                       PRIORITY }, KIPSEC_A_TMPL (the template, DADDR and
 *                       SADDR filled in with the packet's addresses in
 *                       transport mode), KIPSEC_A_SEL (the packet: full
 *                       prefixes, protocol and ports). The packet is
 *                       dropped and counted (OUT_NO_SA). One ACQUIRE per
 *                       (policy, template endpoints, protocol) until an
 *                       SA for them is added or ACQUIRE_EXPIRES seconds
 *                       pass (a larval entry, as XFRM's acquire state).
 *   MAPPING:            ESP in UDP for an inbound SA with ENCAP came
 *                       from a source address or UDP port other than the
 *                       SA's SADDR and ENCAP SPORT (a NAT in front of the
 *                       peer changed its mapping), and passed the SA's
 *                       ICV and replay checks (a forged packet raises
 *                       nothing), as XFRM_MSG_MAPPING. KIPSEC_A_SA
 *                       { FAMILY, DADDR, SADDR, SPI, PROTO, REQID, ENCAP }
 *                       with the old source, KIPSEC_A_MAPPING { ADDR, PORT }
 *                       with the new. The SA does not change (the packet is
 *                       accepted): the keying daemon moves it with UPD_SA
 *                       (NEW_SADDR, ENCAP). At most one MAPPING per SA per
 *                       second while the source differs.
 *   When the group could not take an event (no memory, or the full
 *   receive buffer of a listener that set NETLINK_BROADCAST_ERROR: the
 *   kernel tells the sender of nobody else's), the EVENTS_LOST counter of
 *   GET_STATS is raised. A listener whose buffer overflowed gets ENOBUFS
 *   from its next recv(), and should then re-read the SAs and policies
 *   with a dump. An ACQUIRE that such a listener could not take counts as
 *   not delivered: the next packet of the flow raises it again (a keying
 *   daemon sets NETLINK_BROADCAST_ERROR; a mere observer had better not).
 */

#ifndef _UAPI_LINUX_KIPSEC_H
#define _UAPI_LINUX_KIPSEC_H

#include <linux/types.h>

#define KIPSEC_GENL_NAME		"kipsec"
#define KIPSEC_GENL_VERSION		1
#define KIPSEC_MCGRP_EVENTS		"events"

/* Limits */
#define KIPSEC_REPLAY_WINDOW_MAX	4096	/* packets */
#define KIPSEC_MAX_TMPLS		6	/* templates per policy, as XFRM */
#define KIPSEC_ALG_NAME_MAX		64	/* crypto API name, with NUL */
#define KIPSEC_KEY_MAX			128	/* bytes, salt included */

enum kipsec_cmd {
	KIPSEC_CMD_UNSPEC,
	KIPSEC_CMD_GET_INFO,
	KIPSEC_CMD_NEW_SA,
	KIPSEC_CMD_UPD_SA,
	KIPSEC_CMD_DEL_SA,
	KIPSEC_CMD_GET_SA,
	KIPSEC_CMD_FLUSH_SA,
	KIPSEC_CMD_ALLOC_SPI,
	KIPSEC_CMD_NEW_POLICY,
	KIPSEC_CMD_UPD_POLICY,
	KIPSEC_CMD_DEL_POLICY,
	KIPSEC_CMD_GET_POLICY,
	KIPSEC_CMD_FLUSH_POLICY,
	KIPSEC_CMD_SET_DEFAULT,
	KIPSEC_CMD_GET_DEFAULT,
	KIPSEC_CMD_SET_CONFIG,
	KIPSEC_CMD_GET_CONFIG,
	KIPSEC_CMD_GET_STATS,
	KIPSEC_CMD_EXPIRE,		/* event only */
	KIPSEC_CMD_ACQUIRE,		/* event only */
	KIPSEC_CMD_MAPPING,		/* event only */
	KIPSEC_CMD_ENCAP_SOCK,
	__KIPSEC_CMD_MAX
};

#define KIPSEC_CMD_MAX (__KIPSEC_CMD_MAX - 1)

/*
 * Top level. Each command uses the nests listed in its description above;
 * any other top-level attribute is rejected.
 */
enum kipsec_attr {
	KIPSEC_A_UNSPEC,
	KIPSEC_A_INFO,			/* nest, enum kipsec_info_attr */
	KIPSEC_A_SA,			/* nest, enum kipsec_sa_attr */
	KIPSEC_A_POLICY,		/* nest, enum kipsec_policy_attr */
	KIPSEC_A_DEFAULT,		/* nest, enum kipsec_default_attr */
	KIPSEC_A_CONFIG,		/* nest, enum kipsec_config_attr */
	KIPSEC_A_STATS,			/* nest, enum kipsec_stats_attr */
	KIPSEC_A_TMPL,			/* nest, enum kipsec_tmpl_attr (ACQUIRE) */
	KIPSEC_A_EXPIRE_HARD,		/* flag (EXPIRE) */
	KIPSEC_A_PAD,
	KIPSEC_A_SEL,			/* nest, enum kipsec_sel_attr (ACQUIRE:
					 * the packet that found no SA)
					 */
	KIPSEC_A_MAPPING,		/* nest, enum kipsec_mapping_attr
					 * (MAPPING: the new source)
					 */
	KIPSEC_A_ENCAP_FD,		/* u32, a file descriptor of the
					 * requester (ENCAP_SOCK)
					 */
	__KIPSEC_A_MAX
};

#define KIPSEC_A_MAX (__KIPSEC_A_MAX - 1)

/* KIPSEC_A_INFO: what this module is. */
enum kipsec_info_attr {
	KIPSEC_INFO_A_UNSPEC,
	KIPSEC_INFO_A_VERSION,		/* string, e.g. "0.1.0" */
	KIPSEC_INFO_A_ABI,		/* u32, KIPSEC_GENL_VERSION */
	KIPSEC_INFO_A_REPLAY_WINDOW_MAX,	/* u32 */
	KIPSEC_INFO_A_MAX_TMPLS,	/* u32 */
	__KIPSEC_INFO_A_MAX
};

#define KIPSEC_INFO_A_MAX (__KIPSEC_INFO_A_MAX - 1)

/* IP protocols an SA or template may carry (values are IPPROTO_*). */
enum kipsec_proto {
	KIPSEC_PROTO_ESP = 50,		/* IPPROTO_ESP */
	KIPSEC_PROTO_AH = 51,		/* IPPROTO_AH */
};

enum kipsec_mode {
	KIPSEC_MODE_TRANSPORT,		/* the default, as in ip xfrm */
	KIPSEC_MODE_TUNNEL,
	__KIPSEC_MODE_MAX
};

/*
 * SA flags (KIPSEC_SA_A_FLAGS, a u32 bit set). Names and meaning as ip
 * xfrm's "flag" keywords. An unknown bit is rejected.
 */
enum kipsec_sa_flag {
	KIPSEC_SA_F_NOECN		= 1U << 0, /* no RFC 6040 ECN handling */
	KIPSEC_SA_F_DECAP_DSCP		= 1U << 1, /* copy outer DSCP inward */
	KIPSEC_SA_F_NOPMTUDISC		= 1U << 2, /* outer DF clear (IPv4) */
	KIPSEC_SA_F_ESN			= 1U << 3, /* 64-bit sequence numbers */
	KIPSEC_SA_F_DONT_ENCAP_DSCP	= 1U << 4, /* outer DSCP 0 */
	KIPSEC_SA_F_LARVAL		= 1U << 5, /* read only: from ALLOC_SPI */
	/*
	 * AH over IPv4: the header padded to 32 bits (RFC 4302) instead of
	 * 64 (XFRM's default, and kipsec's); input accepts both either way.
	 * No effect on ESP or over IPv6 (always 64 bits).
	 */
	KIPSEC_SA_F_ALIGN4		= 1U << 6,
};

#define KIPSEC_SA_F_ALL (KIPSEC_SA_F_NOECN | KIPSEC_SA_F_DECAP_DSCP | \
			 KIPSEC_SA_F_NOPMTUDISC | KIPSEC_SA_F_ESN | \
			 KIPSEC_SA_F_DONT_ENCAP_DSCP | KIPSEC_SA_F_ALIGN4)

/*
 * KIPSEC_A_SA: a security association.
 *
 * Identity: (FAMILY, DADDR, SPI, PROTO). SADDR is the outer source; in
 * tunnel mode DADDR/SADDR are the tunnel endpoints, in transport mode the
 * packet's own addresses.
 *
 * Algorithms: ESP takes either AEAD alone, or CRYPT and AUTH (one of them
 * may be absent: encryption without integrity is refused, integrity
 * without encryption is ESP with ecb(cipher_null)), AH takes AUTH alone.
 * Names are crypto API names ("rfc4106(gcm(aes))", "cbc(aes)",
 * "hmac(sha256)", ...). Keys are the raw key material followed by the salt
 * or nonce the suite needs, exactly as XFRM takes them (rfc4106, rfc4543,
 * rfc7539esp, rfc3686: 4 bytes).
 *
 * Replay: REPLAY_WINDOW 0 disables the replay check (XFRM's default);
 * ESN requires a non-zero window. SEQ is the highest sequence number
 * received, OSEQ the last one sent (the next packet gets OSEQ + 1); with
 * ESN both are 64-bit, without it they must fit in 32 bits.
 */
enum kipsec_sa_attr {
	KIPSEC_SA_A_UNSPEC,
	KIPSEC_SA_A_FAMILY,		/* u16, AF_INET or AF_INET6 (outer) */
	KIPSEC_SA_A_DADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_SA_A_SADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_SA_A_SPI,		/* __be32, not 0 */
	KIPSEC_SA_A_PROTO,		/* u8, enum kipsec_proto */
	KIPSEC_SA_A_MODE,		/* u8, enum kipsec_mode */
	KIPSEC_SA_A_REQID,		/* u32, 0 = none */
	KIPSEC_SA_A_FLAGS,		/* u32, enum kipsec_sa_flag */
	KIPSEC_SA_A_ALG_AEAD,		/* nest, enum kipsec_alg_attr */
	KIPSEC_SA_A_ALG_CRYPT,		/* nest, enum kipsec_alg_attr */
	KIPSEC_SA_A_ALG_AUTH,		/* nest, enum kipsec_alg_attr */
	KIPSEC_SA_A_REPLAY_WINDOW,	/* u32, 0..KIPSEC_REPLAY_WINDOW_MAX */
	KIPSEC_SA_A_SEQ,		/* u64, inbound: highest received */
	KIPSEC_SA_A_OSEQ,		/* u64, outbound: last sent */
	KIPSEC_SA_A_SEL,		/* nest, enum kipsec_sel_attr; inner
					 * traffic the SA may carry (ip xfrm
					 * "sel"); absent = any
					 */
	KIPSEC_SA_A_LIFETIME,		/* nest, enum kipsec_lifetime_attr */
	KIPSEC_SA_A_CUR,		/* nest, enum kipsec_cur_attr; read only */
	KIPSEC_SA_A_STATS,		/* nest, enum kipsec_stats_attr; read only,
					 * this SA's drops by reason
					 */
	KIPSEC_SA_A_SET_MARK,		/* nest, enum kipsec_mark_attr; applied
					 * to packets after the transform, both
					 * ways (ip xfrm "output-mark")
					 */
	KIPSEC_SA_A_SPI_MIN,		/* u32, ALLOC_SPI range, host order */
	KIPSEC_SA_A_SPI_MAX,		/* u32, ALLOC_SPI range, host order */
	KIPSEC_SA_A_NEW_DADDR,		/* binary; UPD_SA: move the SA to new */
	KIPSEC_SA_A_NEW_SADDR,		/* binary; outer addresses (MOBIKE) */
	KIPSEC_SA_A_REPLAY_BITMAP,	/* binary, read only: the window, u32
					 * words, bit 0 of word 0 = SEQ
					 */
	KIPSEC_SA_A_PAD,
	KIPSEC_SA_A_ENCAP,		/* nest, enum kipsec_encap_attr: UDP
					 * encapsulation (NAT-T), ESP only
					 */
	__KIPSEC_SA_A_MAX
};

#define KIPSEC_SA_A_MAX (__KIPSEC_SA_A_MAX - 1)

/*
 * KIPSEC_SA_A_ENCAP: ESP in UDP (RFC 3948, "NAT traversal"), ip xfrm's
 * "encap espinudp SPORT DPORT OA". ESP SAs only (-EINVAL on AH). TYPE,
 * SPORT and DPORT are required.
 *
 * Output: every ESP packet of the SA goes inside a UDP header from SPORT
 * to DPORT, between the outer IP header and ESP. Over IPv4 its checksum
 * is 0 (RFC 3948 3.1.2); over IPv6 it is computed (RFC 8200). The MTU
 * the SA leaves to its traffic is 8 bytes smaller.
 *
 * Input: ESP in UDP is received on the namespace's encapsulation socket,
 * which KIPSEC_CONFIG_A_ENCAP_PORT opens; it is the SA's DPORT on the
 * peer and normally the local SPORT (4500). On that port a 1-byte 0xFF
 * payload is a NAT keepalive (consumed, counted as IN_ENCAP_KEEPALIVE), a
 * payload starting with four zero bytes (the non-ESP marker: IKE) is not
 * ESP and is dropped (IN_ENCAP_NON_ESP: the module's socket serves
 * hand-keyed SAs; an IKE daemon keeps its own socket on the port and hands
 * it over with KIPSEC_CMD_ENCAP_SOCK, which leaves IKE to it), a payload
 * too short for an ESP header is dropped (IN_MALFORMED), and the rest is ESP,
 * looked up by (outer destination, SPI, ESP) as plain ESP is. An SA with
 * ENCAP accepts only ESP in UDP and an SA without it only plain ESP
 * (the other is dropped: IN_ENCAP_MISMATCH, as XFRM's
 * XfrmInStateMismatch); ESP in UDP for an SPI no SA has goes to the
 * kernel's XFRM if it has an ESP state for (destination, SPI) with UDP
 * encapsulation (counted as PASSTHROUGH), else it is dropped
 * (IN_ENCAP_NO_SA). Received ESP in UDP is not checked against the
 * cleartext "in" policies, kipsec's or XFRM's (the sockets carry an
 * XFRM socket policy that lets everything in, as an IKE daemon's do,
 * when XFRM's key manager xfrm_user is loaded as the port is set); what
 * it carries is, once decrypted.
 * A packet from another source address or port than the inbound SA's
 * SADDR and SPORT is accepted and raises a MAPPING event (see "Events").
 * In transport mode the decrypted payload's checksum is not
 * verified (CHECKSUM_UNNECESSARY: NAT changed the addresses it covers),
 * as XFRM does.
 *
 * UPD_SA of a complete SA may change SPORT and DPORT (with or without
 * NEW_DADDR/NEW_SADDR); it cannot add, remove or change the TYPE or OA of
 * an encapsulation (-EINVAL).
 */
enum kipsec_encap_attr {
	KIPSEC_ENCAP_A_UNSPEC,
	KIPSEC_ENCAP_A_TYPE,		/* u16, UDP_ENCAP_ESPINUDP (2) only;
					 * -EOPNOTSUPP for the others
					 */
	KIPSEC_ENCAP_A_SPORT,		/* __be16, not 0: source port sent */
	KIPSEC_ENCAP_A_DPORT,		/* __be16, not 0: destination port */
	KIPSEC_ENCAP_A_OA,		/* binary, 4 or 16 bytes, optional: the
					 * peer's original address before NAT
					 * (ip xfrm's OA); kept and shown only
					 */
	__KIPSEC_ENCAP_A_MAX
};

#define KIPSEC_ENCAP_A_MAX (__KIPSEC_ENCAP_A_MAX - 1)

/* KIPSEC_A_MAPPING: where ESP in UDP for an SA now comes from. */
enum kipsec_mapping_attr {
	KIPSEC_MAPPING_A_UNSPEC,
	KIPSEC_MAPPING_A_ADDR,		/* binary, 4 or 16 bytes: source address */
	KIPSEC_MAPPING_A_PORT,		/* __be16: UDP source port */
	__KIPSEC_MAPPING_A_MAX
};

#define KIPSEC_MAPPING_A_MAX (__KIPSEC_MAPPING_A_MAX - 1)

/* An algorithm and its key. */
enum kipsec_alg_attr {
	KIPSEC_ALG_A_UNSPEC,
	KIPSEC_ALG_A_NAME,		/* string, crypto API name */
	KIPSEC_ALG_A_KEY,		/* binary, 0..KIPSEC_KEY_MAX bytes;
					 * never shown to non-admins
					 */
	KIPSEC_ALG_A_ICV_BITS,		/* u32, ICV length in bits for AEAD and
					 * AUTH (auth-trunc); 0 or absent = the
					 * algorithm's XFRM default: 96 for
					 * hmac(sha1), hmac(sha256), xcbc(aes)
					 * and cmac(aes), 192 for hmac(sha384),
					 * 256 for hmac(sha512), 128 for AEAD
					 */
	KIPSEC_ALG_A_KEY_BITS,		/* u32, read only: key length in bits */
	__KIPSEC_ALG_A_MAX
};

#define KIPSEC_ALG_A_MAX (__KIPSEC_ALG_A_MAX - 1)

/*
 * A traffic selector (policy SEL, SA SEL). For ICMP and ICMPv6, SPORT holds
 * the type and DPORT the code, as in XFRM. A prefix length longer than the
 * family's address is rejected. Replies leave out PROTO, IFINDEX and a
 * port whose mask is 0 (absent = any).
 */
enum kipsec_sel_attr {
	KIPSEC_SEL_A_UNSPEC,
	KIPSEC_SEL_A_FAMILY,		/* u16, AF_INET or AF_INET6 (inner) */
	KIPSEC_SEL_A_SADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_SEL_A_DADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_SEL_A_SPREFIX,		/* u8, 0 = any source */
	KIPSEC_SEL_A_DPREFIX,		/* u8, 0 = any destination */
	KIPSEC_SEL_A_PROTO,		/* u8, upper protocol, 0 = any */
	KIPSEC_SEL_A_SPORT,		/* __be16 */
	KIPSEC_SEL_A_SPORT_MASK,	/* __be16, 0 = any */
	KIPSEC_SEL_A_DPORT,		/* __be16 */
	KIPSEC_SEL_A_DPORT_MASK,	/* __be16, 0 = any */
	KIPSEC_SEL_A_IFINDEX,		/* s32, 0 = any interface ("dev"):
					 * as in XFRM, the device of the
					 * packet's route: out and fwd, the
					 * outgoing interface; in, the local
					 * route's (loopback or VRF) device
					 */
	__KIPSEC_SEL_A_MAX
};

#define KIPSEC_SEL_A_MAX (__KIPSEC_SEL_A_MAX - 1)

/*
 * Lifetime limits (u64 each, 0 = no limit). Bytes and packets are counted
 * per packet as XFRM counts them: on output the length of the packet
 * before the transform (the IP packet in tunnel mode, the transport
 * payload after the IP header in transport mode), on input what ESP or
 * AH carried, after decryption. *_ADD_SECS run from when the SA was added,
 * *_USE_SECS from its first packet. A soft limit sends one EXPIRE event;
 * a hard limit sends a hard EXPIRE and removes the SA. The packet that
 * reaches a hard limit is the last one the SA carries, give or take one
 * packet per CPU in flight at that moment; time limits fire within a
 * second.
 */
enum kipsec_lifetime_attr {
	KIPSEC_LT_A_UNSPEC,
	KIPSEC_LT_A_SOFT_BYTES,
	KIPSEC_LT_A_HARD_BYTES,
	KIPSEC_LT_A_SOFT_PACKETS,
	KIPSEC_LT_A_HARD_PACKETS,
	KIPSEC_LT_A_SOFT_ADD_SECS,
	KIPSEC_LT_A_HARD_ADD_SECS,
	KIPSEC_LT_A_SOFT_USE_SECS,
	KIPSEC_LT_A_HARD_USE_SECS,
	KIPSEC_LT_A_PAD,
	__KIPSEC_LT_A_MAX
};

#define KIPSEC_LT_A_MAX (__KIPSEC_LT_A_MAX - 1)

/* Current use of an SA or policy (read only). Times are wall-clock
 * seconds since the epoch; 0 = never.
 */
enum kipsec_cur_attr {
	KIPSEC_CUR_A_UNSPEC,
	KIPSEC_CUR_A_BYTES,		/* u64 */
	KIPSEC_CUR_A_PACKETS,		/* u64 */
	KIPSEC_CUR_A_ADD_TIME,		/* u64 */
	KIPSEC_CUR_A_USE_TIME,		/* u64 */
	KIPSEC_CUR_A_PAD,
	__KIPSEC_CUR_A_MAX
};

#define KIPSEC_CUR_A_MAX (__KIPSEC_CUR_A_MAX - 1)

/* A mark: skb->mark = (skb->mark & ~MASK) | (VALUE & MASK). */
enum kipsec_mark_attr {
	KIPSEC_MARK_A_UNSPEC,
	KIPSEC_MARK_A_VALUE,		/* u32 */
	KIPSEC_MARK_A_MASK,		/* u32, 0 = leave the mark alone */
	__KIPSEC_MARK_A_MAX
};

#define KIPSEC_MARK_A_MAX (__KIPSEC_MARK_A_MAX - 1)

enum kipsec_dir {
	KIPSEC_DIR_IN,
	KIPSEC_DIR_OUT,
	KIPSEC_DIR_FWD,
	__KIPSEC_DIR_MAX
};

enum kipsec_action {
	KIPSEC_ACTION_ALLOW,
	KIPSEC_ACTION_BLOCK,
	__KIPSEC_ACTION_MAX
};

enum kipsec_level {
	KIPSEC_LEVEL_REQUIRED,		/* the SA must exist and be used */
	KIPSEC_LEVEL_USE,		/* use the SA when there is one */
	__KIPSEC_LEVEL_MAX
};

/*
 * KIPSEC_A_POLICY: a security policy. Lower PRIORITY values win, as in
 * XFRM; among equal priorities the older policy wins. An ALLOW policy
 * with templates protects what it matches (out: encapsulate with the SAs
 * the templates find, in the order given; in/fwd: require that the packet
 * came through such SAs); an ALLOW policy without templates lets matching
 * traffic pass in clear; BLOCK drops it.
 */
enum kipsec_policy_attr {
	KIPSEC_POL_A_UNSPEC,
	KIPSEC_POL_A_DIR,		/* u8, enum kipsec_dir */
	KIPSEC_POL_A_SEL,		/* nest, enum kipsec_sel_attr */
	KIPSEC_POL_A_PRIORITY,		/* u32, default 0 */
	KIPSEC_POL_A_ACTION,		/* u8, enum kipsec_action */
	KIPSEC_POL_A_INDEX,		/* u32, assigned by the kernel */
	KIPSEC_POL_A_TMPLS,		/* nest of up to KIPSEC_MAX_TMPLS
					 * KIPSEC_A_TMPL nests, in order
					 */
	KIPSEC_POL_A_CUR,		/* nest, enum kipsec_cur_attr; read only */
	KIPSEC_POL_A_PAD,
	__KIPSEC_POL_A_MAX
};

#define KIPSEC_POL_A_MAX (__KIPSEC_POL_A_MAX - 1)

/*
 * A template: which SA protects traffic matching a policy. In tunnel mode
 * DADDR/SADDR are the tunnel endpoints (DADDR required, SADDR 0 = any);
 * in transport mode the packet's own addresses are used and any given
 * here are only kept for display, as XFRM does. SPI 0 = any SA that
 * matches; a non-zero SPI binds the policy to exactly that SA (used by IKE
 * daemons to switch SAs atomically during a rekey).
 */
enum kipsec_tmpl_attr {
	KIPSEC_TMPL_A_UNSPEC,
	KIPSEC_TMPL_A_FAMILY,		/* u16, outer family */
	KIPSEC_TMPL_A_DADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_TMPL_A_SADDR,		/* binary, 4 or 16 bytes */
	KIPSEC_TMPL_A_PROTO,		/* u8, enum kipsec_proto, default ESP */
	KIPSEC_TMPL_A_MODE,		/* u8, enum kipsec_mode */
	KIPSEC_TMPL_A_REQID,		/* u32, 0 = any */
	KIPSEC_TMPL_A_SPI,		/* __be32, 0 = any */
	KIPSEC_TMPL_A_LEVEL,		/* u8, enum kipsec_level */
	__KIPSEC_TMPL_A_MAX
};

#define KIPSEC_TMPL_A_MAX (__KIPSEC_TMPL_A_MAX - 1)

/* KIPSEC_A_DEFAULT: what traffic matching no policy gets, per direction. */
enum kipsec_default_attr {
	KIPSEC_DEFAULT_A_UNSPEC,
	KIPSEC_DEFAULT_A_IN,		/* u8, enum kipsec_action */
	KIPSEC_DEFAULT_A_OUT,		/* u8, enum kipsec_action */
	KIPSEC_DEFAULT_A_FWD,		/* u8, enum kipsec_action */
	__KIPSEC_DEFAULT_A_MAX
};

#define KIPSEC_DEFAULT_A_MAX (__KIPSEC_DEFAULT_A_MAX - 1)

/* KIPSEC_A_CONFIG: per-netns settings. */
enum kipsec_config_attr {
	KIPSEC_CONFIG_A_UNSPEC,
	KIPSEC_CONFIG_A_ACQUIRE_EXPIRES,	/* u32, seconds a larval SA from
						 * an acquire or ALLOC_SPI lives;
						 * default 30, as XFRM
						 */
	KIPSEC_CONFIG_A_DECAP_MARK,		/* nest, enum kipsec_mark_attr;
						 * applied to every decapsulated
						 * packet (before an SA's
						 * SET_MARK); default none
						 */
	KIPSEC_CONFIG_A_ENCAP_PORT,		/* u16, the UDP port ESP in UDP
						 * is received on (both families;
						 * see KIPSEC_SA_A_ENCAP), 0 =
						 * none (the default). Setting it
						 * opens the namespace's
						 * encapsulation sockets (a
						 * change of port reopens them,
						 * 0 closes them): -EADDRINUSE
						 * and nothing changes if the
						 * port is taken (by an IKE
						 * daemon's socket, say: see
						 * KIPSEC_CMD_ENCAP_SOCK)
						 */
	__KIPSEC_CONFIG_A_MAX
};

#define KIPSEC_CONFIG_A_MAX (__KIPSEC_CONFIG_A_MAX - 1)

/*
 * KIPSEC_A_STATS: counters, per netns (GET_STATS) or per SA (SA STATS).
 * u64 each. Drops are counted by reason; pass-through ESP (an SPI kipsec
 * does not know, left to the stack) is not a drop.
 */
enum kipsec_stats_attr {
	KIPSEC_STATS_A_UNSPEC,
	KIPSEC_STATS_A_SA_COUNT,		/* netns only */
	KIPSEC_STATS_A_POLICY_COUNT,		/* netns only */
	KIPSEC_STATS_A_EVENTS_LOST,		/* netns only */
	KIPSEC_STATS_A_PASSTHROUGH,		/* unknown SPI, left alone */
	KIPSEC_STATS_A_IN_REPLAY,		/* replayed or behind window */
	KIPSEC_STATS_A_IN_AUTH,			/* ICV check failed */
	KIPSEC_STATS_A_IN_PADDING,		/* bad ESP padding */
	KIPSEC_STATS_A_IN_MALFORMED,		/* truncated or bad headers */
	KIPSEC_STATS_A_IN_POLICY,		/* no policy allows it, or
						 * clear where ESP is required
						 */
	KIPSEC_STATS_A_IN_SELECTOR,		/* inner packet outside the SA
						 * selector
						 */
	KIPSEC_STATS_A_IN_LARVAL,		/* SA not complete yet */
	KIPSEC_STATS_A_OUT_NO_SA,		/* policy wants an SA, none */
	KIPSEC_STATS_A_OUT_SEQ_OVERFLOW,	/* counter would wrap */
	KIPSEC_STATS_A_OUT_POLICY_BLOCK,	/* block policy or default */
	KIPSEC_STATS_A_IN_POLICY_BLOCK,		/* block policy or default */
	KIPSEC_STATS_A_NO_MEMORY,		/* allocation failed */
	KIPSEC_STATS_A_EXPIRED,			/* SA past its hard limit */
	KIPSEC_STATS_A_IN_TFC,			/* dummy packets discarded */
	KIPSEC_STATS_A_OUT_NO_ROUTE,		/* no route to the tunnel end */
	KIPSEC_STATS_A_PAD,
	KIPSEC_STATS_A_OUT_MALFORMED,		/* a packet AH cannot protect
						 * (bad IP options or extension
						 * headers)
						 */
	KIPSEC_STATS_A_IN_NO_ROUTE,		/* its route went while it
						 * was taken over (a device or
						 * namespace going away)
						 */
	KIPSEC_STATS_A_IN_FRAG_BAD,		/* an inner fragment that
						 * overlaps, runs past the
						 * datagram's end or makes it
						 * too long (its datagram goes
						 * with it)
						 */
	KIPSEC_STATS_A_IN_FRAG_LIMIT,		/* an inner fragment with no
						 * queue: the namespace's
						 * reassembly memory is full
						 */
	KIPSEC_STATS_A_IN_FRAG_TIMEOUT,		/* an inner datagram whose
						 * fragments did not all come
						 * in time
						 */
	KIPSEC_STATS_A_IN_FRAG_REASM,		/* inner datagrams reassembled
						 * from the fragments one SA
						 * decrypted (not a drop)
						 */
	KIPSEC_STATS_A_IN_ENCAP_KEEPALIVE,	/* NAT keepalives consumed on
						 * the encapsulation port (not
						 * a drop; netns only)
						 */
	KIPSEC_STATS_A_IN_ENCAP_NO_SA,		/* ESP in UDP for an SPI no
						 * SA has (netns only)
						 */
	KIPSEC_STATS_A_IN_ENCAP_MISMATCH,	/* ESP in UDP for an SA
						 * without ENCAP, or plain ESP
						 * for one with it
						 */
	KIPSEC_STATS_A_IN_ENCAP_NON_ESP,	/* IKE (non-ESP marker) on
						 * the encapsulation port,
						 * which has no reader
						 * (netns only)
						 */
	__KIPSEC_STATS_A_MAX
};

#define KIPSEC_STATS_A_MAX (__KIPSEC_STATS_A_MAX - 1)

#endif /* _UAPI_LINUX_KIPSEC_H */
