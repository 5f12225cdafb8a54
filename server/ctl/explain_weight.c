/* SPDX-License-Identifier: MIT
 * explain_weight.c -- weighted groups in `geosteerctl explain` (see explain_weight.h).
 * Not the query path. */
#include <config.h>

#include "server/ctl/explain_weight.h"

#include "geoip/geo_weight.h"
#include "server/base/netaddr.h"
#include "server/query/steer_weight.h"

const char *explain_weight_reason(const struct steer_decision *d)
{
	switch (d->pick) {
	case STEER_PICK_HASH:
		return "the member the client network's hash picks";
	case STEER_PICK_REPICK:
		return "repicked by weight among the members that are up: the hash's member is "
		       "down";
	case STEER_PICK_ZERO:
		return "weight 0: every member with a weight above 0 is down";
	default:
		return "";
	}
}

void explain_weight_group(FILE *out, const struct steer_table *t, const struct steer_service *svc,
                          const struct steer_client *c, enum steer_type ty,
                          const struct steer_decision *d, size_t pos, uint16_t v,
                          explain_addrs_fn addrs)
{
	const struct geo_map *m = svc->map;
	const struct dclist_table *lt = &m->lists;
	const struct dclist_group *g = dclist_group(lt, v);
	struct geo_weight_key key = {0};
	struct netaddr net = {0};
	char text[NETADDR_TEXT_MAX] = "-";
	if (c->known) {
		geo_weight_explain(m, &c->addr, c->source_prefix, &key, &net);
		netaddr_format(&net, text);
	}
	struct steer_group_pick p;
	steer_weight_pick(t, svc, g, key.hash, ty, &p);
	bool answers = d->dc && d->pos == pos;
	fprintf(out, "%-12s%s: weighted group, %s\n", "dc:", geo_map_dc_name(m, v),
	        answers                         ? "chosen"
	        : p.dc && d->dc && d->pos < pos ? "not needed"
	        : p.primary                     ? "skipped (every member down)"
	                                        : "skipped (no member has the type)");
	uint32_t lo = p.hashed ? lt->cum[g->off + p.hashed - 1] : 0;
	uint32_t hi = lt->cum[g->off + p.hashed] - 1;
	fprintf(out, "%-12snetwork %s/%u%s, hash %016llx, bucket %u of 0-%u: %s (buckets %u-%u)\n",
	        "weight:", text, (unsigned)key.prefix, c->known ? "" : " (not an IP client)",
	        (unsigned long long)key.hash, p.bucket, g->total - 1,
	        geo_map_dc_name(m, lt->member[g->off + p.hashed]), lo, hi);
	for (uint16_t i = 0; i < g->n; i++) {
		uint16_t k = svc->dc_of[lt->member[g->off + i]];
		const char *name = geo_map_dc_name(m, lt->member[g->off + i]);
		fprintf(out, "%-12s%s (weight %u): ", "member:", name, lt->weight[g->off + i]);
		if (k >= STEER_GROUP) {
			fprintf(out, "skipped (service %s has no such datacenter)\n", svc->name);
			continue;
		}
		const struct steer_dc *dc = &svc->dcs[k];
		if (answers && dc == d->dc)
			fputs(d->fail_open ? "chosen, fail open;" : "chosen;", out);
		else if (i == p.hashed)
			fputs(p.hashed_down ? "the hash's member, down;" : "the hash's member;",
			      out);
		else if (answers || p.dc)
			fputs("not picked;", out);
		else
			fputs("down or without the type;", out);
		addrs(out, t, dc, ty);
		fputc('\n', out);
	}
	if (answers && d->pick != STEER_PICK_NONE)
		fprintf(out, "%-12s%s: %s\n", "pick:", d->dc->name, explain_weight_reason(d));
	else if (answers)
		fprintf(out, "%-12s%s: %s\n", "pick:", d->dc->name,
		        "fail open: nothing is up, the hash's member answers");
	else if (!p.dc && p.primary)
		fprintf(out, "%-12snone: every member is down; the next position is tried\n",
		        "pick:");
}
