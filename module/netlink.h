/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_NETLINK_H
#define _KIPSEC_NETLINK_H

#include <linux/kipsec.h>
#include <net/genetlink.h>

int kipsec_genl_init(void);
void kipsec_genl_exit(void);

extern struct genl_family kipsec_genl_family;

/*
 * A mark nest (an SA's output mark, the decapsulation mark): value
 * (default 0) and mask (default all ones); both 0 if @nla is NULL.
 */
extern const struct nla_policy kipsec_nl_mark_policy[KIPSEC_MARK_A_MAX + 1];
int kipsec_nl_parse_mark(u32 *value, u32 *mask, const struct nlattr *nla,
			 struct netlink_ext_ack *extack);

/* Whether the requester may see key material (CAP_NET_ADMIN in netns). */
bool kipsec_nl_admin(const struct sk_buff *request);

/* netlink_sa.c */
struct kipsec_sa;
extern const struct nla_policy kipsec_sa_req_policy[KIPSEC_A_MAX + 1];
/* An SA as GET shows it, in a KIPSEC_A_SA nest; keys only if @keys. */
int kipsec_nl_put_sa(struct sk_buff *skb, struct kipsec_sa *sa, bool keys);
/*
 * Only what names an SA (FAMILY, DADDR, SADDR, SPI, PROTO, REQID, ENCAP)
 * in KIPSEC_A_SA: any context.
 */
int kipsec_nl_put_sa_id(struct sk_buff *skb, const struct kipsec_sa *sa);
int kipsec_nl_new_sa(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_del_sa(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_get_sa(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_dump_sa(struct sk_buff *skb, struct netlink_callback *cb);
int kipsec_nl_flush_sa(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_alloc_spi(struct sk_buff *skb, struct genl_info *info);

/* netlink_policy.c */
struct kipsec_policy;
extern const struct nla_policy kipsec_policy_req_policy[KIPSEC_A_MAX + 1];
struct kipsec_tmpl;
/* A policy (KIPSEC_A_POLICY) or a template (KIPSEC_A_TMPL) as GET shows. */
int kipsec_nl_put_policy(struct sk_buff *skb, const struct kipsec_policy *pol);
int kipsec_nl_put_tmpl(struct sk_buff *skb, const struct kipsec_tmpl *t);
int kipsec_nl_new_policy(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_del_policy(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_get_policy(struct sk_buff *skb, struct genl_info *info);
int kipsec_nl_dump_policy(struct sk_buff *skb, struct netlink_callback *cb);
int kipsec_nl_flush_policy(struct sk_buff *skb, struct genl_info *info);

#endif /* _KIPSEC_NETLINK_H */
