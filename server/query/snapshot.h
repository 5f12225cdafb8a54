/* SPDX-License-Identifier: MIT
 * snapshot.h -- everything a query needs, built once per (re)load into one arena and
 * published with RCU: workers read the current snapshot without locks; a reload builds
 * a complete new one off the query path and swaps it in; a failed build leaves the old
 * one serving. */
#ifndef GS_SNAPSHOT_H
#define GS_SNAPSHOT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "geoip/geodb.h"
#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/config/config.h"
#include "zones/zoneset.h"

struct steer_table;
struct health_table;
struct rrl_config;
struct steer_resign;
struct steer_maps;
struct fast_table;

struct snapshot {
	struct arena *arena; /* owns everything below */
	struct zoneset zones;
	/* CHAOS TXT id.server / hostname.bind and NSID (RFC 5001) payload; NULL when the
	 * config sets no identity (then those queries are REFUSED and NSID is not sent). */
	const uint8_t *identity;
	uint8_t identity_len;
	/* Steered names (server/query/steer.h), NULL when the config has no services; the
	 * health table whose cells they read is owned by the snapshot and freed with it. */
	const struct steer_table *steer;
	struct health_table *health;
	/* Responses rendered at build by name and type (server/query/fast.h), NULL when
	 * none are: the first lookup of every query. */
	const struct fast_table *fast;
	/* geoip.client_subnet: false -- ECS options are ignored and never echoed. */
	bool ecs_ignored;
	/* rate_limit (server/query/rrl.h), NULL when not configured; the buckets themselves
	 * are the workers' and survive reloads. */
	const struct rrl_config *rrl;
	/* cookies.secret (16 bytes, server/query/cookie.h), NULL when cookies are off. */
	const uint8_t *cookie_secret;
	/* What was read of geoip.database for this snapshot (type "" and epoch 0 without a
	 * database): what `status` reports, and what explain's own copy must match. */
	struct geodb_meta geoip;
	/* The signing keys and signatures made after the build for large datacenters of
	 * zones geosteer signs (server/load/steer_resign.h), NULL when there are none;
	 * owned, freed with free_resign. Never read on the query path. */
	struct steer_resign *resign;
	void (*free_resign)(struct steer_resign *r);
	/* The compiled geo maps the steering points into (server/load/steer_maps.h), shared
	 * with the snapshots re-signed from this one; NULL without geoip and maps. One
	 * reference, dropped with drop_maps. */
	struct steer_maps *maps;
	void (*drop_maps)(struct steer_maps *m);
	uint64_t generation; /* 1 for the first load, +1 per successful reload */
	time_t loaded_at;
	/* Wall seconds the build spent on the zone files, and on the steering (the geo
	 * maps compiled against the database, the steered names): what the load and
	 * reload logs break the total into. */
	double zones_s, steer_s;
	/* Wall seconds from the start of the load, reload or re-sign that made this
	 * snapshot until it was ready to serve (set before it is published, never after):
	 * the total of the logs, of `status` and of /metrics. */
	double load_s;
};

/* The generation the next built snapshot gets: one more than the last published. */
uint64_t snapshot_next_generation(void);
/* Records in every zone of s, for status lines. */
size_t snapshot_count_records(const struct snapshot *s) GS_NONNULL;
/* Writes to buf (cap bytes, always terminated) where the build's time went, for the load
 * and reload logs: " (zone files 0.512 s, steering 0.203 s)", or "" without steering. */
void snapshot_took_text(const struct snapshot *s, char *buf, size_t cap) GS_NONNULL;
/* Frees s and its arena; accepts NULL. Only once no reader can hold s. */
void snapshot_free(struct snapshot *s);

/* The published snapshot. Worker threads call this inside an RCU read-side section
 * (liburcu-qsbr: while online) and must not keep the pointer past their next quiescent
 * state. */
const struct snapshot *snapshot_current(void);
/* Publishes next (which may be NULL at shutdown), waits for every reader to pass a
 * quiescent state, and frees the previous snapshot. Control/main thread only. */
void snapshot_publish(struct snapshot *next);

#endif
