/* SPDX-License-Identifier: MIT
 * geo_diff.c -- two compiled geo maps compared range by range (geo_diff.h): a merge
 * of two sorted range tables, the runs cut into CIDR networks, and the runs located
 * in a database's location partition. Tools only. */
#include "geoip/geo_diff.h"

#include <sys/socket.h>

#include "geoip/geo_embed.h"
#include "geoip/geopart.h"

/* Start of range i of t. */
static unsigned __int128 range_start(const struct nettree *t, uint32_t i)
{
	return t->bits == 32 ? (unsigned __int128)t->k4[i] : t->k6[i];
}

void geo_diff_walk(const struct geo_map *old_map, const struct geo_map *new_map, int family,
                   geo_diff_same_fn same, geo_diff_range_fn emit, void *ctx)
{
	const struct nettree *a = family == AF_INET ? &old_map->v4 : &old_map->v6;
	const struct nettree *b = family == AF_INET ? &new_map->v4 : &new_map->v6;
	unsigned __int128 top = geopart_top(a->bits);
	struct geo_diff_range run = {.family = family};
	bool open = false;
	uint32_t i = 0, j = 0;
	unsigned __int128 at = 0;
	for (;;) {
		/* [at, end] lies in range i of a and range j of b. */
		unsigned __int128 end = top;
		if (i + 1 < a->n && range_start(a, i + 1) - 1 < end)
			end = range_start(a, i + 1) - 1;
		if (j + 1 < b->n && range_start(b, j + 1) - 1 < end)
			end = range_start(b, j + 1) - 1;
		uint16_t va = GEO_VAL_LIST(a->val[i]), vb = GEO_VAL_LIST(b->val[j]);
		bool differs = va < GEO_EMBED_BASE && vb < GEO_EMBED_BASE && !same(ctx, va, vb);
		if (open && (!differs || run.old_list != va || run.new_list != vb)) {
			emit(ctx, &run);
			open = false;
		}
		if (differs) {
			if (!open) {
				run.first = at;
				run.old_list = va;
				run.new_list = vb;
				open = true;
			}
			run.last = end;
		}
		if (end == top)
			break;
		at = end + 1;
		if (i + 1 < a->n && range_start(a, i + 1) == at)
			i++;
		if (j + 1 < b->n && range_start(b, j + 1) == at)
			j++;
	}
	if (open)
		emit(ctx, &run);
}

unsigned geo_diff_cidr(unsigned __int128 first, unsigned __int128 last, unsigned bits)
{
	unsigned len = bits;
	/* Widen while first stays aligned and the network stays inside [first, last]. */
	while (len > 0) {
		unsigned __int128 mask = geopart_hostmask(bits, len - 1);
		if ((first & mask) != 0 || (first | mask) > last)
			break;
		len--;
	}
	return len;
}

void geo_diff_locate(const struct geo_db *db, int family, unsigned __int128 first,
                     unsigned __int128 last, geo_diff_loc_fn fn, void *ctx)
{
	const struct geopart *p = geodb_part(db, family);
	uint32_t n_locs = 0;
	const struct geo_loc *locs = geodb_locs(db, &n_locs);
	unsigned __int128 top = geopart_top(family == AF_INET ? 32 : 128);
	for (size_t k = geopart_find(p, first); k < p->n; k++) {
		unsigned __int128 s = p->start[k] > first ? p->start[k] : first;
		if (s > last)
			break;
		unsigned __int128 e = k + 1 < p->n ? p->start[k + 1] - 1 : top;
		if (e > last)
			e = last;
		uint32_t id = p->val[k] < n_locs ? p->val[k] : 0;
		fn(ctx, &locs[id], s, e);
		if (e == last)
			break;
	}
}
