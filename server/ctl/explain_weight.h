/* SPDX-License-Identifier: MIT
 * explain_weight.h -- the weighted-group lines of `geosteerctl explain`: for a group in
 * the client's list, the client's weight network, its hash bucket, the member the hash
 * names, and why the member that answers does (picked by the hash, repicked by weight
 * because the hash's member is down, or weight 0 because every other member is down).
 * Computed again with the query path's own functions (geo_weight_key,
 * steer_weight_pick). Main thread of geosteerctl or the control thread. */
#ifndef GS_EXPLAIN_WEIGHT_H
#define GS_EXPLAIN_WEIGHT_H

#include "server/base/kv.h"
#include "server/query/steer.h"

/* Appends one datacenter's addresses of type ty with their health to text and, as a
 * JSON array, to json (explain.c). */
typedef void (*explain_addrs_fn)(struct kv_json *text, struct kv_json *json,
                                 const struct steer_table *t, const struct steer_dc *dc,
                                 enum steer_type ty);

/* Writes the records of the group at position pos of decision d's list (list value v),
 * for client c and type ty, through out (kv.h, so the text and the JSON form): a "dc"
 * item for the group, a "weight" item (network, bucket), a "member" item per member
 * with addrs, and, when the group answers or every member is down, a "pick" item with
 * the reason. */
void explain_weight_group(struct kv *out, const struct steer_table *t,
                          const struct steer_service *svc, const struct steer_client *c,
                          enum steer_type ty, const struct steer_decision *d, size_t pos,
                          uint16_t v, explain_addrs_fn addrs) GS_NONNULL;

/* The reason text of a weighted decision (d->pick != STEER_PICK_NONE), for the
 * "chosen:" line. Static string. */
const char *explain_weight_reason(const struct steer_decision *d) GS_NONNULL;
/* The pick's name as the metrics label it ("hash", "repick", "weight_zero"); NULL for
 * STEER_PICK_NONE. */
const char *explain_weight_pick_name(unsigned pick);

#endif
