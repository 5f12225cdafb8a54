/* SPDX-License-Identifier: MIT
 * zone_signing_impl.h -- private to zones/: what struct zone_signing (zone_signing.h)
 * holds, for zone_load.c, which fills it, and zone_signing.c. */
#ifndef GS_ZONE_SIGNING_IMPL_H
#define GS_ZONE_SIGNING_IMPL_H

#include <stdint.h>

#include "zones/zone_keys.h"

/* Most keys signing one RRset (every ZSK or CSK signs: a rollover has two or three). */
#define ZONE_SIGNING_KEYS_MAX 16

struct zone_signing {
	struct zone_keyset ks; /* owned */
	uint32_t inception, expiration;
};

#endif
