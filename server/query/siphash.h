/* SPDX-License-Identifier: MIT
 * siphash.h -- SipHash-2-4 (Aumasson and Bernstein, "SipHash: a fast short-input
 * PRF", 2012): a keyed 64-bit hash for short inputs. Used for DNS server cookies
 * (RFC 9018 section 4.4). Pure function, any thread. */
#ifndef GS_SIPHASH_H
#define GS_SIPHASH_H

#include <endian.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "server/base/compiler.h"

#define SIPHASH_KEY_LEN 16u

/* SipHash-2-4 of data[0..len) under the 128-bit key. The result is the 64-bit value
 * of the paper; its wire form (as in RFC 9018 and the paper's test vectors) is the
 * little-endian byte order: see siphash24_bytes. */
uint64_t siphash24(const uint8_t key[SIPHASH_KEY_LEN], const void *data, size_t len) GS_NONNULLX(1);

/* Writes the result as eight little-endian bytes. */
static inline void siphash24_bytes(uint8_t out[8], const uint8_t key[SIPHASH_KEY_LEN],
                                   const void *data, size_t len)
{
	uint64_t h = htole64(siphash24(key, data, len));
	memcpy(out, &h, 8);
}

#endif
