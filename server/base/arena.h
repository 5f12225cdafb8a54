/* SPDX-License-Identifier: MIT
 * arena.h -- a bump allocator: everything a snapshot owns is carved from one arena and
 * freed with one arena_destroy() after the RCU grace period. Load path only; an arena
 * is written by one thread and read-only once published. */
#ifndef GS_ARENA_H
#define GS_ARENA_H

#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"

struct arena;

/* Returns a new, empty arena (never NULL). */
struct arena *arena_new(void) GS_WUR;
/* Frees every block of a; accepts NULL. */
void arena_destroy(struct arena *a);
/* Returns size bytes aligned to 16, zeroed; valid until arena_destroy(). Never NULL. */
void *arena_alloc(struct arena *a, size_t size) GS_NONNULL GS_WUR;
void *arena_memdup(struct arena *a, const void *p, size_t size) GS_NONNULL GS_WUR;
char *arena_strdup(struct arena *a, const char *s) GS_NONNULL GS_WUR;
/* Bytes handed out so far (for memory reports). */
size_t arena_used(const struct arena *a) GS_NONNULL;

#endif
