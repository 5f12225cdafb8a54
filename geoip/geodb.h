/* SPDX-License-Identifier: MIT
 * geodb.h -- the GeoIP databases behind geo maps: opens the `geoip.database` (GeoIP2 /
 * GeoLite2 Country or City shape) and the optional `geoip.asn_database` with
 * libmaxminddb, checks them, and walks each search tree once into a location table
 * that every map is then compiled from (geo_compile.h). Load thread only; the
 * compiled maps never point into a struct geo_db, so it may be closed once the
 * snapshot is built (geosteerctl explain keeps one for its slow path).
 *
 * Each file is read once, through a nonblocking open that refuses anything but a
 * regular file, into a private sealed copy that libmaxminddb maps; the handles are
 * closed before geodb_open returns. A struct geo_db holds only the walk's results, so
 * a database file truncated or rewritten in place later can never fault the process.
 *
 * What is read from each record: continent.code, country.iso_code and
 * subdivisions.0.iso_code (the most significant subdivision, as GeoIP2 City orders
 * them) from `database`, or IPinfo's flat continent and country strings, and when
 * g->locations is set (some map has coordinates) location.latitude/longitude too (City
 * databases; kept as floats, about a metre); the AS number from
 * autonomous_system_number, traits.autonomous_system_number or IPinfo's asn
 * ("AS64500") -- in `asn_database`, and in `database` too (IPinfo country_asn), the
 * asn_database deciding where both know an address. Other fields are ignored
 * (docs/geoip.md has the table of layouts). A record with only one of latitude and
 * longitude counts as unlocated. Coordinates are read only when asked for because they
 * multiply the distinct locations of a City database (thousands of subdivisions, but a
 * place per city), and with them the walk's time and memory.
 *
 * Refusals (errors at the config key's FILE:LINE): a file libmaxminddb cannot open or
 * that is not a MaxMind DB; a search tree that is corrupt or loops; a `database` where
 * no record carries continent.code or country.iso_code (an ASN file given as the
 * location database, say); an `asn_database` where no record carries
 * autonomous_system_number; a latitude or longitude that is not a number in range.
 * Whether a map's rules fit the database (subdivisions rules
 * against a Country database, ...) is decided per map by geo_map_compile. */
#ifndef GS_GEODB_H
#define GS_GEODB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "geoip/geopart.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/netaddr.h"
#include "server/config/config.h"

struct geo_db;

/* A location: what the databases say about one range. Loc id 0 is the location of
 * addresses neither database knows (all fields empty). */
struct geo_loc {
	char continent[3];   /* "EU", or "" when absent */
	char country[3];     /* "DE", or "" */
	char subdivision[4]; /* first subdivision's own code ("BY", "ENG"), or "" */
	uint32_t asn;        /* from asn_database; 0 when absent */
	bool located;        /* location.latitude and .longitude present (City) */
	float lat, lon;      /* degrees, when located; 0 otherwise */
};

/* Which fields at least one record carries (so that a map can be checked). */
enum geodb_field {
	GEODB_CONTINENT = 1,
	GEODB_COUNTRY = 2,
	GEODB_SUBDIVISION = 4,
	GEODB_ASN = 8,
	/* subdivisions without iso_code (named only, as in DB-IP's lite City database) */
	GEODB_SUBDIVISION_NAMES = 16,
	GEODB_LOCATION = 32,
};

/* What geodb_open read of `database`: its metadata, and the file it read (fstat). */
struct geodb_meta {
	char type[64];  /* metadata database_type ("GeoIP2-City"), "" when absent */
	uint64_t epoch; /* metadata build_epoch */
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
};

/* Opens and walks g->database and, when set, g->asn_database. Problems go to d at
 * g->database_pos / g->asn_database_pos. Returns GS_OK and sets *out (owned, close
 * with geodb_close), GS_EINVAL when g names no database, or GS_EPARSE. */
int geodb_open(const struct cfg_geoip *g, struct diag *d, struct geo_db **out) GS_NONNULL GS_WUR;
/* Closes the databases and frees db; accepts NULL. */
void geodb_close(struct geo_db *db);

/* The location partition of one family (AF_INET: 32-bit space, AF_INET6: 128-bit):
 * each range's value is a loc id. In the IPv6 partition the ranges that embed an IPv4
 * address (geo_embed.h) are placeholders; they are located through IPv4. */
const struct geopart *geodb_part(const struct geo_db *db, int family) GS_NONNULL;
/* The location table: locs[0 .. *n). */
const struct geo_loc *geodb_locs(const struct geo_db *db, uint32_t *n) GS_NONNULL;
/* GEODB_* bits of the fields present in the databases. */
unsigned geodb_fields(const struct geo_db *db) GS_NONNULL;
const char *geodb_path(const struct geo_db *db) GS_NONNULL;
/* The database's metadata database_type ("GeoIP2-City", ...), "?" when absent. */
const char *geodb_type(const struct geo_db *db) GS_NONNULL;
const struct geodb_meta *geodb_meta(const struct geo_db *db) GS_NONNULL;

/* Slow path (geosteerctl explain): where address a is, from the location table the
 * walk built (the same data the maps were compiled from; no libmaxminddb). Sets *out,
 * all empty when unknown. An address inside an embedded-IPv4 range of the IPv6 space
 * reads as unknown: locate its IPv4 address instead (geo_map_explain does). */
void geodb_locate(const struct geo_db *db, const struct netaddr *a, struct geo_loc *out) GS_NONNULL;

#endif
