// SPDX-License-Identifier: GPL-2.0
/*
 * Debug-build aids (see debug.h): the in-flight packet counter,
 * forced-asynchronous crypto, and delays that widen races for the tests.
 * Built only with KIPSEC_DEBUG=y.
 */
#include "datapath.h"
#include "debug.h"
#include "netns.h"

#include <linux/bottom_half.h>
#include <linux/delay.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/printk.h>
#include <linux/workqueue.h>

static atomic_t kipsec_inflight = ATOMIC_INIT(0);

static int inflight_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&kipsec_inflight));
}

static const struct kernel_param_ops inflight_ops = {
	.get = inflight_get,
};

module_param_cb(inflight, &inflight_ops, NULL, 0444);
MODULE_PARM_DESC(inflight,
		 "debug: packets inside ESP or AH now (read-only)");

static bool force_async;
module_param(force_async, bool, 0444);
MODULE_PARM_DESC(force_async,
		 "debug: run every ESP and AH transform through cryptd, so that each completes asynchronously");

static unsigned int race_delay_ms;
module_param(race_delay_ms, uint, 0644);
MODULE_PARM_DESC(race_delay_ms,
		 "debug: busy-wait this many milliseconds (1000 at most) where the datapath races a MOBIKE move: on an SA the output SA walk passes over");

void kipsec_race_delay(void)
{
	unsigned int ms = min(READ_ONCE(race_delay_ms), 1000U);

	if (ms)
		mdelay(ms);
}

/* A "next" knob's value, at most @max; the knob is 0 again. */
static unsigned int take_next(unsigned int *knob, unsigned int max)
{
	if (!READ_ONCE(*knob))
		return 0;
	return min(xchg(knob, 0), max);
}

static unsigned int route_hold_next_ms;
module_param(route_hold_next_ms, uint, 0644);
MODULE_PARM_DESC(route_hold_next_ms,
		 "debug: the next sender that looks a tunnel's outer route up busy-waits this many milliseconds (1000 at most) before it stores the route in the SA's cache (one sender; then 0 again)");

void kipsec_route_hold(void)
{
	unsigned int ms = take_next(&route_hold_next_ms, 1000);

	if (!ms)
		return;
	pr_info("holding a sender %u ms before it caches its route\n", ms);
	mdelay(ms);
	pr_info("the held sender caches its route\n");
}

static unsigned int hold_next_ms;
module_param(hold_next_ms, uint, 0644);
MODULE_PARM_DESC(hold_next_ms,
		 "debug: the next decrypted packet's completion comes this many milliseconds (10000 at most) later, as a slow driver's would (one packet; then 0 again)");

static void held_complete(struct work_struct *work);
static DECLARE_DELAYED_WORK(held_work, held_complete);

/* The one packet held (kipsec_hold_completion()); bit 0 of busy: taken. */
static struct {
	unsigned long busy;
	struct sk_buff *skb;
	kipsec_done_t done;
	int err;
	u8 nexthdr;
} held;

/* In the context cryptd completes in: a workqueue, bottom halves off. */
static void held_complete(struct work_struct *work)
{
	pr_info("the held packet completes\n");
	local_bh_disable();
	held.done(held.skb, held.err, held.nexthdr);
	local_bh_enable();
	clear_bit_unlock(0, &held.busy);
}

bool kipsec_hold_completion(struct sk_buff *skb, int err, u8 nexthdr,
			    kipsec_done_t done)
{
	unsigned int ms;

	if (!READ_ONCE(hold_next_ms) || test_and_set_bit_lock(0, &held.busy))
		return false;
	ms = take_next(&hold_next_ms, 10000);
	if (!ms) {
		clear_bit_unlock(0, &held.busy);
		return false;
	}
	held.skb = skb;
	held.done = done;
	held.err = err;
	held.nexthdr = nexthdr;
	pr_info("holding a decrypted packet %u ms\n", ms);
	queue_delayed_work(system_wq, &held_work, msecs_to_jiffies(ms));
	return true;
}

void kipsec_hold_flush(void)
{
	flush_delayed_work(&held_work);
}

void kipsec_inflight_inc(struct kipsec_net *kn)
{
	atomic_inc(&kipsec_inflight);
	atomic_inc(&kn->inflight);
}

void kipsec_inflight_dec(struct kipsec_net *kn)
{
	atomic_dec(&kn->inflight);
	atomic_dec(&kipsec_inflight);
}

void kipsec_inflight_log(struct kipsec_net *kn, const char *what)
{
	if (kn)
		pr_info("%s: %d packets in flight in its namespace\n", what,
			atomic_read(&kn->inflight));
	else
		pr_info("%s: %d packets in flight\n", what,
			atomic_read(&kipsec_inflight));
}

/* "cryptd(@driver)" in @buf, or NULL if too long. */
static const char *cryptd_name(char *buf, const char *driver)
{
	if (snprintf(buf, CRYPTO_MAX_ALG_NAME, "cryptd(%s)", driver) >=
	    CRYPTO_MAX_ALG_NAME)
		return NULL;
	return buf;
}

struct crypto_aead *kipsec_alloc_aead(const char *name)
{
	char buf[CRYPTO_MAX_ALG_NAME];
	struct crypto_aead *sync;
	const char *wrapped;

	if (!force_async)
		return crypto_alloc_aead(name, 0, 0);
	sync = crypto_alloc_aead(name, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(sync))
		return sync;
	wrapped = cryptd_name(buf, crypto_aead_driver_name(sync));
	crypto_free_aead(sync);
	return wrapped ? crypto_alloc_aead(wrapped, 0, 0) :
			 ERR_PTR(-ENAMETOOLONG);
}

struct crypto_ahash *kipsec_alloc_ahash(const char *name)
{
	char buf[CRYPTO_MAX_ALG_NAME];
	struct crypto_ahash *sync;
	const char *wrapped;

	if (!force_async)
		return crypto_alloc_ahash(name, 0, 0);
	sync = crypto_alloc_ahash(name, 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(sync))
		return sync;
	wrapped = cryptd_name(buf, crypto_ahash_driver_name(sync));
	crypto_free_ahash(sync);
	return wrapped ? crypto_alloc_ahash(wrapped, 0, 0) :
			 ERR_PTR(-ENAMETOOLONG);
}
