/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The plugin's requests to the kipsec generic netlink family: one socket,
 * shared by charon's threads under a mutex, the family resolved once (which
 * loads the module when it is installed). Errors come back as a negative
 * errno, the kernel's extended-ack message logged with it.
 */
#ifndef KIPSEC_NL_H_
#define KIPSEC_NL_H_

#include <library.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/kipsec.h>

/* Room for any request the plugin sends (keys included). */
#define KIPSEC_NL_BUFSIZE 4096

typedef struct kipsec_nl_t kipsec_nl_t;

/* Called for every reply message; returns MNL_CB_OK (or MNL_CB_ERROR). */
typedef int (*kipsec_nl_cb_t)(const struct nlmsghdr *nlh, void *data);

struct kipsec_nl_t {

	/**
	 * Start a request for @cmd in @buf (KIPSEC_NL_BUFSIZE bytes), with
	 * NLM_F_REQUEST | NLM_F_ACK | @flags.
	 */
	struct nlmsghdr *(*start)(kipsec_nl_t *this, void *buf, uint8_t cmd,
							  uint16_t flags);

	/**
	 * Send a request and read replies up to its ack (or the end of the
	 * dump), calling @cb (may be NULL) for each. Returns 0 or a negative
	 * errno; -EINTR for a dump that a concurrent change interrupted. The
	 * kernel's extack message, if any, is logged with @what; @quiet lists
	 * one errno the caller handles itself (not logged), or 0.
	 */
	int (*talk)(kipsec_nl_t *this, struct nlmsghdr *nlh, kipsec_nl_cb_t cb,
				void *data, const char *what, int quiet);

	/** The id of the family's "events" multicast group (0: none). */
	uint32_t (*get_events_group)(kipsec_nl_t *this);

	/** The family id. */
	uint16_t (*get_family)(kipsec_nl_t *this);

	void (*destroy)(kipsec_nl_t *this);
};

/**
 * Open the socket and resolve the family; NULL (logged) if the kipsec
 * module is neither loaded nor loadable.
 */
kipsec_nl_t *kipsec_nl_create(void);

/* Attribute helpers for the converters (kipsec_sa.c, kipsec_policy.c). */
void kipsec_nl_put_host(struct nlmsghdr *nlh, uint16_t type, host_t *host);
host_t *kipsec_nl_get_host(const struct nlattr *attr, uint16_t port);

/* An SA as the module reports it (KIPSEC_A_SA): what the plugin reads of
 * it; the addresses point into the message. */
typedef struct {
	uint16_t family;
	chunk_t daddr;
	chunk_t saddr;
	uint32_t spi;
	uint8_t proto;
	uint32_t reqid;
	uint64_t soft_bytes, soft_packets, soft_add, soft_use;
	uint64_t bytes, packets, add_time, use_time;
} kipsec_nl_sa_t;

/* Parses the SA nest @attr into @sa (absent fields 0); FALSE if malformed. */
bool kipsec_nl_parse_sa(const struct nlattr *attr, kipsec_nl_sa_t *sa);

#endif /* KIPSEC_NL_H_ */
