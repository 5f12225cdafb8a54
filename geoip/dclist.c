/* SPDX-License-Identifier: MIT
 * dclist.c -- the datacenter-list interner behind dclist.h. Load thread. */
#include "geoip/dclist.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/err.h"
#include "server/base/xalloc.h"

struct dclist_builder {
	char **names; /* owned strings */
	uint32_t n_names, cap_names;
	uint32_t *off; /* n_lists + 1 offsets into dcs */
	uint32_t n_lists, cap_lists;
	uint16_t *dcs;
	size_t n_dcs, cap_dcs;
	uint32_t *slots; /* open-addressing hash of list ids, UINT32_MAX = empty */
	uint32_t n_slots;
};

struct dclist_builder *dclist_builder_new(void)
{
	struct dclist_builder *b = xcalloc(1, sizeof(*b));
	b->cap_lists = 16;
	b->off = xmalloc((b->cap_lists + 1) * sizeof(*b->off));
	b->off[0] = 0;
	b->n_slots = 64;
	b->slots = xmalloc(b->n_slots * sizeof(*b->slots));
	memset(b->slots, 0xff, b->n_slots * sizeof(*b->slots));
	return b;
}

void dclist_builder_free(struct dclist_builder *b)
{
	if (!b)
		return;
	for (uint32_t i = 0; i < b->n_names; i++)
		free(b->names[i]);
	free(b->names);
	free(b->off);
	free(b->dcs);
	free(b->slots);
	free(b);
}

uint32_t dclist_count(const struct dclist_builder *b)
{
	return b->n_lists;
}

/* Datacenter names are few (one per site), so a linear search is the simple choice. */
static int name_index(struct dclist_builder *b, const char *name, struct diag *d, struct srcpos pos)
{
	for (uint32_t i = 0; i < b->n_names; i++)
		if (strcmp(b->names[i], name) == 0)
			return (int)i;
	if (b->n_names >= UINT16_MAX) {
		diag_err(d, pos, "too many datacenter names in one map (at most %u)", UINT16_MAX);
		return GS_ERANGE;
	}
	if (b->n_names == b->cap_names) {
		b->cap_names = b->cap_names ? b->cap_names * 2 : 8;
		b->names = xrealloc(b->names, b->cap_names * sizeof(*b->names));
	}
	b->names[b->n_names] = xstrdup(name);
	return (int)b->n_names++;
}

static uint32_t hash_list(const uint16_t *v, size_t n)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (size_t i = 0; i < n; i++) {
		h = (h ^ (v[i] & 0xffu)) * 16777619u;
		h = (h ^ (v[i] >> 8)) * 16777619u;
	}
	return h ^ (uint32_t)n;
}

static void slots_insert(struct dclist_builder *b, uint32_t id)
{
	const uint16_t *v = b->dcs + b->off[id];
	size_t n = b->off[id + 1] - b->off[id];
	uint32_t i = hash_list(v, n) & (b->n_slots - 1);
	while (b->slots[i] != UINT32_MAX)
		i = (i + 1) & (b->n_slots - 1);
	b->slots[i] = id;
}

int dclist_intern(struct dclist_builder *b, const struct cfg_dclist *l, struct diag *d,
                  uint16_t *id)
{
	if (l->n == 0) {
		diag_err(d, l->pos, "empty datacenter list");
		return GS_EPARSE;
	}
	/* Append the candidate at the end of dcs; drop it again if already known. */
	if (b->n_dcs + l->n > b->cap_dcs) {
		b->cap_dcs = (b->n_dcs + l->n) * 2;
		b->dcs = xrealloc(b->dcs, b->cap_dcs * sizeof(*b->dcs));
	}
	uint16_t *v = b->dcs + b->n_dcs;
	size_t n = 0;
	for (size_t i = 0; i < l->n; i++) {
		int ix = name_index(b, l->dcs[i], d, l->pos);
		if (ix < 0)
			return ix;
		bool dup = false;
		for (size_t j = 0; j < n; j++)
			dup = dup || v[j] == (uint16_t)ix;
		if (dup) {
			diag_warn(
			        d, l->pos,
			        "datacenter '%s' appears twice in one list; the second is ignored",
			        l->dcs[i]);
			continue;
		}
		v[n++] = (uint16_t)ix;
	}
	uint32_t h = hash_list(v, n) & (b->n_slots - 1);
	for (uint32_t i = h; b->slots[i] != UINT32_MAX; i = (i + 1) & (b->n_slots - 1)) {
		uint32_t cand = b->slots[i];
		size_t cn = b->off[cand + 1] - b->off[cand];
		if (cn == n && memcmp(b->dcs + b->off[cand], v, n * sizeof(*v)) == 0) {
			*id = (uint16_t)cand;
			return GS_OK;
		}
	}
	if (b->n_lists >= DCLIST_MAX) {
		diag_err(d, l->pos, "too many distinct datacenter lists in one map (at most %u)",
		         DCLIST_MAX);
		return GS_ERANGE;
	}
	if (b->n_lists == b->cap_lists) {
		b->cap_lists *= 2;
		b->off = xrealloc(b->off, (b->cap_lists + 1) * sizeof(*b->off));
	}
	uint32_t nid = b->n_lists++;
	b->n_dcs += n;
	b->off[nid + 1] = (uint32_t)b->n_dcs;
	/* Keep the hash at most half full. */
	if (2 * b->n_lists > b->n_slots) {
		b->n_slots *= 2;
		b->slots = xrealloc(b->slots, b->n_slots * sizeof(*b->slots));
		memset(b->slots, 0xff, b->n_slots * sizeof(*b->slots));
		for (uint32_t i = 0; i < b->n_lists; i++)
			slots_insert(b, i);
	} else {
		slots_insert(b, nid);
	}
	*id = (uint16_t)nid;
	return GS_OK;
}

void dclist_freeze(const struct dclist_builder *b, struct arena *a, struct dclist_table *out)
{
	const char **names = arena_alloc(a, (b->n_names + 1) * sizeof(*names));
	for (uint32_t i = 0; i < b->n_names; i++)
		names[i] = arena_strdup(a, b->names[i]);
	out->names = names;
	out->n_names = b->n_names;
	out->n_lists = b->n_lists;
	out->off = arena_memdup(a, b->off, (b->n_lists + 1) * sizeof(*b->off));
	out->dcs =
	        arena_memdup(a, b->dcs ? b->dcs : (const uint16_t *)"", b->n_dcs * sizeof(*b->dcs));
}
