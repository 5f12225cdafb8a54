/* SPDX-License-Identifier: MIT
 * geo_diff.h -- comparing two compiled geo maps address by address (geosteerctl diff):
 * the ranges of one family where the two maps give different lists, merged to maximal
 * runs of one (old list, new list) pair; those runs cut into CIDR networks; and where
 * a range lies according to a database's location table. Tools only (load-time
 * code: it allocates nothing, but walks whole tables). */
#ifndef GS_GEO_DIFF_H
#define GS_GEO_DIFF_H

#include <stdbool.h>
#include <stdint.h>

#include "geoip/geo.h"
#include "geoip/geodb.h"
#include "server/base/compiler.h"

/* A run of addresses [first, last] of one family whose list is old_list in the old
 * map and new_list in the new one (list ids of each map). */
struct geo_diff_range {
	int family; /* AF_INET or AF_INET6 */
	unsigned __int128 first, last;
	uint16_t old_list, new_list;
};

/* Says whether list old_list of the old map and new_list of the new map are the same
 * (the caller decides what "same" means: equal datacenter names, in order). */
typedef bool (*geo_diff_same_fn)(void *ctx, uint16_t old_list, uint16_t new_list);
typedef void (*geo_diff_range_fn)(void *ctx, const struct geo_diff_range *r);

/* Walks the tables of family (AF_INET or AF_INET6) of both maps side by side in
 * address order and calls emit for every maximal run of addresses where same() says
 * the lists differ and the (old, new) pair of list ids does not change. IPv6 ranges
 * that embed an IPv4 address are skipped: their clients get the lists of the IPv4
 * table, whose differences the AF_INET walk reports. */
void geo_diff_walk(const struct geo_map *old_map, const struct geo_map *new_map, int family,
                   geo_diff_same_fn same, geo_diff_range_fn emit, void *ctx)
        GS_NONNULLX(1, 2, 4, 5);

/* The widest aligned network that starts at first and ends at or before last in a
 * bits-bit space (32 or 128): returns its prefix length. Cut a range into networks by
 * calling it again from the network's end + 1. */
unsigned geo_diff_cidr(unsigned __int128 first, unsigned __int128 last, unsigned bits);

/* Calls fn for each piece of [first, last] (family's space) that lies in one range of
 * db's location partition, with that range's location. */
typedef void (*geo_diff_loc_fn)(void *ctx, const struct geo_loc *loc, unsigned __int128 first,
                                unsigned __int128 last);
void geo_diff_locate(const struct geo_db *db, int family, unsigned __int128 first,
                     unsigned __int128 last, geo_diff_loc_fn fn, void *ctx) GS_NONNULLX(1, 5);

#endif
