/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kipsec's events for charon: EXPIRE (soft: rekey, hard: delete), ACQUIRE
 * (a trap policy matched) and MAPPING (a NAT moved the peer), read from
 * the family's multicast group through charon's watcher.
 *
 * charon has no rekey timer of its own: a lost soft EXPIRE would mean an
 * SA that is never rekeyed. So the SAs charon installed are tracked here,
 * and when the socket overflowed (ENOBUFS) they are read back from the
 * module: one that passed a soft limit with no soft EXPIRE seen gets one
 * raised, one that is gone (a hard expiry) gets the hard one.
 */
#ifndef KIPSEC_EVENTS_H_
#define KIPSEC_EVENTS_H_

#include "kipsec_nl.h"

typedef struct kipsec_events_t kipsec_events_t;

struct kipsec_events_t {

	/** An SA charon installed: watch it (its lifetime in the module's). */
	void (*track)(kipsec_events_t *this, host_t *dst, uint32_t spi,
				  uint8_t proto);

	/** An SA charon deleted (or that moved away from @dst). */
	void (*untrack)(kipsec_events_t *this, host_t *dst, uint32_t spi,
					uint8_t proto);

	/** flush_sas: nothing to watch any more. */
	void (*untrack_all)(kipsec_events_t *this);

	/**
	 * Around each change charon makes to the SAs (its request and the
	 * tracking): a resync does not run meanwhile, so that an SA it finds
	 * missing was removed by the module, not by charon.
	 */
	void (*change_begin)(kipsec_events_t *this);
	void (*change_end)(kipsec_events_t *this);

	/**
	 * Read the SAs back and raise what was missed (also done on its own
	 * after an overflow).
	 */
	void (*resync)(kipsec_events_t *this);

	void (*destroy)(kipsec_events_t *this);
};

/**
 * Join the events group on a socket of its own; NULL (logged) if that
 * fails (without events nothing would ever be rekeyed).
 */
kipsec_events_t *kipsec_events_create(kipsec_nl_t *nl);

#endif /* KIPSEC_EVENTS_H_ */
