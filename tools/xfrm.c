// SPDX-License-Identifier: GPL-2.0
/* What SAs and policies share: names, selectors, addresses, lifetimes. */
#include "xfrm.h"
#include "print.h"
#include "util.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <time.h>

/* sel.has bits beyond the attribute types: which words set the ports. */
#define SEL_PORTS	BIT(30)		/* sport/dport */
#define SEL_TYPECODE	BIT(31)		/* type/code */

const char *xfrm_proto_name(uint8_t proto)
{
	return proto == KIPSEC_PROTO_ESP ? "esp" :
	       proto == KIPSEC_PROTO_AH ? "ah" : NULL;
}

const char *mode_name(uint8_t mode)
{
	return mode == KIPSEC_MODE_TRANSPORT ? "transport" :
	       mode == KIPSEC_MODE_TUNNEL ? "tunnel" : NULL;
}

const char *dir_name(uint8_t dir)
{
	static const char *const names[] = { "in", "out", "fwd" };

	return dir < ARRAY_SIZE(names) ? names[dir] : NULL;
}

const char *level_name(uint8_t level)
{
	return level == KIPSEC_LEVEL_REQUIRED ? "required" :
	       level == KIPSEC_LEVEL_USE ? "use" : NULL;
}

const char *upper_proto_name(uint8_t proto, char buf[8])
{
	const char *name = upper_proto_lookup(proto);

	if (name)
		return name;
	snprintf(buf, 8, "%u", proto);
	return buf;
}

int args_xfrm_proto(struct args *a, uint8_t *proto)
{
	static const char *const other[] = {
		"comp", "route2", "hao", "ipsec-any", NULL
	};
	const char *s;
	size_t i;

	if (args_value(a, "proto", &s))
		return -1;
	for (i = 0; other[i]; i++)
		if (!strcmp(s, other[i]))
			return fail("\"proto %s\" is not supported by kipsec (esp and ah are)",
				    s);
	if (parse_xfrm_proto(s, proto))
		return fail("proto \"%s\" is not esp or ah", s);
	return 0;
}

int args_mode(struct args *a, uint8_t *mode)
{
	static const char *const other[] = { "beet", "ro", "in_trigger", NULL };
	const char *s;
	size_t i;

	if (args_value(a, "mode", &s))
		return -1;
	if (!parse_mode(s, mode))
		return 0;
	for (i = 0; other[i]; i++)
		if (matches(s, other[i]))
			return fail("\"mode %s\" is not supported by kipsec (transport and tunnel are)",
				    other[i]);
	return fail("mode \"%s\" is not transport or tunnel", s);
}

int args_dir(struct args *a, uint8_t *dir)
{
	const char *s;

	if (args_value(a, "dir", &s))
		return -1;
	if (parse_dir(s, dir))
		return fail("dir \"%s\" is not in, out or fwd", s);
	return 0;
}

/* --- Selectors ---------------------------------------------------------- */

bool sel_is_upspec(const char *w)
{
	return !strcmp(w, "proto") || !strcmp(w, "sport") ||
	       !strcmp(w, "dport") || !strcmp(w, "type") ||
	       !strcmp(w, "code") || !strcmp(w, "key");
}

bool sel_is_word(const char *w)
{
	return !strcmp(w, "src") || !strcmp(w, "dst") || !strcmp(w, "dev") ||
	       sel_is_upspec(w);
}

/* A port (or, @max 255, an ICMP type or code) after @kw. */
static int args_port(struct args *a, const char *kw, uint32_t max,
		     uint16_t *port)
{
	uint32_t v;

	if (args_u32(a, kw, &v))
		return -1;
	if (v > max)
		return fail("%s %u is out of range (0..%u)", kw, v, max);
	*port = (uint16_t)v;
	return 0;
}

static int sel_dev(struct args *a, struct sel *s)
{
	const char *name;
	unsigned int idx;

	if (args_value(a, "dev", &name))
		return -1;
	idx = 0;
	if (strcmp(name, "none")) {
		idx = if_nametoindex(name);
		if (!idx)
			return fail("dev \"%s\": no such interface", name);
	}
	s->ifindex = (int32_t)idx;
	s->has |= BIT(KIPSEC_SEL_A_IFINDEX);
	return 0;
}

static int sel_proto(struct args *a, struct sel *s)
{
	const char *name;

	if (args_value(a, "proto", &name))
		return -1;
	if (!strcmp(name, "any"))
		s->proto = 0;
	else if (parse_upper_proto(name, &s->proto))
		return fail("proto \"%s\" is not a protocol name or number",
			    name);
	s->has |= BIT(KIPSEC_SEL_A_PROTO);
	return 0;
}

int sel_word(struct args *a, struct sel *s)
{
	const char *w = args_take(a);
	uint16_t *port, *mask;
	bool src = !strcmp(w, "src"), typecode;
	int ret;

	if (src || !strcmp(w, "dst")) {
		ret = src ? args_prefix(a, w, &s->saddr, &s->splen) :
			    args_prefix(a, w, &s->daddr, &s->dplen);
		s->has |= src ? BIT(KIPSEC_SEL_A_SADDR) | BIT(KIPSEC_SEL_A_SPREFIX) :
				BIT(KIPSEC_SEL_A_DADDR) | BIT(KIPSEC_SEL_A_DPREFIX);
		return ret;
	}
	if (!strcmp(w, "dev"))
		return sel_dev(a, s);
	if (!strcmp(w, "proto"))
		return sel_proto(a, s);
	if (!strcmp(w, "key"))
		return fail("\"key\" (a GRE key selector) is not supported by kipsec");
	/* sport, dport, type (in sport) or code (in dport), as XFRM */
	typecode = !strcmp(w, "type") || !strcmp(w, "code");
	src = !strcmp(w, "sport") || !strcmp(w, "type");
	port = src ? &s->sport : &s->dport;
	mask = src ? &s->sport_mask : &s->dport_mask;
	if (args_port(a, w, typecode ? 255 : 65535, port))
		return -1;
	/* ip: a port of 0 is "any port"; a type or code is always exact. */
	*mask = (typecode || *port) ? 0xffff : 0;
	s->has |= (typecode ? SEL_TYPECODE : SEL_PORTS) |
		  (src ? BIT(KIPSEC_SEL_A_SPORT) | BIT(KIPSEC_SEL_A_SPORT_MASK) :
			 BIT(KIPSEC_SEL_A_DPORT) | BIT(KIPSEC_SEL_A_DPORT_MASK));
	return 0;
}

int sel_finish(struct sel *s, uint16_t dflt)
{
	uint16_t sf = s->has & BIT(KIPSEC_SEL_A_SADDR) ? s->saddr.family : 0;
	uint16_t df = s->has & BIT(KIPSEC_SEL_A_DADDR) ? s->daddr.family : 0;
	char buf[8];

	if (args_same_family(sf, df, "selector src and dst"))
		return -1;
	s->family = sf ? sf : df ? df : dflt;
	s->has |= BIT(KIPSEC_SEL_A_FAMILY);
	if ((s->has & SEL_PORTS) && s->proto != 0 && s->proto != IPPROTO_TCP &&
	    s->proto != IPPROTO_UDP && s->proto != IPPROTO_SCTP &&
	    s->proto != IPPROTO_DCCP)
		return fail("\"sport\" and \"dport\" are invalid with proto \"%s\" (tcp, udp, sctp or dccp)",
			    upper_proto_name(s->proto, buf));
	if ((s->has & SEL_TYPECODE) && s->proto != IPPROTO_ICMP &&
	    s->proto != IPPROTO_ICMPV6)
		return fail("\"type\" and \"code\" are invalid with proto \"%s\" (icmp or ipv6-icmp)",
			    upper_proto_name(s->proto, buf));
	if ((s->has & SEL_PORTS) && (s->has & SEL_TYPECODE))
		return fail("\"type\" and \"code\" cannot be combined with \"sport\" and \"dport\"");
	return 0;
}

void sel_put(struct nlmsghdr *nlh, uint16_t type, const struct sel *s)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u16(nlh, KIPSEC_SEL_A_FAMILY, s->family);
	if (s->has & BIT(KIPSEC_SEL_A_SADDR)) {
		addr_put(nlh, KIPSEC_SEL_A_SADDR, &s->saddr);
		mnl_attr_put_u8(nlh, KIPSEC_SEL_A_SPREFIX, s->splen);
	}
	if (s->has & BIT(KIPSEC_SEL_A_DADDR)) {
		addr_put(nlh, KIPSEC_SEL_A_DADDR, &s->daddr);
		mnl_attr_put_u8(nlh, KIPSEC_SEL_A_DPREFIX, s->dplen);
	}
	if (s->proto)
		mnl_attr_put_u8(nlh, KIPSEC_SEL_A_PROTO, s->proto);
	if (s->sport_mask) {
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT, htons(s->sport));
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_SPORT_MASK,
				 htons(s->sport_mask));
	}
	if (s->dport_mask) {
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT, htons(s->dport));
		mnl_attr_put_u16(nlh, KIPSEC_SEL_A_DPORT_MASK,
				 htons(s->dport_mask));
	}
	if (s->ifindex)
		mnl_attr_put_u32(nlh, KIPSEC_SEL_A_IFINDEX, (uint32_t)s->ifindex);
	mnl_attr_nest_end(nlh, nest);
}

static int sel_attr_cb(const struct nlattr *attr, void *data)
{
	struct sel *s = data;
	uint16_t type = mnl_attr_get_type(attr);
	uint16_t len = mnl_attr_get_payload_len(attr);
	uint16_t v16 = len == 2 ? mnl_attr_get_u16(attr) : 0;
	uint8_t v8 = len >= 1 ? mnl_attr_get_u8(attr) : 0;

	switch (type) {
	case KIPSEC_SEL_A_FAMILY:
		s->family = v16;
		break;
	case KIPSEC_SEL_A_SADDR:
		if (addr_from(attr, &s->saddr))
			return MNL_CB_OK;
		break;
	case KIPSEC_SEL_A_DADDR:
		if (addr_from(attr, &s->daddr))
			return MNL_CB_OK;
		break;
	case KIPSEC_SEL_A_SPREFIX:
		s->splen = v8;
		break;
	case KIPSEC_SEL_A_DPREFIX:
		s->dplen = v8;
		break;
	case KIPSEC_SEL_A_PROTO:
		s->proto = v8;
		break;
	case KIPSEC_SEL_A_SPORT:
		s->sport = ntohs(v16);
		break;
	case KIPSEC_SEL_A_SPORT_MASK:
		s->sport_mask = ntohs(v16);
		break;
	case KIPSEC_SEL_A_DPORT:
		s->dport = ntohs(v16);
		break;
	case KIPSEC_SEL_A_DPORT_MASK:
		s->dport_mask = ntohs(v16);
		break;
	case KIPSEC_SEL_A_IFINDEX:
		if (len != 4)
			return MNL_CB_OK;
		s->ifindex = (int32_t)mnl_attr_get_u32(attr);
		break;
	default:
		return MNL_CB_OK;
	}
	if (type < 32)
		s->has |= (uint32_t)BIT(type);
	return MNL_CB_OK;
}

void sel_from(const struct nlattr *nest, struct sel *s)
{
	memset(s, 0, sizeof(*s));
	mnl_attr_parse_nested(nest, sel_attr_cb, s);
}

static void dev_name(int32_t ifindex, char buf[IF_NAMESIZE + 8])
{
	if (ifindex <= 0 || !if_indextoname((unsigned int)ifindex, buf))
		snprintf(buf, IF_NAMESIZE + 8, "if%d", ifindex);
}

void sel_print(const struct out *o, const struct sel *s, uint16_t family)
{
	bool icmp = s->proto == IPPROTO_ICMP || s->proto == IPPROTO_ICMPV6;
	const char *pk = icmp ? "type" : "sport", *dk = icmp ? "code" : "dport";
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char sp[INET6_ADDRSTRLEN + 4], dp[INET6_ADDRSTRLEN + 4];
	char pbuf[8], dev[IF_NAMESIZE + 8];
	uint16_t f = s->family ? s->family : family ? family : AF_INET;

	addr_str(s->has & BIT(KIPSEC_SEL_A_SADDR) ? &s->saddr : NULL, f, src);
	addr_str(s->has & BIT(KIPSEC_SEL_A_DADDR) ? &s->daddr : NULL, f, dst);
	if (s->ifindex > 0)
		dev_name(s->ifindex, dev);
	snprintf(sp, sizeof(sp), "%s/%u", src, s->splen);
	snprintf(dp, sizeof(dp), "%s/%u", dst, s->dplen);
	print_str(o, PRINT_ANY, "src", "src %s ", sp);
	print_str(o, PRINT_ANY, "dst", "dst %s ", dp);
	if (s->proto)
		print_str(o, PRINT_ANY, "proto", "proto %s ",
			  upper_proto_name(s->proto, pbuf));
	if (s->sport_mask)
		print_u64(o, PRINT_ANY, pk, icmp ? "type %llu " : "sport %llu ",
			  s->sport);
	if (s->dport_mask)
		print_u64(o, PRINT_ANY, dk, icmp ? "code %llu " : "dport %llu ",
			  s->dport);
	if (s->ifindex > 0)
		print_str(o, PRINT_ANY, "dev", "dev %s ", dev);
}

bool sel_match(const struct sel *f, const struct sel *s)
{
	uint16_t fam = f->has & BIT(KIPSEC_SEL_A_SADDR) ? f->saddr.family :
		       f->has & BIT(KIPSEC_SEL_A_DADDR) ? f->daddr.family : 0;

	if (fam && s->family != fam)
		return false;
	if ((f->has & BIT(KIPSEC_SEL_A_SADDR)) &&
	    !addr_match(&f->saddr, &s->saddr, f->splen))
		return false;
	if ((f->has & BIT(KIPSEC_SEL_A_DADDR)) &&
	    !addr_match(&f->daddr, &s->daddr, f->dplen))
		return false;
	if ((f->has & BIT(KIPSEC_SEL_A_PROTO)) && f->proto != s->proto)
		return false;
	if ((f->has & BIT(KIPSEC_SEL_A_SPORT)) && f->sport != s->sport)
		return false;
	if ((f->has & BIT(KIPSEC_SEL_A_DPORT)) && f->dport != s->dport)
		return false;
	return !(f->has & BIT(KIPSEC_SEL_A_IFINDEX)) || f->ifindex == s->ifindex;
}

/* --- Attributes ---------------------------------------------------------- */

void u64s_put(struct nlmsghdr *nlh, uint16_t type, const struct u64s *s)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, type);
	uint16_t i;

	for (i = 1; i < ARRAY_SIZE(s->v); i++)
		if (s->has & BIT(i))
			mnl_attr_put_u64(nlh, i, s->v[i]);
	mnl_attr_nest_end(nlh, nest);
}

static int u64s_attr_cb(const struct nlattr *attr, void *data)
{
	struct u64s *s = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type < ARRAY_SIZE(s->v) &&
	    mnl_attr_get_payload_len(attr) == sizeof(uint64_t)) {
		s->v[type] = mnl_attr_get_u64(attr);
		s->has |= (uint32_t)BIT(type);
	}
	return MNL_CB_OK;
}

void u64s_from(const struct nlattr *nest, struct u64s *s)
{
	memset(s, 0, sizeof(*s));
	mnl_attr_parse_nested(nest, u64s_attr_cb, s);
}

void str_from(const struct nlattr *attr, char *buf, size_t size)
{
	size_t len = mnl_attr_get_payload_len(attr);

	if (len >= size)
		len = size - 1;
	memcpy(buf, mnl_attr_get_payload(attr), len);
	buf[len] = '\0';
	buf[strnlen(buf, len)] = '\0';
}

int addr_from(const struct nlattr *attr, struct kaddr *a)
{
	uint16_t len = mnl_attr_get_payload_len(attr);

	memset(a, 0, sizeof(*a));
	if (len != 4 && len != 16)
		return -1;
	a->family = len == 4 ? AF_INET : AF_INET6;
	memcpy(a->bytes, mnl_attr_get_payload(attr), len);
	return 0;
}

void addr_put(struct nlmsghdr *nlh, uint16_t type, const struct kaddr *a)
{
	mnl_attr_put(nlh, type, kaddr_len(a), a->bytes);
}

const char *addr_str(const struct kaddr *a, uint16_t family, char *buf)
{
	static const uint8_t zero[16];

	if (a && a->family)
		family = a->family;
	if (!inet_ntop(family == AF_INET6 ? AF_INET6 : AF_INET,
		       a && a->family ? a->bytes : zero, buf, INET6_ADDRSTRLEN))
		strcpy(buf, "?");
	return buf;
}

bool addr_match(const struct kaddr *a, const struct kaddr *b,
		unsigned int bits)
{
	unsigned int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a->bytes, b->bytes, bytes))
		return false;
	return !rest || !((a->bytes[bytes] ^ b->bytes[bytes]) &
			  (uint8_t)(0xff << (8 - rest)));
}

/* --- Times and current use ---------------------------------------------- */

const char *time_str(uint64_t t, char buf[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t || !localtime_r(&tt, &tm))
		return strcpy(buf, "-");
	strftime(buf, 32, "%Y-%m-%d %T", &tm);
	return buf;
}

void cur_print(const struct out *o, const struct u64s *cur, const char *pfx)
{
	char t[32];

	print_open_obj(o, "lifetime");
	print_text(o, "%slifetime current:\n%s", pfx, pfx);
	print_u64(o, PRINT_ANY, "bytes", "  %llu(bytes), ",
		  cur->v[KIPSEC_CUR_A_BYTES]);
	print_u64(o, PRINT_ANY, "packets", "%llu(packets)\n",
		  cur->v[KIPSEC_CUR_A_PACKETS]);
	/* Text: dates; JSON: seconds since the epoch. */
	print_str(o, PRINT_FP, NULL, "%s  add ", pfx);
	print_str(o, PRINT_FP, NULL, "%s ",
		  time_str(cur->v[KIPSEC_CUR_A_ADD_TIME], t));
	print_u64(o, PRINT_JSON, "add-time", NULL,
		  cur->v[KIPSEC_CUR_A_ADD_TIME]);
	print_str(o, PRINT_FP, NULL, "use %s\n",
		  time_str(cur->v[KIPSEC_CUR_A_USE_TIME], t));
	print_u64(o, PRINT_JSON, "use-time", NULL,
		  cur->v[KIPSEC_CUR_A_USE_TIME]);
	print_close_obj(o);
}

int count_show(const struct nlmsghdr *nlh, struct show *show, uint16_t attr,
	       const char *label)
{
	const struct nlattr *nest = msg_nest(nlh, KIPSEC_A_STATS);
	struct u64s st;

	if (!nest)
		return MNL_CB_OK;
	u64s_from(nest, &st);
	print_open_obj(&show->out, NULL);
	print_text(&show->out, "\t %s", label);
	print_u64(&show->out, PRINT_ANY, "count", " count %llu\n",
		  st.v[attr]);
	print_close_obj(&show->out);
	show->count++;
	return MNL_CB_OK;
}
