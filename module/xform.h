/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_XFORM_H
#define _KIPSEC_XFORM_H

#include "datapath.h"

/*
 * A security protocol (ESP, AH) as the hooks see it: what it puts in front
 * of a packet, how much of a path it leaves to the payload, and how it
 * protects and verifies a packet. An SA points to its protocol's
 * operations (sa->type) from the moment it is built; the hooks call
 * through them and name no protocol (esp_type in net/ipv4/esp4.c and
 * x->type->output() in XFRM).
 */
struct kipsec_xform_type {
	u8 proto;			/* IPPROTO_ESP, IPPROTO_AH */
	u8 spi_offset;			/* where its header names the SPI */
	/* Checks the SA's algorithms and sets up its transform. */
	int (*init_sa)(struct kipsec_sa *sa, struct netlink_ext_ack *extack);
	/* Bytes in front of the payload (AH: with its ICV). */
	unsigned int (*hdrlen)(const struct kipsec_sa *sa);
	/*
	 * The largest payload whose protected form takes at most @room bytes
	 * besides hdrlen(): 0 if none fits.
	 */
	unsigned int (*payload_max)(const struct kipsec_sa *sa,
				    unsigned int room);
	/*
	 * Protects a packet whose data starts where hdrlen() bytes were made
	 * room for, carrying @nexthdr; calls @done, now or later.
	 */
	void (*output)(struct kipsec_sa *sa, struct sk_buff *skb, u8 nexthdr,
		       kipsec_done_t done);
	/* Verifies a packet whose data starts at its header; calls @done. */
	void (*input)(struct kipsec_sa *sa, struct sk_buff *skb,
		      kipsec_done_t done);
};

extern const struct kipsec_xform_type kipsec_esp_type;	/* esp.c */
extern const struct kipsec_xform_type kipsec_ah_type;	/* ah.c */

/* The operations of security protocol @proto, or NULL: not one of ours. */
static inline const struct kipsec_xform_type *kipsec_xform_find(u8 proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return &kipsec_esp_type;
	case IPPROTO_AH:
		return &kipsec_ah_type;
	}
	return NULL;
}

/*
 * An encapsulation of ESP (UDP, RFC 3948) as the hooks see it: a header
 * between the outer IP header and ESP. Output pushes it once ESP is done,
 * before the IP header goes on, and completes it once the IP header is in
 * front (both in kipsec_output_headers()); input strips it where it is
 * received (a UDP encapsulation socket's encap_rcv, encap_udp.c) and
 * hands ESP to the input path as if it had come as it is
 * (kipsec_input_encap()). An SA with one points to its operations
 * (sa->encap).
 */
struct kipsec_encap_type {
	u16 type;			/* UDP_ENCAP_ESPINUDP */
	u8 proto;			/* what the outer header names */
	/* Checks what the SA asks for and takes what it needs. */
	int (*init_sa)(struct kipsec_sa *sa, struct netlink_ext_ack *extack);
	/* Releases what init_sa() took. */
	void (*destroy_sa)(struct kipsec_sa *sa);
	/* Bytes between the outer IP header and ESP. */
	unsigned int (*hdrlen)(const struct kipsec_sa *sa);
	/* Pushes its header in front of ESP (the data starts at ESP). */
	void (*output)(struct kipsec_sa *sa, struct sk_buff *skb);
	/*
	 * Completes its header once the outer IP header is in front (the
	 * data starts there, the transport header is its own): what
	 * depends on the IP header (IPv6's UDP checksum).
	 */
	void (*output_finish)(struct kipsec_sa *sa, struct sk_buff *skb);
	/*
	 * A packet that came in it passed the SA's ICV and replay checks;
	 * the outer IP header is still the network header (and the port
	 * it came from in KIPSEC_CB(skb)->encap_sport): reports a source
	 * other than the SA's (MAPPING). Any context, BHs off.
	 */
	void (*input_done)(struct kipsec_sa *sa, struct sk_buff *skb);
};

extern const struct kipsec_encap_type kipsec_encap_espinudp; /* encap_udp.c */

#ifdef DEBUG
bool kipsec_esp_selftest(void);	/* selftest/esp.c */
bool kipsec_ah_selftest(void);	/* selftest/ah.c */
#endif

#endif /* _KIPSEC_XFORM_H */
