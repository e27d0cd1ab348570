// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec monitor [ all | LISTofOBJECTS ]: joins the family's "events"
 * multicast group and prints each event as it comes, as ip xfrm monitor
 * does (-j: one JSON object per line). event_print() is shared with the
 * unit tests.
 */
#include "kipsec.h"
#include "nl.h"
#include "print.h"
#include "util.h"
#include "xfrm.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* --- Events as ip xfrm monitor prints them (and the unit tests read) ------ */

static const struct {
	uint8_t cmd;
	unsigned int obj;	/* EV_* */
	const char *name;	/* JSON "event" */
	const char *prefix;	/* text, before the object */
} events[] = {
	{ KIPSEC_CMD_NEW_SA, EV_SA, "new-sa", "" },
	{ KIPSEC_CMD_UPD_SA, EV_SA, "upd-sa", "Updated " },
	{ KIPSEC_CMD_DEL_SA, EV_SA, "del-sa", "Deleted " },
	{ KIPSEC_CMD_FLUSH_SA, EV_SA, "flush-sa", "Flushed state" },
	{ KIPSEC_CMD_NEW_POLICY, EV_POLICY, "new-policy", "" },
	{ KIPSEC_CMD_UPD_POLICY, EV_POLICY, "upd-policy", "Updated " },
	{ KIPSEC_CMD_DEL_POLICY, EV_POLICY, "del-policy", "Deleted " },
	{ KIPSEC_CMD_FLUSH_POLICY, EV_POLICY, "flush-policy", "Flushed policy" },
	{ KIPSEC_CMD_EXPIRE, EV_EXPIRE, "expire", "Expired " },
	{ KIPSEC_CMD_ACQUIRE, EV_ACQUIRE, "acquire", "acquire" },
	{ KIPSEC_CMD_MAPPING, EV_MAPPING, "mapping", "Mapping change " },
};

/* FLUSH_SA { PROTO } / FLUSH_POLICY { DIR }: what was flushed. */
static void flush_print(const struct out *o, const struct nlmsghdr *nlh,
			uint8_t cmd)
{
	bool sa = cmd == KIPSEC_CMD_FLUSH_SA;
	const struct nlattr *nest = msg_nest(nlh, sa ? KIPSEC_A_SA :
					     KIPSEC_A_POLICY);
	const char *name = NULL;
	char num[8] = "";

	if (sa && nest) {
		struct sa f;

		sa_from(nest, &f);
		if (f.has & BIT(KIPSEC_SA_A_PROTO)) {
			name = xfrm_proto_name(f.proto);
			if (!name)
				snprintf(num, sizeof(num), "%u", f.proto);
		}
	} else if (nest) {
		struct policy f;

		pol_from(nest, &f);
		if (f.has & BIT(KIPSEC_POL_A_DIR)) {
			name = dir_name(f.dir);
			if (!name)
				snprintf(num, sizeof(num), "%u", f.dir);
		}
	}
	if (!name && num[0] && nest)
		name = num;
	if (name)
		print_str(o, PRINT_ANY, sa ? "proto" : "dir",
			  sa ? " proto %s" : " dir %s", name);
	print_nl(o, PRINT_FP);
}

static void acquire_print(const struct out *o, const struct nlmsghdr *nlh)
{
	const struct nlattr *pn = msg_nest(nlh, KIPSEC_A_POLICY);
	const struct nlattr *tn = msg_nest(nlh, KIPSEC_A_TMPL);
	const struct nlattr *sn = msg_nest(nlh, KIPSEC_A_SEL);
	struct policy p;
	struct tmpl t;
	struct sel pkt;

	memset(&p, 0, sizeof(p));
	memset(&pkt, 0, sizeof(pkt));
	if (pn)
		pol_from(pn, &p);
	if (tn)
		tmpl_from(tn, &t);
	else
		memset(&t, 0, sizeof(t));
	if (sn)
		sel_from(sn, &pkt);
	if (o->j) {	/* the objects present, as list and get print them */
		if (pn)
			pol_print_key(o, &p, "policy");
		if (tn)
			tmpl_print(o, &t, 0, "tmpl");
		if (sn) {
			print_open_obj(o, "sel");
			sel_print(o, &pkt, 0);
			print_close_obj(o);
		}
		return;
	}
	/* ip xfrm monitor's layout: the template's protocol first */
	print_name(o, PRINT_FP, NULL, " proto %s \n", xfrm_proto_name(t.proto),
		   t.proto);
	print_text(o, "  sel ");
	sel_print(o, &pkt, p.sel.family);
	print_text(o, "\n  policy ");
	pol_print(o, &p);
	if (tn)
		tmpl_print(o, &t, p.sel.family, NULL);
}

/* MAPPING's new source: KIPSEC_A_MAPPING { ADDR, PORT }. */
struct mapping {
	struct kaddr addr;
	uint16_t port;
};

static int mapping_attr_cb(const struct nlattr *attr, void *data)
{
	struct mapping *m = data;

	switch (mnl_attr_get_type(attr)) {
	case KIPSEC_MAPPING_A_ADDR:
		addr_from(attr, &m->addr);
		break;
	case KIPSEC_MAPPING_A_PORT:
		if (mnl_attr_get_payload_len(attr) == 2)
			m->port = ntohs(mnl_attr_get_u16(attr));
		break;
	}
	return MNL_CB_OK;
}

/*
 * MAPPING { SA, MAPPING }: ip xfrm monitor's line "OLD:PORT -> NEW:PORT"
 * (the SA's source and port, then the packet's), then the SA's identity.
 */
static void mapping_print(const struct out *o, const struct nlmsghdr *nlh)
{
	const struct nlattr *sn = msg_nest(nlh, KIPSEC_A_SA);
	const struct nlattr *mn = msg_nest(nlh, KIPSEC_A_MAPPING);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], n[INET6_ADDRSTRLEN];
	struct mapping m;
	struct sa sa;

	memset(&m, 0, sizeof(m));
	memset(&sa, 0, sizeof(sa));
	if (sn)
		sa_from(sn, &sa);
	if (mn)
		mnl_attr_parse_nested(mn, mapping_attr_cb, &m);
	print_str(o, PRINT_ANY, "src", "%s",
		  addr_str(sa.has & BIT(KIPSEC_SA_A_SADDR) ? &sa.saddr : NULL,
			   sa.family, s));
	print_u64(o, PRINT_ANY, "sport", ":%llu -> ", sa.encap_sport);
	print_str(o, PRINT_ANY, "new-src", "%s",
		  addr_str(&m.addr, sa.family, n));
	print_u64(o, PRINT_ANY, "new-sport", ":%llu\n", m.port);
	print_str(o, PRINT_ANY, "dst", "\tdst %s",
		  addr_str(&sa.daddr, sa.family, d));
	print_name(o, PRINT_ANY, "proto", " proto %s",
		   xfrm_proto_name(sa.proto), sa.proto);
	print_hex32(o, PRINT_ANY, "spi", " spi 0x%08x", sa.spi);
	print_u64(o, PRINT_ANY, "reqid", " reqid %llu\n", sa.reqid);
}

/*
 * EXPIRE { HARD, SA }: "hard" in JSON; in text, ip's line before the SA
 * (the SA's identity, or "hard N" alone when the SA is missing).
 */
static void expire_print(const struct out *o, const struct nlattr *nest,
			 bool hard)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const char *proto;
	struct sa sa;

	print_bool(o, PRINT_JSON, "hard", NULL, hard);
	if (!nest) {
		print_bool(o, PRINT_FP, NULL, "hard %d\n", hard);
		return;
	}
	sa_from(nest, &sa);
	proto = xfrm_proto_name(sa.proto);
	print_text(o, "src %s dst %s proto %s spi 0x%08x hard %d\n",
		   addr_str(sa.has & BIT(KIPSEC_SA_A_SADDR) ? &sa.saddr : NULL,
			    sa.family, s),
		   addr_str(&sa.daddr, sa.family, d), proto ? proto : "?",
		   sa.spi, hard);
}

int event_print(const struct out *o, const struct nlmsghdr *nlh,
		unsigned int mask)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *nest;
	size_t i;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*g))
		return 0;
	for (i = 0; i < ARRAY_SIZE(events); i++)
		if (events[i].cmd == g->cmd)
			break;
	if (i == ARRAY_SIZE(events) || !(events[i].obj & mask))
		return 0;
	print_open_obj(o, NULL);
	print_str(o, PRINT_JSON, "event", NULL, events[i].name);
	print_text(o, "%s", events[i].prefix);
	switch (g->cmd) {
	case KIPSEC_CMD_FLUSH_SA:
	case KIPSEC_CMD_FLUSH_POLICY:
		flush_print(o, nlh, g->cmd);
		break;
	case KIPSEC_CMD_NEW_POLICY:
	case KIPSEC_CMD_UPD_POLICY:
	case KIPSEC_CMD_DEL_POLICY:
		nest = msg_nest(nlh, KIPSEC_A_POLICY);
		if (nest) {
			struct policy p;

			pol_from(nest, &p);
			pol_print_key(o, &p, "policy");
		} else {
			print_nl(o, PRINT_FP);
		}
		break;
	case KIPSEC_CMD_ACQUIRE:
		acquire_print(o, nlh);
		break;
	case KIPSEC_CMD_MAPPING:
		mapping_print(o, nlh);
		break;
	default:	/* the SA events and EXPIRE */
		nest = msg_nest(nlh, KIPSEC_A_SA);
		if (g->cmd == KIPSEC_CMD_EXPIRE)
			expire_print(o, nest, msg_nest(nlh, KIPSEC_A_EXPIRE_HARD));
		if (nest) {
			struct sa sa;

			sa_from(nest, &sa);
			sa_print_key(o, &sa, "sa");
		} else if (g->cmd != KIPSEC_CMD_EXPIRE) {
			print_nl(o, PRINT_FP);
		}
		break;
	}
	print_close_obj(o);
	print_nl(o, PRINT_JSON);	/* one JSON object per line */
	return 1;
}

/* --- The command ----------------------------------------------------------- */

static void usage(void)
{
	fputs("Usage: kipsec [ -j ] [ -s ] monitor [ all | LISTofOBJECTS ]\n"
	      "LISTofOBJECTS := [ LISTofOBJECTS ] OBJECT\n"
	      "OBJECT := acquire | expire | sa | policy | mapping\n"
	      "Needs CAP_NET_ADMIN (events carry keys). Runs until interrupted.\n",
	      stdout);
}

static unsigned int parse_objects(int argc, char **argv)
{
	static const struct {
		const char *name;
		unsigned int mask;
	} objs[] = {
		{ "all", EV_ALL }, { "acquire", EV_ACQUIRE },
		{ "expire", EV_EXPIRE }, { "sa", EV_SA }, { "SA", EV_SA },
		{ "state", EV_SA }, { "policy", EV_POLICY },
		{ "mapping", EV_MAPPING },
	};
	unsigned int mask = 0;
	size_t i;

	for (; argc > 0; argc--, argv++) {
		for (i = 0; i < ARRAY_SIZE(objs); i++)
			if (matches(argv[0], objs[i].name))
				break;
		if (i == ARRAY_SIZE(objs))
			die("unknown object \"%s\" for \"monitor\"; try \"kipsec monitor help\"",
			    argv[0]);
		mask |= objs[i].mask;
	}
	return mask ? mask : EV_ALL;
}

static void join(struct mnl_socket *sock, uint32_t group)
{
	int fd = mnl_socket_get_fd(sock);
	int size = 4 << 20;	/* bursts (a flush of many SAs) fit */

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	if (!setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group,
			sizeof(group)))
		return;
	if (errno == EPERM || errno == EACCES)
		die("operation not permitted: monitoring kipsec events needs CAP_NET_ADMIN in this network namespace");
	die("cannot join the kipsec events group: %s", strerror(errno));
}

int do_monitor(int verb, int argc, char **argv)
{
	static char buf[1 << 16];
	struct mnl_socket *sock;
	unsigned int mask;
	uint16_t family;
	uint32_t group;
	struct json j;
	struct out o = { .f = stdout };

	(void)verb;
	if (argc > 0 && matches(argv[0], "help")) {
		usage();
		return 0;
	}
	mask = parse_objects(argc, argv);
	o.stats = opts.stats;
	if (opts.json) {
		json_init(&j, stdout);
		o.j = &j;
	}
	family = nl_family();
	group = nl_events_group();
	if (!group)
		die("the kipsec module has no \"%s\" multicast group: it is too old to send events",
		    KIPSEC_MCGRP_EVENTS);
	sock = nl_socket();
	join(sock, group);
	for (;;) {
		ssize_t len = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		int rest;

		if (len < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				/* the kernel dropped events: say so, go on */
				if (o.j)
					json_init(&j, stdout);
				print_open_obj(&o, NULL);
				print_str(&o, PRINT_ANY, "event",
					  "Events %s: the receive buffer overflowed; re-read the state with \"kipsec state list\" and \"kipsec policy list\"\n",
					  "lost");
				print_close_obj(&o);
				print_nl(&o, PRINT_JSON);
				fflush(stdout);
				continue;
			}
			die("cannot receive events: %s", strerror(errno));
		}
		rest = (int)len;
		for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
			if (nlh->nlmsg_type != family)
				continue;
			if (o.j)
				json_init(&j, stdout);
			if (event_print(&o, nlh, mask))
				fflush(stdout);
		}
	}
}
