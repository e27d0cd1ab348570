/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printing an object once for both outputs, as iproute2's print_string()
 * and friends do: each call names the JSON key and the text format of one
 * value, and goes to whichever output struct out selects (-j or not).
 * PRINT_FP or PRINT_JSON restrict a value to one of them (ip prints some
 * fields only with -s, or only in text).
 */
#ifndef KIPSEC_PRINT_H
#define KIPSEC_PRINT_H

#include <stdbool.h>
#include <stdint.h>

struct out;

enum print_to {
	PRINT_ANY,	/* text with FMT, JSON under KEY */
	PRINT_FP,	/* text only */
	PRINT_JSON,	/* JSON only */
};

/* A JSON object or array (@key NULL: an array element); nothing in text. */
void print_open_obj(const struct out *o, const char *key);
void print_close_obj(const struct out *o);
void print_open_arr(const struct out *o, const char *key);
void print_close_arr(const struct out *o);

/* A newline in the outputs @to selects (PRINT_JSON: ends a line of JSON). */
void print_nl(const struct out *o, enum print_to to);

/* Text only: @fmt as printf's. */
void print_text(const struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A string: %s in @fmt. */
void print_str(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, const char *val);
/* A number (JSON: a number): %llu (or %llx) in @fmt. */
void print_u64(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, uint64_t val);
/* A name, or @num when there is none: %s in @fmt; JSON: a string. */
void print_name(const struct out *o, enum print_to to, const char *key,
		const char *fmt, const char *name, unsigned int num);
/* A truth value: %d (0 or 1) in @fmt; JSON: true or false. */
void print_bool(const struct out *o, enum print_to to, const char *key,
		const char *fmt, bool val);
/* A 32-bit value: %x in @fmt; JSON: the string "0x%x". */
void print_hex(const struct out *o, enum print_to to, const char *key,
	       const char *fmt, uint32_t val);
/* A 32-bit value: %08x in @fmt; JSON: the string "0x%08x". */
void print_hex32(const struct out *o, enum print_to to, const char *key,
		 const char *fmt, uint32_t val);

#endif /* KIPSEC_PRINT_H */
