/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of one command line, consumed left to right by the parsers of
 * state.c and policy.c. Every helper that fails records one error line
 * with fail() and returns -1; nothing here prints or exits.
 */
#ifndef KIPSEC_ARGS_H
#define KIPSEC_ARGS_H

#include "parse.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct args {
	int argc;
	char **argv;
	const char *obj;	/* "state": names the command in messages */
	const char *verb;	/* "add" */
};

static inline const char *args_peek(const struct args *a)
{
	return a->argc > 0 ? a->argv[0] : NULL;
}

static inline bool args_is(const struct args *a, const char *word)
{
	return a->argc > 0 && !strcmp(a->argv[0], word);
}

/* Consumes and returns the current word (NULL at the end). */
const char *args_take(struct args *a);

/* Consumes the current word if it is @word. */
bool args_eat(struct args *a, const char *word);

/* Consumes the value that follows keyword @kw (already taken). */
int args_value(struct args *a, const char *kw, const char **val);
int args_u32(struct args *a, const char *kw, uint32_t *val);
/* A u64, or "inf" (returned as UINT64_MAX). */
int args_u64(struct args *a, const char *kw, uint64_t *val);
int args_addr(struct args *a, const char *kw, struct kaddr *addr);
int args_prefix(struct args *a, const char *kw, struct kaddr *addr,
		uint8_t *plen);

/* "unknown keyword "xyz" for "state add"; try ..." */
int args_unknown(const struct args *a, const char *word);

/* ""encap" is not supported by kipsec" */
int args_unsupported(const char *what);

/*
 * If @word is in the NULL-terminated @list of ip-xfrm keywords kipsec
 * does not implement, fails naming it; else returns 0.
 */
int args_refuse(const char *word, const char *const *list);

/* Fails if the address families of @a and @b (0 = unset) differ. */
int args_same_family(uint16_t a, uint16_t b, const char *what);

#endif /* KIPSEC_ARGS_H */
