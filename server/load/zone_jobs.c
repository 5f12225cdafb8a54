/* SPDX-License-Identifier: MIT
 * zone_jobs.c -- the zone files of a configuration loaded several at a time
 * (zone_jobs.h): one thread per CPU (at most JOB_THREADS), each taking the next zone
 * in configuration order, loading it with the caller's function into an arena and a diag
 * of its own. Nothing is shared between the threads but the index of the next zone. */
#include <config.h>

#include "server/load/zone_jobs.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#include "server/base/dname.h"
#include "server/base/xalloc.h"

/* More threads than this gain nothing on the machines geosteer runs on. */
#define JOB_THREADS 8

struct zone_job {
	size_t zone; /* index into cfg->zones */
	struct arena *a;
	struct diag d;
	const struct zone *z;
	int rc;
	bool taken;
};

struct zone_jobs {
	const struct cfg *cfg;
	zone_jobs_load_fn load;
	struct zone_job *v;
	size_t n;
	size_t *job_of; /* per configured zone: job index + 1, 0 for none */
	atomic_size_t next;
};

static void *worker(void *arg)
{
	struct zone_jobs *js = arg;
	for (;;) {
		size_t i = atomic_fetch_add(&js->next, 1);
		if (i >= js->n)
			return NULL;
		struct zone_job *j = &js->v[i];
		j->rc = js->load(js->cfg, j->zone, j->a, &j->d, &j->z);
	}
}

struct zone_jobs *zone_jobs_run(const struct cfg *cfg, zone_jobs_load_fn load)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	if (cfg->n_zones < 2 || cpus < 2)
		return NULL;
	size_t *job_of = xcalloc(cfg->n_zones, sizeof(*job_of));
	size_t n = 0;
	for (size_t i = 0; i < cfg->n_zones; i++) {
		bool repeat = false;
		for (size_t k = 0; k < i && !repeat; k++)
			repeat = dname_equal(cfg->zones[k].name, cfg->zones[i].name);
		if (!repeat && !cfg->zones[i].dnssec.enabled)
			job_of[i] = ++n;
	}
	if (n < 2) {
		free(job_of);
		return NULL;
	}
	struct zone_jobs *js = xcalloc(1, sizeof(*js));
	js->cfg = cfg;
	js->load = load;
	js->job_of = job_of;
	js->n = n;
	js->v = xcalloc(n, sizeof(*js->v));
	for (size_t i = 0; i < cfg->n_zones; i++) {
		if (!job_of[i])
			continue;
		struct zone_job *j = &js->v[job_of[i] - 1];
		j->zone = i;
		j->a = arena_new();
		diag_init(&j->d);
	}
	atomic_init(&js->next, 0);
	size_t n_threads = (size_t)cpus < n ? (size_t)cpus : n;
	if (n_threads > JOB_THREADS)
		n_threads = JOB_THREADS;
	pthread_t t[JOB_THREADS];
	size_t started = 0;
	/* This thread is one of them; if no other can start, it loads them all. */
	for (size_t k = 1; k < n_threads; k++)
		if (pthread_create(&t[started], NULL, worker, js) == 0)
			started++;
	(void)worker(js);
	for (size_t k = 0; k < started; k++)
		pthread_join(t[k], NULL);
	return js;
}

bool zone_jobs_take(struct zone_jobs *js, size_t i, struct arena *a, struct diag *d,
                    const struct zone **out, int *rc)
{
	if (!js || i >= js->cfg->n_zones || !js->job_of[i])
		return false;
	struct zone_job *j = &js->v[js->job_of[i] - 1];
	if (j->taken)
		return false;
	diag_append(d, &j->d);
	arena_adopt(a, j->a);
	j->a = NULL;
	j->taken = true;
	*out = j->z;
	*rc = j->rc;
	return true;
}

void zone_jobs_free(struct zone_jobs *js)
{
	if (!js)
		return;
	for (size_t i = 0; i < js->n; i++) {
		arena_destroy(js->v[i].a);
		diag_free(&js->v[i].d);
	}
	free(js->v);
	free(js->job_of);
	free(js);
}
