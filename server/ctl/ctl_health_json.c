/* SPDX-License-Identifier: MIT
 * ctl_health_json.c -- the rows of `health` as JSON records (ctl_health_json.h). */
#include "server/ctl/ctl_health_json.h"

#include <stdlib.h>
#include <time.h>

#include "server/base/err.h"
#include "server/base/timefmt.h"
#include "server/health/health.h"
#include "server/query/steer.h"

/* A wall-clock time as "2026-01-02T10:00:00Z", or null when 0 (unknown, never). */
static void json_time(struct kv_json *j, time_t t)
{
	if (!t) {
		kv_json_raw(j, "null");
		return;
	}
	char text[TIMEFMT_UTC_MAX];
	timefmt_utc(t, text);
	kv_json_str(j, text);
}

int ctl_health_json(struct health *h, struct kv *k)
{
	struct health_entry *v;
	size_t n;
	int rc = health_list(h, &v, &n);
	if (rc != GS_OK)
		return rc;
	time_t now = time(NULL);
	kv_array(k, "entries");
	for (size_t i = 0; i < n; i++) {
		const struct health_entry *e = &v[i];
		char state[96], since[TIMEFMT_UTC_MAX], last[TIMEFMT_UTC_MAX];
		health_entry_state(e, state, sizeof(state));
		timefmt_utc(e->since, since);
		timefmt_utc(e->last_check, last);
		struct kv_json force = {0};
		if (e->force == HEALTH_FORCE_AUTO) {
			kv_json_raw(&force, "null");
		} else {
			char info[512];
			kv_json_raw(&force, "{\"state\": ");
			kv_json_str(&force, health_force_name(e->force));
			if (e->info.by >= 0)
				kv_json_raw(&force, ", \"by\": %lld", e->info.by);
			else
				kv_json_raw(&force, ", \"by\": null");
			kv_json_raw(&force, ", \"at\": ");
			json_time(&force, e->info.at);
			kv_json_raw(&force, ", \"until\": ");
			json_time(&force, e->info.until);
			kv_json_raw(&force, ", \"node\": ");
			kv_json_str(&force, e->info.node[0] ? e->info.node : NULL);
			kv_json_raw(&force, ", \"reason\": ");
			kv_json_str(&force, e->info.reason[0] ? e->info.reason : NULL);
			kv_json_raw(&force, ", \"text\": ");
			kv_json_str(&force,
			            health_force_info_text(&e->info, now, info, sizeof(info)));
			kv_json_raw(&force, "}");
		}
		const char *what = e->dc[0] ? e->dc : e->addr;
		kv_item(k, "entries",
		        KV_F(KV_STR("check", e->check[0] ? e->check : NULL),
		             KV_STR("address", e->dc[0] ? NULL : e->addr),
		             KV_STR("datacenter", e->dc[0] ? e->dc : NULL), KV_BOOL("up", e->up),
		             KV_RAW("fleet_up", e->fleet < 0 ? "null"
		                                : e->fleet   ? "true"
		                                             : "false"),
		             KV_STR("state", state), KV_BOOL("initial", e->initial),
		             KV_STR("since", e->since ? since : NULL),
		             KV_STR("last_check", e->last_check ? last : NULL),
		             KV_STR("last_result", e->last_result), KV_UINT("checks", e->n_checks),
		             KV_RAW("force", kv_json_text(&force))),
		        "%s %s %s", e->check[0] ? e->check : "-", what, state);
		kv_json_free(&force);
	}
	free(v);
	return GS_OK;
}

void ctl_health_json_dcs(const struct steer_table *t, struct kv *k)
{
	static const char *const fam[STEER_N_TYPES] = {"ipv4", "ipv6"};
	kv_array(k, "datacenters");
	for (size_t i = 0; t && i < t->n_services; i++) {
		const struct steer_service *svc = &t->services[i];
		if (!svc->name)
			continue; /* a service that did not build (never published) */
		for (uint16_t d = 0; d < svc->n_dcs; d++) {
			const struct steer_dc *dc = &svc->dcs[d];
			for (unsigned ty = 0; ty < STEER_N_TYPES; ty++) {
				if (dc->n[ty] == 0)
					continue;
				unsigned up = 0;
				for (uint16_t a = 0; a < dc->n[ty]; a++)
					up += health_cell_is_up(t->cells, dc->cells[ty][a]);
				kv_item(k, "datacenters",
				        KV_F(KV_STR("service", svc->name),
				             KV_STR("datacenter", dc->name),
				             KV_STR("family", fam[ty]), KV_BOOL("up", up > 0),
				             KV_UINT("addresses", dc->n[ty]),
				             KV_UINT("addresses_up", up)),
				        "%s %s %s %s", svc->name, dc->name, fam[ty],
				        up ? "up" : "down");
			}
		}
	}
}
