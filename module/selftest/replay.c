// SPDX-License-Identifier: GPL-2.0
/*
 * Selftest of replay.c, included by replay.c in debug builds:
 * the replay window: inference of ESN high bits, duplicates,
 * the window's edge, jumps, and a resize that keeps the history that fits.
 */

struct replay_step {
	u32 lo;
	u64 want;	/* the inferred sequence number */
	int check;	/* kipsec_replay_check's verdict */
};

static bool __init replay_run(const char *name, u32 size, u64 top, bool esn,
			      const struct replay_step *t, size_t n)
{
	struct kipsec_replay r;
	bool ok = true;
	size_t i;

	if (kipsec_replay_init(&r, size, top, GFP_KERNEL))
		return false;
	for (i = 0; i < n; i++) {
		u64 seq = 0;
		int ret = kipsec_replay_check(&r, t[i].lo, esn, &seq);

		if (ret != t[i].check || (!ret && seq != t[i].want)) {
			pr_err("replay selftest %s step %zu: got %d/%llu\n",
			       name, i + 1, ret, seq);
			ok = false;
			continue;
		}
		if (!ret && kipsec_replay_advance(&r, seq)) {
			pr_err("replay selftest %s step %zu: advance refused\n",
			       name, i + 1);
			ok = false;
		}
	}
	kipsec_replay_free(&r);
	return ok;
}

/*
 * A resize keeps what fits: 64 -> 128 -> 32 with holes at top - 3 and
 * top - 40; the hole beyond the smaller window is lost (counts as seen).
 */
static bool __init replay_resize_run(void)
{
	struct kipsec_replay a, b, c;
	bool ok = true;
	u64 s;

	if (kipsec_replay_init(&a, 64, 0, GFP_KERNEL))
		return false;
	for (s = 1; s <= 200; s++)
		if (s != 197 && s != 160)
			kipsec_replay_advance(&a, s);
	if (kipsec_replay_init(&b, 128, 0, GFP_KERNEL)) {
		kipsec_replay_free(&a);
		return false;
	}
	kipsec_replay_take(&b, &a);
	ok &= b.top == 200 && !kipsec_replay_check(&b, 197, false, &s) &&
	      !kipsec_replay_check(&b, 160, false, &s) &&
	      kipsec_replay_check(&b, 199, false, &s) &&
	      kipsec_replay_check(&b, 100, false, &s);
	if (!kipsec_replay_init(&c, 32, 0, GFP_KERNEL)) {
		kipsec_replay_take(&c, &b);
		ok &= !kipsec_replay_check(&c, 197, false, &s) &&
		      kipsec_replay_check(&c, 160, false, &s) &&
		      kipsec_replay_check(&c, 198, false, &s) &&
		      !kipsec_replay_check(&c, 201, false, &s);
		kipsec_replay_free(&c);
	} else {
		ok = false;
	}
	kipsec_replay_free(&b);
	kipsec_replay_free(&a);
	if (!ok)
		pr_err("replay selftest resize: history not kept\n");
	return ok;
}

bool __init kipsec_replay_selftest(void)
{
	static const struct replay_step plain[] __initconst = {
		{ 0, 0, -EINVAL },		/* 0 is never valid */
		{ 1, 1, 0 }, { 1, 1, -EINVAL },	/* replay */
		{ 3, 3, 0 }, { 2, 2, 0 }, { 2, 2, -EINVAL },
		{ 100, 100, 0 },
		{ 69, 69, 0 },			/* oldest in a 32 window */
		{ 68, 68, -EINVAL },		/* just behind it */
		{ 99, 99, 0 }, { 99, 99, -EINVAL },
		{ 10000, 10000, 0 },		/* jump clears the ring */
		{ 9999, 9999, 0 }, { 100, 100, -EINVAL },
	};
	static const struct replay_step esn_wrap[] __initconst = {
		/* Restored just below 2^32 with a 64-packet window. */
		{ 0xfffffffe, 0xfffffffeULL, 0 },
		{ 0xffffffff, 0xffffffffULL, 0 },
		{ 0x00000000, 0x100000000ULL, 0 },	/* wraps: high 1 */
		{ 0x00000001, 0x100000001ULL, 0 },	/* case B */
		{ 0xffffffff, 0xffffffffULL, -EINVAL },	/* replay, old half */
		{ 0x00000005, 0x100000005ULL, 0 },
		{ 0x00000003, 0x100000003ULL, 0 },	/* late, in window */
		{ 0x00000003, 0x100000003ULL, -EINVAL },
		{ 0xfffffffd, 0xfffffffdULL, -EINVAL },	/* seen before restore */
		{ 0x00000040, 0x100000040ULL, 0 },
		{ 0xffffffc0, 0x1ffffffc0ULL, 0 },	/* case A: same half */
	};
	static const struct replay_step big[] __initconst = {
		{ 5000, 5000, 0 }, { 905, 905, 0 }, { 904, 904, -EINVAL },
		{ 4999, 4999, 0 }, { 4999, 4999, -EINVAL },
	};
	static const struct replay_step none[] __initconst = {
		{ 5, 5, 0 }, { 5, 5, 0 }, { 1, 1, 0 }, { 0, 0, -EINVAL },
	};

	return replay_run("32-bit", 32, 0, false, plain, ARRAY_SIZE(plain)) &
	       replay_run("esn-wrap", 64, 0xfffffffd, true, esn_wrap,
			  ARRAY_SIZE(esn_wrap)) &
	       replay_run("4096", KIPSEC_REPLAY_WINDOW_MAX, 1, false, big,
			  ARRAY_SIZE(big)) &
	       replay_run("no-window", 0, 0, false, none, ARRAY_SIZE(none)) &
	       replay_resize_run();
}
