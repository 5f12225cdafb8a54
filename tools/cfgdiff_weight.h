/* SPDX-License-Identifier: MIT
 * cfgdiff_weight.h -- weighted groups in `geosteerctl diff`: how many client networks
 * of a range really get another answer when its list changes. A list change that only
 * moves weights sends a share of the range's weight networks elsewhere, not all of
 * them; this says which share. Single-threaded tool code. */
#ifndef GS_CFGDIFF_WEIGHT_H
#define GS_CFGDIFF_WEIGHT_H

#include <stdbool.h>
#include <stdint.h>

#include "geoip/geo.h"

/* True when list old_list of om or new_list of nm holds a weighted group. */
bool cfgdiff_weight_involved(const struct geo_map *om, uint16_t old_list, const struct geo_map *nm,
                             uint16_t new_list) GS_NONNULL;

/* True when the two maps cut client networks of family (AF_INET, AF_INET6) alike (the
 * same weight_prefix), so that a network's hash is the same on both sides. */
bool cfgdiff_weight_same_prefix(const struct geo_map *om, const struct geo_map *nm,
                                int family) GS_NONNULL;

/* The share (0 to 1) of the weight networks of a range whose first answer with every
 * datacenter up changes when its list goes from old_list (of om) to new_list (of nm):
 * the datacenter at the first position, or for a group the member the network's hash
 * names, for clients of family. Hashes are uniform over networks, so with the same weight_prefix on
 * both sides the share is the part of the bucket space whose member changes name; with another
 * weight_prefix the two picks are independent. */
double cfgdiff_weight_moves(const struct geo_map *om, uint16_t old_list, const struct geo_map *nm,
                            uint16_t new_list, int family) GS_NONNULL;

#endif
