/* SPDX-License-Identifier: MIT
 * config_coords.h -- reading a map's `coordinates` key: one [latitude, longitude] pair
 * in degrees per datacenter, for nearest-first lists (docs/configuration.md). Private
 * to server/config*.c. Load thread only. */
#ifndef GS_CONFIG_COORDS_H
#define GS_CONFIG_COORDS_H

#include <yaml.h>

#include "server/config/config_yaml.h"

/* config_yaml_fn for `maps.NAME.coordinates`: obj is the struct cfg_map being read.
 * Each problem (not a mapping, a bad datacenter name, not a pair of decimal numbers,
 * latitude outside -90..90 or longitude outside -180..180) is reported at its line;
 * the datacenters read well are kept. */
void config_coords_parse(struct config_yaml *y, yaml_node_t *v, void *obj, const char *where);

#endif
