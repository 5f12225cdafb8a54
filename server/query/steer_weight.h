/* SPDX-License-Identifier: MIT
 * steer_weight.h -- weighted groups on the query path (docs/design.md rule 7): the pick
 * of a member for a client network, and the list walk of a service whose map has
 * groups (steer_decide hands such services over, so that the walk of every other map
 * stays as it was).
 *
 * The pick. The client's weight network (geo_weight.h) is hashed once; the top half of
 * the hash names a bucket among the group's total weight and so the member the network
 * belongs to, whatever the health. If that member is up it answers (STEER_PICK_HASH).
 * If it is down, the bottom half of the hash picks among the members that are up and
 * have a weight above 0, in proportion to their weights (STEER_PICK_REPICK): only the
 * down member's networks move, and they all come back when it does. When no member of
 * weight above 0 is up, the first member of weight 0 that is up answers
 * (STEER_PICK_ZERO); when none is up, the group is passed like a datacenter that is
 * down and the next position of the list answers (a failover). A member without an
 * address of the asked type counts as not there, for that type only.
 *
 * Worker threads (and geosteerctl explain): no allocation, no locks. */
#ifndef GS_STEER_WEIGHT_H
#define GS_STEER_WEIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "geoip/dclist.h"
#include "geoip/geo_weight.h"
#include "server/base/compiler.h"
#include "server/query/steer.h"

/* One group's pick for one network and type. */
struct steer_group_pick {
	const struct steer_dc *dc;      /* the member that answers, or NULL: none is up */
	const struct steer_dc *primary; /* the member that answers when nothing anywhere is up
	                                 * (fail open): the hash's if it has the type, else the
	                                 * first that has it; NULL when no member has it */
	uint32_t bucket;                /* the hash's bucket, < group total */
	uint16_t hashed;                /* index in the group of the hash's member */
	uint16_t member;                /* index in the group of dc (of primary when dc is NULL) */
	uint8_t how;                    /* enum steer_pick */
	bool hashed_down;               /* the hash's member has the type and is down */
};

/* Picks group g's member for a network of hash h and type ty (s: the service whose map
 * holds g). */
void steer_weight_pick(const struct steer_table *t, const struct steer_service *s,
                       const struct dclist_group *g, uint64_t h, enum steer_type ty,
                       struct steer_group_pick *out) GS_NONNULL GS_HOT;

/* steer_decide for a service whose map has groups (s->weighted), once out->hit, scope,
 * ttl and the rest are set as for any decision: raises the scope of a list holding a
 * group to the weight network's (geo_weight_key) and walks the list, groups included. */
void steer_weight_decide(const struct steer_table *t, const struct steer_service *s,
                         const struct steer_client *c, enum steer_type ty,
                         struct steer_decision *out) GS_NONNULL GS_HOT;

static inline bool steer_weight_up(const struct steer_table *t, const struct steer_dc *dc,
                                   enum steer_type ty)
{
	return health_cells_any_up(t->cells, dc->cells[ty], dc->n[ty]);
}

/* The usual weighted answer, inline in steer_decide: the client's list starts with a
 * group and the member the hash names is up. Then sets out as steer_weight_decide would
 * and returns true; otherwise returns false (having at most raised out->scope, as
 * steer_weight_decide does too), and steer_weight_decide decides. */
static inline GS_HOT bool steer_weight_fast(const struct steer_table *t,
                                            const struct steer_service *s,
                                            const struct steer_client *c, enum steer_type ty,
                                            struct steer_decision *out)
{
	const struct dclist_table *lt = &s->map->lists;
	uint16_t v = lt->dcs[lt->off[out->hit.list]];
	if (!dclist_is_group(lt, v) || GS_UNLIKELY(!c->known))
		return false;
	struct geo_weight_key key = geo_weight_key(s->map, &c->addr);
	if (!c->scope_zero && out->scope < key.min_scope)
		out->scope = key.min_scope; /* design rule 7 */
	const struct dclist_group *g = dclist_group(lt, v);
	uint16_t i = geo_weight_member(lt, g, geo_weight_bucket(key.hash, g->total));
	uint16_t k = s->dc_of[lt->member[g->off + i]];
	if (GS_UNLIKELY(k >= STEER_GROUP))
		return false;
	const struct steer_dc *dc = &s->dcs[k];
	if (GS_UNLIKELY(dc->n[ty] == 0) || !steer_weight_up(t, dc, ty))
		return false;
	out->dc = dc;
	out->pick = STEER_PICK_HASH;
	return true;
}

#endif
