/* SPDX-License-Identifier: MIT
 * config_weight.h -- the configuration's weighted groups ({us-east: 3, us-west: 1} as a
 * position of a map list) and a map's weight_prefix (docs/configuration.md, "Weighted
 * groups"). Private to server/config/. Load thread only. */
#ifndef GS_CONFIG_WEIGHT_H
#define GS_CONFIG_WEIGHT_H

#include <yaml.h>

#include "server/config/config.h"
#include "server/config/config_yaml.h"

/* Reads the group mapping v (an item of a map list) and appends its members to out,
 * which has room for them (dcs, group and weight are allocated by the caller with at
 * least room for the list's items plus CFG_GROUP_MAX). Members must be datacenter names
 * not yet in the list, weights integers 0..CFG_WEIGHT_MAX, at least one weight above 0,
 * at most CFG_GROUP_MAX members. Problems go to y->d at the member's line. */
void config_weight_group(struct config_yaml *y, yaml_node_t *v, const char *where,
                         struct cfg_dclist *out) GS_NONNULL;

/* The map key weight_prefix: {ipv4: 8..32, ipv6: 16..128}; obj is the struct cfg_map. */
void config_weight_prefix(struct config_yaml *y, yaml_node_t *v, void *obj,
                          const char *where) GS_NONNULL;

#endif
