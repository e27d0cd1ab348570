/* SPDX-License-Identifier: GPL-2.0 */
/* Messages and small helpers shared by every kipsec command. */
#ifndef KIPSEC_UTIL_H
#define KIPSEC_UTIL_H

#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every error is one line on stderr: "kipsec: <what went wrong>". */
void error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void die_code(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/*
 * Parsers do not print: they record their one-line error with fail(),
 * which returns -1, and the command prints last_error() (so the same
 * parsing serves tests, and later batch files, unchanged).
 */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *last_error(void);

/* ip's abbreviation rule: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word);

#endif /* KIPSEC_UTIL_H */
