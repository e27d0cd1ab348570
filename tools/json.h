/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small streaming JSON writer following iproute2's conventions: compact
 * output (no spaces), keys in the order written, numbers as numbers, hex
 * values as "0x..." strings.
 */
#ifndef KIPSEC_JSON_H
#define KIPSEC_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_DEPTH_MAX 16

struct json {
	FILE *f;
	int depth;
	bool first[JSON_DEPTH_MAX];	/* no member written yet at a level */
};

void json_init(struct json *j, FILE *f);

/* @key is NULL for an array element (or the top level). */
void json_obj_open(struct json *j, const char *key);
void json_obj_close(struct json *j);
void json_arr_open(struct json *j, const char *key);
void json_arr_close(struct json *j);

void json_str(struct json *j, const char *key, const char *val);
void json_strf(struct json *j, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void json_u64(struct json *j, const char *key, uint64_t val);
void json_bool(struct json *j, const char *key, bool val);

/* Writes @s as a quoted JSON string: escapes, and no invalid UTF-8. */
void json_quote(FILE *f, const char *s);

#endif /* KIPSEC_JSON_H */
