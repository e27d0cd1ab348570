/* SPDX-License-Identifier: GPL-2.0 */
/* Messages and small helpers shared by every kipsec command. */
#ifndef KIPSEC_UTIL_H
#define KIPSEC_UTIL_H

#include <setjmp.h>
#include <stdbool.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Every error is one line on stderr: "kipsec: <what went wrong>". While a
 * batch file runs (batch_at), the line says where: "kipsec: FILE:LINE: ...".
 */
void error_line(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * die() and die_code() print the line and exit with status 1 (or @code);
 * inside a batch they longjmp to batch_jmp instead, with the status, so
 * that the batch decides whether to stop or (-force) go on.
 */
void die(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));
void die_code(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* The batch position errors name (file NULL: not in a batch). */
void batch_at(const char *file, unsigned long line);
/* Where die() returns to in a batch (NULL: exit). */
extern jmp_buf *batch_jmp;

/*
 * Parsers do not print: they record their one-line error with fail(),
 * which returns -1, and the command prints last_error() (so the same
 * parsing serves tests, and later batch files, unchanged).
 */
int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *last_error(void);

/* ip's abbreviation rule: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word);

/*
 * Splits a batch line into words in place, as ip -batch: blanks separate
 * words, '#' at the start of a word comments out the rest of the line,
 * "..." and '...' quote (a quoted word may be empty). Returns the number
 * of words (0 for a blank or comment line), or -1 after fail() if a quote
 * is not closed or there are more than @max words.
 */
int split_line(char *line, char **argv, int max);

#endif /* KIPSEC_UTIL_H */
