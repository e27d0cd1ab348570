/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the host-side unit tests of the kipsec tool. */
#ifndef KIPSEC_UNIT_H
#define KIPSEC_UNIT_H

#include <stddef.h>

/* Prints "PASS unit/NAME" or "FAIL unit/NAME: WHY" and counts failures. */
void report(const char *name, int ok, const char *why);

/*
 * Splits @line at spaces into @argv (at most @max words, in @buf); the
 * word '' stands for an empty argument. Returns the count.
 */
int split_words(const char *line, char *buf, size_t size, char **argv,
		int max);

void test_messages(void);
void test_printing(void);

#endif /* KIPSEC_UNIT_H */
