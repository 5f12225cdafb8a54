/* SPDX-License-Identifier: MIT
 * cfgdiff_weight.c -- the share of client networks a list change moves (see
 * cfgdiff_weight.h). Single-threaded tool code. */
#include <config.h>

#include "tools/cfgdiff_weight.h"

#include <string.h>
#include <sys/socket.h>

#include "geoip/dclist.h"

/* The first position of a list as a set of (name, [lo, hi)) intervals of [0, 1): one
 * interval [0, 1) for a datacenter, one per member of weight above 0 for a group, in
 * bucket order. */
struct first {
	const char *name[CFG_GROUP_MAX];
	double lo[CFG_GROUP_MAX], hi[CFG_GROUP_MAX];
	unsigned n;
};

static void first_of(const struct geo_map *m, uint16_t list, struct first *out)
{
	const struct dclist_table *t = &m->lists;
	size_t n;
	const uint16_t *v = geo_map_list(m, list, &n);
	out->n = 0;
	if (!dclist_is_group(t, v[0])) {
		out->name[0] = geo_map_dc_name(m, v[0]);
		out->lo[0] = 0;
		out->hi[0] = 1;
		out->n = 1;
		return;
	}
	const struct dclist_group *g = dclist_group(t, v[0]);
	uint32_t run = 0;
	for (uint16_t i = 0; i < g->n && out->n < CFG_GROUP_MAX; i++) {
		uint32_t w = t->weight[g->off + i];
		if (!w)
			continue;
		out->name[out->n] = geo_map_dc_name(m, t->member[g->off + i]);
		out->lo[out->n] = (double)run / g->total;
		run += w;
		out->hi[out->n] = (double)run / g->total;
		out->n++;
	}
}

bool cfgdiff_weight_involved(const struct geo_map *om, uint16_t old_list, const struct geo_map *nm,
                             uint16_t new_list)
{
	return om->lists.has_group[old_list] || nm->lists.has_group[new_list];
}

bool cfgdiff_weight_same_prefix(const struct geo_map *om, const struct geo_map *nm, int family)
{
	if (family == AF_INET)
		return om->weight_prefix4 == nm->weight_prefix4;
	return om->weight_prefix6 == nm->weight_prefix6;
}

double cfgdiff_weight_moves(const struct geo_map *om, uint16_t old_list, const struct geo_map *nm,
                            uint16_t new_list, int family)
{
	struct first a, b;
	first_of(om, old_list, &a);
	first_of(nm, new_list, &b);
	bool aligned = cfgdiff_weight_same_prefix(om, nm, family);
	double stay = 0;
	for (unsigned i = 0; i < a.n; i++) {
		for (unsigned j = 0; j < b.n; j++) {
			if (strcmp(a.name[i], b.name[j]) != 0)
				continue;
			if (aligned) {
				/* The same hash on both sides: the overlap of the two intervals. */
				double lo = a.lo[i] > b.lo[j] ? a.lo[i] : b.lo[j];
				double hi = a.hi[i] < b.hi[j] ? a.hi[i] : b.hi[j];
				stay += hi > lo ? hi - lo : 0;
			} else {
				stay += (a.hi[i] - a.lo[i]) * (b.hi[j] - b.lo[j]);
			}
		}
	}
	double moves = 1 - stay;
	return moves < 1e-9 ? 0 : moves;
}
