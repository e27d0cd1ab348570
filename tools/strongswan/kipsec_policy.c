// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Policies for charon on kipsec: see kipsec_policy.h. The semantics are
 * kernel-netlink's (strongSwan 5.9.8): the same automatic priorities, the
 * same ordering of a policy's users, SPIs in outbound templates, routes
 * for outbound tunnel and pass policies.
 */
#include "kipsec_policy.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <daemon.h>
#include <collections/array.h>
#include <collections/hashtable.h>
#include <collections/linked_list.h>
#include <threading/mutex.h>

/* kernel-netlink's priority classes: pass, then default/routed, fallback */
#define PRIO_BASE 200000

/* The IKE bypass policies: ahead of everything charon installs. */
#define BYPASS_PRIORITY 32

typedef struct private_kipsec_policy_t private_kipsec_policy_t;

/*
 * A selector as the module takes it; ports and masks in network order.
 * Hashed and compared as bytes: no implicit padding.
 */
typedef struct {
	uint16_t family;
	uint8_t saddr[16];
	uint8_t daddr[16];
	uint8_t sprefix;
	uint8_t dprefix;
	uint8_t proto;
	uint8_t pad1;
	uint16_t sport;
	uint16_t sport_mask;
	uint16_t dport;
	uint16_t dport_mask;
	uint16_t pad2;
	int32_t ifindex;
} sel_t;

/* A route installed with an outbound policy. */
typedef struct {
	chunk_t dst_net;
	uint8_t prefixlen;
	host_t *gateway;
	host_t *src_ip;
	char *if_name;
	bool pass;
} route_t;

/* One user of a policy: a CHILD_SA's SAs, or a shunt. */
typedef struct {
	uint32_t priority;
	uint32_t auto_priority;
	policy_type_t type;
	host_t *src;
	host_t *dst;
	ipsec_sa_cfg_t cfg;
	/* outbound only, for the route */
	traffic_selector_t *src_ts;
	traffic_selector_t *dst_ts;
} user_t;

/* A policy (direction, selector) and its users, best first. */
typedef struct {
	uint8_t dir;
	sel_t sel;
	linked_list_t *users;
	route_t *route;
} entry_t;

/* An IKE socket's port let through. */
typedef struct {
	uint16_t family;
	uint8_t proto;
	uint16_t port;
} bypass_t;

struct private_kipsec_policy_t {
	kipsec_policy_t public;
	kipsec_nl_t *nl;
	/* entry_t by (dir, sel); every change and its request under it */
	hashtable_t *entries;
	mutex_t *mutex;
	array_t *bypass;
	bool install_routes;
};

static void route_destroy(route_t *route)
{
	chunk_free(&route->dst_net);
	DESTROY_IF(route->gateway);
	DESTROY_IF(route->src_ip);
	free(route->if_name);
	free(route);
}

static bool route_equals(route_t *a, route_t *b)
{
	return chunk_equals(a->dst_net, b->dst_net) &&
		   a->prefixlen == b->prefixlen && a->pass == b->pass &&
		   streq(a->if_name ?: "", b->if_name ?: "") &&
		   (a->src_ip == b->src_ip ||
			(a->src_ip && b->src_ip && a->src_ip->ip_equals(a->src_ip, b->src_ip))) &&
		   (a->gateway == b->gateway ||
			(a->gateway && b->gateway && a->gateway->ip_equals(a->gateway, b->gateway)));
}

static void user_destroy(user_t *user)
{
	user->src->destroy(user->src);
	user->dst->destroy(user->dst);
	DESTROY_IF(user->src_ts);
	DESTROY_IF(user->dst_ts);
	free(user);
}

static void entry_destroy(entry_t *entry)
{
	if (entry->route)
	{
		route_destroy(entry->route);
	}
	entry->users->destroy_function(entry->users, (void *)user_destroy);
	free(entry);
}

static u_int entry_hash(const entry_t *key)
{
	return chunk_hash_inc(chunk_from_thing(key->sel),
						  chunk_hash(chunk_from_thing(key->dir)));
}

static bool entry_equals(const entry_t *a, const entry_t *b)
{
	return a->dir == b->dir && memeq(&a->sel, &b->sel, sizeof(a->sel));
}

/* A traffic selector's address range as a subnet. */
static void ts2subnet(traffic_selector_t *ts, uint8_t *addr, uint8_t *prefix)
{
	host_t *net;
	chunk_t bytes;

	ts->to_subnet(ts, &net, prefix);
	bytes = net->get_address(net);
	memcpy(addr, bytes.ptr, min(bytes.len, 16));
	net->destroy(net);
}

/* A port range as port and mask (the widest mask-aligned block from). */
static void ts2ports(traffic_selector_t *ts, uint16_t *port, uint16_t *mask)
{
	uint16_t from = ts->get_from_port(ts), to = ts->get_to_port(ts);
	uint16_t m = 0;
	int bit;

	if (from == to)
	{
		*port = htons(from);
		*mask = 0xffff;
		return;
	}
	for (bit = 15; bit >= 0; bit--)
	{
		if ((from ^ to) & (1 << bit))
		{
			break;
		}
		m |= 1 << bit;
	}
	*port = htons(from & m);
	*mask = htons(m);
}

static sel_t ts2sel(traffic_selector_t *src, traffic_selector_t *dst,
					char *interface)
{
	sel_t sel;
	uint16_t port;

	memset(&sel, 0, sizeof(sel));
	sel.family = src->get_type(src) == TS_IPV4_ADDR_RANGE ? AF_INET
														  : AF_INET6;
	/* either may be "any" (0): the narrower one */
	sel.proto = max(src->get_protocol(src), dst->get_protocol(dst));
	ts2subnet(src, sel.saddr, &sel.sprefix);
	ts2subnet(dst, sel.daddr, &sel.dprefix);
	ts2ports(src, &sel.sport, &sel.sport_mask);
	ts2ports(dst, &sel.dport, &sel.dport_mask);
	if ((sel.proto == IPPROTO_ICMP || sel.proto == IPPROTO_ICMPV6) &&
		(sel.sport || sel.dport))
	{	/* ICMP type in the source port, code in the destination port */
		port = ntohs(max(sel.dport, sel.sport));
		sel.sport = htons(traffic_selector_icmp_type(port));
		sel.sport_mask = sel.sport ? 0xffff : 0;
		sel.dport = htons(traffic_selector_icmp_code(port));
		sel.dport_mask = sel.dport ? 0xffff : 0;
	}
	sel.ifindex = interface ? if_nametoindex(interface) : 0;
	return sel;
}

static void put_sel(struct nlmsghdr *nlh, const sel_t *sel)
{
	struct nlattr *nest;
	size_t len = sel->family == AF_INET ? 4 : 16;

	nest = mnl_attr_nest_start(nlh, KIPSEC_POL_A_SEL);
	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_FAMILY, sel->family);
	mnl_attr_put(nlh, KIPSEC_SEL_A_SADDR, len, sel->saddr);
	mnl_attr_put(nlh, KIPSEC_SEL_A_DADDR, len, sel->daddr);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_SPREFIX, sel->sprefix);
	mnl_attr_put_u8(nlh, KIPSEC_SEL_A_DPREFIX, sel->dprefix);
	if (sel->proto)
	{
		mnl_attr_put_u8(nlh, KIPSEC_SEL_A_PROTO, sel->proto);
	}
	if (sel->sport_mask)
	{
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT, sel->sport);
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT_MASK, sel->sport_mask);
	}
	if (sel->dport_mask)
	{
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT, sel->dport);
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT_MASK, sel->dport_mask);
	}
	if (sel->ifindex)
	{
		mnl_attr_put_u32(nlh, KIPSEC_SEL_A_IFINDEX, sel->ifindex);
	}
	mnl_attr_nest_end(nlh, nest);
}

static int mask_bits(uint16_t mask)
{
	int bits = 0;

	for (mask = ntohs(mask); mask & 0x8000; mask <<= 1)
	{
		bits++;
	}
	return bits;
}

/* kernel-netlink's automatic priority: the narrower, the higher (lower). */
static uint32_t auto_priority(const sel_t *sel, policy_priority_t prio,
							  char *interface)
{
	uint32_t priority = PRIO_BASE;

	switch (prio)
	{
		case POLICY_PRIORITY_FALLBACK:
			priority += PRIO_BASE;
			/* fall through */
		case POLICY_PRIORITY_ROUTED:
		case POLICY_PRIORITY_DEFAULT:
			priority += PRIO_BASE;
			/* fall through */
		case POLICY_PRIORITY_PASS:
			break;
	}
	priority -= (sel->sprefix + sel->dprefix) * 512;
	priority -= sel->proto ? 256 : 0;
	priority -= (mask_bits(sel->sport_mask) + mask_bits(sel->dport_mask)) * 4;
	priority -= (interface != NULL) * 2;
	priority -= prio != POLICY_PRIORITY_ROUTED;
	return priority;
}

/* What kipsec cannot do yet, refused with one line naming it. */
static bool supported(kernel_ipsec_policy_id_t *id,
					  kernel_ipsec_manage_policy_t *data)
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
	else if (id->label)
	{
		what = "a security label";
	}
	else if (!max(id->src_ts->get_protocol(id->src_ts),
				  id->dst_ts->get_protocol(id->dst_ts)) &&
			 (id->src_ts->get_from_port(id->src_ts) ||
			  id->src_ts->get_to_port(id->src_ts) != 65535 ||
			  id->dst_ts->get_from_port(id->dst_ts) ||
			  id->dst_ts->get_to_port(id->dst_ts) != 65535))
	{
		what = "ports without a protocol in a selector";
	}
	else if (data->type == POLICY_IPSEC && data->sa->esp.use &&
			 data->sa->ah.use)
	{
		what = "ESP and AH together (nested templates)";
	}
	else if (data->type == POLICY_IPSEC &&
			 data->sa->ipcomp.transform != IPCOMP_NONE)
	{
		what = "IPComp";
	}
	if (what)
	{
		DBG1(DBG_KNL, "kipsec: policy %R === %R %N: kipsec has no %s "
			 "(not installed)", id->src_ts, id->dst_ts, policy_dir_names,
			 id->dir, what);
		return FALSE;
	}
	return TRUE;
}

/* Sends @user's version of @entry: NEW_POLICY, or UPD_POLICY if @update. */
static int send_policy(private_kipsec_policy_t *this, entry_t *entry,
					   user_t *user, bool update)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *pol, *tmpls, *tmpl;
	ipsec_sa_cfg_t *cfg = &user->cfg;
	int err;

	nlh = this->nl->start(this->nl, buf, update ? KIPSEC_CMD_UPD_POLICY
												: KIPSEC_CMD_NEW_POLICY, 0);
	pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, entry->dir);
	put_sel(nlh, &entry->sel);
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, user->priority);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, user->type == POLICY_DROP ?
					KIPSEC_ACTION_BLOCK : KIPSEC_ACTION_ALLOW);
	if (user->type == POLICY_IPSEC && cfg->reqid)
	{
		tmpls = mnl_attr_nest_start(nlh, KIPSEC_POL_A_TMPLS);
		tmpl = mnl_attr_nest_start(nlh, KIPSEC_A_TMPL);
		mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY,
						 user->src->get_family(user->src));
		if (cfg->mode == MODE_TUNNEL)
		{
			kipsec_nl_put_host(nlh, KIPSEC_TMPL_A_DADDR, user->dst);
			kipsec_nl_put_host(nlh, KIPSEC_TMPL_A_SADDR, user->src);
		}
		mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, cfg->esp.use ?
						KIPSEC_PROTO_ESP : KIPSEC_PROTO_AH);
		mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, cfg->mode == MODE_TUNNEL ?
						KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT);
		mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, cfg->reqid);
		if (entry->dir == POLICY_OUT)
		{	/* POLICY_SPI: the outbound policy names its SA */
			mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_SPI, cfg->esp.use ?
							 cfg->esp.spi : cfg->ah.spi);
		}
		mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_LEVEL, KIPSEC_LEVEL_REQUIRED);
		mnl_attr_nest_end(nlh, tmpl);
		mnl_attr_nest_end(nlh, tmpls);
	}
	mnl_attr_nest_end(nlh, pol);

	err = this->nl->talk(this->nl, nlh, NULL, NULL, update ? "updating a policy"
						 : "adding a policy", update ? 0 : -EEXIST);
	if (err == -EEXIST && !update)
	{
		DBG1(DBG_KNL, "kipsec: policy already exists, updating it");
		return send_policy(this, entry, user, TRUE);
	}
	return err;
}

static int send_del(private_kipsec_policy_t *this, uint8_t dir,
					const sel_t *sel)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *pol;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_DEL_POLICY, 0);
	pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, dir);
	put_sel(nlh, sel);
	mnl_attr_nest_end(nlh, pol);
	return this->nl->talk(this->nl, nlh, NULL, NULL, "deleting a policy", 0);
}

static void del_route(entry_t *entry)
{
	route_t *route = entry->route;

	if (!route)
	{
		return;
	}
	if (charon->kernel->del_route(charon->kernel, route->dst_net,
								  route->prefixlen, route->gateway,
								  route->src_ip, route->if_name,
								  route->pass) != SUCCESS)
	{
		DBG1(DBG_KNL, "kipsec: removing the route installed with a policy "
			 "failed");
	}
	route_destroy(route);
	entry->route = NULL;
}

/*
 * As kernel-netlink: a route into charon's table for outbound tunnel-mode
 * and pass policies without protocol or ports, so that the host's own
 * traffic to the remote subnet leaves from its address inside the local
 * one.
 */
static void add_route(private_kipsec_policy_t *this, entry_t *entry,
					  user_t *user)
{
	route_t *route;
	host_t *net;

	if (!this->install_routes || entry->dir != POLICY_OUT ||
		entry->sel.proto || entry->sel.sport_mask || entry->sel.dport_mask ||
		!(user->type == POLICY_PASS ||
		  (user->type == POLICY_IPSEC && user->cfg.mode != MODE_TRANSPORT)))
	{
		return;
	}
	INIT(route,
		.prefixlen = entry->sel.dprefix,
		.pass = user->type == POLICY_PASS,
	);
	if (charon->kernel->get_address_by_ts(charon->kernel, user->src_ts,
										  &route->src_ip, NULL) != SUCCESS)
	{
		if (!route->pass)
		{
			free(route);
			return;
		}
		route->src_ip = host_create_any(entry->sel.family);
	}
	if (!user->dst->is_anyaddr(user->dst))
	{
		route->gateway = charon->kernel->get_nexthop(charon->kernel,
								user->dst, -1, user->src, &route->if_name);
	}
	else
	{	/* a shunt */
		net = host_create_from_chunk(entry->sel.family, chunk_create(
					entry->sel.daddr, entry->sel.family == AF_INET ? 4 : 16), 0);
		route->gateway = charon->kernel->get_nexthop(charon->kernel, net,
					entry->sel.dprefix, route->src_ip, &route->if_name);
		net->destroy(net);
	}
	route->dst_net = chunk_clone(chunk_create(entry->sel.daddr,
								 entry->sel.family == AF_INET ? 4 : 16));
	if (!route->if_name)
	{
		net = user->src->is_anyaddr(user->src) ? route->src_ip : user->src;
		if (!charon->kernel->get_interface(charon->kernel, net,
										   &route->if_name) && !route->pass)
		{
			route_destroy(route);
			return;
		}
	}
	if (entry->route)
	{
		if (route_equals(entry->route, route))
		{
			route_destroy(route);
			return;
		}
		del_route(entry);
	}
	switch (charon->kernel->add_route(charon->kernel, route->dst_net,
									  route->prefixlen, route->gateway,
									  route->src_ip, route->if_name,
									  route->pass))
	{
		case SUCCESS:
			entry->route = route;
			break;
		default:
			DBG1(DBG_KNL, "kipsec: unable to install the source route for %H",
				 route->src_ip);
			/* fall through */
		case ALREADY_DONE:
			route_destroy(route);
			break;
	}
}

/* @user of @entry goes to the module; the route follows. */
static status_t install(private_kipsec_policy_t *this, entry_t *entry,
						user_t *user, bool update)
{
	if (send_policy(this, entry, user, update))
	{
		return FAILED;
	}
	add_route(this, entry, user);
	return SUCCESS;
}

static user_t *user_create(kernel_ipsec_policy_id_t *id,
						   kernel_ipsec_manage_policy_t *data, const sel_t *sel)
{
	user_t *user;

	INIT(user,
		.type = data->type,
		.src = data->src->clone(data->src),
		.dst = data->dst->clone(data->dst),
		.cfg = *data->sa,
		.auto_priority = auto_priority(sel, data->prio, id->interface),
	);
	user->priority = data->manual_prio ?: user->auto_priority;
	if (id->dir == POLICY_OUT)
	{
		user->src_ts = id->src_ts->clone(id->src_ts);
		user->dst_ts = id->dst_ts->clone(id->dst_ts);
	}
	return user;
}

METHOD(kipsec_policy_t, add, status_t,
	private_kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	entry_t *entry, key = {
		.dir = id->dir,
	};
	user_t *user, *cur;
	enumerator_t *enumerator;
	bool first = TRUE, found;
	status_t status;

	if (!supported(id, data))
	{
		return NOT_SUPPORTED;
	}
	key.sel = ts2sel(id->src_ts, id->dst_ts, id->interface);
	user = user_create(id, data, &key.sel);

	this->mutex->lock(this->mutex);
	entry = this->entries->get(this->entries, &key);
	found = entry != NULL;
	if (!entry)
	{
		INIT(entry,
			.dir = key.dir,
			.sel = key.sel,
			.users = linked_list_create(),
		);
		this->entries->put(this->entries, entry, entry);
	}
	/* before the first user that it does not outrank */
	enumerator = entry->users->create_enumerator(entry->users);
	while (enumerator->enumerate(enumerator, &cur))
	{
		if (cur->priority > user->priority)
		{
			break;
		}
		if (cur->priority == user->priority)
		{
			if (cur->auto_priority > user->auto_priority)
			{
				break;
			}
			/* users with a reqid before those without */
			if (cur->auto_priority == user->auto_priority &&
				(!cur->cfg.reqid || user->cfg.reqid))
			{
				break;
			}
		}
		first = FALSE;
	}
	entry->users->insert_before(entry->users, enumerator, user);
	enumerator->destroy(enumerator);

	status = SUCCESS;
	if (first)
	{	/* the new user's version goes to the module, in place */
		status = install(this, entry, user, found);
		if (status != SUCCESS)
		{
			entry->users->remove(entry->users, user, NULL);
			user_destroy(user);
			if (!found)
			{
				this->entries->remove(this->entries, entry);
				entry_destroy(entry);
			}
			DBG1(DBG_KNL, "kipsec: unable to %s policy %R === %R %N",
				 found ? "update" : "add", id->src_ts, id->dst_ts,
				 policy_dir_names, id->dir);
		}
	}
	this->mutex->unlock(this->mutex);
	return status;
}

static bool user_matches(user_t *user, kernel_ipsec_manage_policy_t *data,
						 uint32_t priority, uint32_t auto_prio)
{
	return user->priority == priority && user->auto_priority == auto_prio &&
		   user->type == data->type &&
		   user->src->ip_equals(user->src, data->src) &&
		   user->dst->ip_equals(user->dst, data->dst) &&
		   ipsec_sa_cfg_equals(&user->cfg, data->sa);
}

METHOD(kipsec_policy_t, del, status_t,
	private_kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
	kernel_ipsec_manage_policy_t *data)
{
	entry_t *entry, key = {
		.dir = id->dir,
	};
	user_t *user, *removed = NULL;
	enumerator_t *enumerator;
	uint32_t priority, auto_prio;
	bool was_first = TRUE, first = TRUE;
	status_t status = SUCCESS;

	key.sel = ts2sel(id->src_ts, id->dst_ts, id->interface);
	auto_prio = auto_priority(&key.sel, data->prio, id->interface);
	priority = data->manual_prio ?: auto_prio;

	this->mutex->lock(this->mutex);
	entry = this->entries->get(this->entries, &key);
	if (!entry)
	{
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kipsec: deleting policy %R === %R %N failed, not found",
			 id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	enumerator = entry->users->create_enumerator(entry->users);
	while (enumerator->enumerate(enumerator, &user))
	{
		if (user_matches(user, data, priority, auto_prio))
		{
			entry->users->remove_at(entry->users, enumerator);
			removed = user;
			was_first = first;
			break;
		}
		first = FALSE;
	}
	enumerator->destroy(enumerator);
	if (!removed)
	{
		this->mutex->unlock(this->mutex);
		DBG1(DBG_KNL, "kipsec: deleting policy %R === %R %N failed, no such "
			 "user", id->src_ts, id->dst_ts, policy_dir_names, id->dir);
		return NOT_FOUND;
	}
	user_destroy(removed);

	if (entry->users->get_first(entry->users, (void **)&user) == SUCCESS)
	{	/* still used: the next user's version, if this one was installed */
		if (was_first)
		{
			status = install(this, entry, user, TRUE);
		}
	}
	else
	{
		del_route(entry);
		if (send_del(this, entry->dir, &entry->sel))
		{
			status = FAILED;
		}
		this->entries->remove(this->entries, entry);
		entry_destroy(entry);
	}
	this->mutex->unlock(this->mutex);
	return status;
}

typedef struct {
	time_t use_time;
} query_t;

static int query_attr_cb(const struct nlattr *attr, void *data)
{
	const struct nlattr *a;
	query_t *query = data;

	if (mnl_attr_get_type(attr) != KIPSEC_POL_A_CUR)
	{
		return MNL_CB_OK;
	}
	mnl_attr_for_each_nested(a, attr)
	{
		if (mnl_attr_get_type(a) == KIPSEC_CUR_A_USE_TIME &&
			mnl_attr_validate(a, MNL_TYPE_U64) == 0)
		{
			query->use_time = mnl_attr_get_u64(a);
		}
	}
	return MNL_CB_OK;
}

static int query_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, sizeof(struct genlmsghdr))
	{
		if (mnl_attr_get_type(attr) == KIPSEC_A_POLICY)
		{
			return mnl_attr_parse_nested(attr, query_attr_cb, data);
		}
	}
	return MNL_CB_OK;
}

METHOD(kipsec_policy_t, query, status_t,
	private_kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
	time_t *use_time)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *pol;
	query_t result = {};
	sel_t sel = ts2sel(id->src_ts, id->dst_ts, id->interface);

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_GET_POLICY, 0);
	pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, id->dir);
	put_sel(nlh, &sel);
	mnl_attr_nest_end(nlh, pol);
	if (this->nl->talk(this->nl, nlh, query_cb, &result, "querying a policy",
					   0))
	{
		return FAILED;
	}
	/* the module keeps wall-clock time, charon wants monotonic */
	*use_time = 0;
	if (result.use_time)
	{
		*use_time = time_monotonic(NULL) - (time(NULL) - result.use_time);
	}
	return SUCCESS;
}

METHOD(kipsec_policy_t, flush, status_t,
	private_kipsec_policy_t *this)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;

	nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_FLUSH_POLICY, 0);
	return this->nl->talk(this->nl, nlh, NULL, NULL, "flushing the policies",
						  0) ? FAILED : SUCCESS;
}

static int send_bypass(private_kipsec_policy_t *this, uint8_t dir,
					   bypass_t *bypass, bool add)
{
	char buf[KIPSEC_NL_BUFSIZE];
	struct nlmsghdr *nlh;
	struct nlattr *pol;
	sel_t sel = {
		.family = bypass->family,
		.proto = bypass->proto,
	};

	if (dir == POLICY_IN)
	{
		sel.dport = bypass->port;
		sel.dport_mask = 0xffff;
	}
	else
	{
		sel.sport = bypass->port;
		sel.sport_mask = 0xffff;
	}
	nlh = this->nl->start(this->nl, buf, add ? KIPSEC_CMD_UPD_POLICY
											 : KIPSEC_CMD_DEL_POLICY, 0);
	pol = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, dir);
	put_sel(nlh, &sel);
	if (add)
	{
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, BYPASS_PRIORITY);
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_ALLOW);
	}
	mnl_attr_nest_end(nlh, pol);
	return this->nl->talk(this->nl, nlh, NULL, NULL, add ?
						  "adding an IKE bypass policy" :
						  "removing an IKE bypass policy", 0);
}

METHOD(kipsec_policy_t, bypass_socket, bool,
	private_kipsec_policy_t *this, int fd, int family)
{
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	socklen_t len = sizeof(addr);
	int proto;
	socklen_t plen = sizeof(proto);
	bypass_t bypass = {
		.family = family,
		.proto = IPPROTO_UDP,
	};

	if (getsockname(fd, &addr.sa, &len))
	{
		return FALSE;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &plen) == 0)
	{
		bypass.proto = proto;
	}
	switch (family)
	{
		case AF_INET:
			bypass.port = addr.in.sin_port;
			break;
		case AF_INET6:
			bypass.port = addr.in6.sin6_port;
			break;
		default:
			return FALSE;
	}
	if (send_bypass(this, POLICY_IN, &bypass, TRUE))
	{
		return FALSE;
	}
	if (send_bypass(this, POLICY_OUT, &bypass, TRUE))
	{
		send_bypass(this, POLICY_IN, &bypass, FALSE);
		return FALSE;
	}
	this->mutex->lock(this->mutex);
	array_insert(this->bypass, ARRAY_TAIL, &bypass);
	this->mutex->unlock(this->mutex);
	return TRUE;
}

METHOD(kipsec_policy_t, destroy, void,
	private_kipsec_policy_t *this)
{
	enumerator_t *enumerator;
	entry_t *entry;
	bypass_t bypass;

	while (array_remove(this->bypass, ARRAY_TAIL, &bypass))
	{
		send_bypass(this, POLICY_OUT, &bypass, FALSE);
		send_bypass(this, POLICY_IN, &bypass, FALSE);
	}
	array_destroy(this->bypass);
	enumerator = this->entries->create_enumerator(this->entries);
	while (enumerator->enumerate(enumerator, NULL, &entry))
	{
		del_route(entry);
		entry_destroy(entry);
	}
	enumerator->destroy(enumerator);
	this->entries->destroy(this->entries);
	this->mutex->destroy(this->mutex);
	free(this);
}

/*
 * Described in header
 */
kipsec_policy_t *kipsec_policy_create(kipsec_nl_t *nl)
{
	private_kipsec_policy_t *this;

	INIT(this,
		.public = {
			.add = _add,
			.del = _del,
			.query = _query,
			.flush = _flush,
			.bypass_socket = _bypass_socket,
			.destroy = _destroy,
		},
		.nl = nl,
		.entries = hashtable_create((hashtable_hash_t)entry_hash,
									(hashtable_equals_t)entry_equals, 32),
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.bypass = array_create(sizeof(bypass_t), 0),
		.install_routes = lib->settings->get_bool(lib->settings,
							"%s.install_routes", TRUE, lib->ns),
	);
	return &this->public;
}
