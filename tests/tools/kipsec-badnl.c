// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec-badnl: sends malformed requests to the kipsec generic netlink
 * family and checks that each is refused the way uapi/linux/kipsec.h says:
 * the exact errno and, where the kernel can explain, an extended ack
 * message (NLMSGERR_ATTR_MSG).
 *
 *   kipsec-badnl [-v] [-k SUBSTRING]
 *
 * -v prints the errno and message of passing cases too; -k runs only the
 * cases whose name contains SUBSTRING. Prints "PASS name" or "FAIL name:
 * got ..., want ..." per case and exits 1 if any case failed, 2 on a
 * setup error.
 *
 * Run it as root in a network namespace that holds exactly these two
 * objects (tests/vm/netlink.sh sets them up); the duplicate and update
 * cases refer to them:
 *
 *   kipsec state add src 10.0.0.1 dst 10.0.0.2 proto esp spi 0x1000 \
 *     reqid 1 mode tunnel replay-window 32 \
 *     aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 \
 *     sel src 10.1.0.0/24 dst 10.2.0.0/24 \
 *     limit packet-soft 1000000 limit packet-hard 2000000
 *   kipsec policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 100 \
 *     tmpl src 10.0.0.1 dst 10.0.0.2 proto esp reqid 1 mode tunnel
 *
 * Every case is a valid request (a "base") with at most a few attributes
 * dropped, replaced or added (the "mutations"), or a valid message whose
 * netlink framing is damaged afterwards (the "mangle"). Positive controls
 * prove each base is accepted as it is, so a refusal is the mutation's
 * doing. A case the kernel wrongly accepts is undone where that is easy,
 * so one bug does not cascade into the other cases. Last, the program
 * drops to user nobody, opens a new socket and checks that every
 * state-changing command answers -EPERM while reading stays open (and
 * shows no keys).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <sched.h>
#include <linux/genetlink.h>
#include <linux/kipsec.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

/* "want" of a case the kernel must drop without any answer. */
#define NO_REPLY 1

#define KNOWN_SPI	0x1000	/* the installed SA */
#define NEW_SPI		0x2000	/* an SA that does not exist */
#define LARVAL_SPI	0x3000	/* the ALLOC_SPI control's SPI */

/* Descriptors the ENCAP_SOCK cases hand over (encap_fds() makes them). */
#define FD_UDP		100	/* UDP over IPv4, bound */
#define FD_UDP6		101	/* UDP over IPv6, bound */
#define FD_XFRM		102	/* UDP, bound, with XFRM's UDP_ENCAP set */
#define FD_UNBOUND	103	/* UDP, not bound */
#define FD_TCP		104
#define FD_PIPE		105	/* not a socket */
#define FD_OTHER_NET	106	/* UDP, bound, of another network namespace */
#define FD_CLOSED	199	/* not open */
/* the lowest SA flag bit the uapi does not define (KIPSEC_SA_F_ALL is contiguous) */
#define SA_F_FIRST_UNKNOWN	(~KIPSEC_SA_F_ALL & (KIPSEC_SA_F_ALL + 1))

/* Where an attribute sits: one value per nesting level. */
enum level {
	L_TOP, L_SA, L_ALG, L_SEL, L_LT, L_POL, L_TMPL, L_DEF, L_CFG,
};

/* A change to the base request. */
enum mut_op {
	M_NONE,
	M_DROP,		/* leave the attribute out */
	M_SET,		/* replace its payload (a nest by raw bytes) */
	M_ADD,		/* add an attribute at the end of the level */
	M_FLAT,		/* send a nest without NLA_F_NESTED */
	M_REPEAT,	/* send a nest .num times */
};

struct mut {
	uint8_t level;
	uint8_t op;
	uint16_t type;		/* attribute type, flags (NLA_F_*) or'ed in */
	uint16_t len;		/* payload length */
	const void *data;	/* payload; NULL: the low .len bytes of .num */
	uint64_t num;
};

#define MAX_MUT 3

/* Mutations, for the case table. */
#define DROP(l, t)	{ .level = (l), .op = M_DROP, .type = (t) }
#define FLAT(l, t)	{ .level = (l), .op = M_FLAT, .type = (t) }
#define REPEAT(l, t, n)	{ .level = (l), .op = M_REPEAT, .type = (t), .num = (n) }
/* Replace / add an integer of W bytes (host order, low bytes first). */
#define NUM(l, t, w, v)	{ .level = (l), .op = M_SET, .type = (t), .len = (w), .num = (v) }
#define ADDNUM(l, t, w, v) { .level = (l), .op = M_ADD, .type = (t), .len = (w), .num = (v) }
/* Replace / add raw bytes. */
#define BYTES(...)	.data = (const uint8_t[]){ __VA_ARGS__ }, \
			.len = sizeof((const uint8_t[]){ __VA_ARGS__ })
#define RAW(l, t, ...)	{ .level = (l), .op = M_SET, .type = (t), BYTES(__VA_ARGS__) }
#define ADDRAW(l, t, ...) { .level = (l), .op = M_ADD, .type = (t), BYTES(__VA_ARGS__) }
/* Replace by a string: with its NUL (STR) or without (STRN). */
#define STR(l, t, s)	{ .level = (l), .op = M_SET, .type = (t), .data = (s), .len = sizeof(s) }
#define STRN(l, t, s)	{ .level = (l), .op = M_SET, .type = (t), .data = (s), .len = sizeof(s) - 1 }
#define BLOB(l, t, a)	{ .level = (l), .op = M_SET, .type = (t), .data = (a), .len = sizeof(a) }

/* The valid requests cases start from. */
enum base {
	B_NONE,		/* no attributes */
	B_SA,		/* a complete new SA (NEW_SPI) */
	B_SA_KNOWN,	/* the installed SA, complete, as installed */
	B_SA_ID,	/* identity of NEW_SPI: FAMILY, DADDR, SPI, PROTO */
	B_SA_ID_KNOWN,	/* identity of the installed SA */
	B_SA_ID_LARVAL,	/* identity of LARVAL_SPI */
	B_SA_FILTER,	/* SA { PROTO esp }: a dump filter */
	B_ALLOC,	/* ALLOC_SPI for LARVAL_SPI */
	B_POL,		/* a complete new policy (10.3/24 -> 10.4/24 out) */
	B_POL_KNOWN,	/* the installed policy */
	B_POL_ID,	/* DIR and SEL of B_POL */
	B_POL_FILTER,	/* POLICY { DIR out }: a dump filter */
	B_DEFAULT,	/* DEFAULT { OUT allow } (the default) */
	B_CONFIG,	/* CONFIG { ACQUIRE_EXPIRES 30 } (the default) */
	B_ENCAP,	/* ENCAP_FD FD_UDP */
};

/* Damage done to the framing after the message is built. */
enum mangle {
	MG_NONE,
	MG_LEN_LONG,	/* nlmsg_len 64 bytes more than sent */
	MG_LEN_TINY,	/* nlmsg_len 8, less than a netlink header */
	MG_LEN_NOGENL,	/* nlmsg_len 18: cuts the genl header */
	MG_RESERVED,	/* genlmsghdr.reserved set */
	MG_OVERRUN,	/* a last attribute header claiming 32 bytes of 4 */
};

enum keys { K_ANY, K_PRESENT, K_ABSENT };

struct tcase {
	const char *name;
	uint8_t cmd;
	bool dump;
	enum base base;
	struct mut mut[MAX_MUT];
	enum mangle mangle;
	int want;		/* 0, -errno or NO_REPLY */
	bool msg;		/* an extack message is required */
	bool data;		/* want 0: at least one reply message */
	enum keys keys;		/* want 0: key material in the reply? */
	const char *why;	/* bug cases: the spec's words */
};

/* Payloads too big for a literal. */
static const char name_63[] =	/* 63 characters: the longest name */
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const char name_64[] =	/* 64 characters: one too many */
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
static const uint8_t key_129[KIPSEC_KEY_MAX + 1];
static const uint8_t addr_17[17];
static const uint8_t addr_16[16] = { 0xfd, 0, [15] = 2 };
static const uint8_t known_key[20] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
};
static const uint8_t other_key[20] = { 0xee, 0xee, 0xee, 0xee };

#define SA_(x)	KIPSEC_SA_A_##x
#define CMD(x)	KIPSEC_CMD_##x

/*
 * The cases. Errnos as the uapi header gives them: -EINVAL for malformed
 * or inconsistent requests (unknown attribute, wrong length, missing
 * attribute), -ERANGE for integers outside their policy range, -EEXIST,
 * -ENOENT, -EOPNOTSUPP for commands and algorithms the module lacks,
 * -EPERM without CAP_NET_ADMIN. Where the netlink core answers before the
 * family sees the request (framing, unknown command, permissions) no
 * message is required.
 */
static const struct tcase cases[] = {
	/* --- Positive controls: every base is valid as it is. --------- */
	{ "ok_get_info", CMD(GET_INFO), .want = 0, .data = true },
	{ "ok_get_known_sa", CMD(GET_SA), .base = B_SA_ID_KNOWN, .want = 0,
	  .data = true, .keys = K_PRESENT },
	{ "ok_dump_sa", CMD(GET_SA), .dump = true, .want = 0, .data = true,
	  .keys = K_PRESENT },
	{ "ok_dump_sa_filter", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER, .want = 0, .data = true },
	{ "ok_get_known_policy", CMD(GET_POLICY), .base = B_POL_KNOWN,
	  .want = 0, .data = true },
	{ "ok_dump_policy_filter", CMD(GET_POLICY), .dump = true,
	  .base = B_POL_FILTER, .want = 0, .data = true },
	{ "ok_new_sa", CMD(NEW_SA), .base = B_SA, .want = 0 },
	{ "ok_del_new_sa", CMD(DEL_SA), .base = B_SA_ID, .want = 0 },
	{ "ok_new_policy", CMD(NEW_POLICY), .base = B_POL, .want = 0 },
	{ "ok_del_new_policy", CMD(DEL_POLICY), .base = B_POL_ID, .want = 0 },
	{ "ok_alloc_spi", CMD(ALLOC_SPI), .base = B_ALLOC, .want = 0,
	  .data = true },
	{ "ok_del_larval", CMD(DEL_SA), .base = B_SA_ID_LARVAL, .want = 0 },
	{ "ok_set_default", CMD(SET_DEFAULT), .base = B_DEFAULT, .want = 0 },
	{ "ok_set_config", CMD(SET_CONFIG), .base = B_CONFIG, .want = 0 },

	/* --- Integers of the wrong size: -EINVAL, "invalid attribute length". */
	{ "len_sa_proto_u8_as_u16", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(PROTO), 2, 50) }, .want = -EINVAL, .msg = true },
	{ "len_sa_mode_u8_as_u32", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(MODE), 4, 1) }, .want = -EINVAL, .msg = true },
	{ "len_sa_family_u16_as_u8", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(FAMILY), 1, 2) }, .want = -EINVAL, .msg = true },
	{ "len_sa_family_u16_as_u32", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(FAMILY), 4, 2) }, .want = -EINVAL, .msg = true },
	{ "len_sa_spi_be32_as_u16", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(SPI), 2, 0x2000) }, .want = -EINVAL, .msg = true },
	{ "len_sa_spi_be32_as_u64", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { NUM(L_SA, SA_(SPI), 8, 0x10000000) }, .want = -EINVAL, .msg = true },
	{ "len_sa_reqid_u32_as_u16", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(REQID), 2, 1) }, .want = -EINVAL, .msg = true },
	{ "len_sa_window_u32_as_u64", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(REPLAY_WINDOW), 8, 32) }, .want = -EINVAL, .msg = true },
	{ "len_sa_seq_u64_as_u32", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(SEQ), 4, 1) }, .want = -EINVAL, .msg = true },
	{ "len_alg_icv_u32_as_u8", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_ALG, KIPSEC_ALG_A_ICV_BITS, 1, 128) }, .want = -EINVAL,
	  .msg = true },
	{ "len_lt_u64_as_u32", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_LT, KIPSEC_LT_A_SOFT_PACKETS, 4, 1000) }, .want = -EINVAL,
	  .msg = true },
	{ "len_sel_family_u16_as_u32", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_FAMILY, 4, 2) }, .want = -EINVAL,
	  .msg = true },
	{ "len_sel_prefix_u8_as_u16", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_SPREFIX, 2, 24) }, .want = -EINVAL,
	  .msg = true },
	{ "len_sel_sport_be16_as_u32", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_SEL, KIPSEC_SEL_A_PROTO, 1, 6),
	    ADDNUM(L_SEL, KIPSEC_SEL_A_SPORT, 4, 80) }, .want = -EINVAL,
	  .msg = true },
	{ "len_sel_ifindex_s32_as_u16", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_SEL, KIPSEC_SEL_A_IFINDEX, 2, 1) }, .want = -EINVAL,
	  .msg = true },
	{ "len_pol_dir_u8_as_u32", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_DIR, 4, 1) }, .want = -EINVAL, .msg = true },
	{ "len_pol_priority_u32_as_u64", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_PRIORITY, 8, 1) }, .want = -EINVAL,
	  .msg = true },
	{ "len_tmpl_reqid_u32_as_u8", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_TMPL, KIPSEC_TMPL_A_REQID, 1, 1) }, .want = -EINVAL,
	  .msg = true },
	{ "len_alloc_spi_min_u32_as_u16", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { NUM(L_SA, SA_(SPI_MIN), 2, 0x3000) }, .want = -EINVAL, .msg = true },
	{ "len_default_u8_as_u32", CMD(SET_DEFAULT), .base = B_DEFAULT,
	  .mut = { NUM(L_DEF, KIPSEC_DEFAULT_A_OUT, 4, 0) }, .want = -EINVAL,
	  .msg = true },

	/* --- Addresses: 4 bytes for AF_INET, 16 for AF_INET6: -EINVAL. ---- */
	{ "addr_5_bytes", CMD(NEW_SA), .base = B_SA,
	  .mut = { RAW(L_SA, SA_(DADDR), 10, 0, 0, 2, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "addr_3_bytes", CMD(NEW_SA), .base = B_SA,
	  .mut = { RAW(L_SA, SA_(DADDR), 10, 0, 0) }, .want = -ERANGE, .msg = true,
	  .why = "a length outside the attribute policy is -ERANGE" },
	{ "addr_17_bytes", CMD(NEW_SA), .base = B_SA,
	  .mut = { BLOB(L_SA, SA_(SADDR), addr_17) }, .want = -ERANGE, .msg = true,
	  .why = "a length outside the attribute policy is -ERANGE" },
	{ "addr_empty", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { RAW(L_SA, SA_(DADDR)) }, .want = -ERANGE, .msg = true,
	  .why = "a length outside the attribute policy is -ERANGE" },
	{ "addr_v4_with_inet6", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(FAMILY), 2, 10) }, .want = -EINVAL, .msg = true },
	{ "addr_v6_with_inet", CMD(NEW_SA), .base = B_SA,
	  .mut = { BLOB(L_SA, SA_(SADDR), addr_16) }, .want = -EINVAL, .msg = true },
	{ "addr_v6_daddr_with_inet_del", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { BLOB(L_SA, SA_(DADDR), addr_16) }, .want = -EINVAL, .msg = true },
	{ "addr_sel_v6_with_inet", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { BLOB(L_SEL, KIPSEC_SEL_A_DADDR, addr_16) }, .want = -EINVAL,
	  .msg = true },
	{ "addr_sel_v4_with_inet6", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_FAMILY, 2, 10) }, .want = -EINVAL,
	  .msg = true },
	{ "addr_tmpl_v6_with_inet", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { BLOB(L_TMPL, KIPSEC_TMPL_A_DADDR, addr_16) }, .want = -EINVAL,
	  .msg = true },
	{ "addr_tmpl_v4_with_inet6", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_TMPL, KIPSEC_TMPL_A_FAMILY, 2, 10) }, .want = -EINVAL,
	  .msg = true },
	{ "addr_alloc_spi_v6_with_inet", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { BLOB(L_SA, SA_(DADDR), addr_16) }, .want = -EINVAL, .msg = true },
	{ "addr_upd_new_daddr_other_family", CMD(UPD_SA),
	  .base = B_SA_KNOWN, .mut = { ADDRAW(L_SA, SA_(NEW_DADDR),
	  0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9) },
	  .want = -EINVAL, .msg = true,
	  .why = "NEW_DADDR: same family; addresses must match the family" },
	{ "family_unknown_sa", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(FAMILY), 2, 3) }, .want = -EINVAL, .msg = true,
	  .why = "a value out of range is -EINVAL; the spec lists no -EAFNOSUPPORT" },
	{ "family_unknown_sel", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_FAMILY, 2, 3) }, .want = -EINVAL,
	  .msg = true,
	  .why = "a value out of range is -EINVAL; the spec lists no -EAFNOSUPPORT" },

	/* --- Missing required attributes: -EINVAL with a message. -------- */
	{ "missing_sa_nest_new", CMD(NEW_SA), .want = -EINVAL, .msg = true },
	{ "missing_sa_nest_del", CMD(DEL_SA), .want = -EINVAL, .msg = true },
	{ "missing_sa_nest_alloc_spi", CMD(ALLOC_SPI), .want = -EINVAL,
	  .msg = true },
	{ "missing_sa_family", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(FAMILY)) }, .want = -EINVAL, .msg = true },
	{ "missing_sa_daddr", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(DADDR)) }, .want = -EINVAL, .msg = true },
	{ "missing_sa_saddr", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(SADDR)) }, .want = -EINVAL, .msg = true },
	{ "missing_sa_spi", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(SPI)) }, .want = -EINVAL, .msg = true },
	{ "missing_sa_proto", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(PROTO)) }, .want = -EINVAL, .msg = true },
	{ "missing_sa_algorithms", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_SA, SA_(ALG_AEAD)) }, .want = -EINVAL, .msg = true },
	{ "missing_del_sa_spi", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { DROP(L_SA, SA_(SPI)) }, .want = -EINVAL, .msg = true },
	{ "missing_del_sa_proto", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { DROP(L_SA, SA_(PROTO)) }, .want = -EINVAL, .msg = true },
	{ "missing_alg_name", CMD(NEW_SA), .base = B_SA,
	  .mut = { DROP(L_ALG, KIPSEC_ALG_A_NAME) }, .want = -EINVAL, .msg = true },
	{ "missing_alloc_spi_daddr", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { DROP(L_SA, SA_(DADDR)) }, .want = -EINVAL, .msg = true },
	{ "missing_policy_nest", CMD(NEW_POLICY), .want = -EINVAL, .msg = true },
	{ "missing_policy_dir", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { DROP(L_POL, KIPSEC_POL_A_DIR) }, .want = -EINVAL, .msg = true },
	{ "missing_policy_sel", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { DROP(L_POL, KIPSEC_POL_A_SEL) }, .want = -EINVAL, .msg = true,
	  .why = "a policy is identified by (DIR, SEL); request { DIR, SEL, ... }" },
	{ "missing_del_policy_dir", CMD(DEL_POLICY), .base = B_POL_KNOWN,
	  .mut = { DROP(L_POL, KIPSEC_POL_A_DIR) }, .want = -EINVAL, .msg = true },
	{ "missing_del_policy_sel_and_index", CMD(DEL_POLICY),
	  .base = B_POL_ID, .mut = { DROP(L_POL, KIPSEC_POL_A_SEL) },
	  .want = -EINVAL, .msg = true,
	  .why = "DEL_POLICY request: { DIR, SEL } or { DIR, INDEX }" },
	{ "missing_sel_family_with_addr", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { DROP(L_SEL, KIPSEC_SEL_A_FAMILY) }, .want = -EINVAL, .msg = true },
	{ "missing_tunnel_tmpl_daddr", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { DROP(L_TMPL, KIPSEC_TMPL_A_DADDR) }, .want = -EINVAL, .msg = true },
	{ "missing_default_nest", CMD(SET_DEFAULT), .want = -EINVAL,
	  .msg = true },
	{ "missing_config_nest", CMD(SET_CONFIG), .want = -EINVAL, .msg = true },

	/* --- Unknown attributes at every level: -EINVAL. ----------------- */
	{ "unknown_top", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_top_type_0", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_TOP, 0, 4, 0) }, .want = -EINVAL, .msg = true },
	{ "unknown_top_other_nest", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_POLICY | NLA_F_NESTED, 0, 0) },
	  .want = -EINVAL, .msg = true },
	{ "unknown_top_policy_takes_sa", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_SA | NLA_F_NESTED, 0, 0) },
	  .want = -EINVAL, .msg = true },
	{ "unknown_top_on_get_info", CMD(GET_INFO),
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true,
	  .why = "any other top-level attribute is rejected (commands without a policy accept anything: resv_start_op)" },
	{ "unknown_top_on_get_stats", CMD(GET_STATS),
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_SA | NLA_F_NESTED, 0, 0) }, .want = -EINVAL,
	  .msg = true,
	  .why = "any other top-level attribute is rejected (commands without a policy accept anything: resv_start_op)" },
	{ "unknown_sa", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, KIPSEC_SA_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_sa_pad", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(PAD), 4, 0) }, .want = -EINVAL, .msg = true },
	{ "unknown_sa_in_del", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { ADDNUM(L_SA, 200, 4, 0) }, .want = -EINVAL, .msg = true },
	{ "unknown_alg", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_ALG, KIPSEC_ALG_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_sel_sa", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SEL, KIPSEC_SEL_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_sel_policy", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_SEL, KIPSEC_SEL_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_lifetime", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_LT, KIPSEC_LT_A_MAX + 1, 8, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_lifetime_pad", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_LT, KIPSEC_LT_A_PAD, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_policy", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_POL, KIPSEC_POL_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_tmpl", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_TMPL, KIPSEC_TMPL_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_default", CMD(SET_DEFAULT), .base = B_DEFAULT,
	  .mut = { ADDNUM(L_DEF, KIPSEC_DEFAULT_A_MAX + 1, 1, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "unknown_config", CMD(SET_CONFIG), .base = B_CONFIG,
	  .mut = { ADDNUM(L_CFG, KIPSEC_CONFIG_A_MAX + 1, 4, 0) }, .want = -EINVAL,
	  .msg = true },

	/* --- Read-only attributes in a request: -EINVAL. ----------------- */
	{ "readonly_sa_cur", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(CUR), 0, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "readonly_sa_stats", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(STATS), 0, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "readonly_sa_replay_bitmap", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(REPLAY_BITMAP), 4, 0xffffffff) },
	  .want = -EINVAL, .msg = true },
	{ "readonly_alg_key_bits", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_ALG, KIPSEC_ALG_A_KEY_BITS, 4, 128) }, .want = -EINVAL,
	  .msg = true },
	{ "readonly_policy_cur", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_POL, KIPSEC_POL_A_CUR, 0, 0) },
	  .want = -EINVAL, .msg = true },
	{ "readonly_sa_flag_larval", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(FLAGS), 4, KIPSEC_SA_F_LARVAL) },
	  .want = -EINVAL, .msg = true },

	/* --- Algorithms and keys. ----------------------------------------- */
	{ "key_too_long", CMD(NEW_SA), .base = B_SA,
	  .mut = { BLOB(L_ALG, KIPSEC_ALG_A_KEY, key_129) }, .want = -ERANGE,
	  .msg = true, .why = "a length outside the attribute policy is -ERANGE" },
	{ "alg_name_not_nul_terminated", CMD(NEW_SA), .base = B_SA,
	  .mut = { STRN(L_ALG, KIPSEC_ALG_A_NAME, "rfc4106(gcm(aes))") },
	  .want = -EINVAL, .msg = true },
	{ "alg_name_too_long", CMD(NEW_SA), .base = B_SA,
	  .mut = { STR(L_ALG, KIPSEC_ALG_A_NAME, name_64) }, .want = -EINVAL,
	  .msg = true },
	{ "alg_name_longest_unknown", CMD(NEW_SA), .base = B_SA,
	  .mut = { STR(L_ALG, KIPSEC_ALG_A_NAME, name_63) }, .want = -EOPNOTSUPP,
	  .msg = true },
	{ "alg_unknown_aead", CMD(NEW_SA), .base = B_SA,
	  .mut = { STR(L_ALG, KIPSEC_ALG_A_NAME, "gcm(nosuchcipher)") },
	  .want = -EOPNOTSUPP, .msg = true },
	{ "alg_icv_bits_out_of_range", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_ALG, KIPSEC_ALG_A_ICV_BITS, 4, 513) }, .want = -ERANGE,
	  .msg = true },
	{ "alg_nest_3_bytes", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(ALG_AEAD) | NLA_F_NESTED, 3, 0) },
	  .want = -ERANGE, .msg = true },	/* the core's answer, see below */

	/* --- Values out of range. ----------------------------------------- */
	{ "replay_window_too_big", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(REPLAY_WINDOW), 4, KIPSEC_REPLAY_WINDOW_MAX + 1) },
	  .want = -ERANGE, .msg = true },
	{ "spi_zero_new", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(SPI), 4, 0) }, .want = -EINVAL, .msg = true },
	{ "spi_zero_del", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { NUM(L_SA, SA_(SPI), 4, 0) }, .want = -EINVAL, .msg = true },
	{ "proto_udp", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(PROTO), 1, 17) }, .want = -ERANGE, .msg = true },
	{ "proto_zero_get", CMD(GET_SA), .base = B_SA_ID_KNOWN,
	  .mut = { NUM(L_SA, SA_(PROTO), 1, 0) }, .want = -ERANGE, .msg = true },
	{ "proto_ipcomp_alloc_spi", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { NUM(L_SA, SA_(PROTO), 1, 108) }, .want = -ERANGE, .msg = true },
	{ "mode_out_of_range", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(MODE), 1, __KIPSEC_MODE_MAX) }, .want = -ERANGE,
	  .msg = true },
	{ "flags_unknown_bit", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(FLAGS), 4, SA_F_FIRST_UNKNOWN) },
	  .want = -EINVAL, .msg = true },
	{ "flags_top_bit", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(FLAGS), 4, 1u << 31) }, .want = -EINVAL,
	  .msg = true },
	{ "esn_without_window", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(FLAGS), 4, KIPSEC_SA_F_ESN),
	    DROP(L_SA, SA_(REPLAY_WINDOW)) }, .want = -EINVAL, .msg = true },
	{ "esn_with_window_0", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(FLAGS), 4, KIPSEC_SA_F_ESN),
	    NUM(L_SA, SA_(REPLAY_WINDOW), 4, 0) }, .want = -EINVAL, .msg = true },
	{ "seq_above_32_bits_without_esn", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, SA_(OSEQ), 8, 1ull << 32) }, .want = -EINVAL,
	  .msg = true },
	{ "sel_prefix_33_inet", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_DPREFIX, 1, 33) }, .want = -EINVAL,
	  .msg = true },
	{ "sel_prefix_129", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_SEL, KIPSEC_SEL_A_DPREFIX, 1, 129) }, .want = -ERANGE,
	  .msg = true },
	{ "sel_ifindex_negative", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDNUM(L_SEL, KIPSEC_SEL_A_IFINDEX, 4, 0xffffffff) },
	  .want = -ERANGE, .msg = true },
	{ "sel_ports_without_proto", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { ADDRAW(L_SEL, KIPSEC_SEL_A_DPORT, 0, 80),
	    ADDRAW(L_SEL, KIPSEC_SEL_A_DPORT_MASK, 0xff, 0xff) },
	  .want = -EINVAL, .msg = true },
	{ "dir_out_of_range", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_DIR, 1, __KIPSEC_DIR_MAX) },
	  .want = -ERANGE, .msg = true },
	{ "dir_out_of_range_del", CMD(DEL_POLICY), .base = B_POL_KNOWN,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_DIR, 1, 0xff) }, .want = -ERANGE,
	  .msg = true },
	{ "action_out_of_range", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_ACTION, 1, __KIPSEC_ACTION_MAX) },
	  .want = -ERANGE, .msg = true },
	{ "level_out_of_range", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_TMPL, KIPSEC_TMPL_A_LEVEL, 1, __KIPSEC_LEVEL_MAX) },
	  .want = -ERANGE, .msg = true },
	{ "tmpl_mode_out_of_range", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_TMPL, KIPSEC_TMPL_A_MODE, 1, __KIPSEC_MODE_MAX) },
	  .want = -ERANGE, .msg = true },
	{ "tmpl_proto_tcp", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_TMPL, KIPSEC_TMPL_A_PROTO, 1, 6) }, .want = -ERANGE,
	  .msg = true },
	{ "block_with_template", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_ACTION, 1, KIPSEC_ACTION_BLOCK) },
	  .want = -EINVAL, .msg = true },
	{ "too_many_templates", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { REPEAT(L_POL, KIPSEC_POL_A_TMPLS, KIPSEC_MAX_TMPLS + 1) },
	  .want = -EINVAL, .msg = true,
	  .why = "TMPLS holds up to KIPSEC_MAX_TMPLS templates: more is malformed (-EINVAL), not a missing feature" },
	{ "default_out_of_range", CMD(SET_DEFAULT), .base = B_DEFAULT,
	  .mut = { NUM(L_DEF, KIPSEC_DEFAULT_A_OUT, 1, __KIPSEC_ACTION_MAX) },
	  .want = -ERANGE, .msg = true },
	{ "config_acquire_expires_0", CMD(SET_CONFIG), .base = B_CONFIG,
	  .mut = { NUM(L_CFG, KIPSEC_CONFIG_A_ACQUIRE_EXPIRES, 4, 0) },
	  .want = -ERANGE, .msg = true },

	/*
	 * --- Nests that are not nests, and broken attribute streams. ------
	 * A nest shorter than an attribute header is -ERANGE: the netlink
	 * core's answer (validate_nla), which the module cannot change.
	 */
	{ "nest_sa_3_bytes", CMD(NEW_SA),
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_SA | NLA_F_NESTED, 3, 1) },
	  .want = -ERANGE, .msg = true },
	{ "nest_sa_is_u32", CMD(NEW_SA),
	  .mut = { ADDNUM(L_TOP, KIPSEC_A_SA | NLA_F_NESTED, 4, 1) },
	  .want = -EINVAL, .msg = true },
	{ "nest_sa_without_nested_flag", CMD(NEW_SA), .base = B_SA,
	  .mut = { FLAT(L_TOP, KIPSEC_A_SA) }, .want = -EINVAL, .msg = true },
	{ "nest_sel_is_u8", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_SEL | NLA_F_NESTED, 1, 1) },
	  .want = -ERANGE, .msg = true },
	{ "nest_sel_without_nested_flag", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { FLAT(L_POL, KIPSEC_POL_A_SEL) }, .want = -EINVAL, .msg = true },
	{ "nest_lifetime_is_garbage", CMD(NEW_SA), .base = B_SA,
	  .mut = { RAW(L_SA, SA_(LIFETIME) | NLA_F_NESTED,
		0x40, 0, 1, 0, 0, 0, 0, 0) }, .want = -EINVAL, .msg = true },
	{ "nest_tmpls_entry_is_u32", CMD(NEW_POLICY), .base = B_POL,
	  .mut = { RAW(L_POL, KIPSEC_POL_A_TMPLS | NLA_F_NESTED,
		8, 0, 1, 0, 0, 0, 0, 0) }, .want = -EINVAL, .msg = true },
	{ "u8_with_nested_flag", CMD(NEW_SA), .base = B_SA,
	  .mut = { NUM(L_SA, SA_(PROTO) | NLA_F_NESTED, 1, 50) }, .want = -EINVAL,
	  .msg = true },
	{ "attr_overruns_message", CMD(NEW_SA), .base = B_SA,
	  .mangle = MG_OVERRUN, .want = -EINVAL, .msg = true },

	/* --- Framing and commands: the netlink core answers. -------------- */
	{ "nlmsg_len_longer_than_sent", CMD(NEW_SA), .base = B_SA,
	  .mangle = MG_LEN_LONG, .want = NO_REPLY },
	{ "nlmsg_len_below_header", CMD(NEW_SA), .base = B_SA,
	  .mangle = MG_LEN_TINY, .want = NO_REPLY },
	{ "nlmsg_len_cuts_genl_header", CMD(NEW_SA), .base = B_SA,
	  .mangle = MG_LEN_NOGENL, .want = -EINVAL },
	{ "ok_socket_still_works", CMD(GET_INFO), .want = 0, .data = true },
	{ "genl_reserved_set", CMD(GET_INFO), .mangle = MG_RESERVED,
	  .want = -EINVAL,
	  .why = "a malformed request is -EINVAL; genetlink checks reserved only for ops >= resv_start_op" },
	{ "cmd_unspec", CMD(UNSPEC), .want = -EOPNOTSUPP },
	{ "cmd_expire_is_event_only", CMD(EXPIRE), .base = B_SA_ID_KNOWN,
	  .want = -EOPNOTSUPP },
	{ "cmd_acquire_is_event_only", CMD(ACQUIRE), .want = -EOPNOTSUPP },
	{ "cmd_max_plus_1", __KIPSEC_CMD_MAX, .want = -EOPNOTSUPP },
	{ "cmd_255", 255, .want = -EOPNOTSUPP },
	{ "dump_of_doit_only_cmd", CMD(NEW_SA), .dump = true, .base = B_SA,
	  .want = -EOPNOTSUPP },
	{ "dump_of_get_stats", CMD(GET_STATS), .dump = true,
	  .want = -EOPNOTSUPP },

	/* --- Dumps with a garbage filter. --------------------------------- */
	{ "dump_sa_filter_proto_udp", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER, .mut = { NUM(L_SA, SA_(PROTO), 1, 17) },
	  .want = -ERANGE, .msg = true },
	{ "dump_sa_filter_unknown_attr", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER, .mut = { ADDNUM(L_SA, 99, 4, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "dump_sa_filter_proto_u32", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER, .mut = { NUM(L_SA, SA_(PROTO), 4, 50) },
	  .want = -EINVAL, .msg = true },
	{ "dump_sa_filter_not_a_nest", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER, .mut = { NUM(L_TOP, KIPSEC_A_SA, 4, 50) },
	  .want = -EINVAL, .msg = true },
	{ "dump_sa_filter_top_unknown", CMD(GET_SA), .dump = true,
	  .mut = { ADDRAW(L_TOP, KIPSEC_A_MAX + 5, 0xde, 0xad, 0xbe, 0xef) },
	  .want = -EINVAL, .msg = true },
	{ "dump_sa_filter_policy_nest", CMD(GET_SA), .dump = true,
	  .base = B_POL_FILTER, .want = -EINVAL, .msg = true },
	{ "dump_sa_filter_readonly", CMD(GET_SA), .dump = true,
	  .base = B_SA_FILTER,
	  .mut = { ADDNUM(L_SA, SA_(STATS), 0, 0) }, .want = -EINVAL,
	  .msg = true },
	{ "dump_policy_filter_dir", CMD(GET_POLICY), .dump = true,
	  .base = B_POL_FILTER, .mut = { NUM(L_POL, KIPSEC_POL_A_DIR, 1, 7) },
	  .want = -ERANGE, .msg = true },
	{ "dump_policy_filter_garbage", CMD(GET_POLICY), .dump = true,
	  .base = B_POL_FILTER,
	  .mut = { RAW(L_TOP, KIPSEC_A_POLICY | NLA_F_NESTED, 1, 2, 3, 4, 5, 6) },
	  .want = -EINVAL, .msg = true },

	/* --- ALLOC_SPI ranges. -------------------------------------------- */
	{ "alloc_spi_min_above_max", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { NUM(L_SA, SA_(SPI_MIN), 4, 0x3001) }, .want = -EINVAL, .msg = true },
	{ "alloc_spi_min_0", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { NUM(L_SA, SA_(SPI_MIN), 4, 0) }, .want = -EINVAL, .msg = true },
	{ "alloc_spi_range_0_0", CMD(ALLOC_SPI), .base = B_ALLOC,
	  .mut = { NUM(L_SA, SA_(SPI_MIN), 4, 0), NUM(L_SA, SA_(SPI_MAX), 4, 0) },
	  .want = -EINVAL, .msg = true },

	/* --- Objects that exist or not. ----------------------------------- */
	{ "new_sa_duplicate", CMD(NEW_SA), .base = B_SA_KNOWN, .want = -EEXIST,
	  .msg = true },
	{ "new_sa_duplicate_other_key", CMD(NEW_SA), .base = B_SA_KNOWN,
	  .mut = { BLOB(L_ALG, KIPSEC_ALG_A_KEY, other_key) }, .want = -EEXIST,
	  .msg = true },
	{ "upd_sa_missing", CMD(UPD_SA), .base = B_SA, .want = -ENOENT,
	  .msg = true },
	{ "upd_sa_missing_identity_only", CMD(UPD_SA), .base = B_SA_ID,
	  .want = -ENOENT, .msg = true,
	  .why = "UPD_SA { FAMILY, DADDR, SPI, PROTO, ... }: -ENOENT if there is no SA" },
	{ "upd_sa_changes_key", CMD(UPD_SA), .base = B_SA_KNOWN,
	  .mut = { BLOB(L_ALG, KIPSEC_ALG_A_KEY, other_key) }, .want = -EINVAL,
	  .msg = true,
	  .why = "UPD_SA: the algorithms may be repeated but not changed (-EINVAL)" },
	{ "upd_sa_changes_mode", CMD(UPD_SA), .base = B_SA_KNOWN,
	  .mut = { NUM(L_SA, SA_(MODE), 1, KIPSEC_MODE_TRANSPORT) },
	  .want = -EINVAL, .msg = true,
	  .why = "UPD_SA: MODE may be repeated but not changed (-EINVAL)" },
	{ "del_sa_missing", CMD(DEL_SA), .base = B_SA_ID, .want = -ENOENT,
	  .msg = true },
	{ "get_sa_missing", CMD(GET_SA), .base = B_SA_ID, .want = -ENOENT,
	  .msg = true },
	{ "del_sa_missing_other_proto", CMD(DEL_SA), .base = B_SA_ID_KNOWN,
	  .mut = { NUM(L_SA, SA_(PROTO), 1, KIPSEC_PROTO_AH) }, .want = -ENOENT,
	  .msg = true },
	{ "new_policy_duplicate", CMD(NEW_POLICY), .base = B_POL_KNOWN,
	  .want = -EEXIST, .msg = true },
	{ "new_policy_duplicate_other_priority", CMD(NEW_POLICY),
	  .base = B_POL_KNOWN, .mut = { NUM(L_POL, KIPSEC_POL_A_PRIORITY, 4, 7) },
	  .want = -EEXIST, .msg = true },
	{ "del_policy_missing", CMD(DEL_POLICY), .base = B_POL_ID,
	  .want = -ENOENT, .msg = true },
	{ "del_policy_missing_other_dir", CMD(DEL_POLICY), .base = B_POL_KNOWN,
	  .mut = { NUM(L_POL, KIPSEC_POL_A_DIR, 1, KIPSEC_DIR_FWD) }, .want = -ENOENT,
	  .msg = true },
	{ "get_policy_missing_index", CMD(GET_POLICY), .base = B_POL_FILTER,
	  .mut = { ADDNUM(L_POL, KIPSEC_POL_A_INDEX, 4, 0x7ffffff0) },
	  .want = -ENOENT, .msg = true },

	/* --- ENCAP_SOCK: an IKE daemon's socket handed over. -------------- */
	{ "ok_encap_sock", CMD(ENCAP_SOCK), .base = B_ENCAP, .want = 0 },
	{ "ok_encap_sock_again", CMD(ENCAP_SOCK), .base = B_ENCAP, .want = 0 },
	{ "ok_encap_sock6", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_UDP6) }, .want = 0 },
	{ "ok_encap_sock_xfrm_encap", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_XFRM) }, .want = 0 },
	{ "encap_sock_no_fd", CMD(ENCAP_SOCK), .want = -EINVAL, .msg = true },
	{ "encap_sock_fd_u16", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 2, FD_UDP) }, .want = -EINVAL,
	  .msg = true },
	{ "encap_sock_closed_fd", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_CLOSED) },
	  .want = -EBADF, .msg = true },
	{ "encap_sock_pipe", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_PIPE) },
	  .want = -ENOTSOCK, .msg = true },
	{ "encap_sock_tcp", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_TCP) },
	  .want = -EPROTONOSUPPORT, .msg = true },
	{ "encap_sock_unbound", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_UNBOUND) },
	  .want = -EINVAL, .msg = true },
	{ "encap_sock_other_netns", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .mut = { NUM(L_TOP, KIPSEC_A_ENCAP_FD, 4, FD_OTHER_NET) },
	  .want = -EINVAL, .msg = true },

	/* --- Last: everything is as before. ------------------------------- */
	{ "ok_known_sa_intact", CMD(GET_SA), .base = B_SA_ID_KNOWN, .want = 0,
	  .data = true, .keys = K_PRESENT },
	{ "ok_known_policy_intact", CMD(GET_POLICY), .base = B_POL_KNOWN,
	  .want = 0, .data = true },
};

/*
 * Run as user nobody on a socket opened after dropping root: changing
 * state is -EPERM (checked by genetlink before the request is parsed, so
 * even garbage gets -EPERM), reading is open and shows no keys.
 */
static const struct tcase unpriv_cases[] = {
	{ "unpriv_new_sa", CMD(NEW_SA), .base = B_SA, .want = -EPERM },
	{ "unpriv_new_sa_garbage", CMD(NEW_SA), .base = B_SA,
	  .mut = { ADDNUM(L_SA, 99, 4, 0) }, .want = -EPERM },
	{ "unpriv_upd_sa", CMD(UPD_SA), .base = B_SA_KNOWN, .want = -EPERM },
	{ "unpriv_del_sa", CMD(DEL_SA), .base = B_SA_ID_KNOWN, .want = -EPERM },
	{ "unpriv_flush_sa", CMD(FLUSH_SA), .want = -EPERM },
	{ "unpriv_alloc_spi", CMD(ALLOC_SPI), .base = B_ALLOC, .want = -EPERM },
	{ "unpriv_new_policy", CMD(NEW_POLICY), .base = B_POL, .want = -EPERM },
	{ "unpriv_upd_policy", CMD(UPD_POLICY), .base = B_POL_KNOWN,
	  .want = -EPERM },
	{ "unpriv_del_policy", CMD(DEL_POLICY), .base = B_POL_KNOWN,
	  .want = -EPERM },
	{ "unpriv_flush_policy", CMD(FLUSH_POLICY), .want = -EPERM },
	{ "unpriv_set_default", CMD(SET_DEFAULT), .base = B_DEFAULT,
	  .want = -EPERM },
	{ "unpriv_set_config", CMD(SET_CONFIG), .base = B_CONFIG,
	  .want = -EPERM },
	{ "unpriv_encap_sock", CMD(ENCAP_SOCK), .base = B_ENCAP,
	  .want = -EPERM },
	{ "unpriv_ok_get_sa_no_key", CMD(GET_SA), .base = B_SA_ID_KNOWN,
	  .want = 0, .data = true, .keys = K_ABSENT },
	{ "unpriv_ok_dump_sa_no_key", CMD(GET_SA), .dump = true, .want = 0,
	  .data = true, .keys = K_ABSENT },
	{ "unpriv_ok_get_stats", CMD(GET_STATS), .want = 0, .data = true },
};

/* --- Building requests ------------------------------------------------- */

struct bld {
	struct nlmsghdr *nlh;
	const struct mut *mut;
};

static const struct mut *find_mut(const struct bld *b, int level, int type)
{
	int i;

	for (i = 0; i < MAX_MUT; i++) {
		const struct mut *m = &b->mut[i];

		if (m->op != M_NONE && m->op != M_ADD && m->level == level &&
		    (m->type & NLA_TYPE_MASK) == type)
			return m;
	}
	return NULL;
}

static void put_mut(struct nlmsghdr *nlh, const struct mut *m)
{
	if (m->data)
		mnl_attr_put(nlh, m->type, m->len, m->data);
	else
		mnl_attr_put(nlh, m->type, m->len, &m->num); /* little endian */
}

/* Puts attribute @type of @level unless the case drops or replaces it. */
static void put(struct bld *b, int level, int type, size_t len,
		const void *data)
{
	const struct mut *m = find_mut(b, level, type);

	if (m && m->op == M_DROP)
		return;
	if (m && m->op == M_SET)
		put_mut(b->nlh, m);
	else
		mnl_attr_put(b->nlh, type, len, data);
}

static void put_u8(struct bld *b, int level, int type, uint8_t v)
{
	put(b, level, type, sizeof(v), &v);
}

static void put_u16(struct bld *b, int level, int type, uint16_t v)
{
	put(b, level, type, sizeof(v), &v);
}

static void put_u32(struct bld *b, int level, int type, uint32_t v)
{
	put(b, level, type, sizeof(v), &v);
}

static void put_u64(struct bld *b, int level, int type, uint64_t v)
{
	put(b, level, type, sizeof(v), &v);
}

static void put_str(struct bld *b, int level, int type, const char *s)
{
	put(b, level, type, strlen(s) + 1, s);
}

static void put_v4(struct bld *b, int level, int type, const char *a)
{
	struct in_addr in;

	inet_pton(AF_INET, a, &in);
	put(b, level, type, sizeof(in), &in);
}

/* Opens nest @type of @level; NULL when the case drops or replaces it. */
static struct nlattr *nest_start(struct bld *b, int level, int type)
{
	const struct mut *m = find_mut(b, level, type);
	struct nlattr *nest;

	if (m && m->op == M_DROP)
		return NULL;
	if (m && m->op == M_SET) {
		put_mut(b->nlh, m);
		return NULL;
	}
	nest = mnl_attr_nest_start(b->nlh, type);
	if (m && m->op == M_FLAT)
		nest->nla_type &= ~NLA_F_NESTED;
	return nest;
}

/* Adds the case's extra attributes of @level (the nest's contents). */
static void add_extra(struct bld *b, int level)
{
	int i;

	for (i = 0; i < MAX_MUT; i++)
		if (b->mut[i].op == M_ADD && b->mut[i].level == level)
			put_mut(b->nlh, &b->mut[i]);
}

static void nest_end(struct bld *b, int level, struct nlattr *nest)
{
	add_extra(b, level);
	mnl_attr_nest_end(b->nlh, nest);
}

static void build_sel(struct bld *b, int level, int type, const char *src,
		      const char *dst)
{
	struct nlattr *n = nest_start(b, level, type);

	if (!n)
		return;
	put_u16(b, L_SEL, KIPSEC_SEL_A_FAMILY, AF_INET);
	put_v4(b, L_SEL, KIPSEC_SEL_A_SADDR, src);
	put_u8(b, L_SEL, KIPSEC_SEL_A_SPREFIX, 24);
	put_v4(b, L_SEL, KIPSEC_SEL_A_DADDR, dst);
	put_u8(b, L_SEL, KIPSEC_SEL_A_DPREFIX, 24);
	nest_end(b, L_SEL, n);
}

enum sa_form { SA_ID, SA_FULL, SA_ALLOC, SA_FILTER };

static void build_sa(struct bld *b, enum sa_form form, uint32_t spi)
{
	struct nlattr *sa, *n;

	sa = nest_start(b, L_TOP, KIPSEC_A_SA);
	if (!sa)
		return;
	if (form == SA_FILTER) {
		put_u8(b, L_SA, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP);
		nest_end(b, L_SA, sa);
		return;
	}
	put_u16(b, L_SA, KIPSEC_SA_A_FAMILY, AF_INET);
	put_v4(b, L_SA, KIPSEC_SA_A_DADDR, "10.0.0.2");
	if (form != SA_ID)
		put_v4(b, L_SA, KIPSEC_SA_A_SADDR, "10.0.0.1");
	if (form != SA_ALLOC)
		put_u32(b, L_SA, KIPSEC_SA_A_SPI, htonl(spi));
	put_u8(b, L_SA, KIPSEC_SA_A_PROTO, KIPSEC_PROTO_ESP);
	if (form == SA_ALLOC) {
		put_u8(b, L_SA, KIPSEC_SA_A_MODE, KIPSEC_MODE_TUNNEL);
		put_u32(b, L_SA, KIPSEC_SA_A_REQID, 1);
		put_u32(b, L_SA, KIPSEC_SA_A_SPI_MIN, spi);
		put_u32(b, L_SA, KIPSEC_SA_A_SPI_MAX, spi);
	}
	if (form == SA_FULL) {
		put_u8(b, L_SA, KIPSEC_SA_A_MODE, KIPSEC_MODE_TUNNEL);
		put_u32(b, L_SA, KIPSEC_SA_A_REQID, 1);
		put_u32(b, L_SA, KIPSEC_SA_A_REPLAY_WINDOW, 32);
		n = nest_start(b, L_SA, KIPSEC_SA_A_ALG_AEAD);
		if (n) {
			put_str(b, L_ALG, KIPSEC_ALG_A_NAME, "rfc4106(gcm(aes))");
			put(b, L_ALG, KIPSEC_ALG_A_KEY, sizeof(known_key),
			    known_key);
			put_u32(b, L_ALG, KIPSEC_ALG_A_ICV_BITS, 128);
			nest_end(b, L_ALG, n);
		}
		build_sel(b, L_SA, KIPSEC_SA_A_SEL, "10.1.0.0", "10.2.0.0");
		n = nest_start(b, L_SA, KIPSEC_SA_A_LIFETIME);
		if (n) {
			put_u64(b, L_LT, KIPSEC_LT_A_SOFT_PACKETS, 1000000);
			put_u64(b, L_LT, KIPSEC_LT_A_HARD_PACKETS, 2000000);
			nest_end(b, L_LT, n);
		}
	}
	nest_end(b, L_SA, sa);
}

enum pol_form { POL_ID, POL_FULL, POL_FILTER };

static void build_policy(struct bld *b, enum pol_form form, const char *src,
			 const char *dst)
{
	const struct mut *rep = find_mut(b, L_POL, KIPSEC_POL_A_TMPLS);
	struct nlattr *pol, *tmpls, *t;
	uint64_t i, n;

	pol = nest_start(b, L_TOP, KIPSEC_A_POLICY);
	if (!pol)
		return;
	put_u8(b, L_POL, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	if (form != POL_FILTER)
		build_sel(b, L_POL, KIPSEC_POL_A_SEL, src, dst);
	if (form == POL_FULL) {
		put_u32(b, L_POL, KIPSEC_POL_A_PRIORITY, 100);
		put_u8(b, L_POL, KIPSEC_POL_A_ACTION, KIPSEC_ACTION_ALLOW);
		tmpls = nest_start(b, L_POL, KIPSEC_POL_A_TMPLS);
		n = rep && rep->op == M_REPEAT ? rep->num : 1;
		for (i = 0; tmpls && i < n; i++) {
			t = mnl_attr_nest_start(b->nlh, KIPSEC_A_TMPL);
			put_u16(b, L_TMPL, KIPSEC_TMPL_A_FAMILY, AF_INET);
			put_v4(b, L_TMPL, KIPSEC_TMPL_A_DADDR, "10.0.0.2");
			put_v4(b, L_TMPL, KIPSEC_TMPL_A_SADDR, "10.0.0.1");
			put_u8(b, L_TMPL, KIPSEC_TMPL_A_PROTO, KIPSEC_PROTO_ESP);
			put_u8(b, L_TMPL, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TUNNEL);
			put_u32(b, L_TMPL, KIPSEC_TMPL_A_REQID, 1);
			put_u8(b, L_TMPL, KIPSEC_TMPL_A_LEVEL,
			       KIPSEC_LEVEL_REQUIRED);
			nest_end(b, L_TMPL, t);
		}
		if (tmpls)
			mnl_attr_nest_end(b->nlh, tmpls);
	}
	nest_end(b, L_POL, pol);
}

static void build_base(struct bld *b, enum base base)
{
	struct nlattr *n;

	switch (base) {
	case B_NONE:
		break;
	case B_SA:
		build_sa(b, SA_FULL, NEW_SPI);
		break;
	case B_SA_KNOWN:
		build_sa(b, SA_FULL, KNOWN_SPI);
		break;
	case B_SA_ID:
		build_sa(b, SA_ID, NEW_SPI);
		break;
	case B_SA_ID_KNOWN:
		build_sa(b, SA_ID, KNOWN_SPI);
		break;
	case B_SA_ID_LARVAL:
		build_sa(b, SA_ID, LARVAL_SPI);
		break;
	case B_SA_FILTER:
		build_sa(b, SA_FILTER, 0);
		break;
	case B_ALLOC:
		build_sa(b, SA_ALLOC, LARVAL_SPI);
		break;
	case B_POL:
		build_policy(b, POL_FULL, "10.3.0.0", "10.4.0.0");
		break;
	case B_POL_KNOWN:
		build_policy(b, POL_FULL, "10.1.0.0", "10.2.0.0");
		break;
	case B_POL_ID:
		build_policy(b, POL_ID, "10.3.0.0", "10.4.0.0");
		break;
	case B_POL_FILTER:
		build_policy(b, POL_FILTER, NULL, NULL);
		break;
	case B_DEFAULT:
		n = nest_start(b, L_TOP, KIPSEC_A_DEFAULT);
		if (n) {
			put_u8(b, L_DEF, KIPSEC_DEFAULT_A_OUT,
			       KIPSEC_ACTION_ALLOW);
			nest_end(b, L_DEF, n);
		}
		break;
	case B_CONFIG:
		n = nest_start(b, L_TOP, KIPSEC_A_CONFIG);
		if (n) {
			put_u32(b, L_CFG, KIPSEC_CONFIG_A_ACQUIRE_EXPIRES, 30);
			nest_end(b, L_CFG, n);
		}
		break;
	case B_ENCAP:
		put_u32(b, L_TOP, KIPSEC_A_ENCAP_FD, FD_UDP);
		break;
	}
	add_extra(b, L_TOP);
}

/* --- Talking to the kernel ------------------------------------------------ */

struct ctx {
	struct mnl_socket *nl;
	uint16_t family;
	uint32_t seq;
	bool verbose;
	const char *filter;
	int pass, fail;
};

struct result {
	int err;		/* 0, -errno or NO_REPLY */
	char msg[256];		/* NLMSGERR_ATTR_MSG */
	int ndata;		/* messages before the ack / DONE */
	bool key;		/* an ALG nest carried KEY */
	uint32_t spi;		/* the first SA's SPI (host order) */
	uint16_t family_id;	/* CTRL_ATTR_FAMILY_ID */
};

static char sendbuf[65536];
static char recvbuf[1 << 17];

static int ext_cb(const struct nlattr *a, void *data)
{
	struct result *r = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) >= 0)
		snprintf(r->msg, sizeof(r->msg), "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The errno of an NLMSG_ERROR or NLMSG_DONE, with its extack. */
static void parse_status(const struct nlmsghdr *nlh, struct result *r)
{
	const char *p = mnl_nlmsg_get_payload(nlh);
	size_t len = mnl_nlmsg_get_payload_len(nlh), off;

	if (nlh->nlmsg_type == NLMSG_DONE) {
		r->err = len >= sizeof(int) ? *(const int *)p : 0;
		off = sizeof(int);
	} else {
		const struct nlmsgerr *e = (const void *)p;

		r->err = len >= sizeof(*e) ? e->error : -EBADMSG;
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && len >= sizeof(*e))
			off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	}
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < len)
		mnl_attr_parse_payload(p + off, len - off, ext_cb, r);
}

/* Notes what a reply carries: keys, the SA's SPI, a family id. */
static void parse_data(const struct nlmsghdr *nlh, struct result *r)
{
	const struct nlattr *a, *b, *c;

	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		int type = mnl_attr_get_type(a);

		if (type == CTRL_ATTR_FAMILY_ID && nlh->nlmsg_type == GENL_ID_CTRL)
			r->family_id = mnl_attr_get_u16(a);
		if (type != KIPSEC_A_SA || nlh->nlmsg_type == GENL_ID_CTRL)
			continue;
		mnl_attr_for_each_nested(b, a) {
			switch (mnl_attr_get_type(b)) {
			case KIPSEC_SA_A_SPI:
				if (!r->spi)
					r->spi = ntohl(mnl_attr_get_u32(b));
				break;
			case KIPSEC_SA_A_ALG_AEAD:
			case KIPSEC_SA_A_ALG_CRYPT:
			case KIPSEC_SA_A_ALG_AUTH:
				mnl_attr_for_each_nested(c, b)
					if (mnl_attr_get_type(c) ==
					    KIPSEC_ALG_A_KEY)
						r->key = true;
				break;
			}
		}
	}
}

/* Sends @len bytes of sendbuf and collects the answer to sequence @seq. */
static void transact(struct ctx *c, size_t len, uint32_t seq,
		     struct result *r)
{
	memset(r, 0, sizeof(*r));
	if (mnl_socket_sendto(c->nl, sendbuf, len) < 0) {
		perror("kipsec-badnl: send");
		exit(2);
	}
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(c->nl, recvbuf, sizeof(recvbuf));
		const struct nlmsghdr *nlh;
		int left;

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			r->err = NO_REPLY;
			return;
		}
		if (n < 0) {
			perror("kipsec-badnl: recv");
			exit(2);
		}
		left = (int)n;
		for (nlh = (const void *)recvbuf; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_seq != seq)
				continue;	/* a late answer to an earlier case */
			if (nlh->nlmsg_type == NLMSG_ERROR ||
			    nlh->nlmsg_type == NLMSG_DONE) {
				parse_status(nlh, r);
				return;
			}
			r->ndata++;
			parse_data(nlh, r);
		}
	}
}

/* Builds case @t as command @cmd into sendbuf; returns the bytes to send. */
static size_t build(struct ctx *c, const struct tcase *t, uint8_t cmd,
		    uint32_t seq)
{
	struct bld b = { .mut = t->mut };
	struct genlmsghdr *g;
	size_t len;

	memset(sendbuf, 0, sizeof(sendbuf));
	b.nlh = mnl_nlmsg_put_header(sendbuf);
	b.nlh->nlmsg_type = c->family;
	b.nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK |
			     (t->dump ? NLM_F_DUMP : 0);
	b.nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(b.nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = KIPSEC_GENL_VERSION;
	build_base(&b, t->base);
	len = b.nlh->nlmsg_len;

	switch (t->mangle) {
	case MG_NONE:
		break;
	case MG_LEN_LONG:
		b.nlh->nlmsg_len += 64;
		break;
	case MG_LEN_TINY:
		b.nlh->nlmsg_len = 8;
		break;
	case MG_LEN_NOGENL:
		b.nlh->nlmsg_len = NLMSG_HDRLEN + 2;
		len = b.nlh->nlmsg_len;
		break;
	case MG_RESERVED:
		g->reserved = 1;
		break;
	case MG_OVERRUN: {
		static const uint8_t hdr[4] = { 32, 0, KIPSEC_A_SA, 0 };

		memcpy(sendbuf + len, hdr, sizeof(hdr));
		len += sizeof(hdr);
		b.nlh->nlmsg_len = len;
		break;
	}
	}
	return len;
}

static const char *errname(int err, char *buf, size_t size)
{
	const char *n;

	if (err == 0)
		return "0 (success)";
	if (err == NO_REPLY)
		return "no reply";
	n = err < 0 ? strerrorname_np(-err) : NULL;
	if (n)
		snprintf(buf, size, "-%s", n);
	else
		snprintf(buf, size, "%d", err);
	return buf;
}

/* Undoes a request the kernel should have refused but carried out. */
static void undo(struct ctx *c, const struct tcase *t, const struct result *r)
{
	struct tcase u = *t;
	struct result ur;
	uint32_t seq = ++c->seq;
	char eb[32];

	u.dump = false;
	u.mangle = MG_NONE;
	switch (t->cmd) {
	case KIPSEC_CMD_NEW_SA:
		u.cmd = KIPSEC_CMD_DEL_SA;
		break;
	case KIPSEC_CMD_NEW_POLICY:
	case KIPSEC_CMD_UPD_POLICY:
		u.cmd = KIPSEC_CMD_DEL_POLICY;
		break;
	case KIPSEC_CMD_UPD_SA:
		/* Put the installed SA back as it was. */
		memset(u.mut, 0, sizeof(u.mut));
		u.base = B_SA_KNOWN;
		break;
	case KIPSEC_CMD_ALLOC_SPI:
		if (!r->spi)
			return;
		memset(u.mut, 0, sizeof(u.mut));
		u.mut[0] = (struct mut)NUM(L_SA, KIPSEC_SA_A_SPI, 4, htonl(r->spi));
		u.base = B_SA_ID;
		u.cmd = KIPSEC_CMD_DEL_SA;
		break;
	default:
		return;
	}
	transact(c, build(c, &u, u.cmd, seq), seq, &ur);
	printf("    (undone: %s)\n", errname(ur.err, eb, sizeof(eb)));
}

static void run_case(struct ctx *c, const struct tcase *t)
{
	uint32_t seq = ++c->seq;
	char why[512] = "", eb[32], wb[32];
	struct result r;

	if (c->filter && !strstr(t->name, c->filter))
		return;
	transact(c, build(c, t, t->cmd, seq), seq, &r);

	if (r.err != t->want)
		snprintf(why, sizeof(why), "got %s (msg \"%s\"), want %s",
			 errname(r.err, eb, sizeof(eb)), r.msg,
			 errname(t->want, wb, sizeof(wb)));
	else if (t->msg && !r.msg[0])
		snprintf(why, sizeof(why),
			 "got %s without an extack message, want one",
			 errname(r.err, eb, sizeof(eb)));
	else if (t->data && !r.ndata)
		snprintf(why, sizeof(why), "got %s but no reply message",
			 errname(r.err, eb, sizeof(eb)));
	else if (t->keys == K_PRESENT && !r.key)
		snprintf(why, sizeof(why),
			 "the reply has no key; an admin must see keys");
	else if (t->keys == K_ABSENT && r.key)
		snprintf(why, sizeof(why),
			 "the reply shows key material to a non-admin");

	if (why[0]) {
		c->fail++;
		printf("FAIL %s: %s%s%s\n", t->name, why,
		       t->why ? "; spec: " : "", t->why ? t->why : "");
		if (t->want != 0 && r.err == 0)
			undo(c, t, &r);
	} else {
		c->pass++;
		if (c->verbose)
			printf("PASS %s (%s%s%s)\n", t->name,
			       errname(r.err, eb, sizeof(eb)),
			       r.msg[0] ? ": " : "", r.msg);
		else
			printf("PASS %s\n", t->name);
	}
	fflush(stdout);
}

/* @fd becomes descriptor @at; exits on failure. */
static void fd_at(int fd, int at, const char *what)
{
	if (fd < 0 || dup2(fd, at) != at) {
		fprintf(stderr, "kipsec-badnl: %s: %s\n", what, strerror(errno));
		exit(2);
	}
	close(fd);
}

static int udp_bound(int family)
{
	struct sockaddr_storage ss = { .ss_family = family };
	int fd = socket(family, SOCK_DGRAM, 0);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&ss, sizeof(ss)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The descriptors of the ENCAP_SOCK cases (FD_*). */
static void encap_fds(void)
{
	int pipefd[2], fd, net, encap = 2;	/* UDP_ENCAP_ESPINUDP */

	fd_at(udp_bound(AF_INET), FD_UDP, "UDP socket");
	fd_at(udp_bound(AF_INET6), FD_UDP6, "UDP socket (IPv6)");
	fd = udp_bound(AF_INET);
	if (fd >= 0 && setsockopt(fd, IPPROTO_UDP, 100 /* UDP_ENCAP */,
				  &encap, sizeof(encap)) < 0)
		fd = -1;
	fd_at(fd, FD_XFRM, "UDP socket with UDP_ENCAP");
	fd_at(socket(AF_INET, SOCK_DGRAM, 0), FD_UNBOUND, "UDP socket");
	fd_at(socket(AF_INET, SOCK_STREAM, 0), FD_TCP, "TCP socket");
	if (pipe(pipefd) < 0)
		pipefd[0] = -1;
	fd_at(pipefd[0], FD_PIPE, "pipe");
	net = open("/proc/self/ns/net", O_RDONLY);
	if (net < 0 || unshare(CLONE_NEWNET) < 0) {
		perror("kipsec-badnl: a new network namespace");
		exit(2);
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (setns(net, CLONE_NEWNET) < 0) {
		perror("kipsec-badnl: back to the namespace");
		exit(2);
	}
	close(net);
	fd_at(fd, FD_OTHER_NET, "UDP socket in another namespace");
	if (bind(FD_OTHER_NET, (struct sockaddr *)&(struct sockaddr_in){
			 .sin_family = AF_INET }, sizeof(struct sockaddr_in)) < 0) {
		perror("kipsec-badnl: binding in another namespace");
		exit(2);
	}
}

static void open_socket(struct ctx *c)
{
	static const struct tcase getfamily = {
		.name = "getfamily", .cmd = CTRL_CMD_GETFAMILY,
	};
	struct timeval tv = { .tv_sec = 1 };
	int one = 1, seq;
	struct result r;
	size_t len;

	c->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!c->nl || mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("kipsec-badnl: netlink socket");
		exit(2);
	}
	if (mnl_socket_setsockopt(c->nl, NETLINK_EXT_ACK, &one, sizeof(one)) ||
	    mnl_socket_setsockopt(c->nl, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(mnl_socket_get_fd(c->nl), SOL_SOCKET, SO_RCVTIMEO, &tv,
		       sizeof(tv))) {
		perror("kipsec-badnl: setsockopt");
		exit(2);
	}
	c->family = GENL_ID_CTRL;
	seq = ++c->seq;
	len = build(c, &getfamily, CTRL_CMD_GETFAMILY, seq);
	((struct genlmsghdr *)mnl_nlmsg_get_payload(
		(struct nlmsghdr *)sendbuf))->version = 1;
	mnl_attr_put_strz((struct nlmsghdr *)sendbuf, CTRL_ATTR_FAMILY_NAME,
			  KIPSEC_GENL_NAME);
	len = ((struct nlmsghdr *)sendbuf)->nlmsg_len;
	transact(c, len, seq, &r);
	if (r.err || !r.family_id) {
		fprintf(stderr, "kipsec-badnl: no family \"%s\" (error %d)\n",
			KIPSEC_GENL_NAME, r.err);
		exit(2);
	}
	c->family = r.family_id;
}

int main(int argc, char **argv)
{
	struct ctx c = { 0 };
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "vk:")) != -1) {
		switch (opt) {
		case 'v':
			c.verbose = true;
			break;
		case 'k':
			c.filter = optarg;
			break;
		default:
			fprintf(stderr, "usage: kipsec-badnl [-v] [-k SUBSTRING]\n");
			return 2;
		}
	}
	if (geteuid() != 0) {
		fprintf(stderr, "kipsec-badnl: run as root (it drops to nobody itself)\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);

	encap_fds();
	open_socket(&c);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&c, &cases[i]);
	mnl_socket_close(c.nl);

	/* Drop root for good, then open a new socket as nobody. */
	if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
	    geteuid() != 65534) {
		perror("kipsec-badnl: dropping to nobody");
		return 2;
	}
	open_socket(&c);
	for (i = 0; i < sizeof(unpriv_cases) / sizeof(unpriv_cases[0]); i++)
		run_case(&c, &unpriv_cases[i]);
	mnl_socket_close(c.nl);

	printf("kipsec-badnl: %d passed, %d failed\n", c.pass, c.fail);
	return c.fail ? 1 : 0;
}
