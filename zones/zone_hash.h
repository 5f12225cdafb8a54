/* SPDX-License-Identifier: MIT
 * zone_hash.h -- private to zones/: the name hash behind struct zone's node index and
 * the zoneset index. Pure inline functions; any thread, no allocation.
 *
 * The hash of a name is a fold over its labels from the root-most one towards the
 * leftmost one, so the hash of a child is one step away from its parent's:
 *     hash(label . parent) = zone_hash_label(hash(parent), label)
 * A lookup that walks down a query name label by label therefore hashes each byte once.
 * Inside one zone every node shares the origin, so the node index starts the fold at
 * the apex (ZONE_HASH_SEED for the origin itself) and hashes only the labels below it;
 * the zoneset index folds whole names starting at the root. Slots are taken with
 * zone_hash_final(h) & mask, which mixes the FNV-1a state so low bits are usable. */
#ifndef GS_ZONE_HASH_H
#define GS_ZONE_HASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ZONE_HASH_SEED 2166136261u /* FNV-1a 32-bit offset basis */

/* Folds one label (length byte and lowercase octets, as stored) into h. */
static inline uint32_t zone_hash_label(uint32_t h, const uint8_t *label)
{
	unsigned len = label[0];
	for (unsigned i = 0; i <= len; i++)
		h = (h ^ label[i]) * 16777619u; /* FNV-1a 32-bit prime */
	return h;
}

/* Final avalanche (the MurmurHash3 fmix32 constants) before masking. */
static inline uint32_t zone_hash_final(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* True when the n bytes at a and b are the same: a word at a time, for the short
 * names and labels of the lookup paths, where a call to memcmp costs more than the
 * comparison. */
static inline bool zone_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	size_t i = 0;
	for (; n - i >= 8; i += 8) {
		uint64_t x, y;
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	if (n - i >= 4) {
		uint32_t x, y;
		memcpy(&x, a + i, 4);
		memcpy(&y, b + i, 4);
		if (x != y)
			return false;
		i += 4;
	}
	for (; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

#endif
