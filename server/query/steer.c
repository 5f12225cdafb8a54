/* SPDX-License-Identifier: MIT
 * steer.c -- the per-query part of steering: name lookup in the steered-name hash, which
 * address to locate (ECS or source), the datacenter choice with health and failover,
 * and writing the chosen addresses with round-robin rotation. Worker threads (and
 * geosteerctl explain): no allocation, no locks, no libmaxminddb. */
#include "server/query/steer.h"

#include <string.h>

#include "server/base/dns.h"
#include "server/query/steer_weight.h"

static const uint16_t rr_type[STEER_N_TYPES] = {DNS_TYPE_A, DNS_TYPE_AAAA};
static const uint16_t rr_len[STEER_N_TYPES] = {4, 16};

const struct steer_name *steer_find(const struct steer_table *t, const uint8_t *name_lc, size_t len)
{
	size_t i = steer_hash(name_lc, len) & t->mask;
	for (;;) {
		uint32_t v = t->slots[i];
		if (v == 0)
			return NULL;
		const struct steer_name *n = &t->names[v - 1];
		if (n->len == len && memcmp(n->name, name_lc, len) == 0)
			return n;
		i = (i + 1) & t->mask;
	}
}

void steer_locate(const struct edns_query *e, bool use_ecs, const struct sockaddr *src,
                  struct steer_client *out)
{
	out->scope_zero = false;
	if (use_ecs && e->has_ecs) {
		if (e->ecs.source > 0) {
			/* edns_parse_opt checked the family, the length and that no bit
			 * beyond the prefix is set; the rest of addr is zero. */
			out->addr.family =
			        e->ecs.family == DNS_ECS_FAMILY_IPV4 ? AF_INET : AF_INET6;
			memcpy(out->addr.addr, e->ecs.addr, sizeof(out->addr.addr));
			out->source_prefix = e->ecs.source;
			out->known = true;
			return;
		}
		/* RFC 7871 7.1.2: source prefix 0 asks that no client address be used for
		 * the answer; docs/design.md rule 3: answer by the source, scope 0. */
		out->scope_zero = true;
	}
	out->known = netaddr_from_sockaddr(src, &out->addr);
	out->source_prefix = out->known ? netaddr_bits(&out->addr) : 0;
}

void steer_decide(const struct steer_table *t, const struct steer_service *s,
                  const struct steer_client *c, enum steer_type ty, struct steer_decision *out)
{
	if (GS_LIKELY(c->known)) {
		geo_map_lookup(s->map, &c->addr, c->source_prefix, &out->hit);
	} else {
		/* Not an IP client (tests over other socket families): the default list,
		 * which is list 0, claimed for nobody else. */
		out->hit.list = 0;
		out->hit.scope = 0;
		out->hit.rule = GEO_HIT_DEFAULT;
	}
	out->scope = c->scope_zero ? 0 : out->hit.scope;
	out->dc = NULL;
	out->pos = 0;
	out->failover = false;
	out->fail_open = false;
	out->pick = STEER_PICK_NONE;
	out->ttl = s->ttl;
	if (GS_UNLIKELY(s->weighted)) {
		/* Weighted groups: their own walk (steer_weight.h), so that this one stays
		 * as short for every other map; a list without a group goes on below. */
		if (steer_weight_fast(t, s, c, ty, out))
			return;
		if (s->map->lists.has_group[out->hit.list]) {
			steer_weight_decide(t, s, c, ty, out);
			return;
		}
	}

	size_t n;
	const uint16_t *list = geo_map_list(s->map, out->hit.list, &n);
	const struct steer_dc *first_with_type = NULL;
	uint16_t first_pos = 0;
	bool down_ahead = false;
	for (size_t i = 0; i < n; i++) {
		uint16_t k = s->dc_of[list[i]];
		if (GS_UNLIKELY(k == STEER_NO_DC))
			continue;
		const struct steer_dc *dc = &s->dcs[k];
		/* docs/design.md rule 2: a datacenter without this type is passed over
		 * for this type; that is not a failover. */
		if (dc->n[ty] == 0)
			continue;
		if (health_cells_any_up(t->cells, dc->cells[ty], dc->n[ty])) {
			out->dc = dc;
			out->pos = (uint16_t)i;
			if (down_ahead) {
				out->failover = true;
				out->ttl = s->failover_ttl;
			}
			return;
		}
		if (!first_with_type) {
			first_with_type = dc;
			first_pos = (uint16_t)i;
		}
		down_ahead = true;
	}
	if (first_with_type) {
		/* Nothing is up: fail open, as if everything were (design rule 2). Serving
		 * possibly dead addresses beats serving none, and the short TTL brings
		 * resolvers back soon. */
		out->dc = first_with_type;
		out->pos = first_pos;
		out->fail_open = true;
		out->ttl = s->failover_ttl;
	}
}

/* Writes address i of dc's type ty. */
static inline void render_addr(const struct steer_decision *dec, enum steer_type ty,
                               struct render *r, enum render_section sec, const uint8_t *owner,
                               uint16_t i)
{
	uint16_t len = rr_len[ty];
	render_rr(r, sec, owner, rr_type[ty], DNS_CLASS_IN, dec->ttl,
	          dec->dc->rdata[ty] + (size_t)i * len, len);
}

/* steer_render for datacenters of more than 64 addresses of one type: the same order,
 * without the bit set. */
static void render_many(const struct steer_table *t, const struct steer_decision *dec,
                        enum steer_type ty, struct render *r, enum render_section sec,
                        const uint8_t *owner, uint32_t rot)
{
	uint16_t n = dec->dc->n[ty];
	uint16_t served = 0;
	for (uint16_t i = 0; i < n; i++)
		served += steer_addr_served(t, dec, ty, i);
	if (served == 0)
		return;
	uint16_t skip = (uint16_t)(rot % served), start = 0;
	for (; start < n; start++) {
		if (steer_addr_served(t, dec, ty, start) && skip-- == 0)
			break;
	}
	for (uint16_t k = 0; k < n; k++) {
		uint16_t i = (uint16_t)(start + k < n ? start + k : start + k - n);
		if (steer_addr_served(t, dec, ty, i))
			render_addr(dec, ty, r, sec, owner, i);
	}
}

/* steer_served_mask, inlined into steer_render. */
static inline uint64_t served_mask(const struct steer_table *t, const struct steer_decision *dec,
                                   enum steer_type ty)
{
	uint16_t n = dec->dc->n[ty];
	if (dec->fail_open)
		return n >= 64 ? ~(uint64_t)0 : ((uint64_t)1 << n) - 1u;
	uint64_t up = 0;
	for (uint16_t i = 0; i < n && i < 64; i++)
		up |= (uint64_t)health_cell_is_up(t->cells, dec->dc->cells[ty][i]) << i;
	return up;
}

uint64_t steer_served_mask(const struct steer_table *t, const struct steer_decision *dec,
                           enum steer_type ty)
{
	return served_mask(t, dec, ty);
}

const struct zone_rrset *steer_sigs_pick(const struct steer_sigs *sg, uint64_t *mask)
{
	uint64_t m = *mask;
	if (GS_LIKELY(sg->dense))
		return m ? sg->sets[m] : NULL;
	for (uint32_t i = 0; i < sg->n_sets; i++)
		if (sg->masks[i] == m)
			return sg->sets[i];
	if (sg->slot) {
		/* Acquire: the set and its signature were written before the pointer. */
		const struct steer_signed_set *dyn =
		        atomic_load_explicit(sg->slot, memory_order_acquire);
		if (dyn && dyn->mask == m)
			return dyn->sig;
	}
	/* Not signed (yet): the largest signed set of addresses that are all up. */
	for (uint32_t i = 0; i < sg->n_sets; i++) {
		if ((sg->masks[i] & ~m) == 0) {
			*mask = sg->masks[i];
			return sg->sets[i];
		}
	}
	return NULL;
}

/* steer_render_mask, inlined into steer_render. */
static inline void render_mask(const struct steer_decision *dec, enum steer_type ty,
                               struct render *r, enum render_section sec, const uint8_t *owner,
                               uint32_t rot, uint64_t up)
{
	/* Counted bit by bit: a served set has few addresses, and without -mpopcnt
	 * __builtin_popcountll is a library call of about 20 instructions. */
	unsigned served = 0;
	for (uint64_t m = up; m; m &= m - 1)
		served++;
	if (served == 0)
		return;
	/* The rotation runs over the served addresses, not over the configured list: the
	 * (rot mod served)-th served one comes first, then the others in configuration
	 * order, wrapping round. */
	uint64_t rest = up;
	for (unsigned skip = rot % served; skip > 0; skip--)
		rest &= rest - 1; /* drop the lowest served address */
	unsigned start = (unsigned)__builtin_ctzll(rest);
	unsigned n = dec->dc->n[ty] < 64 ? dec->dc->n[ty] : 64;
	for (unsigned i = start; i < n; i++)
		if (up >> i & 1u)
			render_addr(dec, ty, r, sec, owner, (uint16_t)i);
	for (unsigned i = 0; i < start; i++)
		if (up >> i & 1u)
			render_addr(dec, ty, r, sec, owner, (uint16_t)i);
}

void steer_render_mask(const struct steer_decision *dec, enum steer_type ty, struct render *r,
                       enum render_section sec, const uint8_t *owner, uint32_t rot, uint64_t up)
{
	render_mask(dec, ty, r, sec, owner, rot, up);
}

void steer_render(const struct steer_table *t, const struct steer_decision *dec, enum steer_type ty,
                  struct render *r, enum render_section sec, const uint8_t *owner, uint32_t rot)
{
	uint16_t n = dec->dc->n[ty];
	if (GS_UNLIKELY(n > 64)) {
		render_many(t, dec, ty, r, sec, owner, rot);
		return;
	}
	if (n == 1) {
		/* steer_decide chose the datacenter because its one address is up (or
		 * serves it failing open): nothing to read again, nothing to rotate. */
		render_addr(dec, ty, r, sec, owner, 0);
		return;
	}
	render_mask(dec, ty, r, sec, owner, rot, served_mask(t, dec, ty));
}
