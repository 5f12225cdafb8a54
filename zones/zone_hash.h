/* SPDX-License-Identifier: MIT
 * zone_hash.h -- private to zones/: the name hashes behind struct zone's node index,
 * the loader's name table and the zoneset index. Pure inline functions; any thread, no
 * allocation.
 *
 * The label fold hashes a name label by label from the root-most one towards the
 * leftmost one, so the hash of a child is one step away from its parent's:
 *     hash(label . parent) = zone_hash_label(hash(parent), label)
 * A walk down a name label by label therefore hashes each byte once: the zoneset index
 * folds whole names from the root, and the loader interns a zone's names (and the
 * empty non-terminals above them) folding from the apex (ZONE_HASH_SEED for the origin
 * itself). Slots are taken with zone_hash_final(h) & mask, which mixes the FNV-1a state
 * so low bits are usable.
 *
 * zone_hash_name hashes the part of a name below the origin eight bytes per step, with
 * no regard for labels: the key of the zone's node index (struct zone.slots), which
 * answers an exact lookup with one hash and one probe. */
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

/* The first n bytes (n < 8) of the word w read from memory, the others zeroed. */
static inline uint64_t zone_word_head(uint64_t w, size_t n)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	return w & ((UINT64_C(1) << (8 * n)) - 1);
#else
	return n ? w & ~((UINT64_C(1) << (8 * (8 - n))) - 1) : 0;
#endif
}

/* Hash of name[0, plen), the part of a lowercase wire name below its zone's origin,
 * eight bytes per multiply. name[0, len) may be read (len > plen: the origin follows
 * the part hashed), and nothing beyond. Already mixed: mask it directly. */
static inline uint32_t zone_hash_name(const uint8_t *name, size_t plen, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15u ^ plen;
	size_t i = 0;
	for (; plen - i >= 8; i += 8) {
		uint64_t w;
		memcpy(&w, name + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdu;
		h ^= h >> 32;
	}
	if (i < plen) {
		uint64_t w = 0;
		if (len - i >= 8) {
			memcpy(&w, name + i, 8);
			w = zone_word_head(w, plen - i);
		} else {
			for (unsigned k = 0; i + k < plen; k++)
				w |= (uint64_t)name[i + k] << (8 * k);
		}
		h = (h ^ w) * 0xc4ceb9fe1a85ec53u;
		h ^= h >> 29;
	}
	return (uint32_t)(h ^ (h >> 32));
}

/* True when the n bytes at a and b are the same: a word at a time, the last word
 * overlapping the one before, for the short names and labels of the lookup paths,
 * where a call to memcmp costs more than the comparison. */
static inline bool zone_bytes_equal(const uint8_t *a, const uint8_t *b, size_t n)
{
	if (n >= 8) {
		uint64_t x, y;
		for (size_t i = 0; i + 8 < n; i += 8) {
			memcpy(&x, a + i, 8);
			memcpy(&y, b + i, 8);
			if (x != y)
				return false;
		}
		memcpy(&x, a + n - 8, 8);
		memcpy(&y, b + n - 8, 8);
		return x == y;
	}
	if (n >= 4) {
		uint32_t x, y, u, v;
		memcpy(&x, a, 4);
		memcpy(&y, b, 4);
		memcpy(&u, a + n - 4, 4);
		memcpy(&v, b + n - 4, 4);
		return ((x ^ y) | (u ^ v)) == 0;
	}
	for (size_t i = 0; i < n; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

#endif
