/* SPDX-License-Identifier: MIT
 * chaos.h -- the CHAOS class server-identity names: TXT id.server. and hostname.bind.
 * answered with the configured identity. Worker threads; no allocation. */
#ifndef GS_CHAOS_H
#define GS_CHAOS_H

#include <stdbool.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/query/render.h"

/* True when qname_lc (lowercase wire) is id.server. or hostname.bind. */
bool chaos_is_identity_name(const uint8_t *qname_lc) GS_NONNULL;

/* Appends the answer record: owner qname as the client spelt it, class CH, TTL 0 (the
 * identity says which server answered, so no cache should keep it), TXT with one
 * character-string holding identity (at most 255 bytes, RFC 1035 3.3.14). */
void chaos_render(struct render *r, const uint8_t *qname, const uint8_t *identity,
                  uint8_t identity_len) GS_NONNULL;

#endif
