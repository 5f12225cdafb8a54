/* SPDX-License-Identifier: MIT
 * dclist.h -- interned ordered datacenter lists. Every distinct list a map's rules
 * name is stored once and known by a small id; a list is a run of indices into the
 * map's datacenter-name table. Building happens on the load thread (heap builder);
 * the frozen table lives in the snapshot arena and is read by workers.
 *
 * Shape: names[] holds each datacenter name once, in order of first use in the map
 * (default list first). Lists are concatenated in dcs[]; list id i is
 * dcs[off[i] .. off[i+1]). Id 0 is always the map's default list, the first one
 * interned. */
#ifndef GS_DCLIST_H
#define GS_DCLIST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/config/config.h"

/* List ids at or above DCLIST_MAX are reserved (geo.c uses them as markers for IPv6
 * ranges that embed an IPv4 address), so a map may have at most DCLIST_MAX lists. */
#define DCLIST_MAX 0xfff0u
/* Most datacenter names, and most distinct weighted groups, in one map. */
#define DCLIST_NAMES_MAX  0x7fffu
#define DCLIST_GROUPS_MAX 0x7000u

/* A weighted group (docs/design.md rule 7): members member[off .. off + n) of the table,
 * each with its weight; cum[off + i] is the sum of the weights of members 0..i, so that
 * member i owns the buckets [cum[off + i - 1], cum[off + i]) of [0, total). Members
 * keep configuration order; a member of weight 0 owns no bucket. */
struct dclist_group {
	uint32_t off;
	uint16_t n;
	uint32_t total; /* sum of the weights, > 0 */
};

/* Weighted groups. A list position is a datacenter index (< n_names) or a group,
 * written as n_names + the group's number; names[n_names + g] is group g's text
 * ("{us-east: 3, us-west: 1}"), so that code printing or comparing lists by name needs
 * no special case. has_group[id] says whether list id holds a group. */
struct dclist_table {
	const char *const *names; /* arena; n_names datacenter names, then n_groups groups */
	uint32_t n_names;
	uint32_t n_lists;
	const uint32_t *off;      /* arena; n_lists + 1 offsets into dcs */
	const uint16_t *dcs;      /* arena; indices into names */
	const uint8_t *has_group; /* arena; n_lists flags */
	uint32_t n_groups;
	const struct dclist_group *groups; /* arena; n_groups */
	const uint16_t *member;            /* arena; datacenter index of each group member */
	const uint32_t *weight;            /* arena; weight of each group member */
	const uint32_t *cum;               /* arena; running sums of weight within each group */
};

struct dclist_builder;

/* Returns a new, empty builder (heap, owned by the caller; never NULL). Load thread. */
struct dclist_builder *dclist_builder_new(void) GS_WUR;
/* Frees b; accepts NULL. */
void dclist_builder_free(struct dclist_builder *b);
/* Interns list l and sets *id. An empty list is an error; a datacenter named twice in
 * one list is a warning and its repeat is dropped (the first place counts). The groups
 * of l (l->group) are interned too: two groups with the same members and weights in the
 * same order are one. Problems go to d at l->pos. Returns GS_OK, GS_EPARSE (empty list)
 * or GS_ERANGE (more than DCLIST_MAX lists, DCLIST_NAMES_MAX names or DCLIST_GROUPS_MAX
 * groups, also reported in d). */
int dclist_intern(struct dclist_builder *b, const struct cfg_dclist *l, struct diag *d,
                  uint16_t *id) GS_NONNULL GS_WUR;
/* Number of lists interned so far. */
uint32_t dclist_count(const struct dclist_builder *b) GS_NONNULL;
/* Number of distinct groups interned so far. */
uint32_t dclist_group_count(const struct dclist_builder *b) GS_NONNULL;
/* Copies the lists into arena a as an immutable table. b is unchanged. */
void dclist_freeze(const struct dclist_builder *b, struct arena *a,
                   struct dclist_table *out) GS_NONNULL;

/* Returns list id's datacenter indices and sets *n. id must be < t->n_lists. Any
 * thread. */
static inline const uint16_t *dclist_get(const struct dclist_table *t, uint32_t id, size_t *n)
{
	*n = t->off[id + 1] - t->off[id];
	return t->dcs + t->off[id];
}

/* True when position value v of a list (an entry of dclist_get) is a group. */
static inline bool dclist_is_group(const struct dclist_table *t, uint16_t v)
{
	return v >= t->n_names;
}

/* The group at position value v (dclist_is_group(t, v)). */
static inline const struct dclist_group *dclist_group(const struct dclist_table *t, uint16_t v)
{
	return &t->groups[v - t->n_names];
}

#endif
