// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kipsec's events for charon: see kipsec_events.h.
 */
#include "kipsec_events.h"

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <stddef.h>
#include <sys/socket.h>
#include <linux/filter.h>

#include <daemon.h>
#include <collections/array.h>
#include <collections/hashtable.h>
#include <processing/watcher.h>
#include <threading/mutex.h>
#include <threading/rwlock.h>

typedef struct private_kipsec_events_t private_kipsec_events_t;

/* An SA charon installed, by (destination, SPI, protocol). */
typedef struct {
	uint8_t daddr[16];
	uint8_t alen;
	uint8_t proto;
	uint32_t spi;
	/* its soft, its hard EXPIRE was passed to charon */
	bool soft_seen;
	bool hard_seen;
	/* in the running resync's dump */
	bool listed;
} tracked_t;

struct private_kipsec_events_t {
	kipsec_events_t public;
	kipsec_nl_t *nl;
	struct mnl_socket *sock;
	/* tracked_t; under mutex */
	hashtable_t *sas;
	mutex_t *mutex;
	/*
	 * charon's SA changes (add, move, delete: their request and their
	 * tracking) hold it shared, a resync exclusively: the SAs a resync
	 * finds missing were removed by the module (a hard expiry), not by
	 * charon while the dump ran.
	 */
	rwlock_t *changes;
};

static u_int tracked_hash(const tracked_t *t)
{
	return chunk_hash_inc(chunk_create((u_char *)t->daddr, t->alen),
						  chunk_hash_inc(chunk_from_thing(t->spi),
										 chunk_hash(chunk_from_thing(t->proto))));
}

static bool tracked_equals(const tracked_t *a, const tracked_t *b)
{
	return a->alen == b->alen && a->spi == b->spi && a->proto == b->proto &&
		   memeq(a->daddr, b->daddr, a->alen);
}

static void tracked_key(tracked_t *key, chunk_t daddr, uint32_t spi,
						uint8_t proto)
{
	memset(key, 0, sizeof(*key));
	key->alen = min(daddr.len, sizeof(key->daddr));
	memcpy(key->daddr, daddr.ptr, key->alen);
	key->spi = spi;
	key->proto = proto;
}

METHOD(kipsec_events_t, track, void,
	private_kipsec_events_t *this, host_t *dst, uint32_t spi, uint8_t proto)
{
	tracked_t *t;

	INIT(t);
	tracked_key(t, dst->get_address(dst), spi, proto);
	this->mutex->lock(this->mutex);
	free(this->sas->put(this->sas, t, t));
	this->mutex->unlock(this->mutex);
}

METHOD(kipsec_events_t, untrack, void,
	private_kipsec_events_t *this, host_t *dst, uint32_t spi, uint8_t proto)
{
	tracked_t key;

	tracked_key(&key, dst->get_address(dst), spi, proto);
	this->mutex->lock(this->mutex);
	free(this->sas->remove(this->sas, &key));
	this->mutex->unlock(this->mutex);
}

METHOD(kipsec_events_t, untrack_all, void,
	private_kipsec_events_t *this)
{
	enumerator_t *enumerator;
	tracked_t *t;

	this->mutex->lock(this->mutex);
	enumerator = this->sas->create_enumerator(this->sas);
	while (enumerator->enumerate(enumerator, NULL, &t))
	{
		this->sas->remove_at(this->sas, enumerator);
		free(t);
	}
	enumerator->destroy(enumerator);
	this->mutex->unlock(this->mutex);
}

METHOD(kipsec_events_t, change_begin, void,
	private_kipsec_events_t *this)
{
	this->changes->read_lock(this->changes);
}

METHOD(kipsec_events_t, change_end, void,
	private_kipsec_events_t *this)
{
	this->changes->unlock(this->changes);
}

/* What the events and the SA dump carry that the plugin reads. */
typedef struct {
	const struct nlattr *sa;
	const struct nlattr *tmpl;
	const struct nlattr *sel;
	const struct nlattr *mapping;
	bool hard;
} event_t;

typedef kipsec_nl_sa_t sa_t;

static int event_attr_cb(const struct nlattr *attr, void *data)
{
	event_t *ev = data;

	switch (mnl_attr_get_type(attr))
	{
		case KIPSEC_A_SA:
			ev->sa = attr;
			break;
		case KIPSEC_A_TMPL:
			ev->tmpl = attr;
			break;
		case KIPSEC_A_SEL:
			ev->sel = attr;
			break;
		case KIPSEC_A_MAPPING:
			ev->mapping = attr;
			break;
		case KIPSEC_A_EXPIRE_HARD:
			ev->hard = TRUE;
			break;
	}
	return MNL_CB_OK;
}

/* The SA nest @attr, or FALSE if it lacks its identity. */
static bool parse_sa(const struct nlattr *attr, sa_t *sa)
{
	return attr && kipsec_nl_parse_sa(attr, sa) && sa->spi && sa->proto &&
		   (sa->daddr.len == 4 || sa->daddr.len == 16);
}

static host_t *sa_dst(sa_t *sa)
{
	return host_create_from_chunk(sa->daddr.len == 4 ? AF_INET : AF_INET6,
								  sa->daddr, 0);
}

static void raise_expire(sa_t *sa, bool hard)
{
	host_t *dst = sa_dst(sa);

	if (!dst)
	{
		return;
	}
	DBG2(DBG_KNL, "kipsec: %s expire for SA %.8x", hard ? "hard" : "soft",
		 ntohl(sa->spi));
	charon->kernel->expire(charon->kernel, sa->proto, sa->spi, dst, hard);
	dst->destroy(dst);
}

/*
 * An EXPIRE event: passed on unless a resync passed it on already (the
 * events queued behind an overflow arrive after the resync).
 */
static void event_expire(private_kipsec_events_t *this, sa_t *sa, bool hard)
{
	tracked_t key, *t;
	bool seen = FALSE;

	tracked_key(&key, sa->daddr, sa->spi, sa->proto);
	this->mutex->lock(this->mutex);
	t = this->sas->get(this->sas, &key);
	if (t)
	{
		seen = hard ? t->hard_seen : t->soft_seen;
		t->hard_seen |= hard;
		t->soft_seen |= !hard;
	}
	this->mutex->unlock(this->mutex);
	if (!seen)
	{
		raise_expire(sa, hard);
	}
}

typedef struct {
	uint16_t family;
	chunk_t saddr, daddr;
	uint8_t sprefix, dprefix, proto;
	uint16_t sport, dport;
	bool has_sport, has_dport;
} sel_t;

static int sel_attr_cb(const struct nlattr *attr, void *data)
{
	sel_t *sel = data;

	switch (mnl_attr_get_type(attr))
	{
		case KIPSEC_SEL_A_FAMILY:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
			{
				sel->family = mnl_attr_get_u16(attr);
			}
			break;
		case KIPSEC_SEL_A_SADDR:
			sel->saddr = chunk_create(mnl_attr_get_payload(attr),
									  mnl_attr_get_payload_len(attr));
			break;
		case KIPSEC_SEL_A_DADDR:
			sel->daddr = chunk_create(mnl_attr_get_payload(attr),
									  mnl_attr_get_payload_len(attr));
			break;
		case KIPSEC_SEL_A_SPREFIX:
			sel->sprefix = mnl_attr_validate(attr, MNL_TYPE_U8) ? 0 :
						   mnl_attr_get_u8(attr);
			break;
		case KIPSEC_SEL_A_DPREFIX:
			sel->dprefix = mnl_attr_validate(attr, MNL_TYPE_U8) ? 0 :
						   mnl_attr_get_u8(attr);
			break;
		case KIPSEC_SEL_A_PROTO:
			sel->proto = mnl_attr_validate(attr, MNL_TYPE_U8) ? 0 :
						 mnl_attr_get_u8(attr);
			break;
		case KIPSEC_SEL_A_SPORT:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
			{
				sel->sport = ntohs(mnl_attr_get_u16(attr));
				sel->has_sport = TRUE;
			}
			break;
		case KIPSEC_SEL_A_DPORT:
			if (!mnl_attr_validate(attr, MNL_TYPE_U16))
			{
				sel->dport = ntohs(mnl_attr_get_u16(attr));
				sel->has_dport = TRUE;
			}
			break;
	}
	return MNL_CB_OK;
}

/* One side of the packet that raised an ACQUIRE, as a traffic selector. */
static traffic_selector_t *sel2ts(sel_t *sel, bool src)
{
	chunk_t addr = src ? sel->saddr : sel->daddr;
	uint8_t prefix = src ? sel->sprefix : sel->dprefix;
	uint16_t port = 0;
	bool has = src ? sel->has_sport : sel->has_dport;
	host_t *host;
	traffic_selector_t *ts;

	if (sel->proto == IPPROTO_ICMP || sel->proto == IPPROTO_ICMPV6)
	{	/* type and code, as charon's ICMP "port" */
		port = (sel->sport << 8) | (sel->dport & 0xff);
		has = sel->has_sport || sel->has_dport;
	}
	else
	{
		port = src ? sel->sport : sel->dport;
	}
	if (addr.len != 4 && addr.len != 16)
	{
		return NULL;
	}
	host = host_create_from_chunk(addr.len == 4 ? AF_INET : AF_INET6, addr, 0);
	if (!host)
	{
		return NULL;
	}
	ts = traffic_selector_create_from_subnet(host, prefix, sel->proto,
							has ? port : 0, has ? port : 65535);
	return ts;
}

static int tmpl_reqid_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == KIPSEC_TMPL_A_REQID &&
		!mnl_attr_validate(attr, MNL_TYPE_U32))
	{
		*(uint32_t *)data = mnl_attr_get_u32(attr);
	}
	return MNL_CB_OK;
}

static void process_acquire(event_t *ev)
{
	kernel_acquire_data_t data = {};
	uint32_t reqid = 0;
	sel_t sel = {};

	if (ev->tmpl)
	{
		mnl_attr_parse_nested(ev->tmpl, tmpl_reqid_cb, &reqid);
	}
	if (ev->sel)
	{
		mnl_attr_parse_nested(ev->sel, sel_attr_cb, &sel);
		data.src = sel2ts(&sel, TRUE);
		data.dst = sel2ts(&sel, FALSE);
	}
	DBG2(DBG_KNL, "kipsec: acquire for reqid {%u}", reqid);
	charon->kernel->acquire(charon->kernel, reqid, &data);
	DESTROY_IF(data.src);
	DESTROY_IF(data.dst);
}

static void process_mapping(event_t *ev)
{
	const struct nlattr *a, *addr = NULL;
	uint16_t port = 0;
	host_t *dst, *remote;
	sa_t sa;

	if (!parse_sa(ev->sa, &sa) || sa.proto != IPPROTO_ESP || !ev->mapping)
	{
		return;
	}
	mnl_attr_for_each_nested(a, ev->mapping)
	{
		if (mnl_attr_get_type(a) == KIPSEC_MAPPING_A_ADDR)
		{
			addr = a;
		}
		else if (mnl_attr_get_type(a) == KIPSEC_MAPPING_A_PORT &&
				 !mnl_attr_validate(a, MNL_TYPE_U16))
		{
			port = ntohs(mnl_attr_get_u16(a));
		}
	}
	if (!addr)
	{
		return;
	}
	dst = sa_dst(&sa);
	remote = kipsec_nl_get_host(addr, port);
	if (dst && remote)
	{
		charon->kernel->mapping(charon->kernel, IPPROTO_ESP, sa.spi, dst,
								remote);
	}
	DESTROY_IF(dst);
	DESTROY_IF(remote);
}

static void process(private_kipsec_events_t *this, const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
	event_t ev = {};
	sa_t sa;

	if (nlh->nlmsg_type != this->nl->get_family(this->nl) ||
		mnl_attr_parse(nlh, sizeof(*genl), event_attr_cb, &ev) < MNL_CB_OK)
	{
		return;
	}
	switch (genl->cmd)
	{
		case KIPSEC_CMD_EXPIRE:
			if (parse_sa(ev.sa, &sa))
			{
				event_expire(this, &sa, ev.hard);
			}
			break;
		case KIPSEC_CMD_ACQUIRE:
			process_acquire(&ev);
			break;
		case KIPSEC_CMD_MAPPING:
			process_mapping(&ev);
			break;
		default:
			/* NEW_SA, DEL_SA, ...: charon's own changes */
			break;
	}
}

typedef struct {
	private_kipsec_events_t *this;
	/* SAs past a soft limit, sa_t with daddr cloned */
	array_t *soft;
} resync_t;

/* Whether @sa passed one of its soft limits. */
static bool past_soft(sa_t *sa, time_t now)
{
	return (sa->soft_bytes && sa->bytes >= sa->soft_bytes) ||
		   (sa->soft_packets && sa->packets >= sa->soft_packets) ||
		   (sa->soft_add && sa->add_time &&
			now >= (time_t)(sa->add_time + sa->soft_add)) ||
		   (sa->soft_use && sa->use_time &&
			now >= (time_t)(sa->use_time + sa->soft_use));
}

static int resync_cb(const struct nlmsghdr *nlh, void *data)
{
	resync_t *r = data;
	tracked_t key, *t;
	event_t ev = {};
	sa_t sa;

	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), event_attr_cb,
					   &ev) < MNL_CB_OK || !parse_sa(ev.sa, &sa))
	{
		return MNL_CB_OK;
	}
	tracked_key(&key, sa.daddr, sa.spi, sa.proto);
	r->this->mutex->lock(r->this->mutex);
	t = r->this->sas->get(r->this->sas, &key);
	if (t)
	{
		t->listed = TRUE;
		if (!t->soft_seen && past_soft(&sa, time(NULL)))
		{	/* the chunks point into the message: keep what is needed */
			sa.saddr = chunk_empty;
			sa.daddr = chunk_clone(sa.daddr);
			array_insert(r->soft, ARRAY_TAIL, &sa);
		}
	}
	r->this->mutex->unlock(r->this->mutex);
	return MNL_CB_OK;
}

static void free_soft(array_t *soft)
{
	sa_t sa;

	while (array_remove(soft, ARRAY_HEAD, &sa))
	{
		chunk_free(&sa.daddr);
	}
	array_destroy(soft);
}

/* Dumps the SAs: marks the tracked ones listed, collects soft candidates. */
static bool resync_dump(private_kipsec_events_t *this, resync_t *r)
{
	char buf[KIPSEC_NL_BUFSIZE];
	enumerator_t *enumerator;
	struct nlmsghdr *nlh;
	tracked_t *t;
	int err, tries = 0;

	do
	{
		r->soft = array_create(sizeof(sa_t), 0);
		this->mutex->lock(this->mutex);
		enumerator = this->sas->create_enumerator(this->sas);
		while (enumerator->enumerate(enumerator, NULL, &t))
		{
			t->listed = FALSE;
		}
		enumerator->destroy(enumerator);
		this->mutex->unlock(this->mutex);

		nlh = this->nl->start(this->nl, buf, KIPSEC_CMD_GET_SA, NLM_F_DUMP);
		err = this->nl->talk(this->nl, nlh, resync_cb, r,
							 "reading the SAs back", -EINTR);
		if (err)
		{
			free_soft(r->soft);
			r->soft = NULL;
		}
	}
	while (err == -EINTR && ++tries < 5);
	return !err;
}

METHOD(kipsec_events_t, resync, void,
	private_kipsec_events_t *this)
{
	enumerator_t *enumerator;
	resync_t r = {
		.this = this,
	};
	array_t *soft, *gone;
	tracked_t key, *t;
	sa_t sa;

	this->changes->write_lock(this->changes);
	if (!resync_dump(this, &r))
	{
		this->changes->unlock(this->changes);
		DBG1(DBG_KNL, "kipsec: could not re-read the SAs after lost events; "
			 "an expiry may have been missed");
		return;
	}
	/* what to pass on, marked as passed on before the lock goes */
	soft = array_create(sizeof(sa_t), 0);
	gone = array_create(sizeof(sa_t), 0);
	this->mutex->lock(this->mutex);
	while (array_remove(r.soft, ARRAY_HEAD, &sa))
	{
		tracked_key(&key, sa.daddr, sa.spi, sa.proto);
		t = this->sas->get(this->sas, &key);
		if (t && !t->soft_seen)
		{
			t->soft_seen = TRUE;
			array_insert(soft, ARRAY_TAIL, &sa);
			continue;
		}
		chunk_free(&sa.daddr);
	}
	array_destroy(r.soft);
	enumerator = this->sas->create_enumerator(this->sas);
	while (enumerator->enumerate(enumerator, NULL, &t))
	{
		if (!t->listed && !t->hard_seen)
		{
			t->hard_seen = TRUE;
			memset(&sa, 0, sizeof(sa));
			sa.daddr = chunk_clone(chunk_create(t->daddr, t->alen));
			sa.spi = t->spi;
			sa.proto = t->proto;
			array_insert(gone, ARRAY_TAIL, &sa);
		}
	}
	enumerator->destroy(enumerator);
	this->mutex->unlock(this->mutex);
	this->changes->unlock(this->changes);

	enumerator = array_create_enumerator(soft);
	while (enumerator->enumerate(enumerator, &sa))
	{
		DBG1(DBG_KNL, "kipsec: SA %.8x passed a soft limit while events were "
			 "lost, rekeying it", ntohl(sa.spi));
		raise_expire(&sa, FALSE);
	}
	enumerator->destroy(enumerator);
	enumerator = array_create_enumerator(gone);
	while (enumerator->enumerate(enumerator, &sa))
	{
		DBG1(DBG_KNL, "kipsec: SA %.8x expired while events were lost",
			 ntohl(sa.spi));
		raise_expire(&sa, TRUE);
	}
	enumerator->destroy(enumerator);
	free_soft(soft);
	free_soft(gone);
}

static bool receive_events(private_kipsec_events_t *this, int fd,
						   watcher_event_t event)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	const struct nlmsghdr *nlh;
	int len;

	len = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (len < 0)
	{
		switch (errno)
		{
			case EINTR:
			case EAGAIN:
				return TRUE;
			case ENOBUFS:
				DBG1(DBG_KNL, "kipsec: events were lost (the receive buffer "
					 "overflowed), reading the SAs back");
				resync(this);
				return TRUE;
			default:
				DBG1(DBG_KNL, "kipsec: receiving events failed: %s",
					 strerror(errno));
				sleep(1);
				return TRUE;
		}
	}
	for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
		 nlh = mnl_nlmsg_next(nlh, &len))
	{
		process(this, nlh);
	}
	/* the filter passes no SA event with keys, but be sure */
	memwipe(buf, sizeof(buf));
	return TRUE;
}

METHOD(kipsec_events_t, destroy, void,
	private_kipsec_events_t *this)
{
	if (this->sock)
	{
		lib->watcher->remove(lib->watcher, mnl_socket_get_fd(this->sock));
		mnl_socket_close(this->sock);
	}
	this->sas->destroy_function(this->sas, (void *)free);
	this->mutex->destroy(this->mutex);
	this->changes->destroy(this->changes);
	free(this);
}

/*
 * Only EXPIRE, ACQUIRE and MAPPING reach the socket: the group also carries
 * every change charon makes (NEW_SA, UPD_POLICY, ...: a page each, SAs
 * with their keys), which would fill the receive buffer for nothing.
 */
static bool attach_filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS,
				 NLMSG_HDRLEN + offsetof(struct genlmsghdr, cmd)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KIPSEC_CMD_EXPIRE, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KIPSEC_CMD_ACQUIRE, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, KIPSEC_CMD_MAPPING, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0),
		BPF_STMT(BPF_RET | BPF_K, ~0U),
	};
	struct sock_fprog prog = {
		.len = countof(code),
		.filter = code,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
					  sizeof(prog)) == 0;
}

/*
 * Described in header
 */
kipsec_events_t *kipsec_events_create(kipsec_nl_t *nl)
{
	private_kipsec_events_t *this;
	uint32_t group = nl->get_events_group(nl);
	int rcvbuf, on = 1;

	INIT(this,
		.public = {
			.track = _track,
			.untrack = _untrack,
			.untrack_all = _untrack_all,
			.change_begin = _change_begin,
			.change_end = _change_end,
			.resync = _resync,
			.destroy = _destroy,
		},
		.nl = nl,
		.sas = hashtable_create((hashtable_hash_t)tracked_hash,
								(hashtable_equals_t)tracked_equals, 32),
		.mutex = mutex_create(MUTEX_TYPE_DEFAULT),
		.changes = rwlock_create(RWLOCK_TYPE_DEFAULT),
	);

	this->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!group || !this->sock ||
		mnl_socket_bind(this->sock, 0, MNL_SOCKET_AUTOPID) < 0 ||
		mnl_socket_setsockopt(this->sock, NETLINK_ADD_MEMBERSHIP, &group,
							  sizeof(group)) < 0)
	{
		DBG1(DBG_KNL, "kipsec: joining the kipsec events group failed: %s",
			 group ? strerror(errno) : "the module has no such group");
		destroy(this);
		return NULL;
	}
	/* the module then counts what overflows here in EventsLost (and
	 * knows an ACQUIRE did not arrive) */
	if (mnl_socket_setsockopt(this->sock, NETLINK_BROADCAST_ERROR, &on,
							  sizeof(on)) < 0)
	{
		DBG1(DBG_KNL, "kipsec: NETLINK_BROADCAST_ERROR on the events socket "
			 "failed: %s", strerror(errno));
	}
	if (!attach_filter(mnl_socket_get_fd(this->sock)))
	{
		DBG1(DBG_KNL, "kipsec: filtering the events failed: %s",
			 strerror(errno));
	}
	rcvbuf = lib->settings->get_int(lib->settings,
						"%s.plugins.kipsec.receive_buffer_size", 0, lib->ns);
	if (rcvbuf && setsockopt(mnl_socket_get_fd(this->sock), SOL_SOCKET,
							 SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) &&
		setsockopt(mnl_socket_get_fd(this->sock), SOL_SOCKET, SO_RCVBUF,
				   &rcvbuf, sizeof(rcvbuf)))
	{
		DBG1(DBG_KNL, "kipsec: setting the events receive buffer to %d "
			 "failed: %s", rcvbuf, strerror(errno));
	}
	lib->watcher->add(lib->watcher, mnl_socket_get_fd(this->sock),
					  WATCHER_READ, (watcher_cb_t)receive_events, this);
	return &this->public;
}
