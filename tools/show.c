// SPDX-License-Identifier: GPL-2.0
#include "show.h"
#include "kipsec.h"
#include "util.h"
#include "xfrm.h"

#include <errno.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <time.h>

int talk(struct nl_req *req)
{
	return nl_talk(req, NULL, NULL) ? 2 : 0;
}

static void show_init(struct show *sh, struct json *j, FILE *f, bool nokeys)
{
	memset(sh, 0, sizeof(*sh));
	sh->out.f = f;
	sh->out.stats = opts.stats;
	sh->out.nokeys = nokeys;
	if (opts.json) {
		json_init(j, f);
		sh->out.j = j;
	}
}

int show_one(struct nl_req *req, nl_reply_cb cb, bool nokeys)
{
	struct show sh;
	struct json j;

	show_init(&sh, &j, stdout, nokeys);
	if (nl_talk(req, cb, &sh))
		return 2;
	if (!sh.count)
		die_code(2, "the kernel sent no reply to show");
	if (sh.out.j)
		putchar('\n');
	return 0;
}

int dump_retry(struct nl_req *req, nl_reply_cb cb, void *data,
	       void (*reset)(void *data))
{
	int i, ret = 0;

	for (i = 0; i < DUMP_TRIES; i++) {
		if (i) {	/* let a burst of changes pass: 2, 4, ... 512 ms */
			struct timespec ts = { 0, (1L << i) * 1000000L };

			nanosleep(&ts, NULL);
		}
		reset(data);
		ret = nl_exchange(req, cb, data);
		if (ret != -EINTR)
			break;
	}
	if (ret == -EINTR) {
		error_line("the dump was interrupted by concurrent changes %d times in a row (pausing up to 0.5 s between attempts); try again",
			   DUMP_TRIES);
		return 2;
	}
	if (ret) {
		nl_report(ret);
		return 2;
	}
	return 0;
}

struct dump_out {
	nl_reply_cb cb;		/* prints one object */
	struct show sh;
	struct json j;
	const void *filter;
	bool nokeys;
	char *buf;
	size_t len;
	FILE *f;
};

/* Starts the text of a new attempt. */
static void dump_reset(void *data)
{
	struct dump_out *d = data;

	if (d->f)
		fclose(d->f);
	free(d->buf);
	d->buf = NULL;
	d->f = open_memstream(&d->buf, &d->len);
	if (!d->f)
		die("out of memory");
	__fsetlocking(d->f, FSETLOCKING_BYCALLER);	/* one thread */
	show_init(&d->sh, &d->j, d->f, d->nokeys);
	d->sh.filter = d->filter;
	if (d->sh.out.j)
		json_arr_open(d->sh.out.j, NULL);
}

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	struct dump_out *d = data;

	return d->cb(nlh, &d->sh);
}

int show_dump(struct nl_req *req, nl_reply_cb cb, const void *filter,
	      bool nokeys)
{
	struct dump_out d = { .cb = cb, .filter = filter, .nokeys = nokeys };
	int ret;

	ret = dump_retry(req, dump_cb, &d, dump_reset);
	if (!ret && d.sh.out.j) {
		json_arr_close(d.sh.out.j);
		fputc('\n', d.f);
	}
	fclose(d.f);
	if (!ret)
		fwrite(d.buf, 1, d.len, stdout);
	free(d.buf);
	return ret;
}

void *vec_add(struct vec *v, size_t size)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 64;
		v->data = realloc(v->data, v->cap * size);
		if (!v->data)
			die("out of memory");
	}
	return (char *)v->data + size * v->n++;
}

static void collect_reset(void *data)
{
	((struct collect *)data)->ids.n = 0;
}

int delete_all(struct nl_req *req, nl_reply_cb collect, const void *filter,
	       size_t id_size, void (*build)(const void *id, struct nl_req *req))
{
	struct collect c = { .filter = filter };
	struct nl_req del;
	size_t i;
	int ret = dump_retry(req, collect, &c, collect_reset);

	for (i = 0; !ret && i < c.ids.n; i++) {
		int err;

		build((char *)c.ids.data + i * id_size, &del);
		err = nl_exchange(&del, NULL, NULL);
		if (err && err != -ENOENT) {
			nl_report(err);
			ret = 2;
		}
	}
	free(c.ids.data);
	return ret;
}
