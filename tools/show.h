/* SPDX-License-Identifier: GPL-2.0 */
/* Running a built request and printing what comes back. */
#ifndef KIPSEC_SHOW_H
#define KIPSEC_SHOW_H

#include "nl.h"

#include <stdbool.h>
#include <stddef.h>

/* Sends @req; returns the exit status (0, or 2 after the error line). */
int talk(struct nl_req *req);

/* Sends @req and prints its one reply with @cb (get, count, ...). */
int show_one(struct nl_req *req, nl_reply_cb cb, bool nokeys);

/*
 * Runs the dump @req, printing what @cb prints of the objects that pass
 * @filter: a JSON array with -j. The text of one attempt is kept in
 * memory and written once the dump is complete, so that a dump the
 * kernel marks interrupted (a concurrent change) is restarted, up to
 * DUMP_TRIES times with a growing pause between attempts (2 ms, doubling
 * up to 512 ms), without printing anything twice.
 */
#define DUMP_TRIES 10
int show_dump(struct nl_req *req, nl_reply_cb cb, const void *filter,
	      bool nokeys);

/*
 * Runs the dump @req with @cb, calling @reset(@data) before each attempt.
 * Returns 0 or the exit status after the error line.
 */
int dump_retry(struct nl_req *req, nl_reply_cb cb, void *data,
	       void (*reset)(void *data));

/* A growable array (deleteall collects what it deletes). */
struct vec {
	void *data;
	size_t n, cap;
};

void *vec_add(struct vec *v, size_t size);

/* What a deleteall dump callback gets: it adds the ID of each match. */
struct collect {
	struct vec ids;
	const void *filter;
};

/*
 * ip's deleteall: runs the dump @req, where @collect adds to the struct
 * collect the ID (@id_size bytes) of every object @filter matches, then
 * sends for each ID the request @build makes of it. An object gone
 * meanwhile is fine. Returns the exit status.
 */
int delete_all(struct nl_req *req, nl_reply_cb collect, const void *filter,
	       size_t id_size, void (*build)(const void *id, struct nl_req *req));

#endif /* KIPSEC_SHOW_H */
