/* SPDX-License-Identifier: MIT
 * snapshot_build.c -- builds the immutable struct snapshot (every zone, the steering
 * table, the identity, rate limiting and cookie settings) from a configuration, in one
 * arena. Main thread at start, the reloading thread later; never a worker. */
#include <config.h>

#include "server/load/snapshot_build.h"

#include <string.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/query/rrl.h"
#include "server/load/steer_build.h"
#include "zones/zone_load.h"

/* Reports a zone configured twice (the same origin under two entries). Returns true
 * when zones[i] repeats an earlier entry. */
static bool is_duplicate_zone(const struct cfg *cfg, size_t i, struct diag *d)
{
	const struct cfg_zone *z = &cfg->zones[i];
	for (size_t j = 0; j < i; j++) {
		const struct cfg_zone *prev = &cfg->zones[j];
		if (!dname_equal(prev->name, z->name))
			continue;
		char text[DNAME_TEXT_MAX];
		dname_to_text(z->name, text);
		diag_err(d, z->pos, "zone %s is already configured at line %u", text,
		         prev->pos.line);
		return true;
	}
	return false;
}

/* Copies the identity string into the arena; an empty one counts as none. RFC 5001
 * section 2.3 allows any bytes in an NSID; a TXT character-string (RFC 1035 section
 * 3.3) holds at most 255, which the config loader enforces already. */
static void copy_identity(const struct cfg *cfg, struct snapshot *s, struct diag *d)
{
	if (!cfg->identity || !cfg->identity[0])
		return;
	size_t len = strlen(cfg->identity);
	if (len > 255) {
		diag_err(d, cfg->pos_of[CFG_SEC_IDENTITY],
		         "identity must be 1 to 255 bytes long (it is %zu)", len);
		return;
	}
	s->identity = arena_memdup(s->arena, cfg->identity, len);
	s->identity_len = (uint8_t)len;
}

/* Copies rate_limit and cookies into the arena (workers read them per query). */
static void copy_rrl_cookies(const struct cfg *cfg, struct snapshot *s)
{
	const struct cfg_rate_limit *rl = &cfg->rate_limit;
	if (rl->enabled) {
		struct rrl_config *c = arena_alloc(s->arena, sizeof(*c));
		c->rate = rl->responses_per_second;
		c->slip = rl->slip;
		c->ipv4_prefix = (uint8_t)rl->ipv4_prefix;
		c->ipv6_prefix = (uint8_t)rl->ipv6_prefix;
		if (rl->n_exempt)
			c->exempt = arena_memdup(s->arena, rl->exempt,
			                         rl->n_exempt * sizeof(*rl->exempt));
		c->n_exempt = rl->n_exempt;
		s->rrl = c;
	}
	if (cfg->has_cookies)
		s->cookie_secret =
		        arena_memdup(s->arena, cfg->cookie_secret, sizeof(cfg->cookie_secret));
}

int snapshot_build(const struct cfg *cfg, struct diag *d, struct snapshot **out)
{
	*out = NULL;
	size_t errors_before = d->n_errors;
	int rc = GS_OK;

	struct arena *a = arena_new();
	struct snapshot *s = arena_alloc(a, sizeof(*s));
	s->arena = a;

	const struct zone **zones =
	        arena_alloc(a, (cfg->n_zones ? cfg->n_zones : 1) * sizeof(*zones));
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		if (is_duplicate_zone(cfg, i, d))
			continue;
		const struct zone *z = NULL;
		int zrc = zone_load(cfg->zones[i].file, cfg->zones[i].name, a, d, &z);
		if (zrc != GS_OK) {
			/* Keep loading the other zones: one run reports every problem. */
			if (rc == GS_OK || zrc == GS_EIO)
				rc = zrc;
			continue;
		}
		zones[n++] = z;
	}
	zoneset_build(&s->zones, a, zones, n);
	/* Also after a zone failed: map and database problems are worth reporting in the
	 * same run. */
	int src = steer_build(cfg, &s->zones, a, d, &s->steer, &s->health, &s->geoip);
	if (src != GS_OK && rc == GS_OK)
		rc = src;
	s->ecs_ignored = !cfg->geoip.client_subnet;
	copy_identity(cfg, s, d);
	copy_rrl_cookies(cfg, s);
	s->loaded_at = time(NULL);
	s->generation = snapshot_next_generation();

	if (d->n_errors > errors_before && rc == GS_OK)
		rc = GS_EPARSE;
	if (rc != GS_OK) {
		snapshot_free(s);
		return rc;
	}
	*out = s;
	return GS_OK;
}
