/* SPDX-License-Identifier: MIT
 * zone_lookup.c -- how a zone answers a name: exact match, empty non-terminal, wildcard
 * (RFC 4592), delegation, or NXDOMAIN with its closest encloser. Worker threads: no
 * allocation, no locks. A name that exists is found with one probe of the node index;
 * the others walk down from the apex, one probe per label (zones/zone_hash.h). */
#include "zones/zone.h"

#include <string.h>

#include "zones/zone_hash.h"

/* Labels in a wire name: at most 127 (RFC 1035 section 2.3.4: 255 bytes). */
#define LABELS_MAX (DNAME_MAX / 2 + 1)

/* Fills off[] with the offset of each label of name; returns the label count and sets
 * *len to the name's length. */
static inline unsigned split_labels(const uint8_t *name, uint8_t off[LABELS_MAX], size_t *len)
{
	unsigned n = 0;
	size_t p = 0;
	while (name[p] && n < LABELS_MAX) {
		off[n++] = (uint8_t)p;
		p += name[p] + 1u;
	}
	*len = p + 1;
	return n;
}

/* The length of a wire name (no compression: names here are in their stored form). */
static inline size_t name_len(const uint8_t *name)
{
	size_t p = 0;
	while (name[p])
		p += name[p] + 1u;
	return p + 1;
}

/* The node named name[0..len) (lowercase wire), or NULL. */
static inline const struct zone_node *name_find(const struct zone *z, const uint8_t *name,
                                                size_t len)
{
	if (GS_UNLIKELY(len < z->origin_len))
		return NULL; /* not in the zone */
	size_t i = zone_hash_name(name, len - z->origin_len, len) & z->hash_mask;
	for (;;) {
		uint32_t v = z->slots[i];
		if (!v)
			return NULL;
		const struct zone_node *n = &z->nodes[v - 1];
		if (n->name_len == len && zone_bytes_equal(n->name, name, len))
			return n;
		i = (i + 1) & z->hash_mask;
	}
}

/* qname does not exist; ce is its closest encloser. RFC 4592 section 3.3.1: the
 * wildcard "*.<closest encloser>" is the source of synthesis when it exists (even as an
 * empty non-terminal: then the answer is NODATA). */
static enum zone_match no_such_name(const struct zone *z, const struct zone_node *ce,
                                    struct zone_hit *hit)
{
	hit->encloser = ce;
	if (ce->name_len + 2u <= DNAME_MAX) {
		uint8_t wild[DNAME_MAX];
		wild[0] = 1;
		wild[1] = '*';
		memcpy(wild + 2, ce->name, ce->name_len);
		const struct zone_node *w = name_find(z, wild, ce->name_len + 2u);
		if (w) {
			hit->node = w;
			return ZONE_MATCH_WILDCARD;
		}
	}
	hit->node = NULL;
	return ZONE_MATCH_NXDOMAIN;
}

enum zone_match zone_lookup(const struct zone *z, const uint8_t *qname_lc, struct zone_hit *hit)
{
	uint8_t off[LABELS_MAX];
	size_t qlen;
	unsigned n = split_labels(qname_lc, off, &qlen);
	return zone_lookup_split(z, qname_lc, qlen, off, n, hit);
}

/* The walk of zone_lookup_split from the apex down, for a name the index did not answer;
 * out of line, so that the index's fast path stays light. */
static GS_NOINLINE enum zone_match walk(const struct zone *z, const uint8_t *qname_lc, size_t qlen,
                                        const uint8_t *off, unsigned n, struct zone_hit *hit)
{
	if (GS_UNLIKELY(n < z->origin_labels)) {
		/* Outside the zone: a caller bug; answer as if nothing existed. */
		hit->node = NULL;
		hit->encloser = z->apex;
		return ZONE_MATCH_NXDOMAIN;
	}
	/* Walk down from the apex one label at a time. Every name between the apex and an
	 * owner name is a node (empty non-terminals included), so the first missing label
	 * ends the walk at the closest encloser; the first cut met is the topmost one. */
	const struct zone_node *cur = z->apex;
	for (unsigned i = n - z->origin_labels; i-- > 0;) {
		const struct zone_node *next = name_find(z, qname_lc + off[i], qlen - off[i]);
		if (!next)
			return no_such_name(z, cur, hit);
		if (next->flags & ZONE_NODE_CUT) {
			/* RFC 1034 section 4.3.2 step 3b: a referral, even for the cut itself
			 * and for names below it that have (occluded) data. */
			hit->node = next;
			hit->encloser = next;
			return ZONE_MATCH_DELEGATION;
		}
		cur = next;
	}
	hit->node = cur;
	hit->encloser = cur;
	return ZONE_MATCH_EXACT;
}

enum zone_match zone_lookup_split(const struct zone *z, const uint8_t *qname_lc, size_t qlen,
                                  const uint8_t *off, unsigned n, struct zone_hit *hit)
{
	/* Most queries name a node that exists: one probe of the index. A node that is
	 * neither a cut nor below one is the exact match; a cut is its own topmost cut (no
	 * cut above it, or it would be occluded). Anything else -- no such node, or glue
	 * below a cut -- takes the walk. */
	const struct zone_node *node = name_find(z, qname_lc, qlen);
	if (GS_LIKELY(node && !(node->flags & ZONE_NODE_OCCLUDED))) {
		hit->node = node;
		hit->encloser = node;
		return (node->flags & ZONE_NODE_CUT) ? ZONE_MATCH_DELEGATION : ZONE_MATCH_EXACT;
	}
	return walk(z, qname_lc, qlen, off, n, hit);
}

const struct zone_node *zone_find(const struct zone *z, const uint8_t *name_lc)
{
	return name_find(z, name_lc, name_len(name_lc));
}
