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
/* Moves every block of src into a (which frees them with its own), then frees src:
 * what was carved from src stays valid as long as a. For arenas filled by other
 * threads (a zone loaded in parallel) once those threads are done. */
void arena_adopt(struct arena *a, struct arena *src) GS_NONNULLX(1);
/* Bytes handed out so far (for memory reports). */
size_t arena_used(const struct arena *a) GS_NONNULL;

#endif
