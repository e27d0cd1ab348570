/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _KIPSEC_DEBUG_H
#define _KIPSEC_DEBUG_H

#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/atomic.h>
#include <linux/skbuff.h>
#include <linux/types.h>

#include "datapath.h"

/*
 * Aids of a debug build (make debug), for the fault tests: a count of the
 * packets inside ESP or AH (taken by a hook, their completion not run
 * yet), logged whenever something they may depend on goes away, and the
 * force_async module parameter, which runs every transform through
 * cryptd; and knobs that widen races for the tests: race_delay_ms
 * (a busy-wait where a MOBIKE move must wait for a packet),
 * route_hold_next_ms (one sender waits between its outer route lookup
 * and the route cache) and hold_next_ms (one decrypted packet's
 * completion comes late). A normal build has none of them (no shared
 * counter, no check on the datapath).
 */
struct kipsec_net;

#ifdef DEBUG
/* A packet of namespace @kn enters (leaves) ESP or AH. */
void kipsec_inflight_inc(struct kipsec_net *kn);
void kipsec_inflight_dec(struct kipsec_net *kn);

/*
 * Logs "kipsec: <what>: <n> packets in flight": those of @kn's namespace,
 * or of all namespaces if @kn is NULL.
 */
void kipsec_inflight_log(struct kipsec_net *kn, const char *what);

/*
 * The transforms ESP and AH use for algorithm @name; with force_async,
 * cryptd's wrapper of a synchronous implementation of it (cryptd keeps
 * the inner algorithm's name, so it is asked for by driver name).
 */
struct crypto_aead *kipsec_alloc_aead(const char *name);
struct crypto_ahash *kipsec_alloc_ahash(const char *name);

/*
 * Widens a race of the datapath with a MOBIKE move for the tests
 * (tests/vm/move-races.sh): busy-waits race_delay_ms, a module
 * parameter (0 by default), where a packet that a move's grace period
 * must wait for stands: on an SA the output SA walk passes over.
 */
void kipsec_race_delay(void);

/*
 * Widens the race of a tunnel's route cache with a MOBIKE move for the
 * tests (tests/vm/move-races.sh): if the route_hold_next_ms module
 * parameter is set, busy-waits that long, once (the parameter is 0
 * again), where a sender has looked the outer route up and not yet
 * stored it in the SA's cache.
 */
void kipsec_route_hold(void);

/*
 * Holds a decrypted packet for the tests (tests/vm/async-faults.sh): if
 * the hold_next_ms module parameter is set, takes the packet (true) and
 * calls @done for it that many milliseconds later, in the context cryptd
 * completes in, as a slow driver would; the parameter is 0 again. One
 * packet at a time; kipsec_hold_flush() waits for it (module unload).
 */
bool kipsec_hold_completion(struct sk_buff *skb, int err, u8 nexthdr,
			    kipsec_done_t done);
void kipsec_hold_flush(void);
#else
static inline void kipsec_inflight_inc(struct kipsec_net *kn) { }
static inline void kipsec_inflight_dec(struct kipsec_net *kn) { }
static inline void kipsec_inflight_log(struct kipsec_net *kn,
				       const char *what) { }

static inline struct crypto_aead *kipsec_alloc_aead(const char *name)
{
	return crypto_alloc_aead(name, 0, 0);
}

static inline struct crypto_ahash *kipsec_alloc_ahash(const char *name)
{
	return crypto_alloc_ahash(name, 0, 0);
}

static inline void kipsec_race_delay(void) { }
static inline void kipsec_route_hold(void) { }

static inline bool kipsec_hold_completion(struct sk_buff *skb, int err,
					  u8 nexthdr, kipsec_done_t done)
{
	return false;
}

static inline void kipsec_hold_flush(void) { }
#endif

#endif /* _KIPSEC_DEBUG_H */
