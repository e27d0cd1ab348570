// SPDX-License-Identifier: GPL-2.0
/*
 * SA commands: NEW_SA, UPD_SA, DEL_SA, GET_SA (one or a dump), FLUSH_SA.
 * See uapi/linux/kipsec.h for the attribute trees.
 */
#include "debug.h"
#include "event.h"
#include "netlink.h"
#include "netns.h"
#include "sa.h"
#include "xform.h"

#include <crypto/algapi.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/genetlink.h>

/* Attribute policies of the SA's nests. */

static const struct nla_policy kipsec_alg_policy[KIPSEC_ALG_A_MAX + 1] = {
	[KIPSEC_ALG_A_NAME] = { .type = NLA_NUL_STRING,
				.len = KIPSEC_ALG_NAME_MAX - 1 },
	[KIPSEC_ALG_A_KEY] = { .type = NLA_BINARY, .len = KIPSEC_KEY_MAX },
	[KIPSEC_ALG_A_ICV_BITS] = NLA_POLICY_RANGE(NLA_U32, 0, 512),
	[KIPSEC_ALG_A_KEY_BITS] = { .type = NLA_REJECT,
				    .reject_message = "key length is read only" },
};

static const struct nla_policy kipsec_lifetime_policy[KIPSEC_LT_A_MAX + 1] = {
	[KIPSEC_LT_A_SOFT_BYTES] = { .type = NLA_U64 },
	[KIPSEC_LT_A_HARD_BYTES] = { .type = NLA_U64 },
	[KIPSEC_LT_A_SOFT_PACKETS] = { .type = NLA_U64 },
	[KIPSEC_LT_A_HARD_PACKETS] = { .type = NLA_U64 },
	[KIPSEC_LT_A_SOFT_ADD_SECS] = { .type = NLA_U64 },
	[KIPSEC_LT_A_HARD_ADD_SECS] = { .type = NLA_U64 },
	[KIPSEC_LT_A_SOFT_USE_SECS] = { .type = NLA_U64 },
	[KIPSEC_LT_A_HARD_USE_SECS] = { .type = NLA_U64 },
};

static const struct nla_policy kipsec_encap_policy[KIPSEC_ENCAP_A_MAX + 1] = {
	[KIPSEC_ENCAP_A_TYPE] = { .type = NLA_U16 },
	[KIPSEC_ENCAP_A_SPORT] = { .type = NLA_BE16 },
	[KIPSEC_ENCAP_A_DPORT] = { .type = NLA_BE16 },
	[KIPSEC_ENCAP_A_OA] = KIPSEC_ADDR_POLICY,
};

static const struct nla_policy kipsec_sa_policy[KIPSEC_SA_A_MAX + 1] = {
	[KIPSEC_SA_A_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_SA_A_DADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_SA_A_SADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_SA_A_SPI] = { .type = NLA_BE32 },
	[KIPSEC_SA_A_PROTO] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_PROTO_ESP,
					       KIPSEC_PROTO_AH),
	[KIPSEC_SA_A_MODE] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_MODE_MAX - 1),
	[KIPSEC_SA_A_REQID] = { .type = NLA_U32 },
	[KIPSEC_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, KIPSEC_SA_F_ALL),
	[KIPSEC_SA_A_ALG_AEAD] = NLA_POLICY_NESTED(kipsec_alg_policy),
	[KIPSEC_SA_A_ALG_CRYPT] = NLA_POLICY_NESTED(kipsec_alg_policy),
	[KIPSEC_SA_A_ALG_AUTH] = NLA_POLICY_NESTED(kipsec_alg_policy),
	[KIPSEC_SA_A_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32,
						     KIPSEC_REPLAY_WINDOW_MAX),
	[KIPSEC_SA_A_SEQ] = { .type = NLA_U64 },
	[KIPSEC_SA_A_OSEQ] = { .type = NLA_U64 },
	[KIPSEC_SA_A_SEL] = NLA_POLICY_NESTED(kipsec_sel_policy),
	[KIPSEC_SA_A_LIFETIME] = NLA_POLICY_NESTED(kipsec_lifetime_policy),
	[KIPSEC_SA_A_CUR] = { .type = NLA_REJECT,
			      .reject_message = "SA use counters are read only" },
	[KIPSEC_SA_A_STATS] = { .type = NLA_REJECT,
				.reject_message = "SA statistics are read only" },
	[KIPSEC_SA_A_SET_MARK] = NLA_POLICY_NESTED(kipsec_nl_mark_policy),
	[KIPSEC_SA_A_SPI_MIN] = { .type = NLA_U32 },
	[KIPSEC_SA_A_SPI_MAX] = { .type = NLA_U32 },
	[KIPSEC_SA_A_NEW_DADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_SA_A_NEW_SADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_SA_A_REPLAY_BITMAP] = { .type = NLA_REJECT,
					.reject_message = "replay bitmap is read only" },
	[KIPSEC_SA_A_ENCAP] = NLA_POLICY_NESTED(kipsec_encap_policy),
};

/* The SA commands' top level: the SA nest only. */
const struct nla_policy kipsec_sa_req_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_SA] = NLA_POLICY_NESTED(kipsec_sa_policy),
};

/* The identity attributes every SA request carries. */
static int sa_parse_id(struct nlattr **tb, struct kipsec_sa_key *key,
		       struct netlink_ext_ack *extack)
{
	int ret;

	memset(key, 0, sizeof(*key));
	ret = kipsec_family_from_nla(&key->family, tb[KIPSEC_SA_A_FAMILY],
				     extack);
	if (ret)
		return ret;
	if (!tb[KIPSEC_SA_A_DADDR] || !tb[KIPSEC_SA_A_SPI] ||
	    !tb[KIPSEC_SA_A_PROTO]) {
		NL_SET_ERR_MSG(extack,
			       "an SA is identified by destination, SPI and protocol");
		return -EINVAL;
	}
	ret = kipsec_addr_from_nla(&key->daddr, key->family,
				   tb[KIPSEC_SA_A_DADDR], extack);
	if (ret)
		return ret;
	key->spi = nla_get_be32(tb[KIPSEC_SA_A_SPI]);
	if (!key->spi) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SPI],
				    "SPI 0 is reserved");
		return -EINVAL;
	}
	key->proto = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
	return 0;
}

static int sa_parse_nest(struct nlattr **tb, const struct genl_info *info)
{
	if (!info->attrs[KIPSEC_A_SA]) {
		NL_SET_ERR_MSG(info->extack, "the SA attribute nest is missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, KIPSEC_SA_A_MAX, info->attrs[KIPSEC_A_SA],
				kipsec_sa_policy, info->extack);
}

static int sa_parse_alg(struct kipsec_alg **out, const struct nlattr *nla,
			struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_ALG_A_MAX + 1];
	struct kipsec_alg *alg;
	int ret, keylen;

	if (!nla)
		return 0;
	ret = nla_parse_nested(tb, KIPSEC_ALG_A_MAX, nla, kipsec_alg_policy,
			       extack);
	if (ret)
		return ret;
	if (!tb[KIPSEC_ALG_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(extack, nla, "algorithm name missing");
		return -EINVAL;
	}
	keylen = tb[KIPSEC_ALG_A_KEY] ? nla_len(tb[KIPSEC_ALG_A_KEY]) : 0;
	alg = kzalloc(struct_size(alg, key, keylen), GFP_KERNEL);
	if (!alg)
		return -ENOMEM;
	nla_strscpy(alg->name, tb[KIPSEC_ALG_A_NAME], sizeof(alg->name));
	alg->key_len = keylen;
	if (keylen)
		nla_memcpy(alg->key, tb[KIPSEC_ALG_A_KEY], keylen);
	if (tb[KIPSEC_ALG_A_ICV_BITS])
		alg->icv_bits = nla_get_u32(tb[KIPSEC_ALG_A_ICV_BITS]);
	*out = alg;
	return 0;
}

static int sa_parse_lifetime(struct kipsec_lifetime *lft,
			     const struct nlattr *nla,
			     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_LT_A_MAX + 1];
	u64 *v[] = {
		[KIPSEC_LT_A_SOFT_BYTES] = &lft->soft_bytes,
		[KIPSEC_LT_A_HARD_BYTES] = &lft->hard_bytes,
		[KIPSEC_LT_A_SOFT_PACKETS] = &lft->soft_packets,
		[KIPSEC_LT_A_HARD_PACKETS] = &lft->hard_packets,
		[KIPSEC_LT_A_SOFT_ADD_SECS] = &lft->soft_add_secs,
		[KIPSEC_LT_A_HARD_ADD_SECS] = &lft->hard_add_secs,
		[KIPSEC_LT_A_SOFT_USE_SECS] = &lft->soft_use_secs,
		[KIPSEC_LT_A_HARD_USE_SECS] = &lft->hard_use_secs,
	};
	int i, ret;

	memset(lft, 0, sizeof(*lft));
	if (!nla)
		return 0;
	ret = nla_parse_nested(tb, KIPSEC_LT_A_MAX, nla,
			       kipsec_lifetime_policy, extack);
	if (ret)
		return ret;
	for (i = KIPSEC_LT_A_SOFT_BYTES; i <= KIPSEC_LT_A_HARD_USE_SECS; i++)
		if (tb[i])
			*v[i] = nla_get_u64(tb[i]);
	return 0;
}

/* What an ENCAP nest asks for. */
struct sa_encap_req {
	u16 type;
	__be16 sport, dport;
	u8 oa_len;
	union kipsec_addr oa;
};

static int sa_parse_encap(struct sa_encap_req *req, u8 proto,
			  const struct nlattr *nla,
			  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_ENCAP_A_MAX + 1];
	int ret;

	memset(req, 0, sizeof(*req));
	if (proto != IPPROTO_ESP) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "UDP encapsulation is for ESP SAs only");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, KIPSEC_ENCAP_A_MAX, nla,
			       kipsec_encap_policy, extack);
	if (ret)
		return ret;
	if (!tb[KIPSEC_ENCAP_A_TYPE] || !tb[KIPSEC_ENCAP_A_SPORT] ||
	    !tb[KIPSEC_ENCAP_A_DPORT]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "encapsulation needs a type, a source and a destination port");
		return -EINVAL;
	}
	req->type = nla_get_u16(tb[KIPSEC_ENCAP_A_TYPE]);
	if (req->type != UDP_ENCAP_ESPINUDP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_ENCAP_A_TYPE],
				    "only encapsulation espinudp (2) is supported");
		return -EOPNOTSUPP;
	}
	req->sport = nla_get_be16(tb[KIPSEC_ENCAP_A_SPORT]);
	req->dport = nla_get_be16(tb[KIPSEC_ENCAP_A_DPORT]);
	if (!req->sport || !req->dport) {
		NL_SET_ERR_MSG_ATTR(extack, req->sport ?
				    tb[KIPSEC_ENCAP_A_DPORT] :
				    tb[KIPSEC_ENCAP_A_SPORT],
				    "encapsulation port 0 is not valid");
		return -EINVAL;
	}
	if (tb[KIPSEC_ENCAP_A_OA]) {
		req->oa_len = nla_len(tb[KIPSEC_ENCAP_A_OA]);
		if (req->oa_len != 4 && req->oa_len != 16) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_ENCAP_A_OA],
					    "the original address is 4 or 16 bytes");
			return -EINVAL;
		}
		nla_memcpy(&req->oa, tb[KIPSEC_ENCAP_A_OA], req->oa_len);
	}
	return 0;
}

/* Gives @sa the encapsulation @req asks for. */
static int sa_set_encap(struct kipsec_sa *sa, const struct sa_encap_req *req,
			struct netlink_ext_ack *extack)
{
	const struct kipsec_encap_type *encap = &kipsec_encap_espinudp;
	int ret;

	sa->encap_type = req->type;
	sa->encap_sport = req->sport;
	sa->encap_dport = req->dport;
	sa->encap_oa_len = req->oa_len;
	sa->encap_oa = req->oa;
	ret = encap->init_sa(sa, extack);
	if (ret)
		return ret;
	/* Only now: kipsec_sa_free() calls destroy_sa() when it is set. */
	sa->encap = encap;
	return 0;
}

/* Builds a complete, unpublished SA from a NEW_SA or UPD_SA request. */
static struct kipsec_sa *sa_from_request(struct nlattr **tb,
					 struct netlink_ext_ack *extack)
{
	struct kipsec_sa *sa;
	u32 window = 0;
	u64 seq = 0;
	int ret;

	sa = kipsec_sa_alloc(GFP_KERNEL);
	if (!sa)
		return ERR_PTR(-ENOMEM);
	ret = sa_parse_id(tb, &sa->key, extack);
	if (ret)
		goto err;
	if (!tb[KIPSEC_SA_A_SADDR]) {
		NL_SET_ERR_MSG(extack, "the SA's source address is missing");
		ret = -EINVAL;
		goto err;
	}
	ret = kipsec_addr_from_nla(&sa->saddr, sa->key.family,
				   tb[KIPSEC_SA_A_SADDR], extack);
	if (ret)
		goto err;
	if (tb[KIPSEC_SA_A_MODE])
		sa->mode = nla_get_u8(tb[KIPSEC_SA_A_MODE]);
	if (tb[KIPSEC_SA_A_REQID])
		sa->reqid = nla_get_u32(tb[KIPSEC_SA_A_REQID]);
	if (tb[KIPSEC_SA_A_FLAGS])
		sa->flags = nla_get_u32(tb[KIPSEC_SA_A_FLAGS]);
	if (tb[KIPSEC_SA_A_REPLAY_WINDOW])
		window = nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]);
	if ((sa->flags & KIPSEC_SA_F_ESN) && !window) {
		NL_SET_ERR_MSG(extack,
			       "extended sequence numbers need a replay window");
		ret = -EINVAL;
		goto err;
	}
	if (tb[KIPSEC_SA_A_SEQ])
		seq = nla_get_u64(tb[KIPSEC_SA_A_SEQ]);
	if (tb[KIPSEC_SA_A_OSEQ])
		atomic64_set(&sa->oseq, nla_get_u64(tb[KIPSEC_SA_A_OSEQ]));
	if (!(sa->flags & KIPSEC_SA_F_ESN) &&
	    (seq > U32_MAX || atomic64_read(&sa->oseq) > U32_MAX)) {
		NL_SET_ERR_MSG(extack,
			       "sequence numbers above 2^32 need extended sequence numbers");
		ret = -EINVAL;
		goto err;
	}
	ret = kipsec_sel_from_nla(&sa->sel, tb[KIPSEC_SA_A_SEL], extack) ?:
	      sa_parse_lifetime(&sa->lft, tb[KIPSEC_SA_A_LIFETIME], extack) ?:
	      kipsec_nl_parse_mark(&sa->smark_value, &sa->smark_mask,
				   tb[KIPSEC_SA_A_SET_MARK], extack) ?:
	      sa_parse_alg(&sa->alg_aead, tb[KIPSEC_SA_A_ALG_AEAD], extack) ?:
	      sa_parse_alg(&sa->alg_crypt, tb[KIPSEC_SA_A_ALG_CRYPT], extack) ?:
	      sa_parse_alg(&sa->alg_auth, tb[KIPSEC_SA_A_ALG_AUTH], extack);
	if (ret)
		goto err;

	if (!sa->alg_aead && !sa->alg_crypt && !sa->alg_auth) {
		NL_SET_ERR_MSG(extack, "an SA needs algorithms");
		ret = -EINVAL;
		goto err;
	}
	/* The attribute policy admits ESP and AH only. */
	sa->type = kipsec_xform_find(sa->key.proto);
	ret = sa->type->init_sa(sa, extack);
	if (ret)
		goto err;
	if (tb[KIPSEC_SA_A_ENCAP]) {
		struct sa_encap_req req;

		ret = sa_parse_encap(&req, sa->key.proto, tb[KIPSEC_SA_A_ENCAP],
				     extack) ?:
		      sa_set_encap(sa, &req, extack);
		if (ret)
			goto err;
	}
	ret = kipsec_replay_init(&sa->replay, window, seq, GFP_KERNEL);
	if (ret)
		goto err;
	sa->add_ns = ktime_get_real_ns();
	sa->add_time = div_u64(sa->add_ns, NSEC_PER_SEC);
	return sa;

err:
	kipsec_sa_free(sa);
	return ERR_PTR(ret);
}

/* Whether @nla names the algorithm and key @alg has. */
static int sa_same_alg(const struct kipsec_alg *alg, const struct nlattr *nla,
		       struct netlink_ext_ack *extack)
{
	struct kipsec_alg *req = NULL;
	int ret;

	if (!nla)
		return 0;
	ret = sa_parse_alg(&req, nla, extack);
	if (ret)
		return ret;
	if (!alg || strcmp(req->name, alg->name) ||
	    req->key_len != alg->key_len ||
	    crypto_memneq(req->key, alg->key, alg->key_len) ||
	    (req->icv_bits && alg->icv_bits && req->icv_bits != alg->icv_bits)) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "an update cannot change the SA's algorithms or keys");
		ret = -EINVAL;
	}
	kfree_sensitive(req);
	return ret;
}

/* An update's ENCAP: only the ports of an encapsulation may change. */
static int sa_change_encap(const struct kipsec_sa *sa, const struct nlattr *nla,
			   struct kipsec_sa_change *c,
			   struct netlink_ext_ack *extack)
{
	struct sa_encap_req req;
	int ret;

	ret = sa_parse_encap(&req, sa->key.proto, nla, extack);
	if (ret)
		return ret;
	if (!sa->encap || req.type != sa->encap_type ||
	    (req.oa_len && (req.oa_len != sa->encap_oa_len ||
			    memcmp(&req.oa, &sa->encap_oa, req.oa_len)))) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "an update can change only the encapsulation's ports");
		return -EINVAL;
	}
	c->encap_sport = req.sport;
	c->encap_dport = req.dport;
	c->ports = true;
	return 0;
}

static int sa_change_parse(struct kipsec_net *kn, struct kipsec_sa *sa,
			   struct nlattr **tb, struct kipsec_sa_change *c,
			   struct netlink_ext_ack *extack)
{
	u16 family = sa->key.family;
	struct kipsec_sel sel;
	int ret;

	if (tb[KIPSEC_SA_A_MODE] && nla_get_u8(tb[KIPSEC_SA_A_MODE]) != sa->mode) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_MODE],
				    "an update cannot change the SA's mode");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_FLAGS] &&
	    nla_get_u32(tb[KIPSEC_SA_A_FLAGS]) != (sa->flags & KIPSEC_SA_F_ALL)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_FLAGS],
				    "an update cannot change the SA's flags");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_SEL]) {
		ret = kipsec_sel_from_nla(&sel, tb[KIPSEC_SA_A_SEL], extack);
		if (ret)
			return ret;
		if (!kipsec_sel_equal(&sel, &sa->sel)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SEL],
					    "an update cannot change the SA's selector");
			return -EINVAL;
		}
	}
	ret = sa_same_alg(sa->alg_aead, tb[KIPSEC_SA_A_ALG_AEAD], extack) ?:
	      sa_same_alg(sa->alg_crypt, tb[KIPSEC_SA_A_ALG_CRYPT], extack) ?:
	      sa_same_alg(sa->alg_auth, tb[KIPSEC_SA_A_ALG_AUTH], extack);
	if (ret)
		return ret;

	if (tb[KIPSEC_SA_A_LIFETIME]) {
		ret = sa_parse_lifetime(&c->lft, tb[KIPSEC_SA_A_LIFETIME], extack);
		if (ret)
			return ret;
		c->lifetime = true;
	}
	if (tb[KIPSEC_SA_A_SET_MARK]) {
		ret = kipsec_nl_parse_mark(&c->mark_value, &c->mark_mask,
					   tb[KIPSEC_SA_A_SET_MARK], extack);
		if (ret)
			return ret;
		c->mark = true;
	}
	if (tb[KIPSEC_SA_A_OSEQ]) {
		c->oseq = nla_get_u64(tb[KIPSEC_SA_A_OSEQ]);
		if (!(sa->flags & KIPSEC_SA_F_ESN) && c->oseq > U32_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_OSEQ],
					    "sequence numbers above 2^32 need extended sequence numbers");
			return -EINVAL;
		}
	}
	if (tb[KIPSEC_SA_A_NEW_DADDR] || tb[KIPSEC_SA_A_NEW_SADDR]) {
		c->daddr = sa->key.daddr;
		c->saddr = sa->saddr;
		ret = (tb[KIPSEC_SA_A_NEW_DADDR] ?
		       kipsec_addr_from_nla(&c->daddr, family,
					    tb[KIPSEC_SA_A_NEW_DADDR], extack) : 0) ?:
		      (tb[KIPSEC_SA_A_NEW_SADDR] ?
		       kipsec_addr_from_nla(&c->saddr, family,
					    tb[KIPSEC_SA_A_NEW_SADDR], extack) : 0);
		if (ret)
			return ret;
		if (!kipsec_addr_equal(family, &c->daddr, &sa->key.daddr) &&
		    kipsec_sa_lookup(kn, family, &c->daddr, sa->key.spi,
				     sa->key.proto)) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_NEW_DADDR],
					    "an SA with the new destination, SPI and protocol exists");
			return -EEXIST;
		}
		c->move = true;
	}
	if (tb[KIPSEC_SA_A_REQID]) {
		c->reqid = nla_get_u32(tb[KIPSEC_SA_A_REQID]);
		c->has_reqid = true;
	}
	if (tb[KIPSEC_SA_A_ENCAP]) {
		ret = sa_change_encap(sa, tb[KIPSEC_SA_A_ENCAP], c, extack);
		if (ret)
			return ret;
	}
	/* Last: the only step that allocates. */
	if (tb[KIPSEC_SA_A_REPLAY_WINDOW]) {
		u32 w = nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]);

		if ((sa->flags & KIPSEC_SA_F_ESN) && !w) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_REPLAY_WINDOW],
					    "extended sequence numbers need a replay window");
			return -EINVAL;
		}
		ret = kipsec_replay_init(&c->replay, w, 0, GFP_KERNEL);
		if (ret)
			return ret;
		c->window = true;
	}
	return 0;
}

/* UPD_SA of a complete SA: what may change does, in place. */
static int sa_update(struct kipsec_net *kn, struct kipsec_sa *sa,
		     struct nlattr **tb, struct netlink_ext_ack *extack)
{
	struct kipsec_sa_change c = { };
	int ret;

	lockdep_assert_held(&kn->lock);
	ret = sa_change_parse(kn, sa, tb, &c, extack);
	if (ret)
		return ret;
	return kipsec_sa_change(kn, sa, &c);
}

int kipsec_nl_new_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	bool update = info->genlhdr->cmd == KIPSEC_CMD_UPD_SA;
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa *sa, *old;
	struct kipsec_sa_key key;
	int ret;

	ret = sa_parse_nest(tb, info);
	if (ret)
		return ret;
	if (update) {
		/* A complete SA changes in place; a larval one is replaced. */
		ret = sa_parse_id(tb, &key, info->extack);
		if (ret)
			return ret;
		mutex_lock(&kn->lock);
		old = kn->active ? kipsec_sa_lookup(kn, key.family, &key.daddr,
						    key.spi, key.proto) : NULL;
		if (!old) {
			NL_SET_ERR_MSG(info->extack, "no such SA to update");
			ret = -ENOENT;
		} else if (!(old->flags & KIPSEC_SA_F_LARVAL)) {
			ret = sa_update(kn, old, tb, info->extack);
		} else {
			ret = 1;
		}
		mutex_unlock(&kn->lock);
		if (ret <= 0)
			return ret;
	} else if (tb[KIPSEC_SA_A_NEW_DADDR] || tb[KIPSEC_SA_A_NEW_SADDR]) {
		NL_SET_ERR_MSG(info->extack,
			       "new addresses are for updating an SA");
		return -EINVAL;
	}
	sa = sa_from_request(tb, info->extack);
	if (IS_ERR(sa))
		return PTR_ERR(sa);

	mutex_lock(&kn->lock);
	ret = kipsec_net_activate(kn);
	if (ret)
		goto out;
	old = kipsec_sa_lookup(kn, sa->key.family, &sa->key.daddr,
			       sa->key.spi, sa->key.proto);
	if (old && !update) {
		NL_SET_ERR_MSG(info->extack, "the SA exists already");
		ret = -EEXIST;
		goto out;
	}
	if (update && (!old || !(old->flags & KIPSEC_SA_F_LARVAL))) {
		/* It went, or was completed, while this one was built. */
		NL_SET_ERR_MSG(info->extack, "the larval SA to complete is gone");
		ret = -ENOENT;
		goto out;
	}
	if (old)
		kipsec_sa_unlink(old);
	ret = kipsec_sa_insert(kn, sa);
	if (!ret)
		kipsec_event_sa(sa, update ? KIPSEC_CMD_UPD_SA :
					     KIPSEC_CMD_NEW_SA);
out:
	mutex_unlock(&kn->lock);
	if (ret)
		kipsec_sa_free(sa);
	return ret;
}

static struct kipsec_sa *sa_find(struct kipsec_net *kn, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	struct kipsec_sa_key key;
	struct kipsec_sa *sa;
	int ret;

	ret = sa_parse_nest(tb, info);
	if (!ret)
		ret = sa_parse_id(tb, &key, info->extack);
	if (ret)
		return ERR_PTR(ret);
	sa = kn->active ? kipsec_sa_lookup(kn, key.family, &key.daddr,
					   key.spi, key.proto) : NULL;
	if (!sa) {
		NL_SET_ERR_MSG(info->extack, "no such SA");
		return ERR_PTR(-ENOENT);
	}
	return sa;
}

int kipsec_nl_del_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct kipsec_sa *sa;

	mutex_lock(&kn->lock);
	sa = sa_find(kn, info);
	if (!IS_ERR(sa)) {
		kipsec_event_sa(sa, KIPSEC_CMD_DEL_SA);
		kipsec_inflight_log(kn, "sa delete");
		kipsec_sa_unlink(sa);
	}
	mutex_unlock(&kn->lock);
	return PTR_ERR_OR_ZERO(sa);
}

static int put_alg(struct sk_buff *skb, int type, const struct kipsec_alg *alg,
		   bool keys)
{
	struct nlattr *nest;

	if (!alg)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    nla_put_string(skb, KIPSEC_ALG_A_NAME, alg->name) ||
	    (keys && nla_put(skb, KIPSEC_ALG_A_KEY, alg->key_len, alg->key)) ||
	    nla_put_u32(skb, KIPSEC_ALG_A_KEY_BITS, alg->key_len * 8) ||
	    (type != KIPSEC_SA_A_ALG_CRYPT &&
	     nla_put_u32(skb, KIPSEC_ALG_A_ICV_BITS, alg->icv_bits)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_encap(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	struct nlattr *nest;
	__be16 sport, dport;

	if (!sa->encap)
		return 0;
	kipsec_sa_encap_ports(sa, &sport, &dport);
	nest = nla_nest_start(skb, KIPSEC_SA_A_ENCAP);
	if (!nest ||
	    nla_put_u16(skb, KIPSEC_ENCAP_A_TYPE, sa->encap_type) ||
	    nla_put_be16(skb, KIPSEC_ENCAP_A_SPORT, sport) ||
	    nla_put_be16(skb, KIPSEC_ENCAP_A_DPORT, dport) ||
	    (sa->encap_oa_len &&
	     nla_put(skb, KIPSEC_ENCAP_A_OA, sa->encap_oa_len, &sa->encap_oa)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_u64s(struct sk_buff *skb, int type, const u64 *v, int n,
		    int pad)
{
	struct nlattr *nest = nla_nest_start(skb, type);
	int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (v[i] && nla_put_u64_64bit(skb, i + 1, v[i], pad))
			return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_stats(struct sk_buff *skb, const u64 *stats)
{
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_SA_A_STATS);

	if (!nest || kipsec_stats_put(skb, stats, true))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nl_put_sa(struct sk_buff *skb, struct kipsec_sa *sa, bool keys)
{
	const struct kipsec_lifetime *l = &sa->lft;
	u64 lft[] = {
		l->soft_bytes, l->hard_bytes, l->soft_packets, l->hard_packets,
		l->soft_add_secs, l->hard_add_secs, l->soft_use_secs,
		l->hard_use_secs,
	};
	u64 cur[] = {
		atomic64_read(&sa->cur_bytes), atomic64_read(&sa->cur_packets),
		sa->add_time, READ_ONCE(sa->use_time),
	};
	u64 stats[__KIPSEC_STAT_MAX];
	struct nlattr *nest, *mark;
	u32 small[8], *bitmap = NULL;	/* windows up to 256 on the stack */
	unsigned int nwords;
	int ret = -EMSGSIZE;
	u64 top;

	BUILD_BUG_ON(ARRAY_SIZE(lft) != KIPSEC_LT_A_HARD_USE_SECS ||
		     ARRAY_SIZE(cur) != KIPSEC_CUR_A_USE_TIME);
	nwords = DIV_ROUND_UP(sa->replay.size, 32);
	if (nwords > ARRAY_SIZE(small)) {
		bitmap = kcalloc(nwords, sizeof(u32), GFP_KERNEL);
		if (!bitmap)
			return -ENOMEM;
	} else if (nwords) {
		bitmap = small;
	}
	spin_lock_bh(&sa->lock);
	top = sa->replay.top;
	if (bitmap)
		kipsec_replay_export(&sa->replay, bitmap, nwords);
	spin_unlock_bh(&sa->lock);
	kipsec_stats_read(sa->stats, stats);

	nest = nla_nest_start(skb, KIPSEC_A_SA);
	if (!nest ||
	    nla_put_u16(skb, KIPSEC_SA_A_FAMILY, sa->key.family) ||
	    kipsec_addr_to_nla(skb, KIPSEC_SA_A_DADDR, sa->key.family,
			       &sa->key.daddr) ||
	    kipsec_addr_to_nla(skb, KIPSEC_SA_A_SADDR, sa->key.family,
			       &sa->saddr) ||
	    nla_put_be32(skb, KIPSEC_SA_A_SPI, sa->key.spi) ||
	    nla_put_u8(skb, KIPSEC_SA_A_PROTO, sa->key.proto) ||
	    nla_put_u8(skb, KIPSEC_SA_A_MODE, sa->mode) ||
	    nla_put_u32(skb, KIPSEC_SA_A_REQID, sa->reqid) ||
	    nla_put_u32(skb, KIPSEC_SA_A_FLAGS, sa->flags) ||
	    put_alg(skb, KIPSEC_SA_A_ALG_AEAD, sa->alg_aead, keys) ||
	    put_alg(skb, KIPSEC_SA_A_ALG_CRYPT, sa->alg_crypt, keys) ||
	    put_alg(skb, KIPSEC_SA_A_ALG_AUTH, sa->alg_auth, keys) ||
	    nla_put_u32(skb, KIPSEC_SA_A_REPLAY_WINDOW, sa->replay.size) ||
	    nla_put_u64_64bit(skb, KIPSEC_SA_A_SEQ, top, KIPSEC_SA_A_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_SA_A_OSEQ,
			      min_t(u64, atomic64_read(&sa->oseq),
				    sa->flags & KIPSEC_SA_F_ESN ? U64_MAX :
								  U32_MAX),
			      KIPSEC_SA_A_PAD) ||
	    (nwords && nla_put(skb, KIPSEC_SA_A_REPLAY_BITMAP,
			       nwords * sizeof(u32), bitmap)) ||
	    (sa->sel.family && kipsec_sel_to_nla(skb, KIPSEC_SA_A_SEL, &sa->sel)) ||
	    put_u64s(skb, KIPSEC_SA_A_LIFETIME, lft, ARRAY_SIZE(lft),
		     KIPSEC_LT_A_PAD) ||
	    put_u64s(skb, KIPSEC_SA_A_CUR, cur, ARRAY_SIZE(cur),
		     KIPSEC_CUR_A_PAD) ||
	    put_stats(skb, stats) ||
	    put_encap(skb, sa))
		goto out;
	if (sa->smark_mask) {
		mark = nla_nest_start(skb, KIPSEC_SA_A_SET_MARK);
		if (!mark ||
		    nla_put_u32(skb, KIPSEC_MARK_A_VALUE, sa->smark_value) ||
		    nla_put_u32(skb, KIPSEC_MARK_A_MASK, sa->smark_mask))
			goto out;
		nla_nest_end(skb, mark);
	}
	nla_nest_end(skb, nest);
	ret = 0;
out:
	if (bitmap != small)
		kfree(bitmap);
	return ret;
}

int kipsec_nl_put_sa_id(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	union kipsec_addr daddr, saddr;
	struct nlattr *nest;

	kipsec_sa_outer(sa, &daddr, &saddr);
	nest = nla_nest_start(skb, KIPSEC_A_SA);
	if (!nest ||
	    nla_put_u16(skb, KIPSEC_SA_A_FAMILY, sa->key.family) ||
	    kipsec_addr_to_nla(skb, KIPSEC_SA_A_DADDR, sa->key.family,
			       &daddr) ||
	    kipsec_addr_to_nla(skb, KIPSEC_SA_A_SADDR, sa->key.family,
			       &saddr) ||
	    nla_put_be32(skb, KIPSEC_SA_A_SPI, sa->key.spi) ||
	    nla_put_u8(skb, KIPSEC_SA_A_PROTO, sa->key.proto) ||
	    nla_put_u32(skb, KIPSEC_SA_A_REQID, sa->reqid) ||
	    put_encap(skb, sa))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nl_get_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct kipsec_sa *sa;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->lock);
	sa = sa_find(kn, info);
	if (IS_ERR(sa)) {
		ret = PTR_ERR(sa);
		goto err;
	}
	hdr = genlmsg_put_reply(msg, info, &kipsec_genl_family, 0,
				KIPSEC_CMD_GET_SA);
	ret = -EMSGSIZE;
	if (!hdr || kipsec_nl_put_sa(msg, sa, kipsec_nl_admin(skb)))
		goto err;
	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	mutex_unlock(&kn->lock);
	nlmsg_free(msg);
	return ret;
}

/*
 * Dump: cb->args[0] is the id to resume from, cb->args[1] the protocol
 * filter + 1 (0 until parsed). Ids only grow until they wrap, so an SA
 * added during a dump may be missed, which the generation check reports.
 */
int kipsec_nl_dump_sa(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(skb->sk));
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	bool keys = kipsec_nl_admin(cb->skb);
	unsigned long id = cb->args[0];
	struct kipsec_sa *sa;
	u8 proto;

	if (!cb->args[1]) {
		struct nlattr *tb[KIPSEC_SA_A_MAX + 1] = { NULL };

		if (info->attrs[KIPSEC_A_SA] &&
		    nla_parse_nested(tb, KIPSEC_SA_A_MAX,
				     info->attrs[KIPSEC_A_SA],
				     kipsec_sa_policy, cb->extack))
			return -EINVAL;
		cb->args[1] = 1 + (tb[KIPSEC_SA_A_PROTO] ?
				   nla_get_u8(tb[KIPSEC_SA_A_PROTO]) : 0);
	}
	proto = cb->args[1] - 1;

	mutex_lock(&kn->lock);
	cb->seq = kn->gen;
	if (!kn->active)
		goto out;
	xa_for_each_start(&kn->sa_ids, id, sa, id) {
		void *hdr;

		if (proto && sa->key.proto != proto)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kipsec_genl_family,
				  NLM_F_MULTI, KIPSEC_CMD_GET_SA);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (kipsec_nl_put_sa(skb, sa, keys)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = id + 1;
	}
out:
	mutex_unlock(&kn->lock);
	return skb->len;
}

int kipsec_nl_alloc_spi(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	u32 min = 0x100, max = U32_MAX;
	struct kipsec_sa *sa;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	ret = sa_parse_nest(tb, info);
	if (ret)
		return ret;
	if (tb[KIPSEC_SA_A_SPI_MIN])
		min = nla_get_u32(tb[KIPSEC_SA_A_SPI_MIN]);
	if (tb[KIPSEC_SA_A_SPI_MAX])
		max = nla_get_u32(tb[KIPSEC_SA_A_SPI_MAX]);
	if (!min || min > max) {
		NL_SET_ERR_MSG(info->extack,
			       "the SPI range must be non-empty and exclude 0");
		return -EINVAL;
	}
	if (!tb[KIPSEC_SA_A_DADDR] || !tb[KIPSEC_SA_A_PROTO]) {
		NL_SET_ERR_MSG(info->extack,
			       "allocating an SPI needs a destination and a protocol");
		return -EINVAL;
	}
	sa = kipsec_sa_alloc(GFP_KERNEL);
	if (!sa)
		return -ENOMEM;
	ret = kipsec_family_from_nla(&sa->key.family, tb[KIPSEC_SA_A_FAMILY],
				     info->extack) ?:
	      kipsec_addr_from_nla(&sa->key.daddr, sa->key.family,
				   tb[KIPSEC_SA_A_DADDR], info->extack) ?:
	      kipsec_addr_from_nla(&sa->saddr, sa->key.family,
				   tb[KIPSEC_SA_A_SADDR], info->extack);
	if (ret)
		goto err_free;
	sa->key.proto = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
	if (tb[KIPSEC_SA_A_MODE])
		sa->mode = nla_get_u8(tb[KIPSEC_SA_A_MODE]);
	if (tb[KIPSEC_SA_A_REQID])
		sa->reqid = nla_get_u32(tb[KIPSEC_SA_A_REQID]);
	sa->add_ns = ktime_get_real_ns();
	sa->add_time = div_u64(sa->add_ns, NSEC_PER_SEC);

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg) {
		ret = -ENOMEM;
		goto err_free;
	}
	mutex_lock(&kn->lock);
	ret = kipsec_net_activate(kn);
	if (!ret)
		ret = kipsec_sa_insert_larval(kn, sa, min, max);
	if (ret) {
		mutex_unlock(&kn->lock);
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG(info->extack, "no free SPI in the range");
		nlmsg_free(msg);
		goto err_free;
	}
	hdr = genlmsg_put_reply(msg, info, &kipsec_genl_family, 0,
				KIPSEC_CMD_ALLOC_SPI);
	ret = !hdr || kipsec_nl_put_sa(msg, sa, false) ? -EMSGSIZE : 0;
	mutex_unlock(&kn->lock);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	kipsec_sa_free(sa);
	return ret;
}

int kipsec_nl_flush_sa(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1] = { NULL };
	u8 proto = 0;
	int ret;

	if (info->attrs[KIPSEC_A_SA]) {
		ret = sa_parse_nest(tb, info);
		if (ret)
			return ret;
		if (tb[KIPSEC_SA_A_PROTO])
			proto = nla_get_u8(tb[KIPSEC_SA_A_PROTO]);
	}
	mutex_lock(&kn->lock);
	if (kn->active) {
		kipsec_sa_flush(kn, proto);
		kipsec_event_flush(kn, KIPSEC_CMD_FLUSH_SA, proto);
	}
	mutex_unlock(&kn->lock);
	return 0;
}
