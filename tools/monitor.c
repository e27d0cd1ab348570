// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec monitor [ all | LISTofOBJECTS ]: joins the family's "events"
 * multicast group and prints each event as it comes, as ip xfrm monitor
 * does (-j: one JSON object per line). Printing is policy_print.c's
 * event_print(), shared with the unit tests.
 */
#include "kipsec.h"
#include "nl.h"
#include "util.h"
#include "xfrm.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <string.h>
#include <sys/socket.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static void usage(void)
{
	fputs("Usage: kipsec [ -j ] [ -s ] monitor [ all | LISTofOBJECTS ]\n"
	      "LISTofOBJECTS := [ LISTofOBJECTS ] OBJECT\n"
	      "OBJECT := acquire | expire | sa | policy\n"
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
					puts("{\"event\":\"lost\"}");
				else
					puts("Events lost: the receive buffer overflowed; re-read the state with \"kipsec state list\" and \"kipsec policy list\"");
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
