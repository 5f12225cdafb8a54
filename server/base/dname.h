/* SPDX-License-Identifier: MIT
 * dname.h -- domain names in uncompressed wire format (length-prefixed labels ending in
 * the root label). Names stored by the project are lowercase; comparisons are ASCII
 * case-insensitive (RFC 4343). Pure functions, any thread, no allocation. */
#ifndef GS_DNAME_H
#define GS_DNAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/base/compiler.h"

#define DNAME_MAX       255 /* RFC 1035 2.3.4: whole name, wire format */
#define DNAME_LABEL_MAX 63
#define DNAME_TEXT_MAX  (4 * DNAME_MAX + 2) /* every byte escaped as \DDD, plus NUL */

static inline uint8_t dname_lower_byte(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') ? (uint8_t)(c + 32) : c;
}

/* The 64-bit mix of the hash of a lowercase wire name (or any bytes), eight bytes per
 * multiply: the hash tables of the query path (steer.h, fast.h) each take their 32-bit
 * hash from it. Inline and short: it runs on every query. */
static inline uint64_t dname_hash_mix(const uint8_t *name_lc, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ len;
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w;
		memcpy(&w, name_lc + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	uint64_t w = 0;
	for (; i < len; i++)
		w = w << 8 | name_lc[i];
	return (h ^ w) * 0xc4ceb9fe1a85ec53u;
}

/* Length in bytes of a well-formed uncompressed name, including the root label. */
size_t dname_len(const uint8_t *name) GS_NONNULL;
/* Number of labels, not counting the root (the root name has 0). */
unsigned dname_labels(const uint8_t *name) GS_NONNULL;
/* Lowercases name in place. */
void dname_lower(uint8_t *name) GS_NONNULL;
/* Case-insensitive equality. */
bool dname_equal(const uint8_t *a, const uint8_t *b) GS_NONNULL;
/* True when name equals parent or lies below it (case-insensitive). */
bool dname_is_subdomain(const uint8_t *name, const uint8_t *parent) GS_NONNULL;
/* Returns the suffix of name that has `keep` labels (keep <= dname_labels(name)). */
const uint8_t *dname_suffix(const uint8_t *name, unsigned keep) GS_NONNULL;
/* Canonical DNS name order (RFC 4034 6.1): negative, zero or positive like strcmp. */
int dname_compare(const uint8_t *a, const uint8_t *b) GS_NONNULL;

/* Parses presentation format ("www.example.", escapes \. and \DDD) into out.
 * A name without a trailing dot is made absolute relative to origin (which may be NULL,
 * meaning the root). Returns GS_OK, or GS_EINVAL for a malformed or too long name. */
int dname_from_text(const char *text, const uint8_t *origin, uint8_t out[DNAME_MAX],
                    size_t *out_len) GS_NONNULLX(1, 3) GS_WUR;
/* Writes name in presentation format, always absolute ("." for the root). */
void dname_to_text(const uint8_t *name, char out[DNAME_TEXT_MAX]) GS_NONNULL;

/* Reads the name at pkt[*pos] (following compression pointers, which must point strictly
 * backwards, so loops are impossible) into out, and advances *pos past it in the
 * packet. Returns GS_OK, or GS_EPARSE for truncation, bad label types, forward or
 * looping pointers, or a name over 255 bytes. */
int dname_read_wire(const uint8_t *pkt, size_t pkt_len, size_t *pos, uint8_t out[DNAME_MAX],
                    size_t *out_len) GS_NONNULL GS_WUR;

#endif
