/* SPDX-License-Identifier: MIT
 * nearest.c -- nearest-first lists from a map's coordinates (see nearest.h): distances,
 * orders, and the per-map builder that geo_compile.c calls for each location no rule
 * matches. */
#include "geoip/nearest.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "geoip/geopart.h"
#include "server/base/err.h"
#include "server/base/xalloc.h"

struct nearest {
	const struct cfg_map *m;
	struct geo_site *sites;     /* heap; m->coords in configuration order */
	struct geopart_idmap cache; /* packed float coordinates -> list id */
	uint16_t *order;            /* heap; n_sites, scratch */
	char **names;               /* heap; n_sites, scratch (borrowed strings) */
	size_t n_sites;
	size_t used; /* locations that got a nearest-first list */
	bool failed; /* DCLIST_MAX reached */
};

static double radians(double deg)
{
	return deg * (3.14159265358979323846 / 180.0);
}

double nearest_km(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = radians(lat1), p2 = radians(lat2);
	double dp = p2 - p1, dl = radians(lon2 - lon1);
	double h = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);
	if (h > 1.0) /* rounding, for antipodes */
		h = 1.0;
	return 2.0 * NEAREST_EARTH_KM * asin(sqrt(h));
}

struct ranked {
	double km;
	uint16_t ix;
};

/* By distance, then by configuration order: a stable order whatever qsort does. */
static int ranked_cmp(const void *x, const void *y)
{
	const struct ranked *a = x, *b = y;
	if (a->km != b->km)
		return a->km < b->km ? -1 : 1;
	return (a->ix > b->ix) - (a->ix < b->ix);
}

void nearest_order(const struct geo_site *sites, size_t n, double lat, double lon, uint16_t *order,
                   double *km)
{
	struct ranked *r = xmalloc((n ? n : 1) * sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		r[i].km = nearest_km(lat, lon, sites[i].lat, sites[i].lon);
		r[i].ix = (uint16_t)i;
	}
	qsort(r, n, sizeof(*r), ranked_cmp);
	for (size_t i = 0; i < n; i++) {
		order[i] = r[i].ix;
		if (km)
			km[i] = r[i].km;
	}
	free(r);
}

/* "6,214" for 6213.7. */
static void format_km(double km, char out[32])
{
	char digits[24];
	snprintf(digits, sizeof(digits), "%.0f", km);
	size_t n = strlen(digits), o = 0;
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			out[o++] = ',';
		out[o++] = digits[i];
	}
	out[o] = '\0';
}

void nearest_describe(const struct geo_site *sites, size_t n, double lat, double lon, char *out,
                      size_t len)
{
	uint16_t *order = xmalloc((n ? n : 1) * sizeof(*order));
	double *km = xmalloc((n ? n : 1) * sizeof(*km));
	nearest_order(sites, n, lat, lon, order, km);
	size_t at = 0;
	out[0] = '\0';
	for (size_t i = 0; i < n && at < len; i++) {
		char dist[32];
		format_km(km[i], dist);
		int w = snprintf(out + at, len - at, "%s%s %s km", i ? ", " : "",
		                 sites[order[i]].dc, dist);
		if (w < 0)
			break;
		at += (size_t)w;
	}
	free(order);
	free(km);
}

int nearest_new(const struct cfg_map *m, const struct geo_db *db, struct diag *d,
                struct nearest **out)
{
	*out = NULL;
	if (m->n_coords == 0)
		return GS_OK;
	if (!db) {
		diag_err(d, m->coords_pos,
		         "map '%s': coordinates need geoip.database, a City-shaped one (records "
		         "with location.latitude/longitude)",
		         m->name);
		return GS_EPARSE;
	}
	if (!(geodb_fields(db) & GEODB_LOCATION)) {
		diag_err(d, m->coords_pos,
		         "map '%s': coordinates need a City-shaped database; %s (%s) has no "
		         "location.latitude/longitude in any record, so no client would be "
		         "located",
		         m->name, geodb_path(db), geodb_type(db));
		return GS_EPARSE;
	}
	if (m->n_coords > UINT16_MAX) {
		diag_err(d, m->coords_pos, "map '%s': coordinates: more than %u datacenters",
		         m->name, UINT16_MAX);
		return GS_EPARSE;
	}
	struct nearest *n = xcalloc(1, sizeof(*n));
	n->m = m;
	n->n_sites = m->n_coords;
	n->sites = xcalloc(n->n_sites, sizeof(*n->sites));
	n->order = xcalloc(n->n_sites, sizeof(*n->order));
	n->names = xcalloc(n->n_sites, sizeof(*n->names));
	for (size_t i = 0; i < n->n_sites; i++)
		n->sites[i] =
		        (struct geo_site){m->coords[i].dc, m->coords[i].lat, m->coords[i].lon};
	geopart_idmap_init(&n->cache);
	*out = n;
	return GS_OK;
}

void nearest_free(struct nearest *n)
{
	if (!n)
		return;
	geopart_idmap_free(&n->cache);
	free(n->sites);
	free(n->order);
	free(n->names);
	free(n);
}

int nearest_list(struct nearest *n, struct dclist_builder *b, const struct geo_loc *loc,
                 struct diag *d, uint16_t *list)
{
	if (n->failed)
		return GS_ERANGE;
	uint32_t la, lo, id;
	memcpy(&la, &loc->lat, sizeof(la));
	memcpy(&lo, &loc->lon, sizeof(lo));
	uint64_t key = (uint64_t)la << 32 | lo;
	n->used++;
	if (geopart_idmap_get(&n->cache, key, &id)) {
		*list = (uint16_t)id;
		return GS_OK;
	}
	nearest_order(n->sites, n->n_sites, loc->lat, loc->lon, n->order, NULL);
	for (size_t i = 0; i < n->n_sites; i++)
		n->names[i] = n->m->coords[n->order[i]].dc;
	struct cfg_dclist l = {.dcs = n->names, .n = n->n_sites, .pos = n->m->coords_pos};
	int rc = dclist_intern(b, &l, d, list);
	if (rc != GS_OK) {
		n->failed = true;
		diag_err(d, n->m->coords_pos,
		         "map '%s': coordinates: the locations of the database order these %zu "
		         "datacenters in more ways than a map can hold; give fewer datacenters "
		         "coordinates",
		         n->m->name, n->n_sites);
		return rc;
	}
	geopart_idmap_put(&n->cache, key, *list);
	return GS_OK;
}

void nearest_finish(const struct nearest *n, struct diag *d, struct arena *a,
                    const struct geo_site **sites, size_t *n_sites)
{
	if (n->used == 0)
		diag_warn(d, n->m->coords_pos,
		          "map '%s': coordinates never apply: every located client of the "
		          "database matches a rule",
		          n->m->name);
	struct geo_site *s = arena_alloc(a, n->n_sites * sizeof(*s));
	for (size_t i = 0; i < n->n_sites; i++) {
		s[i] = n->sites[i];
		s[i].dc = arena_strdup(a, n->sites[i].dc);
	}
	*sites = s;
	*n_sites = n->n_sites;
}
