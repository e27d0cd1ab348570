// SPDX-License-Identifier: GPL-2.0
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *batch_file;
static unsigned long batch_line;
jmp_buf *batch_jmp;

void batch_at(const char *file, unsigned long line)
{
	batch_file = file;
	batch_line = line;
}

static void vline(const char *fmt, va_list ap)
{
	fflush(stdout);
	fputs("kipsec: ", stderr);
	if (batch_file)
		fprintf(stderr, "%s:%lu: ", batch_file, batch_line);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void error_line(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn)) leave(int code)
{
	if (batch_jmp)
		longjmp(*batch_jmp, code ? code : 1);
	exit(code);
}

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
	leave(1);
}

void die_code(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vline(fmt, ap);
	va_end(ap);
	leave(code);
}

static char errbuf[512];

int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
	va_end(ap);
	return -1;
}

const char *last_error(void)
{
	return errbuf;
}

bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
	       c == '\f';
}

int split_line(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (blank(*r))
			r++;
		if (!*r || *r == '#')
			return n;
		if (n == max)
			return fail("more than %d words on one line", max);
		argv[n++] = w;
		/* a word: runs of plain and quoted characters, up to a blank */
		while (*r && !blank(*r)) {
			char q = *r;

			if (q != '"' && q != '\'') {
				*w++ = *r++;
				continue;
			}
			for (r++; *r && *r != q; )
				*w++ = *r++;
			if (!*r)
				return fail("a %s quote is not closed",
					    q == '"' ? "double" : "single");
			r++;
		}
		/* @w may have caught up with @r: end the word after reading */
		if (*r)
			r++;
		*w++ = '\0';
	}
}
