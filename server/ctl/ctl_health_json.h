/* SPDX-License-Identifier: MIT
 * ctl_health_json.h -- `health --json`: the rows of the health table (health_list) as
 * JSON records, typed, for scripts. The text form stays health_format's table. Control
 * thread. */
#ifndef GS_CTL_HEALTH_JSON_H
#define GS_CTL_HEALTH_JSON_H

#include "server/base/compiler.h"
#include "server/ctl/kv.h"

struct health;

/* Writes one "entries" record per row of health_list to k (a JSON emitter): check
 * (null for a force-only row), address or datacenter (the other null), up, state (the
 * text column), initial, since, last_check, last_result, checks, and force (null, or
 * state, by, at, until, reason). Returns GS_OK or health_list's error. */
int ctl_health_json(struct health *h, struct kv *k) GS_NONNULL GS_WUR;

#endif
