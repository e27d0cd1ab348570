/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The objects of the ip-xfrm grammar as kipsec holds them: an SA, a
 * policy and their parts. The same structs carry what a command line asks
 * (parsed before anything is sent), what a list filters on, and what the
 * kernel replied (parsed before anything is printed). Each struct has a
 * bit set "has" with BIT(attribute type) for every attribute given or
 * present, so building and printing only ever look at what is there.
 */
#ifndef KIPSEC_XFRM_H
#define KIPSEC_XFRM_H

#include "args.h"
#include "json.h"
#include "nl.h"
#include "parse.h"

#include <libmnl/libmnl.h>
#include <linux/kipsec.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define BIT(n) (1ULL << (n))

/* Where and how objects are printed. */
struct out {
	FILE *f;
	struct json *j;		/* non-NULL: JSON instead of text */
	int stats;		/* -s, repeatable */
	bool nokeys;		/* "list nokeys": hide key material */
};

/* A run of u64 attributes indexed by type: lifetime, current, stats. */
struct u64s {
	uint32_t has;
	uint64_t v[32];
};

struct sel {
	uint32_t has;		/* BIT(KIPSEC_SEL_A_*) */
	uint16_t family;
	struct kaddr saddr, daddr;
	uint8_t splen, dplen, proto;
	uint16_t sport, sport_mask, dport, dport_mask;	/* host order */
	int32_t ifindex;
};

struct alg {
	uint32_t has;		/* BIT(KIPSEC_ALG_A_*) */
	char name[KIPSEC_ALG_NAME_MAX];
	uint8_t key[KIPSEC_KEY_MAX];
	uint32_t key_len;	/* bytes */
	uint32_t icv_bits, key_bits;
};

struct sa {
	uint64_t has;		/* BIT(KIPSEC_SA_A_*) */
	uint16_t family;
	struct kaddr saddr, daddr;
	uint8_t splen, dplen;	/* list filters: prefixes of src/dst */
	uint32_t spi;		/* host order */
	uint8_t proto, mode;
	uint32_t reqid, flags, replay_window;
	uint64_t seq, oseq;
	struct alg aead, crypt, auth;
	struct sel sel;
	struct u64s lifetime, cur, stats;
	uint32_t mark_value, mark_mask;
	uint16_t encap_type, encap_sport, encap_dport;	/* host order */
	struct kaddr encap_oa;		/* family 0: none */
	uint32_t spi_min, spi_max;
	uint32_t bitmap[KIPSEC_REPLAY_WINDOW_MAX / 32];
	uint32_t bitmap_words;
};

struct tmpl {
	uint32_t has;		/* BIT(KIPSEC_TMPL_A_*) */
	uint16_t family;
	struct kaddr saddr, daddr;
	uint8_t proto, mode, level;
	uint32_t reqid, spi;	/* spi in host order */
};

struct policy {
	uint32_t has;		/* BIT(KIPSEC_POL_A_*) */
	uint8_t dir, action;
	uint32_t priority, index;
	struct sel sel;
	struct tmpl tmpl[KIPSEC_MAX_TMPLS];
	unsigned int ntmpl;
	struct u64s cur;
};

/* What a list or get prints, and what it keeps. */
struct show {
	struct out out;
	const void *filter;	/* struct sa / struct policy; NULL = all */
	unsigned int count;	/* objects printed */
};

/* --- xfrm.c: the pieces SAs and policies share ------------------------ */

/* Names of values, NULL when unknown. */
const char *xfrm_proto_name(uint8_t proto);	/* esp, ah */
const char *mode_name(uint8_t mode);
const char *dir_name(uint8_t dir);
const char *level_name(uint8_t level);
/* An upper-layer protocol: "tcp", ... or its number in @buf. */
const char *upper_proto_name(uint8_t proto, char buf[8]);

/* "proto esp|ah", refusing comp, route2, hao and ipsec-any by name. */
int args_xfrm_proto(struct args *a, uint8_t *proto);
int args_mode(struct args *a, uint8_t *mode);
int args_dir(struct args *a, uint8_t *dir);

/* Selector words: src dst dev proto sport dport type code. */
bool sel_is_word(const char *word);
bool sel_is_upspec(const char *word);
/* Consumes one selector keyword and its value. */
int sel_word(struct args *a, struct sel *s);
/* Checks the words fit together and fills the family (@dflt if none). */
int sel_finish(struct sel *s, uint16_t dflt);
void sel_put(struct nlmsghdr *nlh, uint16_t type, const struct sel *s);
void sel_from(const struct nlattr *nest, struct sel *s);
/* Prints "src A/P dst B/Q ..." (text) or the keys of it (JSON). */
void sel_print(const struct out *o, const struct sel *s, uint16_t family);
bool sel_match(const struct sel *filter, const struct sel *s);

void u64s_put(struct nlmsghdr *nlh, uint16_t type, const struct u64s *s);
void u64s_from(const struct nlattr *nest, struct u64s *s);

/* Reads an address attribute of 4 or 16 bytes; -1 if neither. */
int addr_from(const struct nlattr *attr, struct kaddr *a);
void addr_put(struct nlmsghdr *nlh, uint16_t type, const struct kaddr *a);
/* The address, or the family's zero address when @a is NULL. */
const char *addr_str(const struct kaddr *a, uint16_t family, char *buf);
/* First @bits bits of @a and @b equal (ip xfrm's list filters). */
bool addr_match(const struct kaddr *a, const struct kaddr *b, unsigned int bits);

/* "2024-01-31 12:00:00" in local time, "-" for 0 (as ip). */
const char *time_str(uint64_t t, char buf[32]);
/* ip's "lifetime current:" block, or JSON "lifetime": {...}. */
void cur_print(const struct out *o, const struct u64s *cur, const char *pfx);

/* A NUL-terminated string attribute into @buf (truncating). */
void str_from(const struct nlattr *attr, char *buf, size_t size);

/* --- state_parse.c, state_print.c: SAs, "kipsec state" ---------------------------- */

/* ip's flag names (NULL-terminated); bit 0: ip's, refused by kipsec. */
/*
 * A flag kipsec accepts for ip's sake but need not send: "af-unspec" asks
 * XFRM for what kipsec always does (an SA without "sel" carries any
 * family).
 */
#define SA_FLAG_ACCEPTED 0x80000000U

struct sa_flag {
	const char *name;
	uint32_t bit;		/* KIPSEC_SA_F_* */
	uint8_t xfrm;		/* XFRM_STATE_*, for "flag 0xNN" and -s */
};

extern const struct sa_flag sa_flags[];

/* ip's "limit" words (NULL-terminated) and their lifetime attributes. */
struct sa_limit {
	const char *name;
	uint16_t attr;
};

extern const struct sa_limit sa_limits[];

enum state_verb {
	ST_ADD, ST_UPDATE, ST_ALLOCSPI, ST_DELETE, ST_GET, ST_LIST,
	ST_DELETEALL, ST_FLUSH, ST_COUNT,
};

struct state_cmd {
	enum state_verb verb;
	struct sa sa;		/* the SA, its ID, or the list filter */
	bool nokeys;
};

/* "add", ... as the usage spells the verb. */
const char *state_verb_name(enum state_verb verb);
/* Parses the words after "kipsec state VERB" (never contacts the kernel). */
int state_parse(struct state_cmd *c, enum state_verb verb, int argc,
		char **argv);
/* The request for @c (for list and deleteall: the dump). */
void state_build(const struct state_cmd *c, struct nl_req *req);

/* Reads a KIPSEC_A_SA nest. */
void sa_from(const struct nlattr *nest, struct sa *sa);
void sa_print(const struct out *o, const struct sa *sa);
/* Key bytes as hex (0x...), as ip prints and parses them. */
void key_hex(FILE *f, const uint8_t *p, size_t len);
bool sa_match(const struct sa *filter, const struct sa *sa);
/* Reply callback: prints each SA that passes show->filter. */
int sa_show_cb(const struct nlmsghdr *nlh, void *show);
/* The KIPSEC_A_SA (or other top-level @type) nest of a message. */
const struct nlattr *msg_nest(const struct nlmsghdr *nlh, uint16_t type);

/* --- policy_parse.c, policy_print.c: policies, "kipsec policy" -------------------- */

enum policy_verb {
	PO_ADD, PO_UPDATE, PO_DELETE, PO_GET, PO_LIST, PO_DELETEALL,
	PO_FLUSH, PO_COUNT, PO_SETDEFAULT, PO_GETDEFAULT,
};

struct policy_cmd {
	enum policy_verb verb;
	struct policy pol;	/* the policy, its ID, or the list filter */
	uint8_t dflt[__KIPSEC_DIR_MAX];	/* setdefault */
	uint32_t dflt_has;	/* BIT(dir) */
};

const char *policy_verb_name(enum policy_verb verb);
int policy_parse(struct policy_cmd *c, enum policy_verb verb, int argc,
		 char **argv);
void policy_build(const struct policy_cmd *c, struct nl_req *req);

void pol_from(const struct nlattr *nest, struct policy *p);
void pol_print(const struct out *o, const struct policy *p);
/* A template nest; a template printed under a policy (@key: see pol_print_key). */
void tmpl_from(const struct nlattr *nest, struct tmpl *t);
void tmpl_print(const struct out *o, const struct tmpl *t, uint16_t family,
		const char *key);
bool pol_match(const struct policy *filter, const struct policy *p);
int pol_show_cb(const struct nlmsghdr *nlh, void *show);
/* GET_DEFAULT reply: ip's "Default policies:" block, or JSON. */
int default_show_cb(const struct nlmsghdr *nlh, void *show);
/* GET_STATS replies: "\t SAD count N" and "\t SPD count N". */
int sa_count_cb(const struct nlmsghdr *nlh, void *show);
int pol_count_cb(const struct nlmsghdr *nlh, void *show);
/* Shared by both: prints "\t @label count N" or {"count":N}. */
int count_show(const struct nlmsghdr *nlh, struct show *show,
	       uint16_t attr, const char *label);

#endif /* KIPSEC_XFRM_H */
