/* SPDX-License-Identifier: MIT
 * health.h -- health state of every steered address: the monitored targets and their
 * rise/fall state machine, the admin overrides (force up/down/auto) and the state file
 * that keeps them across restarts, and the table of atomic cells that the query path
 * reads. Workers only ever call the inline cell readers below (relaxed atomic loads);
 * everything else runs on the load, control or monitor thread.
 *
 * Objects and lifetimes
 *
 *   struct health        process lifetime. Holds the mutex, the forces (by datacenter
 *                        name and by address), the state file, and the installed table.
 *   struct health_table  one per (re)load. Built cell by cell (health_table_add_cell)
 *                        while the snapshot is built; its cell layout belongs to that
 *                        snapshot, and it is freed after the snapshot that points at
 *                        its cells has passed its RCU grace period.
 *
 * The cell table
 *
 *   A cell is one steered address as served for one datacenter under one check: the key
 *   is (datacenter name, address, check name or none). In the common case, where a
 *   datacenter's address is used with a single check, that is the (datacenter, address)
 *   pair; two services that list the same address in the same datacenter with different
 *   checks get two cells, because their health can differ. Cell indices are dense,
 *   0..n-1, handed out by health_table_add_cell() in insertion order, and never change
 *   for the life of the table: the snapshot builder stores them (e.g. per service and
 *   datacenter, one array of indices for A and one for AAAA) and the answer path asks
 *   health_cells_any_up() / health_cell_is_up().
 *
 *   Each cell is one _Atomic uint8_t holding the EFFECTIVE state (HEALTH_CELL_* bits):
 *     datacenter force if set, else address force if set, else the monitored state of
 *     the (check, address) target, or up when the cell has no check.
 *   The monitor thread (new results) and the control thread (forces) recompute cells
 *   under the health mutex and store them with memory_order_relaxed; workers load them
 *   with memory_order_relaxed and never lock. A worker may see a change one batch late,
 *   which is harmless: every cell is always a valid state on its own.
 *
 * Monitored targets
 *
 *   Each distinct (check name, address) pair is one target, probed once however many
 *   cells (services, datacenters) use it. A target starts "up (initial)": before the
 *   first result we serve the address, because failing closed at start would send
 *   every datacenter's traffic nowhere (or to the fail-open fallback) each time the
 *   daemon starts. `rise` consecutive successes make a down target up; `fall`
 *   consecutive failures make an up target down; each transition is logged with the
 *   reason ("health: web 192.0.2.10 down after 3 failures: HTTP 503 (expected 200)").
 *
 * Reload
 *
 *   A new configuration builds a new table (new layout). health_install() carries over
 *   the state of every target whose check name, address and probe definition are
 *   unchanged (health_table_carry_over()), and the forces carry over by name because
 *   they live in struct health, not in the table. */
#ifndef GS_HEALTH_H
#define GS_HEALTH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"

/* ---- Query path: the only things a worker may call. ---- */

/* Bits of a cell. Only HEALTH_CELL_UP matters for answering; the others explain why
 * (geosteerctl explain). */
#define HEALTH_CELL_UP      0x01u /* serve this address */
#define HEALTH_CELL_FORCED  0x02u /* a datacenter or address force decided the state */
#define HEALTH_CELL_INITIAL 0x04u /* monitored, no result yet (up by default) */
#define HEALTH_CELL_CHECKED 0x08u /* the cell has a check (else always up unless forced) */
#define HEALTH_CELL_FLEET   0x10u /* the fleet's verdict decided, not this node's check */

/* True when cell idx is up. Worker threads: one relaxed load, no lock. */
static inline bool health_cell_is_up(const _Atomic uint8_t *cells, uint32_t idx)
{
	return (atomic_load_explicit(&cells[idx], memory_order_relaxed) & HEALTH_CELL_UP) != 0;
}

/* True when at least one of the n cells listed in idx is up: the datacenter test of
 * docs/design.md rule 2 (a datacenter is up for a query type while at least one of its
 * addresses of that type is up). n == 0 gives false (no address of that type: the
 * caller skips the datacenter for that type). Worker threads: relaxed loads only. */
static inline bool health_cells_any_up(const _Atomic uint8_t *cells, const uint32_t *idx, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (health_cell_is_up(cells, idx[i])) {
			return true;
		}
	}
	return false;
}

/* ---- Everything below: load, control and monitor threads only. ---- */

enum health_force { HEALTH_FORCE_AUTO = 0, HEALTH_FORCE_UP, HEALTH_FORCE_DOWN };

/* Longest "last result" text kept per target, including the terminating NUL. */
#define HEALTH_RESULT_MAX 160

/* A probe definition, copied out of a struct cfg_check so that the table outlives the
 * configuration it was built from. The defaults are the configuration reader's
 * (config_schema.c, documented in docs/health-checks.md); a check that lacks a field
 * its probe needs is refused, not completed here. */
struct health_check {
	char *name; /* owned */
	enum cfg_check_type type;
	unsigned port;    /* http, https, tcp */
	char *path;       /* owned (http/https): starts with '/' */
	char *host;       /* owned or NULL: Host header and TLS SNI (http/https) */
	unsigned *expect; /* owned: the statuses that count as success (http/https) */
	size_t n_expect;  /* >= 1 for http/https */
	char **command;   /* owned, NULL-terminated argv (exec); "%a" -> address */
	size_t n_command; /* >= 1 for exec */
	unsigned interval_ms, timeout_ms, rise, fall;
	bool tls_verify;
};

/* One monitored (check, address) target. Owned by its table; mutable fields are
 * protected by the health mutex once the table is installed. */
struct health_target {
	const struct health_check *check; /* table-owned */
	struct netaddr addr;
	char addr_text[NETADDR_TEXT_MAX];
	bool up;               /* monitored state */
	bool initial;          /* no result yet */
	unsigned n_ok, n_fail; /* consecutive successes / failures */
	uint64_t n_checks;     /* results recorded */
	char last_result[HEALTH_RESULT_MAX];
	time_t since;      /* wall clock of the last state change (or of creation) */
	time_t last_check; /* wall clock of the last result, 0 before the first */
	/* The fleet's verdict (server/fleet, docs/design.md rule 6): -1 none (the monitored
	 * state above decides), 0 down, 1 up. Set through health_fleet_visit. */
	int8_t fleet;
};

struct health_table;
struct health;

/* Creates an empty table. Never NULL. Load thread. */
struct health_table *health_table_new(void) GS_WUR;
/* Frees t; accepts NULL. Only once no snapshot reader can hold its cells and the
 * monitor no longer uses it (see monitor_install). */
void health_table_free(struct health_table *t);

/* Adds the cell (dc, addr, check) and returns its index in *idx, or the index of the
 * existing cell with the same key. check may be NULL (unchecked: up unless forced);
 * otherwise it is copied on first use (by name: a second check with the same name
 * must be identical, else GS_EEXIST). Registers the (check, address) target once.
 * Returns GS_OK, GS_EINVAL (empty or blank dc name, bad check: exec without command,
 * tcp without port), GS_EEXIST. Load thread, before the table is installed. */
int health_table_add_cell(struct health_table *t, const char *dc, const struct netaddr *addr,
                          const struct cfg_check *check, uint32_t *idx)
        GS_NONNULLX(1, 2, 3, 5) GS_WUR;

/* The cell array (n = health_table_n_cells()) for the snapshot: index i is the cell
 * health_table_add_cell() returned as i. Take it after the last add_cell (adding may
 * move the array); then it is stable and borrowed for the life of the table. */
_Atomic uint8_t *health_table_cells(struct health_table *t) GS_NONNULL;
size_t health_table_n_cells(const struct health_table *t) GS_NONNULL;
size_t health_table_n_targets(const struct health_table *t) GS_NONNULL;
/* The target at i (0..n_targets-1), e.g. for the monitor to schedule. Borrowed. */
struct health_target *health_table_target(struct health_table *t, size_t i) GS_NONNULL;

/* Copies the monitored state (up, initial, counters, last result, since) of every
 * target of src whose check name, address and probe definition (type, port, path,
 * host, expect, command, tls_verify) are unchanged into dst. Timing changes (interval,
 * timeout, rise, fall) keep the state. Returns how many targets carried over. The
 * caller holds whatever lock protects src (health_install does). */
size_t health_table_carry_over(struct health_table *dst, const struct health_table *src) GS_NONNULL;

/* Creates the health object and loads the state file when state_file is not NULL: a
 * missing file means no overrides; an unreadable one is a GS_EIO; a corrupt line is a
 * FILE:LINE warning in d and is skipped. Never fails otherwise. Load thread. */
int health_new(const char *state_file, struct diag *d, struct health **out)
        GS_NONNULLX(2, 3) GS_WUR;
/* Frees h (not the installed table, which the caller owns); accepts NULL. After
 * monitor_stop. */
void health_free(struct health *h);

/* Makes t the installed table: carries over target states from the previous table,
 * computes every cell from the forces, and returns the previous table (or NULL), which
 * the caller frees once no snapshot reader can see it. With a running monitor, call
 * monitor_install() instead, which calls this on the monitor thread. Takes the mutex. */
struct health_table *health_install(struct health *h, struct health_table *t) GS_NONNULLX(1);
/* Calls fn(arg) whenever a cell of a table changes value (a probe result, a force, an
 * install), on the thread that changed it and under the mutex: fn must not block or
 * call into h (it wakes another thread). fn NULL: no call. Set it before any thread
 * but the caller's uses h. */
void health_on_change(struct health *h, void (*fn)(void *arg), void *arg) GS_NONNULLX(1);
/* The installed table, or NULL. The pointer stays valid until the next install. */
struct health_table *health_installed(struct health *h) GS_NONNULL;

/* Records one probe result for target ti of table t (which must be installed in h; a
 * result for a table that is no longer installed is ignored): runs the rise/fall state
 * machine, logs a transition, and recomputes the target's cells. text says what
 * happened ("HTTP 200", "connect timeout after 2000 ms"). Returns true when the
 * monitored state changed. Monitor thread (and tests). Takes the mutex. */
bool health_record(struct health *h, struct health_table *t, size_t ti, bool ok,
                   const char *text) GS_NONNULL;

/* Longest reason of a force, including the terminating NUL. */
#define HEALTH_REASON_MAX 200
/* Longest time a force may be given (--for): ten years, in seconds. */
#define HEALTH_FORCE_FOR_MAX (10LL * 366 * 24 * 3600)

/* Who set a force, when, why and until when: kept with the force, written to the state
 * file, shown by `geosteerctl health` and logged. A force set without it (an older
 * state file line) has by < 0, at == 0 and no reason. */
struct health_force_info {
	long long by;                   /* uid of the control socket's client, -1 when unknown */
	time_t at;                      /* wall clock when set, 0 when unknown */
	time_t until;                   /* wall clock when it reverts to auto by itself, 0: never */
	char reason[HEALTH_REASON_MAX]; /* "" when none given */
	char node[64];                  /* fleet node where it was set, "" when none */
};

/* Sets a force on a datacenter (by name) or an address (by value). HEALTH_FORCE_AUTO
 * removes the force. A datacenter or address that no cell of the installed table uses
 * is rejected with GS_ENOENT, except for AUTO on a force that exists (so a stale force
 * from the state file can always be cleared). Writes the state file (atomically) when
 * the force changed; GS_EIO if that failed (the force is applied all the same, and
 * the error logged). The text is taken under the mutex and written after it is
 * released, so probe results and readers never wait for the disk; when two changes
 * race, the file ends with the newer state (a write of an older one is skipped and
 * returns the newer write's result). Control and fleet threads. Takes the mutex. */
int health_force_dc(struct health *h, const char *dc, enum health_force f) GS_NONNULL GS_WUR;
int health_force_addr(struct health *h, const struct netaddr *addr,
                      enum health_force f) GS_NONNULL GS_WUR;
/* The same with who, when, why and until when (info may be NULL: none known). Setting a
 * force again replaces its info (a new expiry, a new reason). The change is logged with
 * the info. */
int health_force_dc_info(struct health *h, const char *dc, enum health_force f,
                         const struct health_force_info *info) GS_NONNULLX(1, 2) GS_WUR;
int health_force_addr_info(struct health *h, const struct netaddr *addr, enum health_force f,
                           const struct health_force_info *info) GS_NONNULLX(1, 2) GS_WUR;

/* Timed forces. health_next_expiry: the earliest `until` of all forces, 0 when no force
 * is timed. health_expire: removes every force whose `until` is at or before now
 * (logged as expired), recomputes the cells and writes the state file when something
 * was removed now or dropped as expired while the state file was loaded. Returns how
 * many forces it removed. The daemon's main thread calls them (any thread may). Take
 * the mutex. */
time_t health_next_expiry(struct health *h) GS_NONNULL;
size_t health_expire(struct health *h, time_t now) GS_NONNULL;
/* An eventfd (non-blocking) that becomes readable whenever a force is set or removed,
 * so that a thread waiting for the next expiry looks at health_next_expiry() again;
 * the waiter reads it to reset it. -1 when it could not be created (then the waiter
 * must look at least once a second). */
int health_wake_fd(const struct health *h) GS_NONNULL;
/* Parses "up" / "down" / "auto". Returns GS_OK or GS_EINVAL. */
int health_force_parse(const char *text, enum health_force *out) GS_NONNULL GS_WUR;
const char *health_force_name(enum health_force f);

/* One row of `geosteerctl health`: a monitored target, or an address force with no
 * target, or a datacenter force (then check and addr are empty and dc is set). */
struct health_entry {
	char check[64];                /* check name, "" for a force-only row */
	char addr[NETADDR_TEXT_MAX];   /* "" for a datacenter row */
	char dc[64];                   /* datacenter of a datacenter-force row, else "" */
	bool up;                       /* monitored state (targets) */
	bool initial;                  /* monitored, no result yet */
	enum health_force force;       /* address (or datacenter) force in effect */
	struct health_force_info info; /* of the force, when force is not AUTO */
	char last_result[HEALTH_RESULT_MAX];
	time_t since;      /* last state change; 0 for force-only rows */
	time_t last_check; /* 0 before the first result */
	uint64_t n_checks;
	int8_t fleet; /* the fleet's verdict (health_target.fleet), -1 for none */
};

/* Lists every monitored target (sorted by check name, then address), then every
 * address force that matches no target, then every datacenter force. *out is owned by
 * the caller (free()). Control thread. Takes the mutex. */
int health_list(struct health *h, struct health_entry **out, size_t *n) GS_NONNULL GS_WUR;
/* Writes the state word of e: "up", "down", "up (initial)", "down (forced)", ...
 * into buf. Returns buf. */
const char *health_entry_state(const struct health_entry *e, char *buf, size_t cap) GS_NONNULL;
/* Writes who/when/why/until of a force as the health listing and the log show it:
 * "by uid 1000 at 2026-01-01T10:00:00Z until 2026-01-01T11:00:00Z (3600 s left)
 * reason: planned maintenance", or "... no expiry ..." for a force without one; what is
 * not known is left out. now: for the time left. Returns buf. */
const char *health_force_info_text(const struct health_force_info *info, time_t now, char *buf,
                                   size_t cap) GS_NONNULL;
/* Formats the whole list as the text of `geosteerctl health` (a header line, then one
 * aligned line per entry; an entry with a force has a second line, indented, that says
 * "force: " and health_force_info_text). *out is owned by the caller (free()). Control
 * thread. */
int health_format(struct health *h, char **out) GS_NONNULL GS_WUR;

/* Parses state file text (see docs/health-checks.md) into h's forces, reporting
 * corrupt lines as FILE:LINE warnings in d under file name `file`. Exposed for tests
 * and tools; health_new uses it. Does not write the file. Takes the mutex. */
void health_load_state_text(struct health *h, const char *file, const char *text,
                            struct diag *d) GS_NONNULL;
/* Writes the forces to the state file (the temporary file STATE.tmp in the same
 * folder, fsync, rename, fsync of the folder), after releasing the mutex, in order with
 * the writes of forces (see health_force_dc). GS_OK (also when h has no state file),
 * or GS_EIO. Takes the mutex. */
int health_save_state(struct health *h) GS_NONNULL GS_WUR;

/* ---- Fleet hook (server/fleet). ---- */

/* Calls fn(arg, target) for every target of the installed table under the mutex (fn
 * reads the monitored state and may set target->fleet; it must not block or call into
 * h), then recomputes the cells when some target->fleet changed. Fleet thread. */
void health_fleet_visit(struct health *h, void (*fn)(void *arg, struct health_target *tg),
                        void *arg) GS_NONNULLX(1, 2);

#endif
