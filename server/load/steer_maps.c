/* SPDX-License-Identifier: MIT
 * steer_maps.c -- compiling a configuration's geo maps once, and sharing them between
 * snapshots by reference count (steer_maps.h). */
#include "server/load/steer_maps.h"

#include <stdlib.h>

#include "server/base/err.h"
#include "server/base/xalloc.h"

int steer_maps_compile(const struct cfg *cfg, struct diag *d, struct steer_maps **out)
{
	struct steer_maps *m = xcalloc(1, sizeof(*m));
	m->refs = 1;
	m->arena = arena_new();
	m->n = cfg->n_maps;
	m->maps = xcalloc(cfg->n_maps ? cfg->n_maps : 1, sizeof(*m->maps));
	*out = m;
	struct geo_db *db = NULL;
	if (cfg->geoip.enabled && geodb_open(&cfg->geoip, d, &db) != GS_OK)
		return GS_EPARSE; /* reported at geoip.database; maps would only add noise */
	if (db)
		m->meta = *geodb_meta(db);
	int rc = GS_OK;
	for (size_t i = 0; i < cfg->n_maps; i++) {
		/* The compiled maps never point into the database (geo.h). */
		if (geo_map_compile(&cfg->maps[i], db, m->arena, d, &m->maps[i]) != GS_OK)
			rc = GS_EPARSE;
	}
	geodb_close(db);
	return rc;
}

struct steer_maps *steer_maps_ref(struct steer_maps *m)
{
	__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	return m;
}

void steer_maps_unref(struct steer_maps *m)
{
	if (!m || __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	free(m->maps);
	arena_destroy(m->arena);
	free(m);
}
