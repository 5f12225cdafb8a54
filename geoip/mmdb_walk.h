/* SPDX-License-Identifier: MIT
 * mmdb_walk.h -- walks a MaxMind database's search tree once, in address order, into
 * range partitions (geopart.h); geodb.c calls it once per database. Load thread only. */
#ifndef GS_MMDB_WALK_H
#define GS_MMDB_WALK_H

#include <stddef.h>
#include <stdint.h>

#include <maxminddb.h>

#include "geoip/geopart.h"
#include "server/base/compiler.h"

/* Turns a data record into a partition value; returns GS_OK, or an error with a
 * message in why. */
typedef int (*mmdb_walk_leaf_fn)(void *ctx, MMDB_entry_s *entry, uint32_t *val, char *why,
                                 size_t why_len);

/* Walks the whole search tree of mmdb once, in address order, calling leaf for each
 * data record, and appends to v4 (the IPv4 tree: ::/96 of an IPv6 database) and v6
 * (the rest of an IPv6 database; a single unknown range for an IPv4 database).
 * Empty records become value 0. Records that alias the IPv4 tree (MaxMind writers link
 * ::ffff:0:0/96, 2001::/32 and 2002::/16 to it) inside an embedded range are not
 * followed: those ranges are located through IPv4 anyway, which also keeps the walk
 * from visiting the IPv4 tree four times. A tree that revisits nodes beyond a bound
 * (a loop) or holds an invalid record is refused. v4 and v6 must be initialised and
 * empty. Returns GS_OK, or GS_EPARSE with a message in why. */
int mmdb_walk(const MMDB_s *mmdb, mmdb_walk_leaf_fn leaf, void *ctx, struct geopart *v4,
              struct geopart *v6, char *why, size_t why_len) GS_NONNULLX(1, 2, 4, 5, 6) GS_WUR;

#endif
