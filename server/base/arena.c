/* SPDX-License-Identifier: MIT
 * arena.c -- chunked bump allocator; large requests get a block of their own. */
#include "server/base/arena.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

/* 256 KiB chunks: large enough that a 100k-record zone needs a few hundred mallocs,
 * small enough that a tiny config does not pin megabytes. */
#define ARENA_CHUNK (256u * 1024u)
#define ARENA_ALIGN 16u

struct arena_block {
	struct arena_block *next;
	size_t cap, used;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct arena_block *head;
	size_t used_total;
};

struct arena *arena_new(void)
{
	return xcalloc(1, sizeof(struct arena));
}

void arena_destroy(struct arena *a)
{
	if (!a)
		return;
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *next = b->next;
		free(b);
		b = next;
	}
	free(a);
}

void arena_adopt(struct arena *a, struct arena *src)
{
	if (!src)
		return;
	struct arena_block *first = src->head;
	if (first) {
		/* Behind a's current chunk, which goes on serving arena_alloc. */
		struct arena_block *last = first;
		while (last->next)
			last = last->next;
		if (a->head) {
			last->next = a->head->next;
			a->head->next = first;
		} else {
			a->head = first;
		}
	}
	a->used_total += src->used_total;
	free(src);
}

static struct arena_block *block_new(size_t cap)
{
	struct arena_block *b = xmalloc(sizeof(*b) + cap);
	b->next = NULL;
	b->cap = cap;
	b->used = 0;
	return b;
}

void *arena_alloc(struct arena *a, size_t size)
{
	size_t need = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (need == 0)
		need = ARENA_ALIGN;
	struct arena_block *b = a->head;
	if (!b || b->cap - b->used < need) {
		if (need > ARENA_CHUNK / 4) {
			/* A big object gets its own block behind the current one, so the
			 * current chunk's free space is not wasted. */
			struct arena_block *big = block_new(need);
			big->used = need;
			if (b) {
				big->next = b->next;
				b->next = big;
			} else {
				a->head = big;
			}
			a->used_total += need;
			memset(big->data, 0, need);
			return big->data;
		}
		b = block_new(ARENA_CHUNK);
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += need;
	a->used_total += need;
	memset(p, 0, need);
	return p;
}

void *arena_memdup(struct arena *a, const void *p, size_t size)
{
	void *q = arena_alloc(a, size);
	if (size)
		memcpy(q, p, size);
	return q;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_memdup(a, s, strlen(s) + 1);
}

size_t arena_used(const struct arena *a)
{
	return a->used_total;
}
