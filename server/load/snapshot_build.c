/* SPDX-License-Identifier: MIT
 * snapshot_build.c -- builds the immutable struct snapshot (every zone, the steering
 * table, the identity, rate limiting and cookie settings) from a configuration, in one
 * arena. Main thread at start, the reloading thread later; never a worker. */
#include <config.h>

#include "server/load/snapshot_build.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/mono.h"
#include "server/base/rfile_set.h"
#include "server/base/xalloc.h"
#include "server/query/rrl.h"
#include "server/load/fast_build.h"
#include "server/load/steer_build.h"
#include "server/load/steer_resign.h"
#include "server/load/zone_jobs.h"
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

int snapshot_load_zone(const struct cfg *cfg, size_t zone_idx, struct arena *a, struct diag *d,
                       FILE *dump, const struct zone **out, struct zone_signing **keep)
{
	if (keep)
		*keep = NULL;
	const struct cfg_zone *cz = &cfg->zones[zone_idx];
	const struct cfg_dnssec *ds = &cz->dnssec;
	if (!ds->enabled)
		return zone_load(cz->file, cz->name, a, d, out);
	struct zone_sign_key *keys = xcalloc(ds->n_keys ? ds->n_keys : 1, sizeof(*keys));
	for (size_t k = 0; k < ds->n_keys; k++)
		keys[k] = (struct zone_sign_key){.path = ds->keys[k], .pos = ds->key_pos[k]};
	size_t n_steered = 0;
	for (size_t i = 0; i < cfg->n_services; i++)
		n_steered += cfg->services[i].n_names;
	struct zone_sign_steered *steered = xcalloc(n_steered ? n_steered : 1, sizeof(*steered));
	struct netaddr *samples = xcalloc(2 * cfg->n_services + 1, sizeof(*samples));
	n_steered = 0;
	for (size_t i = 0; i < cfg->n_services; i++) {
		const struct cfg_service *sv = &cfg->services[i];
		bool has_a = false, has_aaaa = false;
		/* A sample answer for the dump: the first address of each family. */
		struct netaddr *sample = NULL;
		size_t n_sample = 0;
		for (size_t j = 0; j < sv->n_dcs; j++)
			for (size_t k = 0; k < sv->dcs[j].n_addrs; k++) {
				const struct netaddr *ad = &sv->dcs[j].addrs[k];
				bool *seen = ad->family == AF_INET ? &has_a : &has_aaaa;
				if (*seen)
					continue;
				*seen = true;
				if (n_sample < 2)
					samples[2 * i + n_sample] = *ad;
				sample = &samples[2 * i];
				n_sample++;
			}
		for (size_t j = 0; j < sv->n_names; j++) {
			if (!dname_is_subdomain(sv->names[j].wire, cz->name))
				continue;
			/* A name of a deeper zone configured here is that zone's. */
			bool deeper = false;
			for (size_t z = 0; z < cfg->n_zones && !deeper; z++)
				deeper =
				        cfg->zones[z].name_len > cz->name_len &&
				        dname_is_subdomain(sv->names[j].wire, cfg->zones[z].name) &&
				        dname_is_subdomain(cfg->zones[z].name, cz->name);
			if (!deeper)
				steered[n_steered++] =
				        (struct zone_sign_steered){.name = sv->names[j].wire,
				                                   .has_a = has_a,
				                                   .has_aaaa = has_aaaa,
				                                   .sample = sample,
				                                   .n_sample = n_sample,
				                                   .ttl = sv->ttl};
		}
	}
	struct zone_sign_params sp = {
	        .keys = keys,
	        .n_keys = ds->n_keys,
	        .denial = ds->denial == CFG_DENIAL_NSEC ? ZONE_SIGN_NSEC : ZONE_SIGN_NSEC3,
	        .validity = ds->validity_s,
	        .steered = steered,
	        .n_steered = n_steered,
	        .pos = ds->pos,
	        .dump = dump,
	};
	int rc = zone_load_signed(cz->file, cz->name, &sp, a, d, out, keep);
	free(samples);
	free(steered);
	free(keys);
	return rc;
}

/* zone_jobs_load_fn: a zone that geosteer does not sign, on a zone_jobs thread. */
static int load_unsigned_zone(const struct cfg *cfg, size_t i, struct arena *a, struct diag *d,
                              const struct zone **out)
{
	return snapshot_load_zone(cfg, i, a, d, NULL, out, NULL);
}

/* Wall seconds since t0, and t0 set to now. */
static double lap(struct timespec *t0)
{
	struct timespec t1 = mono_now();
	double s = mono_between(t0, &t1);
	*t0 = t1;
	return s;
}

/* snapshot_build and snapshot_rebuild: maps is the serving snapshot's for a re-sign
 * (one reference taken here), NULL to compile them. */
static int build(const struct cfg *cfg, struct steer_maps *maps, struct diag *d,
                 struct snapshot **out)
{
	*out = NULL;
	size_t errors_before = d->n_errors;
	int rc = GS_OK;

	struct timespec t0 = mono_now();
	struct arena *a = arena_new();
	struct snapshot *s = arena_alloc(a, sizeof(*s));
	s->arena = a;

	const struct zone **zones =
	        arena_alloc(a, (cfg->n_zones ? cfg->n_zones : 1) * sizeof(*zones));
	size_t n = 0;
	/* The keys of the zones geosteer signs stay loaded until the steered answers in
	 * them are signed too, and with the snapshot when a datacenter has sets left to
	 * sign when health changes. */
	struct steer_signer *signers = xcalloc(cfg->n_zones ? cfg->n_zones : 1, sizeof(*signers));
	size_t n_signers = 0;
	struct steer_resign *resign = steer_resign_new();
	/* Several zone files load in parallel (server/load/zone_jobs.h); taken here in
	 * configuration order, so the messages keep their order. Not while this thread
	 * records or replays a source set (a load that a re-sign may replay, or the
	 * re-sign itself): that setting is the calling thread's, and the set keeps the
	 * order of reads, so those loads read every file here, one after another. */
	struct zone_jobs *jobs = rfile_set_active() ? NULL : zone_jobs_run(cfg, load_unsigned_zone);
	for (size_t i = 0; i < cfg->n_zones; i++) {
		if (is_duplicate_zone(cfg, i, d))
			continue;
		const struct zone *z = NULL;
		struct zone_signing *keep = NULL;
		int zrc;
		if (!zone_jobs_take(jobs, i, a, d, &z, &zrc))
			zrc = snapshot_load_zone(cfg, i, a, d, NULL, &z, &keep);
		if (keep)
			signers[n_signers++] =
			        (struct steer_signer){.zone = z, .signing = keep, .resign = resign};
		if (zrc != GS_OK) {
			/* Keep loading the other zones: one run reports every problem. */
			if (rc == GS_OK || zrc == GS_EIO)
				rc = zrc;
			continue;
		}
		zones[n++] = z;
	}
	zone_jobs_free(jobs);
	zoneset_build(&s->zones, a, zones, n);
	s->zones_s = lap(&t0);
	/* Also after a zone failed: map and database problems are worth reporting in the
	 * same run. */
	s->maps = maps ? steer_maps_ref(maps) : NULL;
	s->drop_maps = steer_maps_unref;
	int src = steer_build(cfg, &s->zones, signers, n_signers, a, d, &s->steer, &s->health,
	                      &s->maps);
	if (s->maps)
		s->geoip = s->maps->meta;
	s->steer_s = lap(&t0);
	bool keep_keys = steer_resign_count(resign) > 0 && s->steer;
	for (size_t i = 0; i < n_signers; i++) {
		struct zone_signing *g = (struct zone_signing *)signers[i].signing;
		if (keep_keys)
			steer_resign_keep(resign, g);
		else
			zone_signing_free(g);
	}
	free(signers);
	if (keep_keys) {
		steer_resign_set_cells(resign, s->steer->cells);
		s->resign = resign;
		s->free_resign = steer_resign_free;
	} else {
		steer_resign_free(resign);
	}
	if (src != GS_OK && rc == GS_OK)
		rc = src;
	s->ecs_ignored = !cfg->geoip.client_subnet;
	copy_identity(cfg, s, d);
	copy_rrl_cookies(cfg, s);
	s->loaded_at = time(NULL);
	s->generation = snapshot_next_generation();

	if (d->n_errors > errors_before && rc == GS_OK)
		rc = GS_EPARSE;
	if (rc == GS_OK)
		s->fast = fast_build(s, a); /* last: it asks the complete snapshot */
	if (rc != GS_OK) {
		snapshot_free(s);
		return rc;
	}
	*out = s;
	return GS_OK;
}

int snapshot_build(const struct cfg *cfg, struct diag *d, struct snapshot **out)
{
	return build(cfg, NULL, d, out);
}

int snapshot_rebuild(const struct cfg *cfg, const struct snapshot *from, struct diag *d,
                     struct snapshot **out)
{
	return build(cfg, from->maps, d, out);
}
