/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_REPLAY_H
#define _KIPSEC_REPLAY_H

#include <linux/types.h>

/*
 * The anti-replay window of an inbound SA (RFC 4303 section 3.4.3 and
 * Appendix A). Sequence numbers are kept 64 bits wide; without ESN the
 * high half stays 0. The caller serialises updates (the SA's lock).
 */
struct kipsec_replay {
	u64 top;		/* highest sequence number accepted */
	u32 size;		/* window in packets; 0 = no check */
	u32 nbits;		/* bitmap bits: a power of two >= size */
	unsigned long *bitmap;	/* bit (seq % nbits) set = seq seen */
};

int kipsec_replay_init(struct kipsec_replay *r, u32 size, u64 top, gfp_t gfp);
void kipsec_replay_free(struct kipsec_replay *r);

/*
 * Before the ICV is checked: infers the full sequence number of a packet
 * carrying @seq_lo (with ESN, RFC 4303 A2.2) into *@seq, and returns 0 if
 * it may be new, -EINVAL if it is replayed, behind the window or 0.
 */
int kipsec_replay_check(const struct kipsec_replay *r, u32 seq_lo, bool esn,
			u64 *seq);

/*
 * After the ICV has been verified: checks @seq again (another packet may
 * have taken it meanwhile) and records it, moving the window forward.
 * Returns 0, or -EINVAL if it is now a replay.
 */
int kipsec_replay_advance(struct kipsec_replay *r, u64 seq);

/*
 * A resize: @to, made by kipsec_replay_init with the new size, takes the
 * position and the history of @from that fits; sequence numbers older
 * than @from's window count as seen.
 */
void kipsec_replay_take(struct kipsec_replay *to,
			const struct kipsec_replay *from);

/* Copies the bitmap out as u32 words, word 0 bit 0 = @top (uapi form). */
void kipsec_replay_export(const struct kipsec_replay *r, u32 *words,
			  unsigned int nwords);

#ifdef DEBUG
bool kipsec_replay_selftest(void);
#endif

#endif /* _KIPSEC_REPLAY_H */
