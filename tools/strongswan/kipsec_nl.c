// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Requests to the kipsec family: see kipsec_nl.h.
 */
#include "kipsec_nl.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <linux/netlink.h>

#include <daemon.h>
#include <threading/mutex.h>

typedef struct private_kipsec_nl_t private_kipsec_nl_t;

struct private_kipsec_nl_t {
	kipsec_nl_t public;
	struct mnl_socket *sock;
	/* one request at a time on the socket */
	mutex_t *mutex;
	uint32_t seq;
	uint16_t family;
	uint32_t events_group;
};

METHOD(kipsec_nl_t, start, struct nlmsghdr *,
	private_kipsec_nl_t *this, void *buf, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;

	memset(buf, 0, KIPSEC_NL_BUFSIZE);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = this->family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = KIPSEC_GENL_VERSION;
	return nlh;
}

/* The extack message of an NLMSG_ERROR, or NULL. */
static const char *extack_msg(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
	size_t off = sizeof(*err);
	const struct nlattr *attr;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
	{
		return NULL;
	}
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
	{
		off += mnl_nlmsg_get_payload_len(&err->msg);
	}
	mnl_attr_for_each(attr, nlh, off)
	{
		if (mnl_attr_get_type(attr) == NLMSGERR_ATTR_MSG &&
			mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0)
		{
			return mnl_attr_get_str(attr);
		}
	}
	return NULL;
}

/* Reads replies to @seq up to the ack or NLMSG_DONE. */
static int receive(private_kipsec_nl_t *this, uint32_t seq, kipsec_nl_cb_t cb,
				   void *data, const char *what, int quiet)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlmsghdr *nlh;
	const char *msg;
	bool intr = FALSE, bad = FALSE;
	int len, err;

	while (TRUE)
	{
		len = mnl_socket_recvfrom(this->sock, buf, sizeof(buf));
		if (len < 0)
		{
			if (errno == EINTR)
			{
				continue;
			}
			err = -errno;
			DBG1(DBG_KNL, "kipsec: %s: receiving the reply failed: %s",
				 what, strerror(errno));
			memwipe(buf, sizeof(buf));
			return err;
		}
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
			 nlh = mnl_nlmsg_next(nlh, &len))
		{
			if (nlh->nlmsg_seq != seq)
			{	/* a late reply to an earlier request */
				continue;
			}
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
			{
				intr = TRUE;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
			{
				if (nlh->nlmsg_type == NLMSG_ERROR)
				{
					err = ((const struct nlmsgerr *)
						   mnl_nlmsg_get_payload(nlh))->error;
				}
				else
				{
					err = mnl_nlmsg_get_payload_len(nlh) >= sizeof(int) ?
						  *(const int *)mnl_nlmsg_get_payload(nlh) : 0;
				}
				if (err && err != quiet)
				{
					msg = nlh->nlmsg_type == NLMSG_ERROR ? extack_msg(nlh)
														 : NULL;
					DBG1(DBG_KNL, "kipsec: %s failed: %s%s%s", what,
						 msg ?: strerror(-err), msg ? " " : "",
						 msg ? "(from the module)" : "");
				}
				if (!err && bad)
				{
					err = -EPROTO;
				}
				else if (!err && intr)
				{
					err = -EINTR;
				}
				/* replies to an admin may carry keys */
				memwipe(buf, sizeof(buf));
				return err;
			}
			if (cb && nlh->nlmsg_type == this->family &&
				cb(nlh, data) < MNL_CB_OK)
			{
				DBG1(DBG_KNL, "kipsec: %s: malformed reply", what);
				/* read on to the ack, then fail */
				cb = NULL;
				bad = TRUE;
			}
		}
	}
}

METHOD(kipsec_nl_t, talk, int,
	private_kipsec_nl_t *this, struct nlmsghdr *nlh, kipsec_nl_cb_t cb,
	void *data, const char *what, int quiet)
{
	int err;

	this->mutex->lock(this->mutex);
	nlh->nlmsg_seq = ++this->seq;
	if (mnl_socket_sendto(this->sock, nlh, nlh->nlmsg_len) < 0)
	{
		err = -errno;
		DBG1(DBG_KNL, "kipsec: %s: sending the request failed: %s", what,
			 strerror(errno));
	}
	else
	{
		err = receive(this, nlh->nlmsg_seq, cb, data, what, quiet);
	}
	this->mutex->unlock(this->mutex);
	/* requests may carry keys */
	memwipe(nlh, nlh->nlmsg_len);
	return err;
}

METHOD(kipsec_nl_t, get_events_group, uint32_t,
	private_kipsec_nl_t *this)
{
	return this->events_group;
}

METHOD(kipsec_nl_t, get_family, uint16_t,
	private_kipsec_nl_t *this)
{
	return this->family;
}

METHOD(kipsec_nl_t, destroy, void,
	private_kipsec_nl_t *this)
{
	if (this->sock)
	{
		mnl_socket_close(this->sock);
	}
	this->mutex->destroy(this->mutex);
	free(this);
}

/* CTRL_CMD_GETFAMILY's reply: the family id and the events group. */
static int family_group_cb(const struct nlattr *attr, void *data)
{
	private_kipsec_nl_t *this = data;
	const struct nlattr *grp, *a;
	const char *name;
	uint32_t id;

	if (mnl_attr_get_type(attr) != CTRL_ATTR_MCAST_GROUPS)
	{
		return MNL_CB_OK;
	}
	mnl_attr_for_each_nested(grp, attr)
	{
		name = NULL;
		id = 0;
		mnl_attr_for_each_nested(a, grp)
		{
			if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_NAME &&
				mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			{
				name = mnl_attr_get_str(a);
			}
			else if (mnl_attr_get_type(a) == CTRL_ATTR_MCAST_GRP_ID &&
					 mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			{
				id = mnl_attr_get_u32(a);
			}
		}
		if (name && streq(name, KIPSEC_MCGRP_EVENTS))
		{
			this->events_group = id;
		}
	}
	return MNL_CB_OK;
}

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	private_kipsec_nl_t *this = data;

	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
		mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
	{
		this->family = mnl_attr_get_u16(attr);
	}
	return family_group_cb(attr, data);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	return mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb,
						  data);
}

/* Resolves the family (the kernel loads the module on this lookup). */
static bool resolve(private_kipsec_nl_t *this)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	int err;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KIPSEC_GENL_NAME);

	/* the reply comes from the controller, not from our family */
	this->family = GENL_ID_CTRL;
	nlh->nlmsg_seq = ++this->seq;
	if (mnl_socket_sendto(this->sock, nlh, nlh->nlmsg_len) < 0)
	{
		return FALSE;
	}
	err = receive(this, nlh->nlmsg_seq, family_cb, this,
				  "looking up the kipsec netlink family", -ENOENT);
	if (err || this->family == GENL_ID_CTRL)
	{
		this->family = 0;
		return FALSE;
	}
	return TRUE;
}

/*
 * Described in header
 */
kipsec_nl_t *kipsec_nl_create(void)
{
	private_kipsec_nl_t *this;
	int on = 1;

	INIT(this,
		.public = {
			.start = _start,
			.talk = _talk,
			.get_events_group = _get_events_group,
			.get_family = _get_family,
			.destroy = _destroy,
		},
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.seq = time_monotonic(NULL),
	);

	this->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!this->sock || mnl_socket_bind(this->sock, 0, MNL_SOCKET_AUTOPID) < 0)
	{
		DBG1(DBG_KNL, "kipsec: opening a generic netlink socket failed: %s",
			 strerror(errno));
		destroy(this);
		return NULL;
	}
	/* errors with the kernel's message, without our request (keys) */
	setsockopt(mnl_socket_get_fd(this->sock), SOL_NETLINK, NETLINK_EXT_ACK,
			   &on, sizeof(on));
	setsockopt(mnl_socket_get_fd(this->sock), SOL_NETLINK, NETLINK_CAP_ACK,
			   &on, sizeof(on));
	if (!resolve(this))
	{
		destroy(this);
		return NULL;
	}
	return &this->public;
}

/*
 * Described in header
 */
void kipsec_nl_put_host(struct nlmsghdr *nlh, uint16_t type, host_t *host)
{
	chunk_t addr = host->get_address(host);

	mnl_attr_put(nlh, type, addr.len, addr.ptr);
}

/*
 * Described in header
 */
host_t *kipsec_nl_get_host(const struct nlattr *attr, uint16_t port)
{
	chunk_t addr;

	addr = chunk_create(mnl_attr_get_payload(attr),
						mnl_attr_get_payload_len(attr));
	switch (addr.len)
	{
		case 4:
			return host_create_from_chunk(AF_INET, addr, port);
		case 16:
			return host_create_from_chunk(AF_INET6, addr, port);
		default:
			return NULL;
	}
}

static uint64_t get_u64(const struct nlattr *attr)
{
	return mnl_attr_validate(attr, MNL_TYPE_U64) ? 0 : mnl_attr_get_u64(attr);
}

static int sa_lifetime_cb(const struct nlattr *attr, void *data)
{
	kipsec_nl_sa_t *sa = data;

	switch (mnl_attr_get_type(attr))
	{
		case KIPSEC_LT_A_SOFT_BYTES:
			sa->soft_bytes = get_u64(attr);
			break;
		case KIPSEC_LT_A_SOFT_PACKETS:
			sa->soft_packets = get_u64(attr);
			break;
		case KIPSEC_LT_A_SOFT_ADD_SECS:
			sa->soft_add = get_u64(attr);
			break;
		case KIPSEC_LT_A_SOFT_USE_SECS:
			sa->soft_use = get_u64(attr);
			break;
	}
	return MNL_CB_OK;
}

static int sa_cur_cb(const struct nlattr *attr, void *data)
{
	kipsec_nl_sa_t *sa = data;

	switch (mnl_attr_get_type(attr))
	{
		case KIPSEC_CUR_A_BYTES:
			sa->bytes = get_u64(attr);
			break;
		case KIPSEC_CUR_A_PACKETS:
			sa->packets = get_u64(attr);
			break;
		case KIPSEC_CUR_A_ADD_TIME:
			sa->add_time = get_u64(attr);
			break;
		case KIPSEC_CUR_A_USE_TIME:
			sa->use_time = get_u64(attr);
			break;
	}
	return MNL_CB_OK;
}

static int sa_attr_cb(const struct nlattr *attr, void *data)
{
	kipsec_nl_sa_t *sa = data;
	chunk_t bytes = chunk_create(mnl_attr_get_payload(attr),
								 mnl_attr_get_payload_len(attr));

	switch (mnl_attr_get_type(attr))
	{
		case KIPSEC_SA_A_FAMILY:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
			{
				sa->family = mnl_attr_get_u16(attr);
			}
			break;
		case KIPSEC_SA_A_DADDR:
			sa->daddr = bytes;
			break;
		case KIPSEC_SA_A_SADDR:
			sa->saddr = bytes;
			break;
		case KIPSEC_SA_A_SPI:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32))
			{
				sa->spi = mnl_attr_get_u32(attr);
			}
			break;
		case KIPSEC_SA_A_PROTO:
			if (!mnl_attr_validate(attr, MNL_TYPE_U8))
			{
				sa->proto = mnl_attr_get_u8(attr);
			}
			break;
		case KIPSEC_SA_A_REQID:
			if (!mnl_attr_validate(attr, MNL_TYPE_U32))
			{
				sa->reqid = mnl_attr_get_u32(attr);
			}
			break;
		case KIPSEC_SA_A_LIFETIME:
			return mnl_attr_parse_nested(attr, sa_lifetime_cb, sa);
		case KIPSEC_SA_A_CUR:
			return mnl_attr_parse_nested(attr, sa_cur_cb, sa);
	}
	return MNL_CB_OK;
}

/*
 * See header.
 */
bool kipsec_nl_parse_sa(const struct nlattr *attr, kipsec_nl_sa_t *sa)
{
	memset(sa, 0, sizeof(*sa));
	return mnl_attr_parse_nested(attr, sa_attr_cb, sa) >= MNL_CB_OK;
}
