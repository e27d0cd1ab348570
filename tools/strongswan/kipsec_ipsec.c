// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * charon's kernel_ipsec_t on kipsec: see kipsec_ipsec.h. The SA methods
 * follow kernel-netlink (strongSwan 5.9.8) on XFRM: the same flags from
 * charon's DF/ECN/DSCP settings, lifetimes since add (rekey: soft, life:
 * hard) for time, bytes and packets, the replay window for inbound SAs
 * only, align4 for IPv4 AH. What kipsec lacks is refused with one line.
 */
#include "kipsec_ipsec.h"
#include "kipsec_alg.h"
#include "kipsec_events.h"
#include "kipsec_nl.h"
#include "kipsec_policy.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <linux/udp.h>

#include <daemon.h>
#include <sa/task_manager.h>

typedef struct private_kipsec_ipsec_t private_kipsec_ipsec_t;

struct private_kipsec_ipsec_t {
	kernel_ipsec_t public;
	kipsec_nl_t *nl;
	kipsec_policy_t *policy;
	kipsec_events_t *events;
};

METHOD(kernel_ipsec_t, get_features, kernel_feature_t,
	private_kipsec_ipsec_t *this)
{
	/* no ESP_V3_TFC: kipsec does not pad outbound packets (yet) */
	return KERNEL_POLICY_SPI;
}

/* talk() for a request on one SA: NOT_FOUND if it has gone. */
static status_t talk_sa(private_kipsec_ipsec_t *this, struct nlmsghdr *nlh,
						kipsec_nl_cb_t cb, void *data, const char *what)
{
	switch (this->nl->talk(this->nl, nlh, cb, data, what, -ENOENT))
	{
		case 0:
			return SUCCESS;
		case -ENOENT:
			return NOT_FOUND;
		default:
			return FAILED;
	}
}

/* The SA's identity: FAMILY, DADDR, SPI, PROTO. */
static void put_sa_id(struct nlmsghdr *nlh, host_t *dst, uint32_t spi,
					  uint8_t proto)
{
	mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, dst->get_family(dst));
	kipsec_nl_put_host(nlh, KIPSEC_SA_A_DADDR, dst);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, spi);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, proto);
}

static int reply_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(attr) == KIPSEC_A_SA)
		{
			return kipsec_nl_parse_sa(attr, data) ? MNL_CB_OK : MNL_CB_ERROR;
		}
	}
	return MNL_CB_OK;
}

METHOD(kernel_ipsec_t, get_spi, status_t,
	private_kipsec_ipsec_t *this, host_t *src, host_t *dst, uint8_t protocol,
	uint32_t *spi)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint32_t lo, hi;
	kipsec_nl_sa_t reply = {};

	lo = lib->settings->get_int(lib->settings, "%s.spi_min", KERNEL_SPI_MIN,
								lib->ns);
	hi = lib->settings->get_int(lib->settings, "%s.spi_max", KERNEL_SPI_MAX,
								lib->ns);
	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_ALLOC_SPI, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, dst->get_family(dst));
	kipsec_nl_put_host(nlh, KIPSEC_SA_A_DADDR, dst);
	kipsec_nl_put_host(nlh, KIPSEC_SA_A_SADDR, src);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, protocol);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, KIPSEC_MODE_TUNNEL);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI_MIN, min(lo, hi));
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI_MAX, max(lo, hi));
	mnl_attr_nest_end(nlh, nest);
	if (this->nl->talk(this->nl, nlh, reply_cb, &reply, "allocating an SPI",
					   0) || !reply.spi)
	{
		DBG1(DBG_KNL, "kipsec: unable to get an SPI");
		return FAILED;
	}
	*spi = reply.spi;
	DBG2(DBG_KNL, "kipsec: got SPI %.8x", ntohl(*spi));
	return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t,
	private_kipsec_ipsec_t *this, host_t *src, host_t *dst, uint16_t *cpi)
{
	DBG1(DBG_KNL, "kipsec: kipsec has no IPComp (no CPI)");
	return NOT_SUPPORTED;
}

/* What kipsec cannot do (yet), refused with one line naming it. */
static bool sa_supported(kernel_ipsec_sa_id_t *id, kernel_ipsec_add_sa_t *data)
{
	const char *what = NULL;

	if (id->mark.value || id->mark.mask)
	{
		what = "a mark";
	}
	else if (id->if_id)
	{
		what = "an interface ID (if_id)";
	}
	else if (data->label)
	{
		what = "a security label";
	}
	else if (data->ipcomp != IPCOMP_NONE)
	{
		what = "IPComp";
	}
	else if (data->hw_offload == HW_OFFLOAD_YES)
	{
		what = "hardware offload (hw_offload = yes)";
	}
	else if (data->encap && id->proto != IPPROTO_ESP)
	{
		what = "UDP encapsulation of AH";
	}
	else if (data->esn && data->inbound && !data->replay_window)
	{
		what = "extended sequence numbers without a replay window";
	}
	else if (data->mode != MODE_TUNNEL && data->mode != MODE_TRANSPORT)
	{
		what = "this mode (only tunnel and transport)";
	}
	if (what)
	{
		DBG1(DBG_KNL, "kipsec: SA %.8x: kipsec has no %s (not installed)",
			 ntohl(id->spi), what);
		return FALSE;
	}
	return TRUE;
}

static void put_alg(struct nlmsghdr *nlh, uint16_t type,
					const kipsec_alg_t *alg, chunk_t key)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, type);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, alg->name);
	mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, key.len, key.ptr);
	if (alg->icv_bits)
	{
		mnl_attr_put_u32(nlh, KIPSEC_ALG_A_ICV_BITS, alg->icv_bits);
	}
	mnl_attr_nest_end(nlh, nest);
}

/* The algorithms; FALSE (logged) if kipsec lacks one. */
static bool put_algs(struct nlmsghdr *nlh, kernel_ipsec_sa_id_t *id,
					 kernel_ipsec_add_sa_t *data)
{
	const kipsec_alg_t *encr = NULL, *integ = NULL;

	if (data->enc_alg != ENCR_UNDEFINED)
	{
		encr = kipsec_alg_encr(data->enc_alg);
		if (!encr)
		{
			DBG1(DBG_KNL, "kipsec: SA %.8x: kipsec has no %N", ntohl(id->spi),
				 encryption_algorithm_names, data->enc_alg);
			return FALSE;
		}
	}
	if (data->int_alg != AUTH_UNDEFINED)
	{
		integ = kipsec_alg_integ(data->int_alg);
		if (!integ)
		{
			DBG1(DBG_KNL, "kipsec: SA %.8x: kipsec has no %N", ntohl(id->spi),
				 integrity_algorithm_names, data->int_alg);
			return FALSE;
		}
	}
	if (encr)
	{
		put_alg(nlh, encr->aead ? KIPSEC_SA_A_ALG_AEAD : KIPSEC_SA_A_ALG_CRYPT,
				encr, data->enc_key);
	}
	if (integ)
	{
		put_alg(nlh, KIPSEC_SA_A_ALG_AUTH, integ, data->int_key);
	}
	return TRUE;
}

static uint32_t sa_flags(kernel_ipsec_sa_id_t *id, kernel_ipsec_add_sa_t *data)
{
	uint32_t flags = 0;

	if (!data->copy_df)
	{
		flags |= KIPSEC_SA_F_NOPMTUDISC;
	}
	if (!data->copy_ecn)
	{
		flags |= KIPSEC_SA_F_NOECN;
	}
	if (data->inbound && (data->copy_dscp == DSCP_COPY_YES ||
						  data->copy_dscp == DSCP_COPY_IN_ONLY))
	{
		flags |= KIPSEC_SA_F_DECAP_DSCP;
	}
	if (!data->inbound && (data->copy_dscp == DSCP_COPY_IN_ONLY ||
						   data->copy_dscp == DSCP_COPY_NO))
	{
		flags |= KIPSEC_SA_F_DONT_ENCAP_DSCP;
	}
	if (data->esn)
	{
		flags |= KIPSEC_SA_F_ESN;
	}
	if (id->proto == IPPROTO_AH && id->dst->get_family(id->dst) == AF_INET)
	{	/* RFC 4302's 32-bit alignment, as kernel-netlink asks of XFRM */
		flags |= KIPSEC_SA_F_ALIGN4;
	}
	return flags;
}

static void put_lifetime(struct nlmsghdr *nlh, lifetime_cfg_t *lft)
{
	struct nlattr *nest;
	struct {
		uint16_t type;
		uint64_t value;
	} limits[] = {
		{ KIPSEC_LT_A_SOFT_BYTES, lft->bytes.rekey },
		{ KIPSEC_LT_A_HARD_BYTES, lft->bytes.life },
		{ KIPSEC_LT_A_SOFT_PACKETS, lft->packets.rekey },
		{ KIPSEC_LT_A_HARD_PACKETS, lft->packets.life },
		{ KIPSEC_LT_A_SOFT_ADD_SECS, lft->time.rekey },
		{ KIPSEC_LT_A_HARD_ADD_SECS, lft->time.life },
	};
	int i;

	nest = mnl_attr_nest_start(nlh, KIPSEC_SA_A_LIFETIME);
	for (i = 0; i < countof(limits); i++)
	{
		if (limits[i].value)
		{
			mnl_attr_put_u64(nlh, limits[i].type, limits[i].value);
		}
	}
	mnl_attr_nest_end(nlh, nest);
}

/*
 * ESP in UDP between the IKE ports (kernel-netlink's XFRMA_ENCAP: no
 * original address, NAT-T's checksum handling makes it unneeded).
 */
static void put_encap(struct nlmsghdr *nlh, host_t *src, host_t *dst)
{
	struct nlattr *nest;

	nest = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENCAP);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_TYPE, 2 /* UDP_ENCAP_ESPINUDP */);
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT, htons(src->get_port(src)));
	mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT, htons(dst->get_port(dst)));
	mnl_attr_nest_end(nlh, nest);
}

static status_t add_sa_locked(private_kipsec_ipsec_t *this,
							  kernel_ipsec_sa_id_t *id,
							  kernel_ipsec_add_sa_t *data)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest, *mark;
	uint32_t window;
	uint8_t cmd;
	int err;

	if (!sa_supported(id, data))
	{
		return NOT_SUPPORTED;
	}
	if (data->tfc)
	{	/* optional padding: the SA works without it */
		DBG1(DBG_KNL, "kipsec: SA %.8x: kipsec does not pad (TFC), its "
			 "packets go unpadded", ntohl(id->spi));
	}
	cmd = data->update ? KIPSEC_CMD_UPD_SA : KIPSEC_CMD_NEW_SA;
	while (TRUE)
	{
		nlh = this->nl->start(this->nl, buf, cmd, 0);
		nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
		put_sa_id(nlh, id->dst, id->spi, id->proto);
		kipsec_nl_put_host(nlh, KIPSEC_SA_A_SADDR, id->src);
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, data->mode == MODE_TUNNEL ?
						KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT);
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, data->reqid);
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS, sa_flags(id, data));
		if (!put_algs(nlh, id, data))
		{
			memwipe(buf, sizeof(buf));
			return FAILED;
		}
		/* outbound SAs need no window, but ESN needs one (as XFRM) */
		window = data->inbound ? data->replay_window : (data->esn ? 1 : 0);
		if (window)
		{
			mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW,
							 min(window, KIPSEC_REPLAY_WINDOW_MAX));
		}
		put_lifetime(nlh, data->lifetime);
		if (data->encap)
		{
			put_encap(nlh, id->src, id->dst);
		}
		if (data->mark.value | data->mark.mask)
		{
			mark = mnl_attr_nest_start(nlh, KIPSEC_SA_A_SET_MARK);
			mnl_attr_put_u32(nlh, KIPSEC_MARK_A_VALUE, data->mark.value);
			mnl_attr_put_u32(nlh, KIPSEC_MARK_A_MASK, data->mark.mask);
			mnl_attr_nest_end(nlh, mark);
		}
		/*
		 * No selector in transport mode either: the policies' templates
		 * (reqid, SPI) bind the traffic to the SA, and a host selector
		 * would go stale when MOBIKE moves the SA.
		 */
		mnl_attr_nest_end(nlh, nest);

		err = this->nl->talk(this->nl, nlh, NULL, NULL, "adding an SA",
							 cmd == KIPSEC_CMD_UPD_SA ? -ENOENT : 0);
		if (err == -ENOENT && cmd == KIPSEC_CMD_UPD_SA)
		{	/* the larval SA timed out */
			DBG1(DBG_KNL, "kipsec: allocated SPI %.8x not found anymore, "
				 "adding the SA", ntohl(id->spi));
			cmd = KIPSEC_CMD_NEW_SA;
			continue;
		}
		break;
	}
	if (err)
	{
		DBG1(DBG_KNL, "kipsec: unable to add SA with SPI %.8x", ntohl(id->spi));
		return FAILED;
	}
	this->events->track(this->events, id->dst, id->spi, id->proto);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, add_sa, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_add_sa_t *data)
{
	status_t status;

	this->events->change_begin(this->events);
	status = add_sa_locked(this, id, data);
	this->events->change_end(this->events);
	return status;
}

static status_t update_sa_locked(private_kipsec_ipsec_t *this,
								 kernel_ipsec_sa_id_t *id,
								 kernel_ipsec_update_sa_t *data)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	status_t status;
	bool move, ports;

	if (id->dst->get_family(id->dst) != data->new_dst->get_family(data->new_dst))
	{	/* charon then rekeys */
		return NOT_SUPPORTED;
	}
	if (data->encap != data->new_encap)
	{	/* an SA keeps its encapsulation or its absence: charon rekeys */
		DBG1(DBG_KNL, "kipsec: SA %.8x: UDP encapsulation cannot be %s in "
			 "place, the CHILD_SA is rekeyed", ntohl(id->spi),
			 data->new_encap ? "added" : "removed");
		return NOT_SUPPORTED;
	}
	move = !id->dst->ip_equals(id->dst, data->new_dst) ||
		   !id->src->ip_equals(id->src, data->new_src);
	ports = data->new_encap &&
			(id->src->get_port(id->src) != data->new_src->get_port(data->new_src) ||
			 id->dst->get_port(id->dst) != data->new_dst->get_port(data->new_dst));
	if (!move && !ports && !data->new_reqid)
	{
		return SUCCESS;
	}
	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_UPD_SA, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	put_sa_id(nlh, id->dst, id->spi, id->proto);
	if (move)
	{
		kipsec_nl_put_host(nlh, KIPSEC_SA_A_NEW_DADDR, data->new_dst);
		kipsec_nl_put_host(nlh, KIPSEC_SA_A_NEW_SADDR, data->new_src);
	}
	if (data->new_reqid)
	{
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, data->new_reqid);
	}
	if (data->new_encap)
	{	/* a NAT mapping or MOBIKE moved the peer's port, or ours */
		put_encap(nlh, data->new_src, data->new_dst);
	}
	mnl_attr_nest_end(nlh, nest);
	status = talk_sa(this, nlh, NULL, NULL, "updating an SA");
	if (status != SUCCESS)
	{
		return status;
	}
	if (move)
	{
		this->events->untrack(this->events, id->dst, id->spi, id->proto);
		this->events->track(this->events, data->new_dst, id->spi, id->proto);
	}
	return SUCCESS;
}

METHOD(kernel_ipsec_t, update_sa, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_update_sa_t *data)
{
	status_t status;

	this->events->change_begin(this->events);
	status = update_sa_locked(this, id, data);
	this->events->change_end(this->events);
	return status;
}

METHOD(kernel_ipsec_t, query_sa, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets,
	time_t *time_out)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	kipsec_nl_sa_t reply = {};
	status_t status;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_GET_SA, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	put_sa_id(nlh, id->dst, id->spi, id->proto);
	mnl_attr_nest_end(nlh, nest);
	status = talk_sa(this, nlh, reply_cb, &reply, "querying an SA");
	if (status != SUCCESS)
	{
		return status;
	}
	if (bytes)
	{
		*bytes = reply.bytes;
	}
	if (packets)
	{
		*packets = reply.packets;
	}
	if (time_out)
	{	/*
		 * The module keeps an SA's first use, not its last: as
		 * kernel-netlink, no time (charon then goes by the policies').
		 */
		*time_out = 0;
	}
	return SUCCESS;
}

METHOD(kernel_ipsec_t, del_sa, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_sa_id_t *id,
	kernel_ipsec_del_sa_t *data)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	status_t status;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_DEL_SA, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	put_sa_id(nlh, id->dst, id->spi, id->proto);
	mnl_attr_nest_end(nlh, nest);
	this->events->change_begin(this->events);
	status = talk_sa(this, nlh, NULL, NULL, "deleting an SA");
	this->events->untrack(this->events, id->dst, id->spi, id->proto);
	this->events->change_end(this->events);
	return status;
}

METHOD(kernel_ipsec_t, flush_sas, status_t,
	private_kipsec_ipsec_t *this)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;

	int err;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_FLUSH_SA, 0);
	this->events->change_begin(this->events);
	err = this->nl->talk(this->nl, nlh, NULL, NULL, "flushing the SAs", 0);
	this->events->untrack_all(this->events);
	this->events->change_end(this->events);
	return err ? FAILED : SUCCESS;
}

METHOD(kernel_ipsec_t, add_policy, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	return this->policy->add(this->policy, id, data);
}

METHOD(kernel_ipsec_t, query_policy, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	return this->policy->query(this->policy, id, use_time);
}

METHOD(kernel_ipsec_t, del_policy, status_t,
	private_kipsec_ipsec_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	return this->policy->del(this->policy, id, data);
}

METHOD(kernel_ipsec_t, flush_policies, status_t,
	private_kipsec_ipsec_t *this)
{
	return this->policy->flush(this->policy);
}

METHOD(kernel_ipsec_t, bypass_socket, bool,
	private_kipsec_ipsec_t *this, int fd, int family)
{
	return this->policy->bypass_socket(this->policy, fd, family);
}

/*
 * kernel-netlink sets UDP_ENCAP_ESPINUDP on the socket for XFRM; kipsec
 * takes it over instead: ESP in UDP for kipsec's SAs (and XFRM's) is
 * decapsulated, IKE still reaches charon.
 */
METHOD(kernel_ipsec_t, enable_udp_decap, bool,
	private_kipsec_ipsec_t *this, int fd, int family, uint16_t port)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_ENCAP_SOCK, 0);
	mnl_attr_put_u32(nlh, KIPSEC_A_ENCAP_FD, fd);
	if (this->nl->talk(this->nl, nlh, NULL, NULL,
					   "handing over the NAT-T socket", 0))
	{
		DBG1(DBG_KNL, "kipsec: no UDP decapsulation on port %u, NAT "
			 "traversal is not available", port);
		return FALSE;
	}
	return TRUE;
}

/* The larval SAs get_spi makes live as long as charon retransmits. */
static void set_acquire_expires(private_kipsec_ipsec_t *this)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	u_int timeout;

	timeout = lib->settings->get_int(lib->settings,
							"%s.plugins.kipsec.acquire_expires",
							task_manager_total_retransmit_timeout(), lib->ns);
	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_SET_CONFIG, 0);
	nest = mnl_attr_nest_start(nlh, KIPSEC_A_CONFIG);
	mnl_attr_put_u32(nlh, KIPSEC_CONFIG_A_ACQUIRE_EXPIRES, timeout);
	mnl_attr_nest_end(nlh, nest);
	this->nl->talk(this->nl, nlh, NULL, NULL,
				   "setting the acquire timeout", 0);
}

METHOD(kernel_ipsec_t, destroy, void,
	private_kipsec_ipsec_t *this)
{
	DESTROY_IF(this->events);
	DESTROY_IF(this->policy);
	DESTROY_IF(this->nl);
	free(this);
}

/*
 * Described in header
 */
kernel_ipsec_t *kipsec_ipsec_create(void)
{
	private_kipsec_ipsec_t *this;

	INIT(this,
		.public = {
			.get_features = _get_features,
			.get_spi = _get_spi,
			.get_cpi = _get_cpi,
			.add_sa = _add_sa,
			.update_sa = _update_sa,
			.query_sa = _query_sa,
			.del_sa = _del_sa,
			.flush_sas = _flush_sas,
			.add_policy = _add_policy,
			.query_policy = _query_policy,
			.del_policy = _del_policy,
			.flush_policies = _flush_policies,
			.bypass_socket = _bypass_socket,
			.enable_udp_decap = _enable_udp_decap,
			.destroy = _destroy,
		},
		.nl = kipsec_nl_create(),
	);
	if (!this->nl)
	{
		DBG0(DBG_KNL, "kipsec: THE KIPSEC MODULE IS NOT AVAILABLE (modprobe "
			 "kipsec): charon falls back to the next kernel-ipsec plugin, "
			 "kernel-netlink, i.e. the kernel's own IPsec (XFRM)");
		destroy(this);
		return NULL;
	}
	this->events = kipsec_events_create(this->nl);
	if (!this->events)
	{
		DBG0(DBG_KNL, "kipsec: without kipsec's events no SA would be "
			 "rekeyed: charon falls back to kernel-netlink (XFRM)");
		destroy(this);
		return NULL;
	}
	this->policy = kipsec_policy_create(this->nl);
	set_acquire_expires(this);
	DBG1(DBG_KNL, "kipsec: charon's SAs and policies go to kipsec");
	return &this->public;
}
