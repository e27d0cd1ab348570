// SPDX-License-Identifier: GPL-2.0
#include "args.h"
#include "util.h"

const char *args_take(struct args *a)
{
	if (a->argc <= 0)
		return NULL;
	a->argc--;
	return *a->argv++;
}

bool args_eat(struct args *a, const char *word)
{
	if (!args_is(a, word))
		return false;
	args_take(a);
	return true;
}

int args_value(struct args *a, const char *kw, const char **val)
{
	*val = args_take(a);
	if (!*val)
		return fail("\"%s\" needs a value; try \"kipsec %s help\"", kw,
			    a->obj);
	return 0;
}

int args_u32(struct args *a, const char *kw, uint32_t *val)
{
	const char *s;

	if (args_value(a, kw, &s))
		return -1;
	if (parse_u32(s, val))
		return fail("%s \"%s\" is not a 32-bit number (decimal or 0x hex)",
			    kw, s);
	return 0;
}

int args_u64(struct args *a, const char *kw, uint64_t *val)
{
	const char *s;

	if (args_value(a, kw, &s))
		return -1;
	if (!strcmp(s, "inf")) {
		*val = UINT64_MAX;
		return 0;
	}
	if (parse_u64(s, val))
		return fail("%s \"%s\" is not a number (decimal, 0x hex or inf)",
			    kw, s);
	return 0;
}

int args_addr(struct args *a, const char *kw, struct kaddr *addr)
{
	const char *s;

	if (args_value(a, kw, &s))
		return -1;
	if (parse_addr(s, addr))
		return fail("%s \"%s\" is not an IPv4 or IPv6 address", kw, s);
	return 0;
}

int args_prefix(struct args *a, const char *kw, struct kaddr *addr,
		uint8_t *plen)
{
	const char *s;

	if (args_value(a, kw, &s))
		return -1;
	if (parse_prefix(s, addr, plen))
		return fail("%s \"%s\" is not an IPv4 or IPv6 address[/prefix length]",
			    kw, s);
	return 0;
}

int args_unknown(const struct args *a, const char *word)
{
	return fail("unknown keyword \"%s\" for \"%s %s\"; try \"kipsec %s help\"",
		    word, a->obj, a->verb, a->obj);
}

int args_unsupported(const char *what)
{
	return fail("\"%s\" is not supported by kipsec", what);
}

int args_refuse(const char *word, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(word, *list))
			return args_unsupported(word);
	return 0;
}

int args_same_family(uint16_t a, uint16_t b, const char *what)
{
	if (a && b && a != b)
		return fail("%s: all addresses must be of one family (IPv4 or IPv6)",
			    what);
	return 0;
}
