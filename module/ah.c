// SPDX-License-Identifier: GPL-2.0
/*
 * AH (RFC 4302): an ICV over the whole IP packet, computed with a
 * crypto_ahash, with the fields a router may change seen as zero (section
 * 3.3.3 and Appendix A). The packet itself is never modified for that:
 * the IP header and its extension headers are copied into the per-packet
 * allocation, the mutable fields cleared there, and the hash runs over
 * that copy followed by the AH header and payload in the skb (and the
 * high half of an extended sequence number, which RFC 4302 3.3.3.2.1
 * appends). One allocation per packet holds the header copy, the ICVs,
 * the request and the scatterlist; one completion serves sync and async.
 *
 * The AH header is padded to a multiple of 8 bytes, as XFRM does, or over
 * IPv4 to 4 with "flag align4" (RFC 4302 allows either there; IPv6 wants
 * 8); on input both 4 and 8 are accepted over IPv4.
 */
#include "alg.h"
#include "datapath.h"
#include "debug.h"
#include "output.h"
#include "sa.h"
#include "xform.h"

#include <crypto/algapi.h>
#include <crypto/hash.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#define AH_HDR_LEN	12	/* next header ... sequence number */

static int ah_init_sa(struct kipsec_sa *sa, struct netlink_ext_ack *extack)
{
	const struct kipsec_alg *auth = sa->alg_auth;
	struct crypto_ahash *ahash;
	u32 icv_bits;
	int ret;

	if (sa->alg_aead || sa->alg_crypt || !auth) {
		NL_SET_ERR_MSG(extack,
			       "an AH SA takes an integrity algorithm and nothing else");
		return -EINVAL;
	}
	ret = kipsec_auth_lookup(auth, &icv_bits, extack);
	if (ret)
		return ret;
	ahash = kipsec_alloc_ahash(auth->name);
	if (IS_ERR(ahash)) {
		NL_SET_ERR_MSG(extack,
			       "the kernel crypto API cannot provide this algorithm");
		return PTR_ERR(ahash) == -ENOENT ? -EOPNOTSUPP : PTR_ERR(ahash);
	}
	sa->ahash = ahash;
	if (icv_bits / 8 > crypto_ahash_digestsize(ahash)) {
		NL_SET_ERR_MSG(extack,
			       "ICV length not valid for this integrity algorithm");
		return -EINVAL;
	}
	if (crypto_ahash_setkey(ahash, auth->key, auth->key_len)) {
		NL_SET_ERR_MSG(extack, "key length not valid for this algorithm");
		return -EINVAL;
	}
	sa->alg_auth->icv_bits = icv_bits;
	sa->icvlen = icv_bits / 8;
	sa->ahlen = ALIGN(AH_HDR_LEN + sa->icvlen,
			  sa->key.family == AF_INET &&
			  (sa->flags & KIPSEC_SA_F_ALIGN4) ? 4 : 8);
	return 0;
}

/*
 * The per-packet allocation: this layout, the header copy (IP header,
 * extension headers and, on input, the AH header), the ESN high half, the
 * received ICV, the computed ICV, the request and the scatterlist.
 */
struct ah_tmp {
	u8 *icv_rx;
	u8 *icv;
	__be32 *seqhi;
	struct ahash_request *req;
	struct scatterlist *sg;
	unsigned int hdrlen;
	u8 nexthdr;
	u8 hdr[] __aligned(8);
};

static struct ah_tmp *ah_alloc_tmp(struct crypto_ahash *ahash,
				   unsigned int hdrlen, int nsg)
{
	unsigned int digest = crypto_ahash_digestsize(ahash);
	unsigned int amask = crypto_ahash_alignmask(ahash);
	struct ah_tmp *t;
	size_t len;

	len = sizeof(*t) + ALIGN(hdrlen, 4) + 4 + digest;
	len = ALIGN(len + amask, amask + 1) + digest;
	len = ALIGN(len, crypto_tfm_ctx_alignment());
	len += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	t = kmalloc(len, GFP_ATOMIC);
	if (!t)
		return NULL;
	t->hdrlen = hdrlen;
	t->seqhi = (__be32 *)(t->hdr + ALIGN(hdrlen, 4));
	t->icv_rx = (u8 *)(t->seqhi + 1);
	t->icv = PTR_ALIGN(t->icv_rx + digest, amask + 1);
	t->req = (void *)PTR_ALIGN(t->icv + digest, crypto_tfm_ctx_alignment());
	t->sg = (void *)ALIGN((unsigned long)(t->req + 1) +
			      crypto_ahash_reqsize(ahash),
			      __alignof__(struct scatterlist));
	return t;
}

/*
 * IPv4 options (RFC 4302 Appendix A.1, as XFRM): the security options and
 * router alert are immutable; every other option, known or not, is seen
 * as zero. With a source route, the destination is the final one.
 */
static int ah_clear_options4(struct iphdr *iph)
{
	u8 *opt = (u8 *)(iph + 1);
	int l = iph->ihl * 4 - sizeof(*iph);
	int optlen;

	while (l > 0) {
		if (opt[0] == IPOPT_END)
			return 0;
		if (opt[0] == IPOPT_NOOP) {
			l--;
			opt++;
			continue;
		}
		if (l < 2)
			return -EINVAL;
		optlen = opt[1];
		if (optlen < 2 || optlen > l)
			return -EINVAL;
		switch (opt[0]) {
		case IPOPT_SEC:
		case 0x85:		/* extended security */
		case IPOPT_CIPSO:
		case IPOPT_RA:
		case 0x80 | 21:		/* RFC 1770 */
			break;
		case IPOPT_LSRR:
		case IPOPT_SSRR:
			if (optlen < 7)
				return -EINVAL;
			memcpy(&iph->daddr, opt + optlen - 4, 4);
			fallthrough;
		default:
			memset(opt, 0, optlen);
		}
		l -= optlen;
		opt += optlen;
	}
	return 0;
}

/* Hop-by-hop and destination options: "may change" ones count as zero. */
static int ah_clear_tlvs6(struct ipv6_opt_hdr *h)
{
	u8 *opt = (u8 *)h;
	int len = ipv6_optlen(h), off = 2, optlen;

	while (off < len) {
		if (opt[off] == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 2 > len)
			return -EINVAL;
		optlen = opt[off + 1] + 2;
		if (off + optlen > len)
			return -EINVAL;
		if (opt[off] & 0x20)
			memset(opt + off + 2, 0, optlen - 2);
		off += optlen;
	}
	return 0;
}

/*
 * A routing header with addresses (types 0 and 2) as the receiver sees
 * it: segments left 0, the final destination in the IPv6 header and the
 * addresses visited so far in order.
 */
static int ah_rearrange_rthdr6(struct ipv6hdr *ip6h, struct ipv6_rt_hdr *rt)
{
	unsigned int n = rt->hdrlen / 2, left = rt->segments_left;
	struct in6_addr *addr, final;

	if (!left)
		return 0;
	if (rt->type != IPV6_SRCRT_TYPE_0 && rt->type != IPV6_SRCRT_TYPE_2)
		return -EINVAL;
	if (left > n)
		return -EINVAL;
	addr = ((struct rt0_hdr *)rt)->addr;
	final = addr[n - 1];
	addr += n - left;
	memmove(addr + 1, addr, (left - 1) * sizeof(*addr));
	addr[0] = ip6h->daddr;
	ip6h->daddr = final;
	rt->segments_left = 0;
	return 0;
}

/* Clears what RFC 4302 calls mutable in a copy of the IP header(s). */
static int ah_clear_mutable(u8 *hdr, unsigned int hdrlen, u16 family)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)hdr;
	unsigned int off = sizeof(*ip6h);
	u8 nexthdr;
	int err;

	if (family == AF_INET) {
		struct iphdr *iph = (struct iphdr *)hdr;

		iph->tos = 0;
		iph->frag_off = 0;
		iph->ttl = 0;
		iph->check = 0;
		return iph->ihl > 5 ? ah_clear_options4(iph) : 0;
	}
	ip6_flow_hdr(ip6h, 0, 0);
	ip6h->hop_limit = 0;
	nexthdr = ip6h->nexthdr;
	while (off < hdrlen) {
		struct ipv6_opt_hdr *h = (struct ipv6_opt_hdr *)(hdr + off);

		if (off + sizeof(*h) > hdrlen ||
		    off + ipv6_optlen(h) > hdrlen)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			err = ah_clear_tlvs6(h);
			break;
		case NEXTHDR_ROUTING:
			err = ah_rearrange_rthdr6(ip6h, (struct ipv6_rt_hdr *)h);
			break;
		default:
			err = -EINVAL;
		}
		if (err)
			return err;
		nexthdr = h->nexthdr;
		off += ipv6_optlen(h);
	}
	return 0;
}

static void ah_finish(struct sk_buff *skb, int err, u8 nexthdr)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);

	kfree(cb->tmp);
	cb->tmp = NULL;
	cb->done(skb, err, nexthdr);
}

/*
 * Sets up the hash of: t->hdrlen bytes at t->hdr, then the skb from @off
 * to its end, then (ESN) the high half of @seq.
 */
static int ah_hash_setup(struct kipsec_sa *sa, struct sk_buff *skb,
			 struct ah_tmp *t, unsigned int off, int nfrags,
			 u64 seq, crypto_completion_t complete)
{
	bool esn = sa->flags & KIPSEC_SA_F_ESN;
	int n;

	sg_init_table(t->sg, nfrags + 2);
	sg_set_buf(t->sg, t->hdr, t->hdrlen);
	n = skb_to_sgvec(skb, t->sg + 1, off, skb->len - off);
	if (unlikely(n < 0))
		return n;
	if (esn) {
		*t->seqhi = htonl(upper_32_bits(seq));
		sg_unmark_end(&t->sg[n]);
		sg_set_buf(&t->sg[n + 1], t->seqhi, sizeof(*t->seqhi));
		sg_mark_end(&t->sg[n + 1]);
	}
	ahash_request_set_tfm(t->req, sa->ahash);
	ahash_request_set_callback(t->req, 0, complete, skb);
	ahash_request_set_crypt(t->req, t->sg, t->icv,
				t->hdrlen + skb->len - off + (esn ? 4 : 0));
	return 0;
}

static void ah_output_finish(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct ah_tmp *t = cb->tmp;
	struct ip_auth_hdr *ah;

	if (unlikely(err)) {
		kipsec_sa_drop(cb->sa, KIPSEC_STAT_NO_MEMORY);
	} else {
		ah = (struct ip_auth_hdr *)(skb->data + t->hdrlen);
		memcpy(ah->auth_data, t->icv, cb->sa->icvlen);
	}
	ah_finish(skb, err, 0);
}

static void ah_output_complete(struct crypto_async_request *base, int err)
{
	ah_output_finish(base->data, err);
}

/*
 * @skb's data starts at what AH protects (the inner packet in tunnel
 * mode, the payload in transport mode). The AH header goes in front, then
 * kipsec_output_headers() builds the IP header: AH hashes the packet as it
 * will be sent. Completes with the data at the IP header.
 */
static void ah_output(struct kipsec_sa *sa, struct sk_buff *skb, u8 nexthdr,
		      kipsec_done_t done)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct sk_buff *trailer;
	struct ip_auth_hdr *ah;
	unsigned int hdrlen;
	struct ah_tmp *t;
	int nfrags, err;

	cb->done = done;
	cb->tmp = NULL;
	err = -ENOMEM;
	if (skb_cow_head(skb, sa->ahlen + MAX_HEADER))
		goto nomem;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto nomem;

	ah = skb_push(skb, sa->ahlen);
	ah->nexthdr = nexthdr;
	ah->hdrlen = sa->ahlen / 4 - 2;
	ah->reserved = 0;
	ah->spi = sa->key.spi;
	ah->seq_no = htonl(lower_32_bits(cb->seq));
	memset(ah->auth_data, 0, sa->ahlen - AH_HDR_LEN);
	hdrlen = kipsec_output_headers(skb);

	t = ah_alloc_tmp(sa->ahash, hdrlen, nfrags + 2);
	if (!t)
		goto nomem;
	cb->tmp = t;
	memcpy(t->hdr, skb->data, hdrlen);
	if (ah_clear_mutable(t->hdr, hdrlen, cb->family)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_OUT_MALFORMED);
		err = -EINVAL;
		goto out;
	}
	err = ah_hash_setup(sa, skb, t, hdrlen, nfrags, cb->seq,
			    ah_output_complete);
	if (err)
		goto nomem;
	err = crypto_ahash_digest(t->req);
	if (err == -EINPROGRESS)
		return;
	ah_output_finish(skb, err);
	return;

nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
out:
	ah_finish(skb, err ?: -ENOMEM, 0);
}

/* The ICV is computed: compare, then move the window and strip AH. */
static void ah_input_finish(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct ah_tmp *t = cb->tmp;
	u8 nexthdr = t->nexthdr;

	if (unlikely(err)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
		goto out;
	}
	if (crypto_memneq(t->icv, t->icv_rx, sa->icvlen)) {
		kipsec_sa_drop(sa, KIPSEC_STAT_IN_AUTH);
		err = -EBADMSG;
		goto out;
	}
	err = kipsec_sa_replay_advance(sa, cb->seq);
	if (unlikely(err))
		goto out;
	__skb_pull(skb, t->hdrlen - cb->hdrlen);
	skb->ip_summed = CHECKSUM_NONE;
out:
	ah_finish(skb, err, nexthdr);
}

static void ah_input_complete(struct crypto_async_request *base, int err)
{
	ah_input_finish(base->data, err);
}

/*
 * @skb's data starts at the AH header, its network header at the IP
 * header, cb->hdrlen bytes before (extension headers included).
 * Completes with the data at what AH protected.
 */
static void ah_input(struct kipsec_sa *sa, struct sk_buff *skb,
		     kipsec_done_t done)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct sk_buff *trailer;
	struct ip_auth_hdr *ah;
	unsigned int ahlen;
	struct ah_tmp *t;
	int nfrags, err;

	cb->done = done;
	cb->tmp = NULL;
	err = -EINVAL;
	if (!pskb_may_pull(skb, AH_HDR_LEN))
		goto malformed;
	ah = (struct ip_auth_hdr *)skb->data;
	ahlen = (ah->hdrlen + 2) * 4;
	/* Over IPv4, padded to 4 bytes (align4) or to 8, whichever the SA has. */
	if (ahlen != sa->ahlen &&
	    (cb->family != AF_INET ||
	     (ahlen != ALIGN(AH_HDR_LEN + sa->icvlen, 4) &&
	      ahlen != ALIGN(AH_HDR_LEN + sa->icvlen, 8))))
		goto malformed;
	if (!pskb_may_pull(skb, ahlen))
		goto malformed;
	ah = (struct ip_auth_hdr *)skb->data;

	err = kipsec_sa_replay_check(sa, ntohl(ah->seq_no), &cb->seq);
	if (err)
		goto out;

	err = -ENOMEM;
	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		goto nomem;
	ah = (struct ip_auth_hdr *)skb->data;
	t = ah_alloc_tmp(sa->ahash, cb->hdrlen + ahlen, nfrags + 2);
	if (!t)
		goto nomem;
	cb->tmp = t;
	t->nexthdr = ah->nexthdr;
	memcpy(t->hdr, skb_network_header(skb), cb->hdrlen);
	memcpy(t->hdr + cb->hdrlen, ah, ahlen);
	memcpy(t->icv_rx, ah->auth_data, sa->icvlen);
	memset(t->hdr + cb->hdrlen + AH_HDR_LEN, 0, sa->icvlen);
	err = -EINVAL;
	if (ah_clear_mutable(t->hdr, cb->hdrlen, cb->family))
		goto malformed;
	err = ah_hash_setup(sa, skb, t, ahlen, nfrags, cb->seq,
			    ah_input_complete);
	if (err)
		goto nomem;
	err = crypto_ahash_digest(t->req);
	if (err == -EINPROGRESS)
		return;
	ah_input_finish(skb, err);
	return;

malformed:
	kipsec_sa_drop(sa, KIPSEC_STAT_IN_MALFORMED);
	goto out;
nomem:
	kipsec_sa_drop(sa, KIPSEC_STAT_NO_MEMORY);
out:
	ah_finish(skb, err, 0);
}

static unsigned int ah_hdrlen(const struct kipsec_sa *sa)
{
	return sa->ahlen;
}

/* AH adds nothing behind the payload. */
static unsigned int ah_payload_max(const struct kipsec_sa *sa,
				   unsigned int room)
{
	return room;
}

const struct kipsec_xform_type kipsec_ah_type = {
	.proto		= IPPROTO_AH,
	.spi_offset	= offsetof(struct ip_auth_hdr, spi),
	.init_sa	= ah_init_sa,
	.hdrlen		= ah_hdrlen,
	.payload_max	= ah_payload_max,
	.output		= ah_output,
	.input		= ah_input,
};

#ifdef DEBUG
#include "selftest/ah.c"
#endif
