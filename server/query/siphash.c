/* SPDX-License-Identifier: MIT
 * siphash.c -- SipHash-2-4, written from the algorithm's description in the paper
 * (section 2): four 64-bit words of state initialised from the key and four constants,
 * two SipRounds per 8-byte message word, a last word holding the remaining bytes and
 * the length, then four finalisation rounds. Any thread; no state. */
#include "server/query/siphash.h"

#include <endian.h>
#include <string.h>

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64u - b));
}

/* Little-endian 64-bit load (the paper reads the key and message words that way). */
static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return le64toh(v);
}

/* One SipRound: add-rotate-xor over the four state words. */
#define SIP_ROUND(v0, v1, v2, v3)                                                                  \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = rotl(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = rotl(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = rotl(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = rotl(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = rotl(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = rotl(v2, 32);                                                                 \
	} while (0)

uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len)
{
	const uint8_t *m = data;
	uint64_t k0 = load_le64(key), k1 = load_le64(key + 8);
	/* The constants spell "somepseudorandomlygeneratedbytes" in ASCII. */
	uint64_t v0 = k0 ^ 0x736f6d6570736575ull;
	uint64_t v1 = k1 ^ 0x646f72616e646f6dull;
	uint64_t v2 = k0 ^ 0x6c7967656e657261ull;
	uint64_t v3 = k1 ^ 0x7465646279746573ull;

	size_t whole = len & ~(size_t)7;
	for (size_t i = 0; i < whole; i += 8) {
		uint64_t w = load_le64(m + i);
		v3 ^= w;
		SIP_ROUND(v0, v1, v2, v3);
		SIP_ROUND(v0, v1, v2, v3);
		v0 ^= w;
	}
	/* Last word: the 0 to 7 remaining bytes, the length modulo 256 in the top byte. */
	uint64_t tail = 0;
	if (len > whole)
		memcpy(&tail, m + whole, len - whole);
	uint64_t last = le64toh(tail) | (uint64_t)(len & 0xffu) << 56;
	v3 ^= last;
	SIP_ROUND(v0, v1, v2, v3);
	SIP_ROUND(v0, v1, v2, v3);
	v0 ^= last;

	v2 ^= 0xff;
	for (unsigned r = 0; r < 4; r++)
		SIP_ROUND(v0, v1, v2, v3);
	return v0 ^ v1 ^ v2 ^ v3;
}
