// SPDX-License-Identifier: GPL-2.0
/* Text and JSON from one set of calls (print.h). */
#include "print.h"
#include "json.h"
#include "xfrm.h"

#include <stdarg.h>
#include <stdio.h>

static bool to_text(const struct out *o, enum print_to to)
{
	return !o->j && to != PRINT_JSON;
}

static bool to_json(const struct out *o, enum print_to to)
{
	return o->j && to != PRINT_FP;
}

void print_open_obj(const struct out *o, const char *key)
{
	if (o->j)
		json_obj_open(o->j, key);
}

void print_close_obj(const struct out *o)
{
	if (o->j)
		json_obj_close(o->j);
}

void print_open_arr(const struct out *o, const char *key)
{
	if (o->j)
		json_arr_open(o->j, key);
}

void print_close_arr(const struct out *o)
{
	if (o->j)
		json_arr_close(o->j);
}

void print_nl(const struct out *o, enum print_to to)
{
	if (to_json(o, to) || to_text(o, to))
		fputc('\n', o->f);
}

void print_text(const struct out *o, const char *fmt, ...)
{
	va_list ap;

	if (o->j)
		return;
	va_start(ap, fmt);
	vfprintf(o->f, fmt, ap);
	va_end(ap);
}

void print_str(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, const char *val)
{
	if (to_json(o, to))
		json_str(o->j, key, val);
	else if (to_text(o, to))
		fprintf(o->f, fmt, val);
}

void print_u64(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, uint64_t val)
{
	if (to_json(o, to))
		json_u64(o->j, key, val);
	else if (to_text(o, to))
		fprintf(o->f, fmt, (unsigned long long)val);
}

void print_name(const struct out *o, enum print_to to, const char *key,
		const char *fmt, const char *name, unsigned int num)
{
	char buf[16];

	if (!name) {
		snprintf(buf, sizeof(buf), "%u", num);
		name = buf;
	}
	print_str(o, to, key, fmt, name);
}

void print_bool(const struct out *o, enum print_to to, const char *key,
		const char *fmt, bool val)
{
	if (to_json(o, to))
		json_bool(o->j, key, val);
	else if (to_text(o, to))
		fprintf(o->f, fmt, val);
}

void print_hex(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, uint32_t val)
{
	if (to_json(o, to))
		json_strf(o->j, key, "0x%x", val);
	else if (to_text(o, to))
		fprintf(o->f, fmt, val);
}

void print_hex32(const struct out *o, enum print_to to, const char *key,
		 const char *fmt, uint32_t val)
{
	if (to_json(o, to))
		json_strf(o->j, key, "0x%08x", val);
	else if (to_text(o, to))
		fprintf(o->f, fmt, val);
}
