/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the kipsec generic netlink family: one socket per run, the
 * family resolved once, requests acknowledged with extended-ack messages
 * turned into one clear line.
 */
#ifndef KIPSEC_NL_H
#define KIPSEC_NL_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>

struct nl_req {
	char buf[16384];
	struct nlmsghdr *nlh;
};

/* Called for every reply message; returns MNL_CB_OK/STOP/ERROR. */
typedef int (*nl_reply_cb)(const struct nlmsghdr *nlh, void *data);

/*
 * Starts a request for @cmd with NLM_F_REQUEST | NLM_F_ACK | @flags. Only
 * builds: the kernel is first contacted by nl_talk, which fills in the
 * family and the sequence number (a retried dump gets a new one).
 */
struct nlmsghdr *nl_req_start(struct nl_req *req, uint8_t cmd, uint16_t flags);

/*
 * Sends @req and reads replies until the ack (or NLMSG_DONE), calling @cb
 * for each. Returns 0, or a negative errno after printing one line that
 * says what failed (the kernel's extack message when there is one).
 * A dump interrupted by a concurrent change returns -EINTR without
 * printing, so the caller can retry.
 */
int nl_talk(struct nl_req *req, nl_reply_cb cb, void *data);

/* nl_talk without the printing, and the printing alone. */
int nl_exchange(struct nl_req *req, nl_reply_cb cb, void *data);
void nl_report(int err);

/*
 * The family id (resolved once; dies with one line if the module is
 * missing), the id of its "events" multicast group (0 if it has none),
 * and the socket every request goes through.
 */
uint16_t nl_family(void);
uint32_t nl_events_group(void);
struct mnl_socket *nl_socket(void);

#endif /* KIPSEC_NL_H */
