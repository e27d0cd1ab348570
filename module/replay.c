// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window: a ring bitmap indexed by sequence number modulo its
 * size, so moving the window never shifts memory.
 */
#include "replay.h"

#include <linux/bitmap.h>
#include <linux/bitops.h>
#include <linux/kipsec.h>
#include <linux/log2.h>
#include <linux/slab.h>

int kipsec_replay_init(struct kipsec_replay *r, u32 size, u64 top, gfp_t gfp)
{
	r->top = top;
	r->size = size;
	r->nbits = 0;
	r->bitmap = NULL;
	if (!size)
		return 0;
	if (size > KIPSEC_REPLAY_WINDOW_MAX)
		return -EINVAL;
	r->nbits = roundup_pow_of_two(max_t(u32, size, BITS_PER_LONG));
	r->bitmap = bitmap_zalloc(r->nbits, gfp);
	if (!r->bitmap)
		return -ENOMEM;
	/* Everything up to @top counts as seen, as after a restore. */
	if (top)
		bitmap_fill(r->bitmap, r->nbits);
	return 0;
}

void kipsec_replay_free(struct kipsec_replay *r)
{
	bitmap_free(r->bitmap);
	r->bitmap = NULL;
}

static bool seen(const struct kipsec_replay *r, u64 seq)
{
	return test_bit(seq & (r->nbits - 1), r->bitmap);
}

/* RFC 4303 Appendix A2.2: the high half that puts @lo nearest the window. */
static u64 esn_infer(const struct kipsec_replay *r, u32 lo)
{
	u32 tl = lower_32_bits(r->top), th = upper_32_bits(r->top);
	u32 w = r->size;
	u32 bottom = tl - w + 1;

	if (tl >= w - 1) {
		/* Case A: the window lies within one sequence subspace. */
		if (lo < bottom)
			th++;
	} else {
		/* Case B: the window spans two subspaces. */
		if (lo >= bottom)
			th--;
	}
	return (u64)th << 32 | lo;
}

int kipsec_replay_check(const struct kipsec_replay *r, u32 seq_lo, bool esn,
			u64 *seq)
{
	u64 s;

	if (!r->size) {
		/* No window: accept everything but the sequence number 0. */
		*seq = esn ? (r->top & ~0xffffffffULL) | seq_lo : seq_lo;
		return esn || seq_lo ? 0 : -EINVAL;
	}
	s = esn ? esn_infer(r, seq_lo) : seq_lo;
	*seq = s;
	if (!s)
		return -EINVAL;
	if (s > r->top)
		return 0;
	if (r->top - s >= r->size || seen(r, s))
		return -EINVAL;
	return 0;
}

int kipsec_replay_advance(struct kipsec_replay *r, u64 seq)
{
	u64 diff, i;

	if (!r->size) {
		if (seq > r->top)
			r->top = seq;
		return 0;
	}
	if (seq <= r->top) {
		if (r->top - seq >= r->size || seen(r, seq))
			return -EINVAL;
		__set_bit(seq & (r->nbits - 1), r->bitmap);
		return 0;
	}
	diff = seq - r->top;
	if (diff >= r->nbits) {
		bitmap_zero(r->bitmap, r->nbits);
	} else {
		for (i = r->top + 1; i < seq; i++)
			__clear_bit(i & (r->nbits - 1), r->bitmap);
	}
	__set_bit(seq & (r->nbits - 1), r->bitmap);
	r->top = seq;
	return 0;
}

void kipsec_replay_take(struct kipsec_replay *to,
			const struct kipsec_replay *from)
{
	u64 i, n = min(to->size, from->size);

	to->top = from->top;
	if (!to->size)
		return;
	/* Older than the old window (or no window): counts as seen. */
	bitmap_fill(to->bitmap, to->nbits);
	for (i = 0; i < n && i <= from->top; i++)
		if (!seen(from, from->top - i))
			__clear_bit((from->top - i) & (to->nbits - 1),
				    to->bitmap);
}

void kipsec_replay_export(const struct kipsec_replay *r, u32 *words,
			  unsigned int nwords)
{
	unsigned int i;

	memset(words, 0, nwords * sizeof(*words));
	for (i = 0; i < r->size && i < nwords * 32 && i <= r->top; i++)
		if (seen(r, r->top - i))
			words[i / 32] |= 1U << (i % 32);
}

#ifdef DEBUG
#include "selftest/replay.c"
#endif
