/* SPDX-License-Identifier: MIT
 * steer_weight.c -- the weighted pick and the list walk of maps with weighted groups
 * (see steer_weight.h). Worker threads and geosteerctl explain: no allocation, no
 * locks. */
#include "server/query/steer_weight.h"

/* The service's datacenter of member i of group g, or NULL (the service lacks it). */
static inline const struct steer_dc *member_dc(const struct steer_service *s,
                                               const struct dclist_group *g, uint16_t i)
{
	uint16_t k = s->dc_of[s->map->lists.member[g->off + i]];
	return k < STEER_GROUP ? &s->dcs[k] : NULL;
}

static inline bool is_up(const struct steer_table *t, const struct steer_dc *dc, enum steer_type ty)
{
	return health_cells_any_up(t->cells, dc->cells[ty], dc->n[ty]);
}

/* The members of g other than the hash's that may take its networks: up, with the
 * type, weight above 0. Picks one by the second bucket of h; false when there is none. */
static bool repick(const struct steer_table *t, const struct steer_service *s,
                   const struct dclist_group *g, uint64_t h, enum steer_type ty,
                   struct steer_group_pick *out)
{
	const uint32_t *w = s->map->lists.weight + g->off;
	uint32_t total = 0;
	uint64_t up = 0; /* bit i: member i may take them (groups have at most 64) */
	for (uint16_t i = 0; i < g->n; i++) {
		const struct steer_dc *dc = member_dc(s, g, i);
		if (i != out->hashed && w[i] && dc && dc->n[ty] && is_up(t, dc, ty)) {
			up |= (uint64_t)1 << i;
			total += w[i];
		}
	}
	if (!total)
		return false;
	uint32_t b = geo_weight_rebucket(h, total), run = 0;
	for (uint16_t i = 0; i < g->n; i++) {
		if (!(up >> i & 1u))
			continue;
		run += w[i];
		if (b < run) {
			out->dc = member_dc(s, g, i);
			out->member = i;
			out->how = STEER_PICK_REPICK;
			return true;
		}
	}
	return false; /* not reached: b < total */
}

void steer_weight_pick(const struct steer_table *t, const struct steer_service *s,
                       const struct dclist_group *g, uint64_t h, enum steer_type ty,
                       struct steer_group_pick *out)
{
	const struct dclist_table *lt = &s->map->lists;
	out->bucket = geo_weight_bucket(h, g->total);
	out->hashed = geo_weight_member(lt, g, out->bucket);
	out->hashed_down = false;
	out->how = STEER_PICK_HASH;
	const struct steer_dc *dc = member_dc(s, g, out->hashed);
	if (dc && dc->n[ty]) {
		out->primary = dc;
		out->member = out->hashed;
		if (is_up(t, dc, ty)) {
			out->dc = dc;
			return;
		}
		out->hashed_down = true;
	} else {
		out->primary = NULL;
		for (uint16_t i = 0; i < g->n && !out->primary; i++) {
			const struct steer_dc *m = member_dc(s, g, i);
			if (m && m->n[ty]) {
				out->primary = m;
				out->member = i;
			}
		}
	}
	out->dc = NULL;
	if (repick(t, s, g, h, ty, out))
		return;
	/* Weight 0: only when every other member is down, the first that is up. */
	const uint32_t *w = lt->weight + g->off;
	for (uint16_t i = 0; i < g->n; i++) {
		const struct steer_dc *m = member_dc(s, g, i);
		if (!w[i] && m && m->n[ty] && is_up(t, m, ty)) {
			out->dc = m;
			out->member = i;
			out->how = STEER_PICK_ZERO;
			return;
		}
	}
}

/* The whole walk of a list, groups included, for hash h (steer_weight_decide's slow
 * path: a position ahead of the group, a member down, a list without a group). */
static GS_NOINLINE void walk(const struct steer_table *t, const struct steer_service *s,
                             enum steer_type ty, uint64_t h, struct steer_decision *out)
{
	const struct dclist_table *lt = &s->map->lists;
	size_t n;
	const uint16_t *list = geo_map_list(s->map, out->hit.list, &n);
	const struct steer_dc *first_with_type = NULL;
	uint16_t first_pos = 0;
	bool down_ahead = false;
	for (size_t i = 0; i < n; i++) {
		uint16_t k = s->dc_of[list[i]];
		const struct steer_dc *dc, *fallback;
		bool own_down = false;
		uint8_t how = STEER_PICK_NONE;
		if (k == STEER_GROUP) {
			struct steer_group_pick p;
			steer_weight_pick(t, s, dclist_group(lt, list[i]), h, ty, &p);
			dc = p.dc;
			fallback = p.primary;
			own_down = p.hashed_down;
			how = p.how;
		} else if (k == STEER_NO_DC) {
			continue;
		} else {
			/* As steer_decide: a datacenter without the type is passed over. */
			fallback = dc = s->dcs[k].n[ty] ? &s->dcs[k] : NULL;
			if (dc && !is_up(t, dc, ty))
				dc = NULL;
		}
		if (dc) {
			out->dc = dc;
			out->pos = (uint16_t)i;
			out->pick = how;
			if (down_ahead || own_down) {
				out->failover = true;
				out->ttl = s->failover_ttl;
			}
			return;
		}
		if (!fallback)
			continue; /* nothing of the type here: not a failover */
		if (!first_with_type) {
			first_with_type = fallback;
			first_pos = (uint16_t)i;
			out->pick = how;
		}
		down_ahead = true;
	}
	if (first_with_type) {
		/* Nothing is up: fail open, as steer_decide does (docs/design.md rule 2), to the
		 * first position, a group's own member for this network. */
		out->dc = first_with_type;
		out->pos = first_pos;
		out->fail_open = true;
		out->ttl = s->failover_ttl;
	} else {
		out->pick = STEER_PICK_NONE;
	}
}

void steer_weight_decide(const struct steer_table *t, const struct steer_service *s,
                         const struct steer_client *c, enum steer_type ty,
                         struct steer_decision *out)
{
	const struct dclist_table *lt = &s->map->lists;
	if (!lt->has_group[out->hit.list] || GS_UNLIKELY(!c->known)) {
		/* No group in this list (scopes as usual), or a client that is not IP (one
		 * network, hash 0, scope 0). */
		walk(t, s, ty, 0, out);
		return;
	}
	struct geo_weight_key key = geo_weight_key(s->map, &c->addr);
	/* Design rule 7: the answer holds for the whole weight network at most, whichever
	 * position answers (health may make the group answer later). */
	if (!c->scope_zero && out->scope < key.min_scope)
		out->scope = key.min_scope;
	walk(t, s, ty, key.hash, out);
}
