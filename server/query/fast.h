/* SPDX-License-Identifier: MIT
 * fast.h -- whole responses rendered at snapshot build, by name and type: what
 * answer_packet would write after the question for a plain class IN query of a name
 * the zones hold (positive answers, NODATA with the SOA, CNAME chains, referrals with
 * glue, DS at cuts), compression pointers included; and for steered names, where the
 * general path finds their zone and steering entry. A query that finds its name here is
 * answered with one hash lookup, a copy of the question and of the body, and the
 * header and OPT record written around them. Names whose answer depends on the client
 * (steered names, chains through them), and queries whose answer depends on more than
 * name and type (DO=1 with a signed zone, cookies, NSID, EDNS version > 0) take the
 * general path; rate limiting is applied to both alike. Built by fast_build
 * (server/load/fast_build.h, the load thread); read by workers. */
#ifndef GS_FAST_H
#define GS_FAST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"

struct zone;
struct steer_name;

/* What follows the question in the response, and what the header says about it. */
struct fast_blob {
	uint16_t flags; /* AA and RCODE, as answer_packet set them */
	uint16_t count[3];
	uint16_t len;
	uint8_t body[];
};

/* The answer to every name below an entry that the zones do not hold: NXDOMAIN with
 * the SOA, or the referral of the cut at or above the entry. It is rendered for one
 * such name (the probe, qlen bytes long) and moved to the query's name: every
 * compression pointer in it points into the question's copy of the entry's name or
 * into the body, so adding the difference of the two names' lengths to each gives the
 * general path's bytes. Unless the query's label right above the entry's name is one
 * of the labels right above it in the body's names (labels): the general path would
 * point into the question there, so it answers such a query itself. */
struct fast_below {
	const struct fast_blob *blob;
	const uint16_t *ptrs;  /* where the compression pointers are in blob->body */
	const uint8_t *labels; /* lowercase labels, each with its length byte, in a row */
	uint16_t n_ptrs;
	uint16_t labels_len;
	uint8_t qlen;
	uint8_t max_labels; /* most labels the query's name may have */
};

/* A type whose answer differs from the name's default one. */
struct fast_type {
	uint16_t type;
	const struct fast_blob *blob; /* NULL: the general path answers this type */
};

struct fast_name {
	const uint8_t *name; /* lowercase wire, arena */
	uint8_t len;
	uint8_t n_types;
	const struct fast_type *types;
	/* The answer to every type not in types (NODATA, the CNAME chain, the referral);
	 * NULL: the general path answers them. */
	const struct fast_blob *dflt;
	/* The answer to names below this one that do not exist, or NULL: the general
	 * path answers them (a wildcard child, a steered name, a body beyond reach). */
	const struct fast_below *below;
	/* A steered name: its zone and steering entry, so that the general path answering
	 * its A, AAAA and ANY questions looks neither up again. NULL otherwise. */
	const struct zone *zone;
	const struct steer_name *steer;
	/* Its answers (or those below it) may come from a signed zone: a DO=1 query takes
	 * the general path, which adds signatures and proofs. */
	bool signed_zone;
};

struct fast_slot {
	uint32_t hash;
	const struct fast_name *e; /* NULL: an empty slot */
};

struct fast_table {
	uint32_t mask; /* slots - 1, a power of two minus one; at most half the slots used */
	const struct fast_slot *slots;
	/* Some zone of the snapshot is signed (entries whose answers may come from one
	 * have fast_name.signed set). */
	bool any_signed;
	size_t n_names, bytes; /* for the load log */
};

/* Most names pre-rendered per snapshot: zones are taken in configuration order while
 * their names fit; a larger zone is answered by the general path alone (its answers
 * would cost more memory and load time than they save). */
#define FAST_NAMES_MAX 20000u

/* Hash of a lowercase wire name: the high half of dname_hash_mix (every input bit
 * reaches it). */
static inline uint32_t fast_hash(const uint8_t *name_lc, size_t len)
{
	return (uint32_t)(dname_hash_mix(name_lc, len) >> 32);
}

/* True when the n bytes at a and b are the same, a word at a time (n >= 1). */
static inline bool fast_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	uint64_t x, y;
	size_t i = 0;
	for (; i + 8 < n; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (n >= 8) {
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

/* The entry of name_lc (lowercase wire name of len bytes), or NULL. */
static inline const struct fast_name *fast_find(const struct fast_table *t, const uint8_t *name_lc,
                                                size_t len)
{
	uint32_t h = fast_hash(name_lc, len);
	for (uint32_t i = h & t->mask;; i = (i + 1) & t->mask) {
		const struct fast_slot *s = &t->slots[i];
		if (!s->e)
			return NULL;
		if (s->hash == h && s->e->len == len && fast_equal(s->e->name, name_lc, len))
			return s->e;
	}
}

/* The pre-rendered answer of e to qtype, or NULL when the general path answers. */
static inline const struct fast_blob *fast_blob_of(const struct fast_name *e, uint16_t qtype)
{
	for (unsigned k = 0; k < e->n_types; k++)
		if (e->types[k].type == qtype)
			return e->types[k].blob;
	return e->dflt;
}

/* True when label (lowercase, length byte first) is none of b's labels, so that b
 * answers a name whose label right above the entry's name is label. */
static inline bool fast_below_fits(const struct fast_below *b, const uint8_t *label)
{
	for (unsigned at = 0; at < b->labels_len; at += b->labels[at] + 1u)
		if (b->labels[at] == label[0] &&
		    fast_equal(b->labels + at + 1, label + 1, label[0]))
			return false;
	return true;
}

#endif
