// SPDX-License-Identifier: GPL-2.0
/*
 * Policy commands: NEW_POLICY, UPD_POLICY, DEL_POLICY, GET_POLICY (one or
 * a dump), FLUSH_POLICY. See uapi/linux/kipsec.h for the attribute trees.
 */
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "event.h"

#include <linux/slab.h>
#include <net/genetlink.h>

/* Attribute policies of the policy's nests. */

static const struct nla_policy kipsec_tmpl_policy[KIPSEC_TMPL_A_MAX + 1] = {
	[KIPSEC_TMPL_A_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_TMPL_A_DADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_TMPL_A_SADDR] = KIPSEC_ADDR_POLICY,
	[KIPSEC_TMPL_A_PROTO] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_PROTO_ESP,
						 KIPSEC_PROTO_AH),
	[KIPSEC_TMPL_A_MODE] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_MODE_MAX - 1),
	[KIPSEC_TMPL_A_REQID] = { .type = NLA_U32 },
	[KIPSEC_TMPL_A_SPI] = { .type = NLA_BE32 },
	[KIPSEC_TMPL_A_LEVEL] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_LEVEL_MAX - 1),
};

static const struct nla_policy kipsec_policy_policy[KIPSEC_POL_A_MAX + 1] = {
	[KIPSEC_POL_A_DIR] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_DIR_MAX - 1),
	[KIPSEC_POL_A_SEL] = NLA_POLICY_NESTED(kipsec_sel_policy),
	[KIPSEC_POL_A_PRIORITY] = { .type = NLA_U32 },
	[KIPSEC_POL_A_ACTION] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_ACTION_MAX - 1),
	[KIPSEC_POL_A_INDEX] = { .type = NLA_U32 },
	[KIPSEC_POL_A_TMPLS] = NLA_POLICY_NESTED_ARRAY(kipsec_tmpl_policy),
	[KIPSEC_POL_A_CUR] = { .type = NLA_REJECT,
			       .reject_message = "policy use counters are read only" },
};

/* The policy commands' top level: the policy nest only. */
const struct nla_policy kipsec_policy_req_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_POLICY] = NLA_POLICY_NESTED(kipsec_policy_policy),
};

static int pol_parse_nest(struct nlattr **tb, const struct genl_info *info)
{
	if (!info->attrs[KIPSEC_A_POLICY]) {
		NL_SET_ERR_MSG(info->extack,
			       "the policy attribute nest is missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, KIPSEC_POL_A_MAX,
				info->attrs[KIPSEC_A_POLICY],
				kipsec_policy_policy, info->extack);
}

static int parse_tmpl(struct kipsec_tmpl *t, const struct nlattr *nla,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_TMPL_A_MAX + 1];
	int ret;

	memset(t, 0, sizeof(*t));
	ret = nla_parse_nested(tb, KIPSEC_TMPL_A_MAX, nla, kipsec_tmpl_policy,
			       extack);
	if (ret)
		return ret;
	t->proto = tb[KIPSEC_TMPL_A_PROTO] ?
		   nla_get_u8(tb[KIPSEC_TMPL_A_PROTO]) : IPPROTO_ESP;
	if (tb[KIPSEC_TMPL_A_MODE])
		t->mode = nla_get_u8(tb[KIPSEC_TMPL_A_MODE]);
	if (tb[KIPSEC_TMPL_A_LEVEL])
		t->level = nla_get_u8(tb[KIPSEC_TMPL_A_LEVEL]);
	if (tb[KIPSEC_TMPL_A_REQID])
		t->reqid = nla_get_u32(tb[KIPSEC_TMPL_A_REQID]);
	if (tb[KIPSEC_TMPL_A_SPI])
		t->spi = nla_get_be32(tb[KIPSEC_TMPL_A_SPI]);
	if (t->mode == KIPSEC_MODE_TUNNEL &&
	    (!tb[KIPSEC_TMPL_A_FAMILY] || !tb[KIPSEC_TMPL_A_DADDR])) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "a tunnel-mode template needs its endpoints");
		return -EINVAL;
	}
	/* Transport mode: addresses are kept for display only, as XFRM. */
	if (tb[KIPSEC_TMPL_A_FAMILY]) {
		ret = kipsec_family_from_nla(&t->family,
					     tb[KIPSEC_TMPL_A_FAMILY], extack) ?:
		      kipsec_addr_from_nla(&t->daddr, t->family,
					   tb[KIPSEC_TMPL_A_DADDR], extack) ?:
		      kipsec_addr_from_nla(&t->saddr, t->family,
					   tb[KIPSEC_TMPL_A_SADDR], extack);
		if (ret)
			return ret;
	} else if (tb[KIPSEC_TMPL_A_DADDR] || tb[KIPSEC_TMPL_A_SADDR]) {
		NL_SET_ERR_MSG_ATTR(extack, nla,
				    "template addresses need a family");
		return -EINVAL;
	}
	return 0;
}

static struct kipsec_policy *policy_from_request(struct nlattr **tb,
						 struct netlink_ext_ack *extack)
{
	struct kipsec_policy *pol;
	const struct nlattr *nla;
	int ntmpl = 0, rem, ret;

	if (!tb[KIPSEC_POL_A_DIR]) {
		NL_SET_ERR_MSG(extack, "the policy's direction is missing");
		return ERR_PTR(-EINVAL);
	}
	if (!tb[KIPSEC_POL_A_SEL]) {
		NL_SET_ERR_MSG(extack,
			       "the policy's selector is missing (an empty one matches everything)");
		return ERR_PTR(-EINVAL);
	}
	if (tb[KIPSEC_POL_A_TMPLS])
		nla_for_each_nested(nla, tb[KIPSEC_POL_A_TMPLS], rem)
			ntmpl++;
	if (ntmpl > KIPSEC_MAX_TMPLS) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_TMPLS],
				    "a policy takes at most 6 templates");
		return ERR_PTR(-EINVAL);
	}
	if (ntmpl > 1) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_TMPLS],
				    "nested templates are not supported yet");
		return ERR_PTR(-EOPNOTSUPP);
	}
	pol = kzalloc(struct_size(pol, tmpl, ntmpl), GFP_KERNEL);
	if (!pol)
		return ERR_PTR(-ENOMEM);
	pol->key.dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	ret = kipsec_sel_from_nla(&pol->key.sel, tb[KIPSEC_POL_A_SEL], extack);
	if (ret)
		goto err;
	if (tb[KIPSEC_POL_A_PRIORITY])
		pol->priority = nla_get_u32(tb[KIPSEC_POL_A_PRIORITY]);
	if (tb[KIPSEC_POL_A_ACTION])
		pol->action = nla_get_u8(tb[KIPSEC_POL_A_ACTION]);
	if (tb[KIPSEC_POL_A_INDEX])
		pol->index = nla_get_u32(tb[KIPSEC_POL_A_INDEX]);
	if (tb[KIPSEC_POL_A_TMPLS]) {
		nla_for_each_nested(nla, tb[KIPSEC_POL_A_TMPLS], rem) {
			ret = parse_tmpl(&pol->tmpl[pol->ntmpl], nla, extack);
			if (ret)
				goto err;
			pol->ntmpl++;
		}
	}
	if (pol->ntmpl && pol->action == KIPSEC_ACTION_BLOCK) {
		NL_SET_ERR_MSG(extack, "a blocking policy takes no template");
		ret = -EINVAL;
		goto err;
	}
	pol->add_time = ktime_get_real_seconds();
	return pol;

err:
	kfree(pol);
	return ERR_PTR(ret);
}

int kipsec_nl_new_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	bool update = info->genlhdr->cmd == KIPSEC_CMD_UPD_POLICY;
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct kipsec_policy *pol, *old;
	int ret;

	ret = pol_parse_nest(tb, info);
	if (ret)
		return ret;
	pol = policy_from_request(tb, info->extack);
	if (IS_ERR(pol))
		return PTR_ERR(pol);

	mutex_lock(&kn->lock);
	ret = kipsec_net_activate(kn);
	if (ret)
		goto out;
	old = kipsec_policy_find(kn, pol->key.dir, &pol->key.sel);
	if (old && !update) {
		NL_SET_ERR_MSG(info->extack, "the policy exists already");
		ret = -EEXIST;
		goto out;
	}
	ret = kipsec_policy_insert(kn, pol, old);
	if (ret == -EEXIST)
		NL_SET_ERR_MSG(info->extack, "the policy index is taken");
	if (!ret)
		kipsec_event_policy(kn, pol, old ? KIPSEC_CMD_UPD_POLICY :
						   KIPSEC_CMD_NEW_POLICY);
out:
	mutex_unlock(&kn->lock);
	if (ret)
		kfree(pol);
	return ret;
}

/* The policy a DEL or GET names: by (dir, selector) or by index. */
static struct kipsec_policy *policy_find(struct kipsec_net *kn,
					 struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	struct kipsec_policy *pol = NULL;
	struct kipsec_sel sel;
	u32 index;
	int ret;
	u8 dir;

	ret = pol_parse_nest(tb, info);
	if (ret)
		return ERR_PTR(ret);
	if (!tb[KIPSEC_POL_A_DIR]) {
		NL_SET_ERR_MSG(info->extack, "the policy's direction is missing");
		return ERR_PTR(-EINVAL);
	}
	if (!tb[KIPSEC_POL_A_INDEX] && !tb[KIPSEC_POL_A_SEL]) {
		NL_SET_ERR_MSG(info->extack,
			       "a policy is named by its selector or its index");
		return ERR_PTR(-EINVAL);
	}
	dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	if (tb[KIPSEC_POL_A_INDEX]) {
		index = nla_get_u32(tb[KIPSEC_POL_A_INDEX]);
		if (kn->active)
			pol = kipsec_policy_by_index(kn, index);
		if (pol && pol->key.dir != dir)
			pol = NULL;
	} else {
		ret = kipsec_sel_from_nla(&sel, tb[KIPSEC_POL_A_SEL],
					  info->extack);
		if (ret)
			return ERR_PTR(ret);
		if (kn->active)
			pol = kipsec_policy_find(kn, dir, &sel);
	}
	if (!pol) {
		NL_SET_ERR_MSG(info->extack, "no such policy");
		return ERR_PTR(-ENOENT);
	}
	return pol;
}

int kipsec_nl_del_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct kipsec_policy *pol;

	mutex_lock(&kn->lock);
	pol = policy_find(kn, info);
	if (!IS_ERR(pol)) {
		kipsec_event_policy(kn, pol, KIPSEC_CMD_DEL_POLICY);
		kipsec_policy_unlink(kn, pol);
	}
	mutex_unlock(&kn->lock);
	return PTR_ERR_OR_ZERO(pol);
}

int kipsec_nl_put_tmpl(struct sk_buff *skb, const struct kipsec_tmpl *t)
{
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_A_TMPL);

	if (!nest ||
	    (t->family &&
	     (nla_put_u16(skb, KIPSEC_TMPL_A_FAMILY, t->family) ||
	      kipsec_addr_to_nla(skb, KIPSEC_TMPL_A_DADDR, t->family,
				 &t->daddr) ||
	      kipsec_addr_to_nla(skb, KIPSEC_TMPL_A_SADDR, t->family,
				 &t->saddr))) ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_PROTO, t->proto) ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_MODE, t->mode) ||
	    nla_put_u32(skb, KIPSEC_TMPL_A_REQID, t->reqid) ||
	    nla_put_be32(skb, KIPSEC_TMPL_A_SPI, t->spi) ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_LEVEL, t->level))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nl_put_policy(struct sk_buff *skb, const struct kipsec_policy *pol)
{
	struct nlattr *nest, *tmpls, *cur;
	int i;

	nest = nla_nest_start(skb, KIPSEC_A_POLICY);
	if (!nest ||
	    nla_put_u8(skb, KIPSEC_POL_A_DIR, pol->key.dir) ||
	    kipsec_sel_to_nla(skb, KIPSEC_POL_A_SEL, &pol->key.sel) ||
	    nla_put_u32(skb, KIPSEC_POL_A_PRIORITY, pol->priority) ||
	    nla_put_u8(skb, KIPSEC_POL_A_ACTION, pol->action) ||
	    nla_put_u32(skb, KIPSEC_POL_A_INDEX, pol->index))
		return -EMSGSIZE;
	if (pol->ntmpl) {
		tmpls = nla_nest_start(skb, KIPSEC_POL_A_TMPLS);
		if (!tmpls)
			return -EMSGSIZE;
		for (i = 0; i < pol->ntmpl; i++)
			if (kipsec_nl_put_tmpl(skb, &pol->tmpl[i]))
				return -EMSGSIZE;
		nla_nest_end(skb, tmpls);
	}
	cur = nla_nest_start(skb, KIPSEC_POL_A_CUR);
	if (!cur ||
	    nla_put_u64_64bit(skb, KIPSEC_CUR_A_ADD_TIME, pol->add_time,
			      KIPSEC_CUR_A_PAD) ||
	    nla_put_u64_64bit(skb, KIPSEC_CUR_A_USE_TIME,
			      READ_ONCE(pol->use_time), KIPSEC_CUR_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, cur);
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nl_get_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct kipsec_policy *pol;
	struct sk_buff *msg;
	void *hdr;
	int ret;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->lock);
	pol = policy_find(kn, info);
	if (IS_ERR(pol)) {
		ret = PTR_ERR(pol);
		goto err;
	}
	hdr = genlmsg_put_reply(msg, info, &kipsec_genl_family, 0,
				KIPSEC_CMD_GET_POLICY);
	ret = -EMSGSIZE;
	if (!hdr || kipsec_nl_put_policy(msg, pol))
		goto err;
	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	mutex_unlock(&kn->lock);
	nlmsg_free(msg);
	return ret;
}

/* Dump: cb->args[0] is the index to resume from, args[1] the dir + 1. */
int kipsec_nl_dump_policy(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_net(sock_net(skb->sk));
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	unsigned long index = cb->args[0];
	struct kipsec_policy *pol;
	int dir;

	if (!cb->args[1]) {
		struct nlattr *tb[KIPSEC_POL_A_MAX + 1] = { NULL };

		if (info->attrs[KIPSEC_A_POLICY] &&
		    nla_parse_nested(tb, KIPSEC_POL_A_MAX,
				     info->attrs[KIPSEC_A_POLICY],
				     kipsec_policy_policy, cb->extack))
			return -EINVAL;
		cb->args[1] = tb[KIPSEC_POL_A_DIR] ?
			      nla_get_u8(tb[KIPSEC_POL_A_DIR]) + 1 :
			      __KIPSEC_DIR_MAX + 1;
	}
	dir = cb->args[1] - 1;

	mutex_lock(&kn->lock);
	cb->seq = kn->gen;
	if (!kn->active)
		goto out;
	xa_for_each_start(&kn->pol_ids, index, pol, index) {
		void *hdr;

		if (dir < __KIPSEC_DIR_MAX && pol->key.dir != dir)
			continue;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &kipsec_genl_family,
				  NLM_F_MULTI, KIPSEC_CMD_GET_POLICY);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (kipsec_nl_put_policy(skb, pol)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = index + 1;
	}
out:
	mutex_unlock(&kn->lock);
	return skb->len;
}

int kipsec_nl_flush_policy(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1] = { NULL };
	int dir = -1, ret;

	if (info->attrs[KIPSEC_A_POLICY]) {
		ret = pol_parse_nest(tb, info);
		if (ret)
			return ret;
		if (tb[KIPSEC_POL_A_DIR])
			dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	}
	mutex_lock(&kn->lock);
	if (kn->active) {
		kipsec_policy_flush(kn, dir);
		kipsec_event_flush(kn, KIPSEC_CMD_FLUSH_POLICY, dir);
	}
	mutex_unlock(&kn->lock);
	return 0;
}
