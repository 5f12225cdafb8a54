/* SPDX-License-Identifier: MIT
 * steer_resign.h -- signing, after the build, the address sets of large datacenters
 * that health leaves up. A snapshot whose zones geosteer signs and that has a
 * datacenter with more addresses of a type than steer_sign.c signs every subset of
 * keeps its signing keys (struct steer_resign, owned by the snapshot, freed with it;
 * nothing of it is reachable from the query path). When health changes, the signer
 * thread (server/signer.h) signs the set of up addresses of every such datacenter whose set was not
 * signed yet and publishes it in the datacenter's slot (steer_sigs.slot), which workers read with
 * one atomic load; the set it replaces is freed after an RCU grace period. Until then the query
 * path serves the largest signed set inside the up addresses (steer_sigs_pick).
 *
 * Threads: steer_resign_new/keep/add/free on the load or reloading thread (free also
 * wherever the snapshot is freed); the passes on the signer thread (or a test's);
 * steer_resign_attach on the main or reloading thread. */
#ifndef GS_STEER_RESIGN_H
#define GS_STEER_RESIGN_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/query/steer.h"
#include "zones/zone.h"
#include "zones/zone_signing.h"

struct steer_resign;
struct steer_resign_ref;

struct steer_resign *steer_resign_new(void) GS_WUR;

/* Takes g (freed with r). */
void steer_resign_keep(struct steer_resign *r, struct zone_signing *g) GS_NONNULL;

/* Registers the non-dense sg (of dc's type ty at owner, in zone z signed by g; every
 * pointer lives as long as r's snapshot) for signing later and gives it a slot in arena
 * a. The RRSIGs' original TTL is ttl. */
void steer_resign_add(struct steer_resign *r, struct arena *a, const struct zone *z,
                      const struct zone_signing *g, const uint8_t *owner, const struct steer_dc *dc,
                      enum steer_type ty, uint32_t ttl, struct steer_sigs *sg) GS_NONNULL;

/* How many datacenter sets r may sign later (0: r is not worth keeping). */
size_t steer_resign_count(const struct steer_resign *r) GS_NONNULL;

/* The health cells the registered datacenters point into (the snapshot's). */
void steer_resign_set_cells(struct steer_resign *r, const _Atomic uint8_t *cells) GS_NONNULL;

/* Signs, for every registered datacenter whose up addresses form a set that is signed
 * neither at build nor in its slot, that set, and publishes it in the slot; frees the
 * replaced ones after synchronize_rcu (so the caller must not be an online RCU reader).
 * Returns how many sets it signed. */
size_t steer_resign_pass(struct steer_resign *r) GS_NONNULL;

/* Frees r, its signatures and keys, first detaching it from the steer_resign_ref it is
 * attached to (waiting for a pass on it to end); accepts NULL. Only once no worker can
 * hold r's snapshot. */
void steer_resign_free(struct steer_resign *r);

/* Where the signer thread finds the state of the published snapshot: cur, under mu,
 * which a pass holds (so that steer_resign_free waits for a pass on it to end). */
struct steer_resign_ref {
	pthread_mutex_t mu;
	struct steer_resign *cur;
};

void steer_resign_ref_init(struct steer_resign_ref *ref) GS_NONNULL;
void steer_resign_ref_fini(struct steer_resign_ref *ref) GS_NONNULL;

/* Makes r (the snapshot about to be published; NULL for none) ref's current state. */
void steer_resign_attach(struct steer_resign_ref *ref, struct steer_resign *r) GS_NONNULLX(1);

/* steer_resign_pass on ref's current state, if any, logging what it signed and how
 * long it took. Signer thread. */
void steer_resign_ref_pass(struct steer_resign_ref *ref) GS_NONNULL;

#endif
