/* SPDX-License-Identifier: MIT
 * steer_count.c -- the registry of steered-answer counter slots by (service,
 * datacenter) name, the contexts' chunk tables, and their sum for the metrics endpoint.
 * Load, metrics and start-up threads under one mutex; the query path only calls the
 * inline steer_count_add. */
#include "server/query/steer_count.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

#define MAX_SLOTS (STEER_COUNT_CHUNKS * STEER_COUNT_PER_CHUNK)

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

/* Slot i is named "SERVICE\0DC" in names[i]; hash: open addressing over slot + 1. */
static char **names;
static size_t n_slots, cap_slots;
static uint32_t *hash;
static size_t hash_mask; /* hash has hash_mask + 1 entries, or none */

static struct steer_counts **ctxs;
static size_t n_ctxs;

static uint32_t name_hash(const char *svc, const char *dc)
{
	uint32_t h = 2166136261u;
	for (const char *p = svc; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xffu) * 16777619u;
	for (const char *p = dc; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h;
}

static bool slot_is(size_t i, const char *svc, const char *dc)
{
	const char *n = names[i];
	return strcmp(n, svc) == 0 && strcmp(n + strlen(n) + 1, dc) == 0;
}

static void rehash(void)
{
	size_t cap = hash ? (hash_mask + 1) * 2 : 64;
	free(hash);
	hash = xcalloc(cap, sizeof(*hash));
	hash_mask = cap - 1;
	for (size_t i = 0; i < n_slots; i++) {
		const char *n = names[i];
		size_t at = name_hash(n, n + strlen(n) + 1) & hash_mask;
		while (hash[at])
			at = (at + 1) & hash_mask;
		hash[at] = (uint32_t)i + 1;
	}
}

static struct steer_count_ref ref_of(size_t slot)
{
	return (struct steer_count_ref){
	        .chunk = (uint16_t)(slot / STEER_COUNT_PER_CHUNK),
	        .off = (uint16_t)(slot % STEER_COUNT_PER_CHUNK * STEER_COUNT_CELLS)};
}

struct steer_count_ref steer_count_slot(const char *svc, const char *dc)
{
	pthread_mutex_lock(&mu);
	size_t at = 0;
	if (hash) {
		at = name_hash(svc, dc) & hash_mask;
		for (; hash[at]; at = (at + 1) & hash_mask) {
			if (slot_is(hash[at] - 1, svc, dc)) {
				struct steer_count_ref r = ref_of(hash[at] - 1);
				pthread_mutex_unlock(&mu);
				return r;
			}
		}
	}
	if (n_slots == MAX_SLOTS) {
		/* Full: the last slot counts for every further pair. */
		pthread_mutex_unlock(&mu);
		return ref_of(MAX_SLOTS - 1);
	}
	if (n_slots == cap_slots) {
		cap_slots = cap_slots ? cap_slots * 2 : 16;
		names = xrealloc(names, cap_slots * sizeof(*names));
	}
	size_t ls = strlen(svc), ld = strlen(dc);
	char *n = xmalloc(ls + ld + 2);
	memcpy(n, svc, ls + 1);
	memcpy(n + ls + 1, dc, ld + 1);
	size_t slot = n_slots++;
	names[slot] = n;
	if (!hash || n_slots * 2 > hash_mask + 1) {
		rehash();
	} else {
		while (hash[at])
			at = (at + 1) & hash_mask;
		hash[at] = (uint32_t)slot + 1;
	}
	pthread_mutex_unlock(&mu);
	return ref_of(slot);
}

/* Gives c the chunks for every slot so far. Mutex held. */
static void reserve_one(struct steer_counts *c)
{
	size_t need = (n_slots + STEER_COUNT_PER_CHUNK - 1) / STEER_COUNT_PER_CHUNK;
	for (size_t k = 0; k < need; k++) {
		if (c->chunk[k])
			continue;
		uint64_t *p = xcalloc(STEER_COUNT_PER_CHUNK * STEER_COUNT_CELLS, sizeof(uint64_t));
		__atomic_store_n(&c->chunk[k], p, __ATOMIC_RELEASE);
	}
}

void steer_count_reserve(void)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_ctxs; i++)
		reserve_one(ctxs[i]);
	pthread_mutex_unlock(&mu);
}

void steer_count_attach(struct steer_counts *c)
{
	pthread_mutex_lock(&mu);
	ctxs = xrealloc(ctxs, (n_ctxs + 1) * sizeof(*ctxs));
	ctxs[n_ctxs++] = c;
	reserve_one(c);
	pthread_mutex_unlock(&mu);
}

void steer_count_detach(struct steer_counts *c)
{
	pthread_mutex_lock(&mu);
	for (size_t i = 0; i < n_ctxs; i++) {
		if (ctxs[i] == c) {
			ctxs[i] = ctxs[--n_ctxs];
			break;
		}
	}
	pthread_mutex_unlock(&mu);
	for (size_t k = 0; k < STEER_COUNT_CHUNKS; k++) {
		free(c->chunk[k]);
		c->chunk[k] = NULL;
	}
}

void steer_count_rows(struct steer_count_row **out, size_t *n)
{
	pthread_mutex_lock(&mu);
	struct steer_count_row *rows = xcalloc(n_slots ? n_slots : 1, sizeof(*rows));
	for (size_t i = 0; i < n_slots; i++) {
		const char *nm = names[i];
		rows[i].service = xstrdup(nm);
		rows[i].dc = xstrdup(nm + strlen(nm) + 1);
		struct steer_count_ref r = ref_of(i);
		for (size_t c = 0; c < n_ctxs; c++) {
			const uint64_t *p =
			        __atomic_load_n(&ctxs[c]->chunk[r.chunk], __ATOMIC_ACQUIRE);
			if (!p)
				continue;
			for (unsigned k = 0; k < STEER_COUNT_KINDS; k++) {
				for (unsigned g = 0; g < STEER_COUNT_RULES; g++) {
					uint64_t v =
					        __atomic_load_n(&p[r.off + STEER_COUNT_CELL(k, g)],
					                        __ATOMIC_RELAXED);
					rows[i].n[k] += v;
					rows[i].by_rule[g] += v;
				}
			}
		}
	}
	*out = rows;
	*n = n_slots;
	pthread_mutex_unlock(&mu);
}

void steer_count_rows_free(struct steer_count_row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(rows[i].service);
		free(rows[i].dc);
	}
	free(rows);
}
