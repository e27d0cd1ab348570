// SPDX-License-Identifier: GPL-2.0
#include "nl.h"
#include "util.h"

#include <errno.h>
#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static struct mnl_socket *sock;
static uint16_t family_id;
static uint32_t events_group;	/* the "events" multicast group, 0 = none */
static uint32_t seq;
static char extack[256];

static void nl_open(void)
{
	int one = 1;

	if (sock)
		return;
	sock = mnl_socket_open(NETLINK_GENERIC);
	if (!sock)
		die("cannot open a generic netlink socket: %s", strerror(errno));
	if (mnl_socket_bind(sock, 0, MNL_SOCKET_AUTOPID) < 0)
		die("cannot bind the netlink socket: %s", strerror(errno));
	/* Both are optional: older kernels just ignore them. */
	mnl_socket_setsockopt(sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(sock, NETLINK_CAP_ACK, &one, sizeof(one));
	seq = (uint32_t)time(NULL);
}

/* One CTRL_ATTR_MCAST_GROUPS entry: { NAME, ID }. */
static int mcgrp_attr_cb(const struct nlattr *attr, void *data)
{
	struct { const char *name; uint32_t id; } *g = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_NAME &&
	    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0)
		g->name = mnl_attr_get_str(attr);
	else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GRP_ID &&
		 mnl_attr_validate(attr, MNL_TYPE_U32) >= 0)
		g->id = mnl_attr_get_u32(attr);
	return MNL_CB_OK;
}

static int mcgrps_attr_cb(const struct nlattr *attr, void *data)
{
	struct { const char *name; uint32_t id; } g = { NULL, 0 };

	(void)data;
	mnl_attr_parse_nested(attr, mcgrp_attr_cb, &g);
	if (g.name && !strcmp(g.name, KIPSEC_MCGRP_EVENTS))
		events_group = g.id;
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) >= 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	else if (mnl_attr_get_type(attr) == CTRL_ATTR_MCAST_GROUPS)
		mnl_attr_parse_nested(attr, mcgrps_attr_cb, NULL);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

/* Extracts the extack message of an NLMSG_ERROR into extack[]. */
static void parse_extack(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	unsigned int off = sizeof(*err);
	const struct nlattr *attr;

	extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += err->msg.nlmsg_len - sizeof(struct nlmsghdr);
	mnl_attr_for_each(attr, nlh, off) {
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) >= 0) {
			snprintf(extack, sizeof(extack), "%s",
				 mnl_attr_get_str(attr));
		}
	}
}

/*
 * Reads replies to the request with sequence @s. Returns 0 or -errno;
 * the error's extack message is left in extack[].
 */
static int nl_recv(uint32_t s, nl_reply_cb cb, void *data)
{
	char buf[65536];
	unsigned int portid = mnl_socket_get_portid(sock);
	bool intr = false;

	for (;;) {
		ssize_t len = mnl_socket_recvfrom(sock, buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		if (len < 0)
			return -errno;
		for (; mnl_nlmsg_ok(nlh, (int)len);
		     nlh = mnl_nlmsg_next(nlh, (int *)&len)) {
			if (nlh->nlmsg_seq != s || nlh->nlmsg_pid != portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = true;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *err =
					mnl_nlmsg_get_payload(nlh);

				parse_extack(nlh);
				return err->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int error = 0;

				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
					memcpy(&error, mnl_nlmsg_get_payload(nlh),
					       sizeof(int));
				if (error)
					return error;
				return intr ? -EINTR : 0;
			}
			/* an interrupted dump is read to its end, unused */
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE || intr)
				continue;
			if (cb && cb(nlh, data) < MNL_CB_OK)
				return -EPROTO;
		}
	}
}

uint16_t nl_family(void)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *g;
	char buf[256];
	int ret;

	if (family_id)
		return family_id;
	nl_open();
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = ++seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KIPSEC_GENL_NAME);
	if (mnl_socket_sendto(sock, nlh, nlh->nlmsg_len) < 0)
		die("cannot talk to the kernel: %s", strerror(errno));
	ret = nl_recv(nlh->nlmsg_seq, family_cb, &family_id);
	if (ret == -ENOENT || (!ret && !family_id))
		die_code(1, "the kipsec kernel module is not loaded "
			 "(load it with: modprobe kipsec, or insmod kipsec.ko)");
	if (ret)
		die("cannot look up the kipsec netlink family: %s",
		    strerror(-ret));
	return family_id;
}

struct nlmsghdr *nl_req_start(struct nl_req *req, uint8_t cmd, uint16_t flags)
{
	struct genlmsghdr *g;

	req->nlh = mnl_nlmsg_put_header(req->buf);
	req->nlh->nlmsg_type = 0;	/* the family, filled in by nl_talk */
	req->nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	g = mnl_nlmsg_put_extra_header(req->nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = KIPSEC_GENL_VERSION;
	return req->nlh;
}

int nl_exchange(struct nl_req *req, nl_reply_cb cb, void *data)
{
	req->nlh->nlmsg_type = nl_family();
	req->nlh->nlmsg_seq = ++seq;
	if (mnl_socket_sendto(sock, req->nlh, req->nlh->nlmsg_len) < 0)
		die("cannot talk to the kernel: %s", strerror(errno));
	return nl_recv(req->nlh->nlmsg_seq, cb, data);
}

void nl_report(int ret)
{
	if (ret == -EPERM)
		error_line("operation not permitted: changing kipsec state "
			   "needs CAP_NET_ADMIN in this network namespace");
	else if (extack[0])
		error_line("%s (%s)", extack, strerror(-ret));
	else
		error_line("%s", strerror(-ret));
}

int nl_talk(struct nl_req *req, nl_reply_cb cb, void *data)
{
	int ret = nl_exchange(req, cb, data);

	if (ret && ret != -EINTR)
		nl_report(ret);
	return ret;
}

uint32_t nl_events_group(void)
{
	nl_family();
	return events_group;
}

struct mnl_socket *nl_socket(void)
{
	nl_family();
	return sock;
}
