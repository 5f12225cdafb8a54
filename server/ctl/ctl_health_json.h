/* SPDX-License-Identifier: MIT
 * ctl_health_json.h -- `health --json`: the rows of the health table (health_list) as
 * JSON records, typed, for scripts. The text form stays health_format's table. Control
 * thread. */
#ifndef GS_CTL_HEALTH_JSON_H
#define GS_CTL_HEALTH_JSON_H

#include "server/base/compiler.h"
#include "server/base/kv.h"

struct health;
struct steer_table;

/* Writes one "entries" record per row of health_list to k (a JSON emitter): check
 * (null for a force-only row), address or datacenter (the other null), up, state (the
 * text column), initial, since, last_check, last_result, checks, and force (null, or
 * state, by, at, until, reason). Returns GS_OK or health_list's error. */
int ctl_health_json(struct health *h, struct kv *k) GS_NONNULL GS_WUR;

/* Writes one "datacenters" record per service, datacenter and address family that has
 * addresses: service, datacenter, family (ipv4, ipv6), up (some address of it is up as
 * answers see it: checks and forces, the state the `health` table does not show per
 * datacenter), addresses and addresses_up. t may be NULL (no services: an empty
 * array). The caller keeps t's snapshot alive. */
void ctl_health_json_dcs(const struct steer_table *t, struct kv *k) GS_NONNULLX(2);

#endif
