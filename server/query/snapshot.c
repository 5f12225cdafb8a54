/* SPDX-License-Identifier: MIT
 * snapshot.c -- publishes the immutable struct snapshot to the workers with
 * liburcu-qsbr and frees the one it replaces once no worker can hold it (building one
 * is server/load/snapshot_build.c). snapshot_publish runs on the main or reloading
 * thread; snapshot_current runs on worker threads, inside their RCU read-side (online)
 * periods. */
#include <config.h>

#include "server/query/snapshot.h"

#include <stdio.h>
#include <urcu-qsbr.h>

#include "server/health/health.h"

/* The published snapshot. Written only by snapshot_publish (one writer thread); read by
 * workers through rcu_dereference. */
static struct snapshot *g_current;
/* Generation of the last published snapshot; writer thread only. */
static uint64_t g_last_generation;

uint64_t snapshot_next_generation(void)
{
	return g_last_generation + 1;
}

void snapshot_free(struct snapshot *s)
{
	if (!s)
		return;
	if (s->resign)
		s->free_resign(s->resign);
	health_table_free(s->health);
	if (s->maps)
		s->drop_maps(s->maps);
	/* The struct itself lives in its own arena. */
	arena_destroy(s->arena);
}

const struct snapshot *snapshot_current(void)
{
	return rcu_dereference(g_current);
}

void snapshot_publish(struct snapshot *next)
{
	if (next)
		g_last_generation = next->generation;
	struct snapshot *old = rcu_xchg_pointer(&g_current, next);
	/* After this every worker has passed a quiescent state (or was offline), so none
	 * can still hold a pointer into old. The calling thread must not be an online
	 * RCU reader itself, or this would wait for itself forever. */
	synchronize_rcu();
	snapshot_free(old);
}

void snapshot_took_text(const struct snapshot *s, char *buf, size_t cap)
{
	if (!cap)
		return;
	buf[0] = 0;
	if (s->steer || s->maps)
		snprintf(buf, cap, " (zone files %.3f s, steering %.3f s)", s->zones_s, s->steer_s);
}

size_t snapshot_count_records(const struct snapshot *s)
{
	size_t n = 0;
	for (size_t i = 0; i < s->zones.n; i++)
		n += s->zones.zones[i]->n_records;
	return n;
}
