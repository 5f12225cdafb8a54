/* SPDX-License-Identifier: MIT
 * zone_compile.h -- private to zones/: the second half of zone_load(). The parser
 * (zone_load.c) hands every record it reads to zone_compile_add(); zone_compile_finish()
 * then groups them into nodes and RRsets, runs the semantic checks (apex SOA/NS, CNAME
 * exclusivity, occluded data, glue, TTLs) and builds the immutable struct zone in the
 * arena. Load thread only. */
#ifndef GS_ZONE_COMPILE_H
#define GS_ZONE_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "zones/zone.h"

/* One record as read, before grouping. Load time only. */
struct zone_compile_rec {
	const uint8_t *rdata; /* arena (already in its final place) */
	uint32_t name;        /* index into zone_compile.names */
	uint32_t ttl;
	uint32_t line;
	uint32_t seq; /* order of appearance, keeps file order inside an RRset */
	uint16_t type;
	uint16_t rdlen;
	uint16_t file; /* index into zone_compile.files */
	uint16_t name_off[2];
};

/* One owner name, or an empty non-terminal made for one. Names are interned top-down,
 * so a parent's index is always lower than its children's. */
struct zone_compile_name {
	const uint8_t *name;        /* lowercase wire, arena */
	uint32_t hash;              /* zone_hash fold below the origin (not finalised) */
	uint32_t parent;            /* index, UINT32_MAX for the apex */
	uint32_t first_rec, n_recs; /* range in the sorted record array */
	uint8_t len, labels;
};

/* An NSEC3 record, or an RRSIG that covers one: kept out of the name tree, since the
 * owners of NSEC3 records are not names of the zone (RFC 5155 section 7.2.8). */
struct zone_compile_n3 {
	const uint8_t *owner; /* lowercase wire, pool */
	const uint8_t *rdata; /* pool */
	uint32_t ttl, line;
	uint16_t type, rdlen, file;
};

/* The first record (in file order) that some DNSSEC check found wrong, and how many. */
struct zone_compile_first {
	size_t count;
	uint32_t name; /* index into zone_compile.names */
	uint32_t line;
	uint32_t value; /* what the check found (an RRSIG's expiration) */
	uint16_t file;
	uint16_t type; /* the RRset's type (for an RRSIG: the type it covers) */
};

/* A semantic diagnostic, held back so they can be reported in file order. */
struct zone_compile_msg {
	char *text; /* owned */
	uint32_t line, seq;
	uint16_t file;
	bool is_warning;
};

struct zone_compile {
	struct arena *a;      /* borrowed */
	struct diag *d;       /* borrowed */
	size_t errors_before; /* d->n_errors when this zone started */
	uint8_t origin[DNAME_MAX];
	uint8_t origin_len, origin_labels;
	const char **files; /* owned array of arena strings; files[0] is the zone file */
	size_t n_files;
	struct zone_compile_rec *recs; /* owned */
	size_t n_recs, cap_recs;
	struct zone_compile_name *names; /* owned */
	size_t n_names, cap_names;
	uint32_t *ntab; /* owned; name index + 1, 0 = empty */
	size_t ntab_mask;
	uint8_t *pool; /* unaligned bytes for rdata, carved from arena chunks */
	size_t pool_left;
	struct zone_compile_msg *msgs; /* owned */
	size_t n_msgs, cap_msgs;
	uint32_t last_name; /* cache: consecutive records usually share an owner */
	/* DNSSEC. */
	struct zone_compile_n3 *n3; /* owned */
	size_t n_n3, cap_n3;
	size_t n_rrsig; /* RRSIG records added (the zone is signed when there are any) */
	bool presigned; /* set by zone_load.c: the zone file itself holds RRSIG records */
	uint32_t now;   /* Unix time of the load, for RRSIG expiration checks */
	struct zone_compile_first unsigned_set, expired_sig;
};

/* Prepares zc for a zone at origin (lowercase wire). Never fails. */
void zone_compile_init(struct zone_compile *zc, struct arena *a, struct diag *d,
                       const uint8_t *origin) GS_NONNULL;
/* Frees what zc owns (not the arena); accepts a zeroed or finished zc. */
void zone_compile_free(struct zone_compile *zc) GS_NONNULL;
/* Registers a file name (copied to the arena) and returns its index for
 * zone_compile_add() and diagnostics. */
uint16_t zone_compile_file(struct zone_compile *zc, const char *path) GS_NONNULL;
/* Returns the arena copy of file index f. */
const char *zone_compile_file_name(const struct zone_compile *zc, uint16_t f) GS_NONNULL;
/* Adds one IN record. owner is wire format in any case; rdata is wire format and copied.
 * A record outside the origin is reported to the diag (at file:line) and dropped. */
void zone_compile_add(struct zone_compile *zc, const uint8_t *owner, uint16_t type, uint32_t ttl,
                      const uint8_t *rdata, size_t rdlen, uint16_t file, unsigned line)
        GS_NONNULLX(1, 2);
/* Makes name_lc (lowercase wire) a name of the zone even though it has no record here,
 * an empty node as an empty non-terminal is (names outside the origin are ignored): a
 * signed zone's steered names, whose A/AAAA answers come from steering and whose denial
 * chain entries must be found like any node's. */
void zone_compile_add_name(struct zone_compile *zc, const uint8_t *name_lc) GS_NONNULL;
/* Records a diagnostic at file:line, reported in file order at the end. */
void zone_compile_report(struct zone_compile *zc, bool is_warning, uint16_t file, uint32_t line,
                         const char *fmt, ...) GS_NONNULLX(1, 5) GS_PRINTF(5, 6);
/* The mnemonic of type ("TYPEn" in buf when it has none). */
const char *zone_compile_type_name(uint16_t type, char buf[16]) GS_NONNULL;
/* zones/zone_dnssec.c: when zc saw RRSIG records, indexes the signed zone z (its
 * nodes, built from zc->names with flags) for negative answers and sets z->dnssec,
 * reporting what is wrong with the signatures as warnings. */
void zone_dnssec_build(struct zone_compile *zc, struct zone *z) GS_NONNULL;

/* Groups, checks and builds the zone. Semantic problems go to the diag in file order.
 * Returns GS_OK and sets *out, or GS_EPARSE when the diag holds any error (from the
 * parse or from the checks). */
int zone_compile_finish(struct zone_compile *zc, const struct zone **out) GS_NONNULL GS_WUR;

#endif
