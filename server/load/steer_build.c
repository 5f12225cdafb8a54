/* SPDX-License-Identifier: MIT
 * steer_build.c -- builds a snapshot's steering from the configuration: takes the
 * compiled maps (steer_maps.h: compiled here unless a re-sign passes them), renders
 * every service's addresses as A / AAAA rdata with their health cells, checks the
 * steered names against the zones, and hashes them for the query path. Load thread. */
#include "server/load/steer_build.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"
#include "server/load/steer_sign.h"
#include "server/query/steer_count.h"
#include "server/query/query.h"
#include "zones/zone.h"

/* Fills dc from its configuration: addresses as rdata, one health cell each. */
static int build_dc(const struct cfg_service *svc, const struct cfg_datacenter *cdc,
                    const struct cfg_check *check, struct health_table *ht, struct arena *a,
                    struct diag *d, struct steer_dc *dc)
{
	int rc = GS_OK;
	dc->name = arena_strdup(a, cdc->name);
	dc->count = steer_count_slot(svc->name, cdc->name);
	size_t n[STEER_N_TYPES] = {0, 0};
	for (size_t i = 0; i < cdc->n_addrs; i++)
		n[cdc->addrs[i].family == AF_INET ? STEER_A : STEER_AAAA]++;
	uint8_t *rdata[STEER_N_TYPES];
	uint32_t *cells[STEER_N_TYPES];
	for (unsigned t = 0; t < STEER_N_TYPES; t++) {
		if (n[t] > UINT16_MAX) {
			diag_err(d, cdc->pos, "services.%s.datacenters.%s: more than %u addresses",
			         svc->name, cdc->name, UINT16_MAX);
			return GS_EPARSE;
		}
		dc->n[t] = (uint16_t)n[t];
		rdata[t] = arena_alloc(a, (n[t] ? n[t] : 1) * (t == STEER_A ? 4u : 16u));
		cells[t] = arena_alloc(a, (n[t] ? n[t] : 1) * sizeof(uint32_t));
		dc->rdata[t] = rdata[t];
		dc->cells[t] = cells[t];
		n[t] = 0;
	}
	for (size_t i = 0; i < cdc->n_addrs; i++) {
		const struct netaddr *addr = &cdc->addrs[i];
		unsigned t = addr->family == AF_INET ? STEER_A : STEER_AAAA;
		size_t len = t == STEER_A ? 4u : 16u;
		memcpy(rdata[t] + n[t] * len, addr->addr, len);
		uint32_t idx = 0;
		int hrc = health_table_add_cell(ht, cdc->name, addr, check, &idx);
		if (hrc != GS_OK) {
			struct srcpos pos = cdc->addr_pos ? cdc->addr_pos[i] : cdc->pos;
			diag_err(d, pos,
			         "services.%s.datacenters.%s: cannot set up health state: %s",
			         svc->name, cdc->name, gs_strerror(hrc));
			rc = GS_EPARSE;
		}
		cells[t][n[t]++] = idx;
	}
	return rc;
}

/* Compiles service svc against its compiled map. */
static int build_service(const struct cfg *cfg, const struct cfg_service *svc,
                         const struct geo_map *map, struct health_table *ht, struct arena *a,
                         struct diag *d, struct steer_service *out)
{
	int rc = GS_OK;
	out->name = arena_strdup(a, svc->name);
	out->map = map;
	out->ttl = svc->ttl;
	out->failover_ttl = svc->failover_ttl;
	out->all_down = (uint8_t)svc->all_down;
	if (svc->n_dcs > UINT16_MAX - 1) {
		diag_err(d, svc->pos, "services.%s: more than %u datacenters", svc->name,
		         UINT16_MAX - 1);
		return GS_EPARSE;
	}
	out->n_dcs = (uint16_t)svc->n_dcs;
	const struct cfg_check *check = cfg_find_check(cfg, svc->check);
	struct steer_dc *dcs = arena_alloc(a, (svc->n_dcs ? svc->n_dcs : 1) * sizeof(*dcs));
	for (size_t k = 0; k < svc->n_dcs; k++) {
		if (build_dc(svc, &svc->dcs[k], check, ht, a, d, &dcs[k]) != GS_OK)
			rc = GS_EPARSE;
	}
	out->dcs = dcs;
	/* The map's datacenter indices -> this service's. Configuration validation has
	 * made sure that every datacenter a map names exists in each service using it. */
	uint32_t n_names = map->lists.n_names;
	uint32_t n_groups = map->lists.n_groups;
	uint16_t *dc_of = arena_alloc(a, (n_names + n_groups + 1) * sizeof(*dc_of));
	/* Weighted groups follow the datacenters in the map's index space. */
	for (uint32_t g = 0; g < n_groups; g++)
		dc_of[n_names + g] = STEER_GROUP;
	out->weighted = n_groups > 0;
	for (uint32_t j = 0; j < n_names; j++) {
		dc_of[j] = STEER_NO_DC;
		for (size_t k = 0; k < svc->n_dcs; k++) {
			if (strcmp(svc->dcs[k].name, map->lists.names[j]) == 0) {
				dc_of[j] = (uint16_t)k;
				break;
			}
		}
	}
	out->dc_of = dc_of;
	return rc;
}

/* ---- The name hash. ---- */

struct name_builder {
	struct steer_name *names; /* heap */
	size_t n, cap;
	uint32_t *slots; /* heap */
	size_t mask;
};

/* Adds name (lowercase wire) for svc, or for an empty non-terminal when svc is NULL.
 * An existing entry becomes steered when svc is given; a steered one never changes. */
static void nb_add(struct name_builder *b, struct arena *a, const uint8_t *name, size_t len,
                   const struct steer_service *svc)
{
	size_t i = steer_hash(name, len) & b->mask;
	while (b->slots[i]) {
		struct steer_name *e = &b->names[b->slots[i] - 1];
		if (e->len == len && memcmp(e->name, name, len) == 0) {
			if (!e->svc)
				e->svc = svc;
			return;
		}
		i = (i + 1) & b->mask;
	}
	struct steer_name *e = &b->names[b->n++];
	e->name = arena_memdup(a, name, len);
	e->len = (uint8_t)len;
	e->svc = svc;
	b->slots[i] = (uint32_t)b->n;
}

/* The entry of name (lowercase wire, len bytes) in b, or NULL. */
static struct steer_name *find_added(struct name_builder *b, const uint8_t *name, size_t len)
{
	for (size_t i = steer_hash(name, len) & b->mask; b->slots[i]; i = (i + 1) & b->mask) {
		struct steer_name *e = &b->names[b->slots[i] - 1];
		if (e->len == len && memcmp(e->name, name, len) == 0)
			return e;
	}
	return NULL;
}

/* Checks one steered name against the zone that holds it (the deepest one, as the query
 * path finds it). Returns false when the name must not be steered. */
static bool check_name(const struct cfg_service *svc, size_t k, const struct zone *z,
                       struct diag *d)
{
	const uint8_t *name = svc->names[k].wire;
	struct srcpos pos = svc->names[k].pos;
	char text[DNAME_TEXT_MAX];
	dname_to_text(name, text);
	bool ok = true;
	if (z->dnssec && z->dnssec->presigned) {
		/* Its signatures were made elsewhere: the steered A/AAAA sets (a different
		 * one per client) could not be signed here without the zone's keys, and
		 * unsigned data in a signed zone is bogus to every validating resolver. */
		char zn[DNAME_TEXT_MAX];
		dname_to_text(z->origin, zn);
		diag_err(d, pos,
		         "services.%s.names: %s is in the zone %s, which is signed in its zone "
		         "file (%s:%u); geosteer cannot sign the steered answers without the "
		         "zone's keys: steer a name of an unsigned zone, or let geosteer sign "
		         "this one",
		         svc->name, text, zn, z->file, z->soa ? z->soa->line : 0);
		ok = false;
	}
	if (z->dnssec && svc->all_down == CFG_ALL_DOWN_NODATA) {
		/* The denial chain geosteer signs lists A and AAAA at a steered name, so a
		 * NODATA for them would contradict it and fail validation. */
		char zn[DNAME_TEXT_MAX];
		dname_to_text(z->origin, zn);
		diag_err(d, svc->all_down_pos,
		         "services.%s.all_down: nodata cannot be served for %s in the signed zone "
		         "%s (its NSEC/NSEC3 records say the name has addresses); use open or "
		         "servfail",
		         svc->name, text, zn);
		ok = false;
	}
	struct zone_hit hit;
	if (zone_lookup(z, name, &hit) == ZONE_MATCH_DELEGATION) {
		char cut[DNAME_TEXT_MAX];
		dname_to_text(hit.node->name, cut);
		const struct zone_rrset *ns = zone_node_rrset(hit.node, DNS_TYPE_NS);
		diag_err(d, pos,
		         "services.%s.names: %s is at or below the delegation to %s (%s:%u), so "
		         "it would never be answered here",
		         svc->name, text, cut, z->file, ns ? ns->line : 0);
		ok = false;
	}
	const struct zone_node *node = zone_find(z, name);
	if (!node)
		return ok;
	static const struct {
		uint16_t type;
		const char *name;
	} clash[] = {{DNS_TYPE_A, "A"}, {DNS_TYPE_AAAA, "AAAA"}, {DNS_TYPE_CNAME, "CNAME"}};
	for (size_t i = 0; i < sizeof(clash) / sizeof(clash[0]); i++) {
		const struct zone_rrset *set = zone_node_rrset(node, clash[i].type);
		if (!set)
			continue;
		if (clash[i].type == DNS_TYPE_CNAME)
			diag_err(d, pos,
			         "services.%s.names: %s is a CNAME in its zone file (%s:%u); a "
			         "steered name cannot be an alias (RFC 1034 3.6.2)",
			         svc->name, text, z->file, set->line);
		else
			diag_err(d, pos,
			         "services.%s.names: %s also has %s records in its zone file "
			         "(%s:%u); a steered name takes its addresses from its service "
			         "only",
			         svc->name, text, clash[i].name, z->file, set->line);
		ok = false;
	}
	return ok;
}

/* Hashes every steered name and the empty non-terminals above it. */
static int build_names(const struct cfg *cfg, const struct zoneset *zs,
                       const struct steer_service *services, const bool *built,
                       const struct steer_signer *sg, size_t n_sg, struct arena *a, struct diag *d,
                       struct steer_table *t)
{
	int rc = GS_OK;
	size_t cap = 0;
	for (size_t s = 0; s < cfg->n_services; s++)
		for (size_t k = 0; k < cfg->services[s].n_names; k++)
			cap += dname_labels(cfg->services[s].names[k].wire) + 1u;
	size_t n_slots = 16;
	while (n_slots < 2 * cap)
		n_slots *= 2;
	struct name_builder b = {
	        .names = xcalloc(cap ? cap : 1, sizeof(struct steer_name)),
	        .cap = cap,
	        .slots = xcalloc(n_slots, sizeof(uint32_t)),
	        .mask = n_slots - 1,
	};
	for (size_t s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];
		for (size_t k = 0; k < svc->n_names; k++) {
			const uint8_t *name = svc->names[k].wire;
			const struct zone *z = zoneset_find(zs, name);
			if (!z)
				continue; /* configuration validation reported it */
			if (!check_name(svc, k, z, d)) {
				rc = GS_EPARSE;
				continue;
			}
			if (!built[s])
				continue;
			nb_add(&b, a, name, svc->names[k].len, &services[s]);
			/* In a zone geosteer signs: the signatures of its address sets. */
			for (size_t g = 0; g < n_sg; g++) {
				if (sg[g].zone != z)
					continue;
				struct steer_name *e = find_added(&b, name, svc->names[k].len);
				if (e && e->svc == &services[s] && !e->sigs &&
				    steer_sign_name(svc, e, &sg[g], a, d) != GS_OK)
					rc = GS_EPARSE;
			}
			/* RFC 8020: the names between the steered name and the apex exist. */
			unsigned labels = dname_labels(name);
			for (unsigned keep = labels - 1; keep > z->origin_labels; keep--) {
				const uint8_t *up = dname_suffix(name, keep);
				nb_add(&b, a, up, dname_len(up), NULL);
			}
		}
	}
	t->n_names = b.n;
	t->names = arena_memdup(a, b.names, (b.n ? b.n : 1) * sizeof(struct steer_name));
	t->slots = arena_memdup(a, b.slots, n_slots * sizeof(uint32_t));
	t->mask = b.mask;
	free(b.names);
	free(b.slots);
	return rc;
}

int steer_build(const struct cfg *cfg, const struct zoneset *zs, const struct steer_signer *sg,
                size_t n_sg, struct arena *a, struct diag *d, const struct steer_table **table,
                struct health_table **health, struct steer_maps **gm)
{
	*table = NULL;
	*health = NULL;
	int rc = GS_OK;
	if (!*gm && (cfg->geoip.enabled || cfg->n_maps))
		rc = steer_maps_compile(cfg, d, gm);
	if (cfg->n_services == 0)
		return rc;
	const struct geo_map *const *maps = *gm ? (*gm)->maps : NULL;

	struct health_table *ht = health_table_new();
	struct steer_table *t = arena_alloc(a, sizeof(*t));
	struct steer_service *services = arena_alloc(a, cfg->n_services * sizeof(*services));
	bool *built = xcalloc(cfg->n_services, sizeof(*built));
	for (size_t s = 0; s < cfg->n_services; s++) {
		const struct cfg_service *svc = &cfg->services[s];
		const struct cfg_map *map = cfg_find_map(cfg, svc->map);
		size_t m = map ? (size_t)(map - cfg->maps) : 0;
		if (!map || !maps || m >= (*gm)->n || !maps[m])
			continue; /* unknown map (validation) or one that did not compile */
		if (build_service(cfg, svc, maps[m], ht, a, d, &services[s]) != GS_OK)
			rc = GS_EPARSE;
		else
			built[s] = true;
	}
	t->services = services;
	t->n_services = cfg->n_services;
	if (build_names(cfg, zs, services, built, sg, n_sg, a, d, t) != GS_OK)
		rc = GS_EPARSE;
	free(built);
	/* Every cell is added: the array no longer moves. */
	t->cells = health_table_cells(ht);
	if (rc != GS_OK) {
		health_table_free(ht);
		return rc;
	}
	/* The answer counters of every (service, datacenter) exist before any thread can
	 * answer from this table. */
	steer_count_reserve();
	*table = t;
	*health = ht;
	return GS_OK;
}
