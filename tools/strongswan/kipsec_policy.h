/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Policies for charon, on kipsec: what kernel-netlink does on top of XFRM.
 * charon installs the same policy once per CHILD_SA that uses it (old and
 * new coexist during a rekey), so each policy (direction, selector) is
 * counted here with the list of its users, ordered by priority; the
 * module holds the first user's version. Also the routes into charon's
 * table (charon.install_routes) and the IKE port bypass policies.
 */
#ifndef KIPSEC_POLICY_H_
#define KIPSEC_POLICY_H_

#include "kipsec_nl.h"

#include <kernel/kernel_ipsec.h>

typedef struct kipsec_policy_t kipsec_policy_t;

struct kipsec_policy_t {

	/** kernel_ipsec_t.add_policy */
	status_t (*add)(kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
					kernel_ipsec_manage_policy_t *data);

	/** kernel_ipsec_t.del_policy */
	status_t (*del)(kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
					kernel_ipsec_manage_policy_t *data);

	/** kernel_ipsec_t.query_policy: the last use, monotonic */
	status_t (*query)(kipsec_policy_t *this, kernel_ipsec_policy_id_t *id,
					  time_t *use_time);

	/** kernel_ipsec_t.flush_policies */
	status_t (*flush)(kipsec_policy_t *this);

	/**
	 * kernel_ipsec_t.bypass_socket: "in" and "out" policies that let the
	 * socket's port (charon's IKE ports) pass in clear, ahead of every
	 * other policy; removed on destroy.
	 */
	bool (*bypass_socket)(kipsec_policy_t *this, int fd, int family);

	void (*destroy)(kipsec_policy_t *this);
};

kipsec_policy_t *kipsec_policy_create(kipsec_nl_t *nl);

#endif /* KIPSEC_POLICY_H_ */
