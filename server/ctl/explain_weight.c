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

const char *explain_weight_pick_name(unsigned pick)
{
	static const char *const names[STEER_PICK_KINDS] = {
	        [STEER_PICK_HASH] = "hash",
	        [STEER_PICK_REPICK] = "repick",
	        [STEER_PICK_ZERO] = "weight_zero",
	};
	return pick < STEER_PICK_KINDS ? names[pick] : NULL;
}

void explain_weight_group(struct kv *out, const struct steer_table *t,
                          const struct steer_service *svc, const struct steer_client *c,
                          enum steer_type ty, const struct steer_decision *d, size_t pos,
                          uint16_t v, explain_addrs_fn addrs)
{
	const struct geo_map *m = svc->map;
	const struct dclist_table *lt = &m->lists;
	const struct dclist_group *g = dclist_group(lt, v);
	const char *gname = geo_map_dc_name(m, v);
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
	const char *why = answers                         ? "chosen"
	                  : p.dc && d->dc && d->pos < pos ? "not needed"
	                  : p.primary                     ? "skipped (every member down)"
	                                                  : "skipped (no member has the type)";
	kv_item(out, "dc",
	        KV_F(KV_STR("datacenter", gname),
	             KV_STR("state", answers                         ? "chosen"
	                             : p.dc && d->dc && d->pos < pos ? "not needed"
	                                                             : "skipped"),
	             KV_BOOL("weighted", true), KV_RAW("addresses", "[]")),
	        "%s: weighted group, %s", gname, why);
	uint32_t lo = p.hashed ? lt->cum[g->off + p.hashed - 1] : 0;
	uint32_t hi = lt->cum[g->off + p.hashed] - 1;
	const char *hashed = geo_map_dc_name(m, lt->member[g->off + p.hashed]);
	char hash[17];
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)key.hash);
	kv_item(out, "weight",
	        KV_F(KV_STR("group", gname), KV_STR("network", c->known ? text : NULL),
	             KV_UINT("prefix", key.prefix), KV_STR("hash", hash),
	             KV_UINT("bucket", p.bucket), KV_UINT("buckets", g->total),
	             KV_STR("member", hashed), KV_UINT("member_first_bucket", lo),
	             KV_UINT("member_last_bucket", hi)),
	        "network %s/%u%s, hash %s, bucket %u of 0-%u: %s (buckets %u-%u)", text,
	        (unsigned)key.prefix, c->known ? "" : " (not an IP client)", hash, p.bucket,
	        g->total - 1, hashed, lo, hi);
	for (uint16_t i = 0; i < g->n; i++) {
		uint16_t k = svc->dc_of[lt->member[g->off + i]];
		const char *name = geo_map_dc_name(m, lt->member[g->off + i]);
		unsigned weight = lt->weight[g->off + i];
		if (k >= STEER_GROUP) {
			kv_item(out, "member",
			        KV_F(KV_STR("group", gname), KV_STR("datacenter", name),
			             KV_UINT("weight", weight), KV_STR("state", "skipped"),
			             KV_BOOL("hashed", i == p.hashed), KV_RAW("addresses", "[]")),
			        "%s (weight %u): skipped (service %s has no such datacenter)", name,
			        weight, svc->name);
			continue;
		}
		const struct steer_dc *dc = &svc->dcs[k];
		/* state: chosen | hashed (the hash's member, not answering) | not picked |
		 * down (down or without the type); the text says more. */
		const char *state, *say;
		if (answers && dc == d->dc) {
			state = "chosen";
			say = d->fail_open ? "chosen, fail open;" : "chosen;";
		} else if (i == p.hashed) {
			state = "hashed";
			say = p.hashed_down ? "the hash's member, down;" : "the hash's member;";
		} else if (answers || p.dc) {
			state = "not picked";
			say = "not picked;";
		} else {
			state = "down";
			say = "down or without the type;";
		}
		struct kv_json line = {0}, json = {0};
		kv_json_raw(&line, "%s", say);
		addrs(&line, &json, t, dc, ty);
		kv_item(out, "member",
		        KV_F(KV_STR("group", gname), KV_STR("datacenter", name),
		             KV_UINT("weight", weight), KV_STR("state", state),
		             KV_BOOL("hashed", i == p.hashed),
		             KV_RAW("addresses", kv_json_text(&json))),
		        "%s (weight %u): %s", name, weight, kv_json_text(&line));
		kv_json_free(&line);
		kv_json_free(&json);
	}
	if (answers && d->pick != STEER_PICK_NONE)
		kv_item(out, "pick",
		        KV_F(KV_STR("group", gname), KV_STR("datacenter", d->dc->name),
		             KV_STR("reason", explain_weight_pick_name(d->pick))),
		        "%s: %s", d->dc->name, explain_weight_reason(d));
	else if (answers)
		kv_item(out, "pick",
		        KV_F(KV_STR("group", gname), KV_STR("datacenter", d->dc->name),
		             KV_STR("reason", "fail_open")),
		        "%s: %s", d->dc->name,
		        "fail open: nothing is up, the hash's member answers");
	else if (!p.dc && p.primary)
		kv_item(out, "pick",
		        KV_F(KV_STR("group", gname), KV_STR("datacenter", NULL),
		             KV_STR("reason", "all_down")),
		        "none: every member is down; the next position is tried");
}
