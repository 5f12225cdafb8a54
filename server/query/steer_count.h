/* SPDX-License-Identifier: MIT
 * steer_count.h -- counters of steered answers by (service, datacenter), decision
 * (normal, failover, fail open) and the kind of map rule that chose the client's list
 * (networks ... default: geo.h), kept per answering thread and carried across reloads
 * by name.
 *
 * Slots. A slot is one (service name, datacenter name) pair, handed out once per
 * process by a registry that only grows: a reload that keeps a service's datacenter
 * gets the slot it had before, so the counters of that pair go on counting (they never
 * reset), and a pair that disappears keeps its slot and its last values. The snapshot
 * builder stores each datacenter's slot in its struct steer_dc (as a chunk number and
 * an offset, steer_count_ref), so the query path adds no lookup.
 *
 * Storage. Each answer context (one per answering thread) owns a table of
 * STEER_COUNT_CHUNKS chunk pointers; a chunk holds the counters of
 * STEER_COUNT_PER_CHUNK slots, STEER_COUNT_CELLS each: one per (decision, rule kind), so
 * that an answer adds to a single counter and the metrics thread sums the two views.
 * steer_count_reserve, called by the snapshot builder before the snapshot can be published,
 * allocates the chunks every registered context needs for the slots handed out so far; a thread
 * that answers from that snapshot therefore always finds its chunk (the snapshot's publication
 * orders the chunk pointer's store before the thread's load). Chunks are freed only with their
 * context. A single thread writes each counter (plain load and store, relaxed); the
 * metrics thread sums them with relaxed loads.
 *
 * The registry and the context list are guarded by one mutex: load thread, metrics
 * thread, and context creation and freeing. Never taken on the query path. */
#ifndef GS_STEER_COUNT_H
#define GS_STEER_COUNT_H

#include <stddef.h>
#include <stdint.h>

#include "geoip/geo.h"
#include "server/base/compiler.h"

/* What the decision was: the first datacenter of the client's list that has the type
 * was up (normal), one ahead of the chosen one was skipped for being down (failover),
 * or none was up and the first one answers with every address (fail open). A kind is
 * decision + STEER_COUNT_DECISIONS * pick, pick being how a weighted group chose the
 * datacenter (enum steer_pick of steer.h; 0 when it is no group's member), so that the
 * answers of a weighted group's members are counted by why they were picked. */
enum steer_count_kind {
	STEER_COUNT_NORMAL = 0,
	STEER_COUNT_FAILOVER = 1,
	STEER_COUNT_FAIL_OPEN = 2,
	STEER_COUNT_DECISIONS = 3,
	STEER_COUNT_PICKS = 4, /* STEER_PICK_KINDS */
	STEER_COUNT_KINDS = STEER_COUNT_DECISIONS * STEER_COUNT_PICKS
};

/* Rule kinds of geo.h (geo_hit.rule), and the counters of one slot. */
#define STEER_COUNT_RULES GEO_HIT_RULES
#define STEER_COUNT_CELLS (STEER_COUNT_KINDS * STEER_COUNT_RULES)

/* The counter of decision kind k (enum steer_count_kind) and rule kind rule. */
#define STEER_COUNT_CELL(k, rule) ((unsigned)(k)*STEER_COUNT_RULES + (unsigned)(rule))

#define STEER_COUNT_PER_CHUNK 256u
#define STEER_COUNT_CHUNKS    256u /* at most 65,536 slots; more share the last one */

/* Where a slot's counters are inside every context's table. */
struct steer_count_ref {
	uint16_t chunk;
	uint16_t off; /* (slot % STEER_COUNT_PER_CHUNK) * STEER_COUNT_CELLS */
};

/* One context's counters. Embedded in struct answer_ctx. */
struct steer_counts {
	uint64_t *chunk[STEER_COUNT_CHUNKS];
};

/* Query path: one more answer in cell (STEER_COUNT_CELL) at ref. The chunk exists
 * (steer_count_reserve ran before the snapshot that holds ref was published). */
static inline GS_HOT void steer_count_add(struct steer_counts *c, struct steer_count_ref ref,
                                          unsigned cell)
{
	uint64_t *p = __atomic_load_n(&c->chunk[ref.chunk], __ATOMIC_ACQUIRE) + ref.off + cell;
	__atomic_store_n(p, __atomic_load_n(p, __ATOMIC_RELAXED) + 1, __ATOMIC_RELAXED);
}

/* Registers c (zeroed by the caller) so that steer_count_reserve gives it chunks, and
 * gives it the chunks of the slots handed out so far. Any thread, before c is used. */
void steer_count_attach(struct steer_counts *c) GS_NONNULL;
/* Unregisters c and frees its chunks. Only once no thread uses c. */
void steer_count_detach(struct steer_counts *c) GS_NONNULL;

/* The slot of (service, dc), handed out on first use. Load thread. */
struct steer_count_ref steer_count_slot(const char *service, const char *dc) GS_NONNULL;
/* Allocates the chunks every registered context needs for every slot handed out so
 * far. Load thread, after the last steer_count_slot of a build and before publication. */
void steer_count_reserve(void);

/* One (service, datacenter) pair with its counters summed over every context. */
struct steer_count_row {
	char *service, *dc;                  /* heap (free with steer_count_rows_free) */
	uint64_t n[STEER_COUNT_KINDS];       /* by decision, over every rule kind */
	uint64_t by_rule[STEER_COUNT_RULES]; /* by rule kind, over every decision */
};

/* Every slot handed out so far, in slot order, summed over every context with relaxed
 * loads (a counter may be a few answers behind another). Metrics thread. *out: heap. */
void steer_count_rows(struct steer_count_row **out, size_t *n) GS_NONNULL;
void steer_count_rows_free(struct steer_count_row *rows, size_t n);

#endif
