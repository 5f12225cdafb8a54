/* SPDX-License-Identifier: MIT
 * zone_denial.c -- the searches behind DNSSEC negative answers: the canonical sort key
 * of a name and the binary search of the NSEC chain, the NSEC3 hash of a name (SHA-1,
 * FIPS 180-4, written here so that it runs on the stack: no allocation, no library
 * state) and the binary search of the NSEC3 hashes. Used at load to index a signed zone
 * and by worker threads for names that do not exist; no allocation, no locks. */
#include <string.h>

#include "zones/zone.h"

size_t zone_denial_key(const uint8_t *name_lc, size_t len, unsigned origin_labels,
                       uint8_t key[ZONE_DENIAL_KEY_MAX])
{
	uint8_t off[DNAME_MAX / 2 + 1];
	unsigned n = 0;
	size_t p = 0;
	while (p < len && name_lc[p] && n < GS_ARRAY_LEN(off)) {
		off[n++] = (uint8_t)p;
		p += name_lc[p] + 1u;
	}
	size_t k = 0;
	unsigned below = n > origin_labels ? n - origin_labels : 0;
	for (unsigned i = below; i-- > 0;) {
		const uint8_t *label = name_lc + off[i];
		for (unsigned j = 1; j <= label[0]; j++) {
			uint8_t c = label[j];
			if (c <= 1) {
				key[k++] = 1;
				key[k++] = (uint8_t)(c + 1u);
			} else {
				key[k++] = c;
			}
		}
		key[k++] = 0;
	}
	return k;
}

uint32_t zone_denial_nsec_find(const struct zone_dnssec *d, const uint8_t *key, size_t key_len)
{
	/* The last entry whose key is <= key; entry 0 is the apex (the empty key), which
	 * is <= every name of the zone. */
	size_t lo = 0, hi = d->n_nsec;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		const struct zone_nsec *e = &d->nsec[mid];
		size_t m = e->key_len < key_len ? e->key_len : key_len;
		int c = memcmp(e->key, key, m);
		if (c < 0 || (c == 0 && e->key_len <= key_len))
			lo = mid;
		else
			hi = mid;
	}
	return (uint32_t)lo;
}

/* ---- SHA-1 (FIPS 180-4 section 6.1), one message in, one digest out ---- */

static inline uint32_t rol32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32u - n));
}

/* One round: the function value f of b, c, d and the round constant k. */
#define SHA1_ROUND(f, k, t)                                                                        \
	do {                                                                                       \
		uint32_t tmp = rol32(a, 5) + (f) + e + (k) + w[t];                                 \
		e = d;                                                                             \
		d = c;                                                                             \
		c = rol32(b, 30);                                                                  \
		b = a;                                                                             \
		a = tmp;                                                                           \
	} while (0)

static void sha1_block(uint32_t h[5], const uint8_t *blk)
{
	uint32_t w[80];
	for (unsigned t = 0; t < 16; t++)
		w[t] = (uint32_t)blk[4 * t] << 24 | (uint32_t)blk[4 * t + 1] << 16 |
		       (uint32_t)blk[4 * t + 2] << 8 | blk[4 * t + 3];
	for (unsigned t = 16; t < 80; t++)
		w[t] = rol32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
	/* The four stages of twenty rounds as loops of their own: no test per round. */
	for (unsigned t = 0; t < 20; t++)
		SHA1_ROUND(d ^ (b & (c ^ d)), 0x5a827999u, t);
	for (unsigned t = 20; t < 40; t++)
		SHA1_ROUND(b ^ c ^ d, 0x6ed9eba1u, t);
	for (unsigned t = 40; t < 60; t++)
		SHA1_ROUND((b & c) | (d & (b | c)), 0x8f1bbcdcu, t);
	for (unsigned t = 60; t < 80; t++)
		SHA1_ROUND(b ^ c ^ d, 0xca62c1d6u, t);
	h[0] += a;
	h[1] += b;
	h[2] += c;
	h[3] += d;
	h[4] += e;
}

/* SHA-1 of a[0..alen) followed by b[0..blen). */
static void sha1_two(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen,
                     uint8_t out[ZONE_NSEC3_HASH_LEN])
{
	uint32_t h[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u, 0xc3d2e1f0u};
	uint8_t blk[64];
	size_t fill = 0, total = alen + blen;
	const uint8_t *part[2] = {a, b};
	size_t part_len[2] = {alen, blen};
	for (unsigned k = 0; k < 2; k++) {
		const uint8_t *p = part[k];
		size_t left = part_len[k];
		while (left) {
			size_t n = 64 - fill < left ? 64 - fill : left;
			memcpy(blk + fill, p, n);
			fill += n;
			p += n;
			left -= n;
			if (fill == 64) {
				sha1_block(h, blk);
				fill = 0;
			}
		}
	}
	blk[fill++] = 0x80;
	if (fill > 56) {
		memset(blk + fill, 0, 64 - fill);
		sha1_block(h, blk);
		fill = 0;
	}
	memset(blk + fill, 0, 56 - fill);
	uint64_t bits = (uint64_t)total * 8u;
	for (unsigned i = 0; i < 8; i++)
		blk[56 + i] = (uint8_t)(bits >> (56 - 8 * i));
	sha1_block(h, blk);
	for (unsigned i = 0; i < 5; i++) {
		out[4 * i] = (uint8_t)(h[i] >> 24);
		out[4 * i + 1] = (uint8_t)(h[i] >> 16);
		out[4 * i + 2] = (uint8_t)(h[i] >> 8);
		out[4 * i + 3] = (uint8_t)h[i];
	}
}

void zone_denial_nsec3_hash(const struct zone_dnssec *d, const uint8_t *name_lc, size_t len,
                            uint8_t out[ZONE_NSEC3_HASH_LEN])
{
	/* RFC 5155 section 5: IH(salt, x, 0) = H(x || salt),
	 * IH(salt, x, k) = H(IH(salt, x, k - 1) || salt). */
	sha1_two(name_lc, len, d->salt, d->salt_len, out);
	for (unsigned i = 0; i < d->iterations; i++) {
		uint8_t prev[ZONE_NSEC3_HASH_LEN];
		memcpy(prev, out, sizeof(prev));
		sha1_two(prev, sizeof(prev), d->salt, d->salt_len, out);
	}
}

uint32_t zone_denial_nsec3_find(const struct zone_dnssec *d,
                                const uint8_t hash[ZONE_NSEC3_HASH_LEN])
{
	/* The last entry whose hash is <= hash; none: the last entry, whose range wraps
	 * around to the first hash (RFC 5155 section 3.1.7). */
	size_t lo = 0, hi = d->n_nsec3;
	int c0 = memcmp(d->nsec3[0].hash, hash, ZONE_NSEC3_HASH_LEN);
	if (c0 > 0)
		return (uint32_t)(d->n_nsec3 - 1) | ZONE_SEC_COVER;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(d->nsec3[mid].hash, hash, ZONE_NSEC3_HASH_LEN) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	bool is_match = memcmp(d->nsec3[lo].hash, hash, ZONE_NSEC3_HASH_LEN) == 0;
	return (uint32_t)lo | (is_match ? 0u : ZONE_SEC_COVER);
}
