/* SPDX-License-Identifier: MIT
 * zone_rdata.h -- private to zones/: the rdata of the record types that zone_text.c
 * reads itself (A, AAAA, NS, CNAME, PTR, DNAME, MX, TXT, SOA, SRV, CAA, and the DNSSEC
 * types DS, DNSKEY, RRSIG, NSEC, NSEC3 and NSEC3PARAM), from
 * presentation format to wire format, accepting exactly what ldns 1.8 accepts for them
 * and declining the rest. Also the text helpers (words, escapes, names) zone_text.c uses too. Pure
 * functions, any thread. */
#ifndef GS_ZONE_RDATA_H
#define GS_ZONE_RDATA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"

/* Sets *type when the word [p, end) names a type read here (any case). */
bool zone_rdata_type(const char *p, const char *end, uint16_t *type) GS_NONNULL;
/* Reads the rdata text [p, end) of type into out and *rdlen; returns false when ldns
 * should read the record instead. origin is the $ORIGIN in force. */
bool zone_rdata_read(uint16_t type, const char *p, const char *end, const uint8_t *origin,
                     uint8_t out[UINT16_MAX], uint16_t *rdlen) GS_NONNULL;

/* Seconds in one of BIND's TTL units (s, m, h, d, w in either case), 0 for any other
 * character; zone_load.c's TTL reader uses it too. */
unsigned zone_rdata_unit(char c);

/* Text helpers, also used by zone_text.c for owners and words. */
const char *zone_rdata_skip_blank(const char *p, const char *end) GS_NONNULL;
/* The end of the word at p: up to a blank that is not escaped. */
const char *zone_rdata_word(const char *p, const char *end) GS_NONNULL;
/* Reads the escape after a backslash at p (\DDD or \X) as ldns does: sets *out and *next. */
bool zone_rdata_escape(const char *p, const char *end, const char **next, uint8_t *out) GS_NONNULL;
/* Reads the name [p, end) as ldns does (relative names get the origin appended; with
 * at_is_origin, a first label "@" stands for the origin, as in ldns's rdata) into out.
 * Returns false where ldns would refuse it or make it longer than 255 bytes. */
bool zone_rdata_name(const char *p, const char *end, const uint8_t *origin, bool at_is_origin,
                     uint8_t out[DNAME_MAX], size_t *out_len) GS_NONNULL;

#endif
