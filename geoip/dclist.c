/* SPDX-License-Identifier: MIT
 * dclist.c -- the datacenter-list interner behind dclist.h. Load thread. */
#include "geoip/dclist.h"

#include <stdio.h>
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
	/* Groups: group g's members are mem_dc/mem_w[g_off[g] .. g_off[g + 1]). While
	 * building, a list refers to group g as GROUP_TAG | g (names stay below it). */
	uint32_t *g_off; /* n_groups + 1 */
	uint32_t n_groups, cap_groups;
	uint16_t *mem_dc;
	uint32_t *mem_w;
	size_t n_mem, cap_mem;
};

#define GROUP_TAG 0x8000u

struct dclist_builder *dclist_builder_new(void)
{
	struct dclist_builder *b = xcalloc(1, sizeof(*b));
	b->cap_lists = 16;
	b->off = xmalloc((b->cap_lists + 1) * sizeof(*b->off));
	b->off[0] = 0;
	b->n_slots = 64;
	b->slots = xmalloc(b->n_slots * sizeof(*b->slots));
	memset(b->slots, 0xff, b->n_slots * sizeof(*b->slots));
	b->g_off = xcalloc(1, sizeof(*b->g_off));
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
	free(b->g_off);
	free(b->mem_dc);
	free(b->mem_w);
	free(b);
}

uint32_t dclist_count(const struct dclist_builder *b)
{
	return b->n_lists;
}

uint32_t dclist_group_count(const struct dclist_builder *b)
{
	return b->n_groups;
}

/* Datacenter names are few (one per site), so a linear search is the simple choice. */
static int name_index(struct dclist_builder *b, const char *name, struct diag *d, struct srcpos pos)
{
	for (uint32_t i = 0; i < b->n_names; i++)
		if (strcmp(b->names[i], name) == 0)
			return (int)i;
	if (b->n_names >= DCLIST_NAMES_MAX) {
		diag_err(d, pos, "too many datacenter names in one map (at most %u)",
		         DCLIST_NAMES_MAX);
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

/* Interns the group of l whose members are l->dcs[from .. to) and returns its tagged
 * reference, or a negative error. */
static int intern_group(struct dclist_builder *b, const struct cfg_dclist *l, size_t from,
                        size_t to, struct diag *d)
{
	if (b->n_mem + (to - from) > b->cap_mem) {
		b->cap_mem = (b->n_mem + (to - from)) * 2;
		b->mem_dc = xrealloc(b->mem_dc, b->cap_mem * sizeof(*b->mem_dc));
		b->mem_w = xrealloc(b->mem_w, b->cap_mem * sizeof(*b->mem_w));
	}
	uint16_t *dc = b->mem_dc + b->n_mem;
	uint32_t *w = b->mem_w + b->n_mem;
	size_t n = to - from;
	for (size_t i = 0; i < n; i++) {
		int ix = name_index(b, l->dcs[from + i], d, l->pos);
		if (ix < 0)
			return ix;
		dc[i] = (uint16_t)ix;
		w[i] = l->weight[from + i];
	}
	/* Groups are few (a handful per map): a linear search finds a repeat. */
	for (uint32_t g = 0; g < b->n_groups; g++) {
		size_t gn = b->g_off[g + 1] - b->g_off[g];
		if (gn == n && memcmp(b->mem_dc + b->g_off[g], dc, n * sizeof(*dc)) == 0 &&
		    memcmp(b->mem_w + b->g_off[g], w, n * sizeof(*w)) == 0)
			return (int)(GROUP_TAG | g);
	}
	if (b->n_groups >= DCLIST_GROUPS_MAX) {
		diag_err(d, l->pos, "too many distinct weighted groups in one map (at most %u)",
		         DCLIST_GROUPS_MAX);
		return GS_ERANGE;
	}
	if (b->n_groups + 1 >= b->cap_groups) {
		b->cap_groups = b->cap_groups ? b->cap_groups * 2 : 8;
		b->g_off = xrealloc(b->g_off, (b->cap_groups + 1) * sizeof(*b->g_off));
	}
	b->n_mem += n;
	b->g_off[++b->n_groups] = (uint32_t)b->n_mem;
	return (int)(GROUP_TAG | (b->n_groups - 1));
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
		if (l->group && l->group[i]) {
			size_t end = i + 1;
			while (end < l->n && l->group[end] == l->group[i])
				end++;
			int ref = intern_group(b, l, i, end, d);
			if (ref < 0)
				return ref;
			v[n++] = (uint16_t)ref;
			i = end - 1;
			continue;
		}
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

/* "{us-east: 3, us-west: 1}" for group g, in arena a. */
static const char *group_text(const struct dclist_builder *b, uint32_t g, struct arena *a)
{
	size_t len = 3;
	for (uint32_t i = b->g_off[g]; i < b->g_off[g + 1]; i++)
		len += strlen(b->names[b->mem_dc[i]]) + 16;
	char *t = arena_alloc(a, len);
	size_t at = 0;
	t[at++] = '{';
	for (uint32_t i = b->g_off[g]; i < b->g_off[g + 1]; i++)
		at += (size_t)snprintf(t + at, len - at, "%s%s: %u", i > b->g_off[g] ? ", " : "",
		                       b->names[b->mem_dc[i]], b->mem_w[i]);
	snprintf(t + at, len - at, "}");
	return t;
}

void dclist_freeze(const struct dclist_builder *b, struct arena *a, struct dclist_table *out)
{
	uint32_t nn = b->n_names, ng = b->n_groups;
	const char **names = arena_alloc(a, (nn + ng + 1) * sizeof(*names));
	for (uint32_t i = 0; i < nn; i++)
		names[i] = arena_strdup(a, b->names[i]);
	for (uint32_t g = 0; g < ng; g++)
		names[nn + g] = group_text(b, g, a);
	out->names = names;
	out->n_names = nn;
	out->n_lists = b->n_lists;
	out->off = arena_memdup(a, b->off, (b->n_lists + 1) * sizeof(*b->off));
	/* Group references become n_names + g now that n_names is final. */
	uint16_t *dcs = arena_alloc(a, (b->n_dcs + 1) * sizeof(*dcs));
	uint8_t *has_group = arena_alloc(a, b->n_lists + 1);
	for (uint32_t id = 0; id < b->n_lists; id++) {
		has_group[id] = 0;
		for (uint32_t i = b->off[id]; i < b->off[id + 1]; i++) {
			uint16_t v = b->dcs[i];
			if (v & GROUP_TAG) {
				v = (uint16_t)(nn + (v & ~GROUP_TAG));
				has_group[id] = 1;
			}
			dcs[i] = v;
		}
	}
	out->dcs = dcs;
	out->has_group = has_group;
	out->n_groups = ng;
	struct dclist_group *groups = arena_alloc(a, (ng + 1) * sizeof(*groups));
	uint16_t *member = arena_alloc(a, (b->n_mem + 1) * sizeof(*member));
	uint32_t *weight = arena_alloc(a, (b->n_mem + 1) * sizeof(*weight));
	uint32_t *cum = arena_alloc(a, (b->n_mem + 1) * sizeof(*cum));
	for (uint32_t g = 0; g < ng; g++) {
		uint32_t sum = 0;
		for (uint32_t i = b->g_off[g]; i < b->g_off[g + 1]; i++) {
			member[i] = b->mem_dc[i];
			weight[i] = b->mem_w[i];
			sum += b->mem_w[i];
			cum[i] = sum;
		}
		groups[g] = (struct dclist_group){.off = b->g_off[g],
		                                  .n = (uint16_t)(b->g_off[g + 1] - b->g_off[g]),
		                                  .total = sum};
	}
	out->groups = groups;
	out->member = member;
	out->weight = weight;
	out->cum = cum;
}
