/* SPDX-License-Identifier: MIT
 * geodb.c -- opening, checking and walking the GeoIP databases (see geodb.h). Load
 * thread only. */
#include <config.h> /* first: _GNU_SOURCE for memfd_create and its seals */
#include "geoip/geodb.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include <maxminddb.h>

#include "geoip/mmdb_walk.h"
#include "server/base/err.h"
#include "server/base/rfile.h"
#include "server/base/xalloc.h"

/* The largest database read: GeoIP2 City is about 100 MiB today. */
#define GEODB_FILE_MAX ((off_t)4 << 30)

/* Only what the walk copied out of the databases: no libmaxminddb handle outlives
 * geodb_open, so nothing here can fault when a database file changes later. */
struct geo_db {
	MMDB_s mmdb;     /* open during geodb_open only */
	MMDB_s asn_mmdb; /* open during geodb_open only */
	bool is_open, asn_open;
	struct geodb_meta meta;
	char *path, *asn_path; /* owned */
	struct geo_loc *locs;  /* owned; locs[0] is "unknown" */
	uint32_t n_locs, cap_locs;
	unsigned fields;
	struct geopart part4, part6; /* values: loc ids */
};

/* Per-walk state of the record decoders: data offset -> value cache, and for the
 * location database the interned (continent, country, subdivision) triples, and the
 * interned (triple, coordinates) places of City records. */
struct decode_ctx {
	struct geo_db *db;
	bool places;                    /* read location.latitude/longitude (cfg_geoip.locations) */
	struct geopart_idmap by_offset; /* data offset -> value */
	struct geopart_idmap by_key;    /* packed location -> geo id (unlocated, asn 0) */
	struct geopart_idmap by_coord;  /* packed coordinates -> coordinate id (from 1) */
	struct geopart_idmap by_place;  /* unlocated geo id << 32 | coordinate id -> geo id */
	struct geopart_idmap by_asn;    /* geo id of the place << 32 | AS number -> geo id */
	uint32_t n_coord;
	struct geo_loc *geo; /* owned; geo ids -> location (asn of the record itself) */
	uint32_t n_geo, cap_geo;
};

/* Reads a string at path into out (upper-cased). Returns 1 when present, 0 when
 * absent, GS_EINVAL when present but not a string of min..max printable characters. */
static int read_code(MMDB_entry_s *e, const char *const *path, char *out, size_t min, size_t max)
{
	MMDB_entry_data_s ed;
	int rc = MMDB_aget_value(e, &ed, path);
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    (rc == MMDB_SUCCESS && !ed.has_data))
		return 0;
	if (rc != MMDB_SUCCESS)
		return GS_EINVAL;
	if (ed.type != MMDB_DATA_TYPE_UTF8_STRING || ed.data_size < min || ed.data_size > max)
		return GS_EINVAL;
	for (uint32_t i = 0; i < ed.data_size; i++) {
		unsigned char c = (unsigned char)ed.utf8_string[i];
		if (!isalnum(c))
			return GS_EINVAL;
		out[i] = (char)toupper(c);
	}
	out[ed.data_size] = '\0';
	return 1;
}

/* Where each layout keeps a field (docs/geoip.md): GeoIP2/GeoLite2 and DB-IP nest
 * continent.code, country.iso_code and subdivisions.N.iso_code; IPinfo writes flat
 * continent and country strings. The AS number: autonomous_system_number (GeoLite2
 * ASN, DB-IP ASN Lite), traits.autonomous_system_number (GeoIP2 ISP/Enterprise, DB-IP's
 * location + ISP databases), or IPinfo's flat asn ("AS64500"). */
static const char *const path_continent[] = {"continent", "code", NULL};
static const char *const path_country[] = {"country", "iso_code", NULL};
static const char *const path_subdivision[] = {"subdivisions", "0", "iso_code", NULL};
static const char *const path_subdivision_any[] = {"subdivisions", "0", NULL};
static const char *const path_continent_flat[] = {"continent", NULL};
static const char *const path_country_flat[] = {"country", NULL};
static const char *const path_asn[] = {"autonomous_system_number", NULL};
static const char *const path_lat[] = {"location", "latitude", NULL};
static const char *const path_lon[] = {"location", "longitude", NULL};
static const char *const path_asn_traits[] = {"traits", "autonomous_system_number", NULL};
static const char *const path_asn_flat[] = {"asn", NULL};

/* read_code for a flat field (IPinfo): a value there that is not a string (the map of
 * the nested layouts) counts as absent. */
static int read_flat(MMDB_entry_s *e, const char *const *path, char *out, size_t min, size_t max)
{
	MMDB_entry_data_s ed;
	if (MMDB_aget_value(e, &ed, path) != MMDB_SUCCESS || !ed.has_data ||
	    ed.type != MMDB_DATA_TYPE_UTF8_STRING)
		return 0;
	return read_code(e, path, out, min, max);
}

/* Whether the record has a value at path. */
static bool has_value(MMDB_entry_s *e, const char *const *path)
{
	MMDB_entry_data_s ed;
	return MMDB_aget_value(e, &ed, path) == MMDB_SUCCESS && ed.has_data;
}

/* Reads an AS number at path: an unsigned integer, or a string "AS64500" / "64500"
 * (IPinfo). Returns 1 and sets *asn, 0 when absent, GS_EINVAL when not one in
 * 1..2^32-1. */
static int read_asn_at(MMDB_entry_s *e, const char *const *path, uint32_t *asn)
{
	MMDB_entry_data_s ed;
	int rc = MMDB_aget_value(e, &ed, path);
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    (rc == MMDB_SUCCESS && !ed.has_data))
		return 0;
	uint64_t v = UINT64_MAX;
	if (rc == MMDB_SUCCESS && ed.type == MMDB_DATA_TYPE_UINT32)
		v = ed.uint32;
	else if (rc == MMDB_SUCCESS && ed.type == MMDB_DATA_TYPE_UINT16)
		v = ed.uint16;
	else if (rc == MMDB_SUCCESS && ed.type == MMDB_DATA_TYPE_UINT64)
		v = ed.uint64;
	else if (rc == MMDB_SUCCESS && ed.type == MMDB_DATA_TYPE_UTF8_STRING) {
		const char *s = ed.utf8_string;
		uint32_t n = ed.data_size, i = 0;
		if (n >= 2 && (s[0] == 'A' || s[0] == 'a') && (s[1] == 'S' || s[1] == 's'))
			i = 2;
		if (i < n && n - i <= 10) {
			v = 0;
			for (; i < n && v != UINT64_MAX; i++)
				v = s[i] >= '0' && s[i] <= '9' ? v * 10 + (uint64_t)(s[i] - '0')
				                               : UINT64_MAX;
		}
	}
	if (v == 0 || v > UINT32_MAX)
		return GS_EINVAL;
	*asn = (uint32_t)v;
	return 1;
}

/* The AS number of a record from whichever field its layout has (see above). Returns
 * GS_OK (*asn 0 when none), or GS_EPARSE with why. */
static int read_asn(MMDB_entry_s *e, uint32_t *asn, char *why, size_t why_len)
{
	static const char *const *const paths[] = {path_asn, path_asn_traits, path_asn_flat};
	static const char *const names[] = {"autonomous_system_number",
	                                    "traits.autonomous_system_number", "asn"};
	*asn = 0;
	for (size_t i = 0; i < GS_ARRAY_LEN(paths); i++) {
		int rc = read_asn_at(e, paths[i], asn);
		if (rc == 1)
			return GS_OK;
		if (rc < 0) {
			snprintf(why, why_len,
			         "record at data offset %u: %s is not an AS number in 1..%u "
			         "(a number, or a string such as \"AS64500\")",
			         e->offset, names[i], UINT32_MAX);
			return GS_EPARSE;
		}
	}
	return GS_OK;
}

/* Reads a coordinate at path into *out. Returns 1 when present, 0 when absent,
 * GS_EINVAL when present but not a number within [-max, max]. */
static int read_degrees(MMDB_entry_s *e, const char *const *path, double max, float *out)
{
	MMDB_entry_data_s ed;
	int rc = MMDB_aget_value(e, &ed, path);
	if (rc == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR ||
	    (rc == MMDB_SUCCESS && !ed.has_data))
		return 0;
	if (rc != MMDB_SUCCESS)
		return GS_EINVAL;
	double v;
	if (ed.type == MMDB_DATA_TYPE_DOUBLE)
		v = ed.double_value;
	else if (ed.type == MMDB_DATA_TYPE_FLOAT)
		v = ed.float_value;
	else
		return GS_EINVAL;
	if (!(v >= -max && v <= max)) /* NaN fails too */
		return GS_EINVAL;
	*out = (float)v;
	return 1;
}

/* location.latitude/longitude of a City record into loc (both, or neither). */
static int decode_place(MMDB_entry_s *e, struct geo_loc *loc, unsigned *fields, char *why,
                        size_t why_len)
{
	float lat = 0, lon = 0;
	int a = read_degrees(e, path_lat, 90.0, &lat);
	int b = read_degrees(e, path_lon, 180.0, &lon);
	if (a < 0 || b < 0) {
		snprintf(why, why_len,
		         "record at data offset %u: location.%s is not a number of degrees in "
		         "range",
		         e->offset, a < 0 ? "latitude" : "longitude");
		return GS_EPARSE;
	}
	if (a && b) {
		loc->located = true;
		loc->lat = lat;
		loc->lon = lon;
		*fields |= GEODB_LOCATION;
	}
	return GS_OK;
}

static int decode_geo(MMDB_entry_s *e, bool places, struct geo_loc *loc, unsigned *fields,
                      char *why, size_t why_len)
{
	memset(loc, 0, sizeof(*loc));
	int rc = read_code(e, path_continent, loc->continent, 2, 2);
	if (rc == 0)
		rc = read_flat(e, path_continent_flat, loc->continent, 2, 2);
	if (rc < 0) {
		snprintf(why, why_len,
		         "record at data offset %u: continent.code is not a 2-letter code",
		         e->offset);
		return GS_EPARSE;
	}
	*fields |= rc ? GEODB_CONTINENT : 0;
	rc = read_code(e, path_country, loc->country, 2, 2);
	if (rc == 0)
		rc = read_flat(e, path_country_flat, loc->country, 2, 2);
	if (rc < 0) {
		snprintf(why, why_len,
		         "record at data offset %u: country.iso_code is not a 2-letter code",
		         e->offset);
		return GS_EPARSE;
	}
	*fields |= rc ? GEODB_COUNTRY : 0;
	rc = read_code(e, path_subdivision, loc->subdivision, 1, 3);
	if (rc < 0) {
		snprintf(why, why_len,
		         "record at data offset %u: subdivisions.0.iso_code is not a 1-3 character "
		         "code",
		         e->offset);
		return GS_EPARSE;
	}
	*fields |= rc ? GEODB_SUBDIVISION : 0;
	/* Subdivisions named without codes (DB-IP's lite City): said so at compile time. */
	if (rc == 0 && has_value(e, path_subdivision_any))
		*fields |= GEODB_SUBDIVISION_NAMES;
	/* An AS number in the location database itself (IPinfo country_asn, GeoIP2 ISP). */
	rc = read_asn(e, &loc->asn, why, why_len);
	if (rc != GS_OK)
		return rc;
	*fields |= loc->asn ? GEODB_ASN : 0;
	return places ? decode_place(e, loc, fields, why, why_len) : GS_OK;
}

static int decode_asn(MMDB_entry_s *e, uint32_t *asn, char *why, size_t why_len)
{
	return read_asn(e, asn, why, why_len);
}

/* Packs continent, country and subdivision (2 + 2 + 3 characters) into one key. */
static uint64_t pack_geo(const struct geo_loc *l)
{
	uint64_t k = 0;
	const char *parts[3] = {l->continent, l->country, l->subdivision};
	const size_t widths[3] = {2, 2, 3};
	for (size_t p = 0; p < 3; p++)
		for (size_t i = 0; i < widths[p]; i++)
			k = k << 8 | (unsigned char)(i < strlen(parts[p]) ? parts[p][i] : 0);
	return k;
}

/* Appends loc to the walk's location table; returns its geo id. */
static uint32_t add_geo(struct decode_ctx *c, const struct geo_loc *loc)
{
	if (c->n_geo == c->cap_geo) {
		c->cap_geo *= 2;
		c->geo = xrealloc(c->geo, c->cap_geo * sizeof(*c->geo));
	}
	c->geo[c->n_geo] = *loc;
	return c->n_geo++;
}

/* The geo id of loc's place with coordinates: one per distinct (triple, coordinates),
 * id being the triple's. Coordinates are keyed by their float bits. */
static uint32_t intern_place(struct decode_ctx *c, const struct geo_loc *loc, uint32_t id)
{
	uint32_t la, lo, cid;
	memcpy(&la, &loc->lat, sizeof(la));
	memcpy(&lo, &loc->lon, sizeof(lo));
	uint64_t ckey = (uint64_t)la << 32 | lo;
	if (!geopart_idmap_get(&c->by_coord, ckey, &cid)) {
		cid = ++c->n_coord;
		geopart_idmap_put(&c->by_coord, ckey, cid);
	}
	uint64_t pkey = (uint64_t)id << 32 | cid;
	if (!geopart_idmap_get(&c->by_place, pkey, &id)) {
		struct geo_loc place = *loc;
		place.asn = 0;
		uint32_t pid = add_geo(c, &place);
		geopart_idmap_put(&c->by_place, pkey, pid);
		id = pid;
	}
	return id;
}

/* The geo id of loc: one per distinct triple, one per distinct (triple, coordinates)
 * for located records, and one per distinct (that place, AS number) for records with
 * an AS number of their own (IPinfo country_asn). */
static uint32_t intern_geo(struct decode_ctx *c, const struct geo_loc *loc)
{
	struct geo_loc bare = *loc;
	bare.located = false;
	bare.lat = bare.lon = 0;
	bare.asn = 0;
	uint64_t key = pack_geo(&bare);
	uint32_t id;
	if (!geopart_idmap_get(&c->by_key, key, &id)) {
		id = add_geo(c, &bare);
		geopart_idmap_put(&c->by_key, key, id);
	}
	if (loc->located)
		id = intern_place(c, loc, id);
	if (!loc->asn)
		return id;
	uint64_t akey = (uint64_t)id << 32 | loc->asn;
	uint32_t with_asn;
	if (!geopart_idmap_get(&c->by_asn, akey, &with_asn)) {
		with_asn = add_geo(c, loc);
		geopart_idmap_put(&c->by_asn, akey, with_asn);
	}
	return with_asn;
}

static int leaf_geo(void *ctx, MMDB_entry_s *e, uint32_t *val, char *why, size_t why_len)
{
	struct decode_ctx *c = ctx;
	if (geopart_idmap_get(&c->by_offset, e->offset, val))
		return GS_OK;
	struct geo_loc loc;
	int rc = decode_geo(e, c->places, &loc, &c->db->fields, why, why_len);
	if (rc != GS_OK)
		return rc;
	*val = intern_geo(c, &loc);
	geopart_idmap_put(&c->by_offset, e->offset, *val);
	return GS_OK;
}

static int leaf_asn(void *ctx, MMDB_entry_s *e, uint32_t *val, char *why, size_t why_len)
{
	struct decode_ctx *c = ctx;
	if (geopart_idmap_get(&c->by_offset, e->offset, val))
		return GS_OK;
	int rc = decode_asn(e, val, why, why_len);
	if (rc != GS_OK)
		return rc;
	if (*val)
		c->db->fields |= GEODB_ASN;
	geopart_idmap_put(&c->by_offset, e->offset, *val);
	return GS_OK;
}

/* Combines a geo id and an ASN into an interned location id. */
struct combine_ctx {
	struct geo_db *db;
	const struct geo_loc *geo;
	struct geopart_idmap ids;
};

static uint32_t combine_loc(void *ctx, uint32_t geo, uint32_t asn)
{
	struct combine_ctx *c = ctx;
	uint64_t key = (uint64_t)geo << 32 | asn;
	uint32_t id;
	if (geopart_idmap_get(&c->ids, key, &id))
		return id;
	struct geo_db *db = c->db;
	if (db->n_locs == db->cap_locs) {
		db->cap_locs = db->cap_locs ? db->cap_locs * 2 : 256;
		db->locs = xrealloc(db->locs, db->cap_locs * sizeof(*db->locs));
	}
	db->locs[db->n_locs] = c->geo[geo];
	/* asn_database, when configured, decides; the location database's own AS number
	 * (IPinfo country_asn) where it knows nothing. */
	if (asn)
		db->locs[db->n_locs].asn = asn;
	id = db->n_locs++;
	geopart_idmap_put(&c->ids, key, id);
	return id;
}

/* Copies the regular file fd into a new sealed memfd (nobody can shrink, grow or write
 * it) and returns the memfd, or -1 with errno set. */
static int private_copy(int fd)
{
	int mfd = (int)memfd_create("geosteer-geoip", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return -1;
	off_t done = 0;
	for (;;) {
		/* Up to the end of the file as it is now, whatever fstat said. */
		ssize_t n = sendfile(mfd, fd, NULL, (size_t)1 << 20);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(mfd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		done += n;
		if (done > GEODB_FILE_MAX) {
			close(mfd);
			errno = EFBIG;
			return -1;
		}
	}
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) !=
	    0) {
		int e = errno;
		close(mfd);
		errno = e;
		return -1;
	}
	return mfd;
}

/* Opens path with libmaxminddb from a private, sealed copy of the file: libmaxminddb
 * maps the file it opens, and a shared mapping of the configured file itself would
 * fault (SIGBUS) when that file is truncated or rewritten in place while it is read.
 * The copy is read through rfile_open, so a FIFO or a device is refused instead of
 * blocking. The metadata and the file's identity go to *meta. */
static int open_one(const char *path, struct srcpos pos, const char *key, MMDB_s *mmdb,
                    struct geodb_meta *meta, struct diag *d)
{
	const char *why;
	struct stat st;
	int fd = rfile_open(path, &st, &why);
	if (fd < 0) {
		diag_err(d, pos, "%s: cannot read %s: %s", key, path, why);
		return GS_EPARSE;
	}
	int mfd = private_copy(fd);
	int e = errno;
	close(fd);
	if (mfd < 0) {
		if (e == EFBIG)
			diag_err(d, pos, "%s: %s is larger than %u MiB", key, path,
			         (unsigned)(GEODB_FILE_MAX >> 20));
		else
			diag_err(d, pos, "%s: cannot read %s: %s", key, path, strerror(e));
		return GS_EPARSE;
	}
	char proc[64];
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", mfd);
	int rc = MMDB_open(proc, MMDB_MODE_MMAP, mmdb);
	e = errno;
	close(mfd); /* the mapping keeps the copy alive until MMDB_close */
	if (rc == MMDB_SUCCESS) {
		if (meta) {
			snprintf(meta->type, sizeof(meta->type), "%s",
			         mmdb->metadata.database_type ? mmdb->metadata.database_type : "");
			meta->epoch = mmdb->metadata.build_epoch;
			meta->dev = st.st_dev;
			meta->ino = st.st_ino;
			meta->size = st.st_size;
			meta->mtime = st.st_mtim;
		}
		return GS_OK;
	}
	if (rc == MMDB_FILE_OPEN_ERROR || rc == MMDB_IO_ERROR)
		diag_err(d, pos, "%s: cannot read %s: %s", key, path, strerror(e));
	else if (rc == MMDB_INVALID_METADATA_ERROR || rc == MMDB_UNKNOWN_DATABASE_FORMAT_ERROR)
		diag_err(d, pos, "%s: %s is not a MaxMind DB file (%s)", key, path,
		         MMDB_strerror(rc));
	else
		diag_err(d, pos, "%s: cannot open %s: %s", key, path, MMDB_strerror(rc));
	return GS_EPARSE;
}

/* Walks the location database (and the ASN one) and fills db->locs and the parts. */
static int walk_all(struct geo_db *db, const struct cfg_geoip *g, struct diag *d)
{
	int rc = GS_OK;
	char why[256] = "";
	struct decode_ctx geo = {.db = db, .cap_geo = 64, .places = g->locations};
	struct decode_ctx asn = {.db = db};
	struct geopart g4, g6, a4, a6;
	struct combine_ctx cc = {.db = db};
	geopart_init(&g4);
	geopart_init(&g6);
	geopart_init(&a4);
	geopart_init(&a6);
	geopart_idmap_init(&geo.by_offset);
	geopart_idmap_init(&geo.by_key);
	geopart_idmap_init(&geo.by_asn);
	geopart_idmap_init(&geo.by_coord);
	geopart_idmap_init(&geo.by_place);
	geopart_idmap_init(&asn.by_offset);
	geopart_idmap_init(&cc.ids);
	geo.geo = xcalloc(geo.cap_geo, sizeof(*geo.geo));
	geo.n_geo = 1; /* geo id 0: no record */
	geopart_idmap_put(&geo.by_key, 0, 0);

	rc = mmdb_walk(&db->mmdb, leaf_geo, &geo, &g4, &g6, why, sizeof(why));
	if (rc != GS_OK) {
		diag_err(d, g->database_pos, "database: %s: %s", db->path, why);
		goto out;
	}
	if (!(db->fields & (GEODB_CONTINENT | GEODB_COUNTRY))) {
		diag_err(d, g->database_pos,
		         "database: %s (%s) has no record with continent.code or country.iso_code "
		         "(or IPinfo's continent or country); it needs a Country or City "
		         "database (docs/geoip.md lists the layouts read)",
		         db->path, db->mmdb.metadata.database_type);
		rc = GS_EPARSE;
		goto out;
	}
	if (db->asn_open) {
		unsigned own = db->fields & GEODB_ASN;
		db->fields &= ~(unsigned)GEODB_ASN;
		rc = mmdb_walk(&db->asn_mmdb, leaf_asn, &asn, &a4, &a6, why, sizeof(why));
		if (rc != GS_OK) {
			diag_err(d, g->asn_database_pos, "asn_database: %s: %s", db->asn_path, why);
			goto out;
		}
		bool has = db->fields & GEODB_ASN;
		db->fields |= own;
		if (!has) {
			diag_err(d, g->asn_database_pos,
			         "asn_database: %s (%s) has no record with "
			         "autonomous_system_number (or IPinfo's asn); "
			         "it needs an ASN database (GeoLite2 ASN, DB-IP ASN Lite, IPinfo "
			         "ASN)",
			         db->asn_path, db->asn_mmdb.metadata.database_type);
			rc = GS_EPARSE;
			goto out;
		}
	} else {
		geopart_push(&a4, 0, 0);
		geopart_push(&a6, 0, 0);
	}
	/* Intersect the two trees' networks; loc 0 stays "known to neither". */
	cc.geo = geo.geo;
	(void)combine_loc(&cc, 0, 0);
	geopart_combine(&g4, &a4, combine_loc, &cc, &db->part4);
	geopart_combine(&g6, &a6, combine_loc, &cc, &db->part6);
out:
	geopart_free(&g4);
	geopart_free(&g6);
	geopart_free(&a4);
	geopart_free(&a6);
	geopart_idmap_free(&geo.by_offset);
	geopart_idmap_free(&geo.by_key);
	geopart_idmap_free(&geo.by_asn);
	geopart_idmap_free(&geo.by_coord);
	geopart_idmap_free(&geo.by_place);
	geopart_idmap_free(&asn.by_offset);
	geopart_idmap_free(&cc.ids);
	free(geo.geo);
	return rc;
}

/* Closes the libmaxminddb handles (and so the private copies they map). */
static void close_handles(struct geo_db *db)
{
	if (db->is_open)
		MMDB_close(&db->mmdb);
	if (db->asn_open)
		MMDB_close(&db->asn_mmdb);
	db->is_open = false;
	db->asn_open = false;
}

int geodb_open(const struct cfg_geoip *g, struct diag *d, struct geo_db **out)
{
	*out = NULL;
	if (!g->database)
		return GS_EINVAL;
	struct geo_db *db = xcalloc(1, sizeof(*db));
	db->path = xstrdup(g->database);
	int rc = open_one(db->path, g->database_pos, "database", &db->mmdb, &db->meta, d);
	if (rc != GS_OK)
		goto out;
	db->is_open = true;
	if (g->asn_database) {
		db->asn_path = xstrdup(g->asn_database);
		rc = open_one(db->asn_path, g->asn_database_pos, "asn_database", &db->asn_mmdb,
		              NULL, d);
		if (rc != GS_OK)
			goto out;
		db->asn_open = true;
	}
	geopart_init(&db->part4);
	geopart_init(&db->part6);
	rc = walk_all(db, g, d);
out:
	close_handles(db);
	if (rc != GS_OK) {
		geodb_close(db);
		return rc;
	}
	*out = db;
	return GS_OK;
}

void geodb_close(struct geo_db *db)
{
	if (!db)
		return;
	close_handles(db);
	free(db->path);
	free(db->asn_path);
	free(db->locs);
	geopart_free(&db->part4);
	geopart_free(&db->part6);
	free(db);
}

const struct geopart *geodb_part(const struct geo_db *db, int family)
{
	return family == AF_INET ? &db->part4 : &db->part6;
}

const struct geo_loc *geodb_locs(const struct geo_db *db, uint32_t *n)
{
	*n = db->n_locs;
	return db->locs;
}

unsigned geodb_fields(const struct geo_db *db)
{
	return db->fields;
}

const char *geodb_path(const struct geo_db *db)
{
	return db->path;
}

const char *geodb_type(const struct geo_db *db)
{
	return db->meta.type[0] ? db->meta.type : "?";
}

const struct geodb_meta *geodb_meta(const struct geo_db *db)
{
	return &db->meta;
}

static unsigned __int128 addr_value(const struct netaddr *a)
{
	unsigned n = a->family == AF_INET ? 4 : 16;
	unsigned __int128 v = 0;
	for (unsigned i = 0; i < n; i++)
		v = v << 8 | a->addr[i];
	return v;
}

void geodb_locate(const struct geo_db *db, const struct netaddr *a, struct geo_loc *out)
{
	const struct geopart *p = geodb_part(db, a->family);
	uint32_t id = p->n ? p->val[geopart_find(p, addr_value(a))] : 0;
	if (id < db->n_locs)
		*out = db->locs[id];
	else
		memset(out, 0, sizeof(*out));
}
