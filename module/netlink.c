// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "kipsec": the command table, the namespace's
 * own commands (info, defaults, config, stats) and the mark nest they share
 * with SAs. uapi/linux/kipsec.h is the specification of everything here.
 */
#include "encap.h"
#include "netlink.h"
#include "netns.h"
#include "policy.h"
#include "sa.h"
#include "version.h"

#include <linux/kipsec.h>
#include <linux/socket.h>
#include <net/genetlink.h>

/*
 * Attribute policies of the nests parsed here; the SA's and the policy's
 * are beside their parsers (netlink_sa.c, netlink_policy.c, selector.c).
 */

const struct nla_policy kipsec_nl_mark_policy[KIPSEC_MARK_A_MAX + 1] = {
	[KIPSEC_MARK_A_VALUE] = { .type = NLA_U32 },
	[KIPSEC_MARK_A_MASK] = { .type = NLA_U32 },
};

int kipsec_nl_parse_mark(u32 *value, u32 *mask, const struct nlattr *nla,
			 struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_MARK_A_MAX + 1];
	int ret;

	*value = 0;
	*mask = 0;
	if (!nla)
		return 0;
	ret = nla_parse_nested(tb, KIPSEC_MARK_A_MAX, nla, kipsec_nl_mark_policy,
			       extack);
	if (ret)
		return ret;
	if (tb[KIPSEC_MARK_A_VALUE])
		*value = nla_get_u32(tb[KIPSEC_MARK_A_VALUE]);
	*mask = tb[KIPSEC_MARK_A_MASK] ? nla_get_u32(tb[KIPSEC_MARK_A_MASK]) :
					 U32_MAX;
	return 0;
}

static const struct nla_policy kipsec_default_policy[KIPSEC_DEFAULT_A_MAX + 1] = {
	[KIPSEC_DEFAULT_A_IN] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_ACTION_MAX - 1),
	[KIPSEC_DEFAULT_A_OUT] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_ACTION_MAX - 1),
	[KIPSEC_DEFAULT_A_FWD] = NLA_POLICY_MAX(NLA_U8, __KIPSEC_ACTION_MAX - 1),
};

static const struct nla_policy kipsec_config_policy[KIPSEC_CONFIG_A_MAX + 1] = {
	[KIPSEC_CONFIG_A_ACQUIRE_EXPIRES] = NLA_POLICY_MIN(NLA_U32, 1),
	[KIPSEC_CONFIG_A_DECAP_MARK] = NLA_POLICY_NESTED(kipsec_nl_mark_policy),
	[KIPSEC_CONFIG_A_ENCAP_PORT] = { .type = NLA_U16 },
};

/*
 * Top level, per command: a request may carry only the nest its command
 * takes. Commands with no policy take no attributes at all.
 */
static const struct nla_policy kipsec_default_req_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_DEFAULT] = NLA_POLICY_NESTED(kipsec_default_policy),
};

static const struct nla_policy kipsec_config_req_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_CONFIG] = NLA_POLICY_NESTED(kipsec_config_policy),
};

static const struct nla_policy kipsec_encap_sock_req_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_ENCAP_FD] = { .type = NLA_U32 },
};

static int kipsec_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &kipsec_genl_family, 0,
				KIPSEC_CMD_GET_INFO);
	if (!hdr)
		goto nla_put_failure;

	nest = nla_nest_start(msg, KIPSEC_A_INFO);
	if (!nest)
		goto nla_put_failure;
	if (nla_put_string(msg, KIPSEC_INFO_A_VERSION, KIPSEC_VERSION) ||
	    nla_put_u32(msg, KIPSEC_INFO_A_ABI, KIPSEC_GENL_VERSION) ||
	    nla_put_u32(msg, KIPSEC_INFO_A_REPLAY_WINDOW_MAX,
			KIPSEC_REPLAY_WINDOW_MAX) ||
	    nla_put_u32(msg, KIPSEC_INFO_A_MAX_TMPLS, KIPSEC_MAX_TMPLS))
		goto nla_put_failure;
	nla_nest_end(msg, nest);

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

bool kipsec_nl_admin(const struct sk_buff *request)
{
	return netlink_ns_capable(request, sock_net(request->sk)->user_ns,
				  CAP_NET_ADMIN);
}

/* Starts a reply to @info carrying @cmd; NULL if out of memory. */
static struct sk_buff *reply_start(struct genl_info *info, u8 cmd,
				   void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put_reply(msg, info, &kipsec_genl_family, 0, cmd);
	if (!*hdr) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static int kipsec_get_stats(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	u64 sum[__KIPSEC_STAT_MAX] = { 0 };
	struct sk_buff *msg;
	struct nlattr *nest;
	u32 sas, pols;
	void *hdr;

	msg = reply_start(info, KIPSEC_CMD_GET_STATS, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->lock);
	sas = kn->sa_count;
	pols = kn->pol_count;
	if (kn->active)
		kipsec_stats_read(kn->stats, sum);
	mutex_unlock(&kn->lock);

	nest = nla_nest_start(msg, KIPSEC_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(msg, KIPSEC_STATS_A_SA_COUNT, sas,
			      KIPSEC_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, KIPSEC_STATS_A_POLICY_COUNT, pols,
			      KIPSEC_STATS_A_PAD) ||
	    kipsec_stats_put(msg, sum, false))
		goto nla_put_failure;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int kipsec_set_default(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_DEFAULT_A_MAX + 1];
	static const u8 dirs[] = {
		[KIPSEC_DEFAULT_A_IN] = KIPSEC_DIR_IN,
		[KIPSEC_DEFAULT_A_OUT] = KIPSEC_DIR_OUT,
		[KIPSEC_DEFAULT_A_FWD] = KIPSEC_DIR_FWD,
	};
	int i, ret;

	if (!info->attrs[KIPSEC_A_DEFAULT]) {
		NL_SET_ERR_MSG(info->extack, "the default nest is missing");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, KIPSEC_DEFAULT_A_MAX,
			       info->attrs[KIPSEC_A_DEFAULT],
			       kipsec_default_policy, info->extack);
	if (ret)
		return ret;
	mutex_lock(&kn->lock);
	ret = kipsec_net_activate(kn);
	for (i = KIPSEC_DEFAULT_A_IN; !ret && i <= KIPSEC_DEFAULT_A_FWD; i++)
		if (tb[i])
			WRITE_ONCE(kn->default_action[dirs[i]],
				   nla_get_u8(tb[i]));
	mutex_unlock(&kn->lock);
	return ret;
}

static int kipsec_get_default(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct sk_buff *msg;
	struct nlattr *nest;
	void *hdr;

	msg = reply_start(info, KIPSEC_CMD_GET_DEFAULT, &hdr);
	if (!msg)
		return -ENOMEM;
	nest = nla_nest_start(msg, KIPSEC_A_DEFAULT);
	if (!nest ||
	    nla_put_u8(msg, KIPSEC_DEFAULT_A_IN,
		       READ_ONCE(kn->default_action[KIPSEC_DIR_IN])) ||
	    nla_put_u8(msg, KIPSEC_DEFAULT_A_OUT,
		       READ_ONCE(kn->default_action[KIPSEC_DIR_OUT])) ||
	    nla_put_u8(msg, KIPSEC_DEFAULT_A_FWD,
		       READ_ONCE(kn->default_action[KIPSEC_DIR_FWD]))) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int kipsec_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *tb[KIPSEC_CONFIG_A_MAX + 1];
	u32 value, mask;
	int ret;

	if (!info->attrs[KIPSEC_A_CONFIG]) {
		NL_SET_ERR_MSG(info->extack, "the config nest is missing");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, KIPSEC_CONFIG_A_MAX,
			       info->attrs[KIPSEC_A_CONFIG],
			       kipsec_config_policy, info->extack);
	if (!ret)
		ret = kipsec_nl_parse_mark(&value, &mask,
					   tb[KIPSEC_CONFIG_A_DECAP_MARK],
					   info->extack);
	if (ret)
		return ret;
	mutex_lock(&kn->lock);
	/* First: the one setting that can fail, and then changes nothing. */
	if (tb[KIPSEC_CONFIG_A_ENCAP_PORT]) {
		ret = kipsec_encap_set_port(kn,
					    nla_get_u16(tb[KIPSEC_CONFIG_A_ENCAP_PORT]),
					    info->extack);
		if (ret) {
			mutex_unlock(&kn->lock);
			return ret;
		}
	}
	if (tb[KIPSEC_CONFIG_A_ACQUIRE_EXPIRES])
		kn->acquire_expires =
			nla_get_u32(tb[KIPSEC_CONFIG_A_ACQUIRE_EXPIRES]);
	if (tb[KIPSEC_CONFIG_A_DECAP_MARK]) {
		WRITE_ONCE(kn->decap_mark_value, value);
		WRITE_ONCE(kn->decap_mark_mask, mask);
	}
	mutex_unlock(&kn->lock);
	return 0;
}

static int kipsec_get_config(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	struct nlattr *nest, *mark;
	struct sk_buff *msg;
	void *hdr;

	msg = reply_start(info, KIPSEC_CMD_GET_CONFIG, &hdr);
	if (!msg)
		return -ENOMEM;
	mutex_lock(&kn->lock);
	nest = nla_nest_start(msg, KIPSEC_A_CONFIG);
	if (!nest ||
	    nla_put_u32(msg, KIPSEC_CONFIG_A_ACQUIRE_EXPIRES,
			kn->acquire_expires) ||
	    nla_put_u16(msg, KIPSEC_CONFIG_A_ENCAP_PORT, kn->encap_port))
		goto nla_put_failure;
	mark = nla_nest_start(msg, KIPSEC_CONFIG_A_DECAP_MARK);
	if (!mark ||
	    nla_put_u32(msg, KIPSEC_MARK_A_VALUE, kn->decap_mark_value) ||
	    nla_put_u32(msg, KIPSEC_MARK_A_MASK, kn->decap_mark_mask))
		goto nla_put_failure;
	nla_nest_end(msg, mark);
	nla_nest_end(msg, nest);
	mutex_unlock(&kn->lock);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

nla_put_failure:
	mutex_unlock(&kn->lock);
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int kipsec_encap_sock(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = kipsec_net(genl_info_net(info));
	int ret;

	if (!info->attrs[KIPSEC_A_ENCAP_FD]) {
		NL_SET_ERR_MSG(info->extack, "the file descriptor is missing");
		return -EINVAL;
	}
	mutex_lock(&kn->lock);
	ret = kipsec_encap_daemon_add(kn,
				      nla_get_u32(info->attrs[KIPSEC_A_ENCAP_FD]),
				      info->extack);
	mutex_unlock(&kn->lock);
	return ret;
}

/* A command taking no attributes. */
#define KIPSEC_OP(_cmd, _doit, _flags) {				\
	.cmd = (_cmd),							\
	.doit = (_doit),						\
	.flags = (_flags),						\
}

/* A command taking the top-level attributes @_policy allows. */
#define KIPSEC_OP_ATTRS(_cmd, _doit, _policy, _flags) {			\
	.cmd = (_cmd),							\
	.doit = (_doit),						\
	.policy = (_policy),						\
	.maxattr = KIPSEC_A_MAX,					\
	.flags = (_flags),						\
}

#define KIPSEC_ADMIN GENL_UNS_ADMIN_PERM

/* Doit and dump of a GET command. */
#define KIPSEC_OP_GET(_cmd, _doit, _dumpit, _policy) {			\
	.cmd = (_cmd),							\
	.doit = (_doit),						\
	.dumpit = (_dumpit),						\
	.policy = (_policy),						\
	.maxattr = KIPSEC_A_MAX,					\
}

static const struct genl_ops kipsec_genl_ops[] = {
	KIPSEC_OP(KIPSEC_CMD_GET_INFO, kipsec_get_info, 0),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_NEW_SA, kipsec_nl_new_sa,
			kipsec_sa_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_UPD_SA, kipsec_nl_new_sa,
			kipsec_sa_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_DEL_SA, kipsec_nl_del_sa,
			kipsec_sa_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_GET(KIPSEC_CMD_GET_SA, kipsec_nl_get_sa, kipsec_nl_dump_sa,
		      kipsec_sa_req_policy),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_FLUSH_SA, kipsec_nl_flush_sa,
			kipsec_sa_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_ALLOC_SPI, kipsec_nl_alloc_spi,
			kipsec_sa_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_NEW_POLICY, kipsec_nl_new_policy,
			kipsec_policy_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_UPD_POLICY, kipsec_nl_new_policy,
			kipsec_policy_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_DEL_POLICY, kipsec_nl_del_policy,
			kipsec_policy_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_GET(KIPSEC_CMD_GET_POLICY, kipsec_nl_get_policy,
		      kipsec_nl_dump_policy, kipsec_policy_req_policy),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_FLUSH_POLICY, kipsec_nl_flush_policy,
			kipsec_policy_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_SET_DEFAULT, kipsec_set_default,
			kipsec_default_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP(KIPSEC_CMD_GET_DEFAULT, kipsec_get_default, 0),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_SET_CONFIG, kipsec_set_config,
			kipsec_config_req_policy, KIPSEC_ADMIN),
	KIPSEC_OP(KIPSEC_CMD_GET_CONFIG, kipsec_get_config, 0),
	KIPSEC_OP(KIPSEC_CMD_GET_STATS, kipsec_get_stats, 0),
	KIPSEC_OP_ATTRS(KIPSEC_CMD_ENCAP_SOCK, kipsec_encap_sock,
			kipsec_encap_sock_req_policy, KIPSEC_ADMIN),
};

static const struct genl_multicast_group kipsec_mcgrps[] = {
	{ .name = KIPSEC_MCGRP_EVENTS, .flags = COMPAT_MCGRP_ADMIN_FLAGS },
};

struct genl_family kipsec_genl_family __ro_after_init = {
	.name = KIPSEC_GENL_NAME,
	.version = KIPSEC_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = kipsec_genl_ops,
	.n_ops = ARRAY_SIZE(kipsec_genl_ops),
	.resv_start_op = 0,	/* strict: a command takes only its attributes */
	.mcgrps = kipsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kipsec_mcgrps),
};

int __init kipsec_genl_init(void)
{
	return genl_register_family(&kipsec_genl_family);
}

void kipsec_genl_exit(void)
{
	genl_unregister_family(&kipsec_genl_family);
}
