// SPDX-License-Identifier: GPL-2.0
/*
 * ESP in UDP (RFC 3948): the encapsulation slot of the transform design
 * (xform.h). Not implemented yet: an SA cannot ask for it, and this says
 * so if one ever does.
 */
#include "sa.h"
#include "xform.h"

#include <linux/udp.h>
#include <net/netlink.h>

static int espinudp_init_sa(struct kipsec_sa *sa,
			    struct netlink_ext_ack *extack)
{
	NL_SET_ERR_MSG(extack, "UDP encapsulation is not supported yet");
	return -EOPNOTSUPP;
}

static void espinudp_destroy_sa(struct kipsec_sa *sa)
{
}

static unsigned int espinudp_hdrlen(const struct kipsec_sa *sa)
{
	return sizeof(struct udphdr);
}

static void espinudp_output(struct kipsec_sa *sa, struct sk_buff *skb)
{
	WARN_ON_ONCE(1);	/* init_sa() refuses every SA */
}

const struct kipsec_encap_type kipsec_encap_espinudp = {
	.type		= UDP_ENCAP_ESPINUDP,
	.proto		= IPPROTO_UDP,
	.init_sa	= espinudp_init_sa,
	.destroy_sa	= espinudp_destroy_sa,
	.hdrlen		= espinudp_hdrlen,
	.output		= espinudp_output,
};
