/* SPDX-License-Identifier: MIT
 * health.c -- the health table (targets, cells), the rise/fall state machine and the
 * admin overrides (kept in the state file through state_file.c). Load, control and monitor threads;
 * the mutex in struct health serialises them. The state file is rendered under that mutex but
 * written after it is released, so that a slow disk never holds up a probe result or a reader.
 * Workers never call anything here (they read cells through the inline helpers of health.h). */
#include <config.h> /* first: _GNU_SOURCE */
#include "server/health/health.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "server/base/err.h"
#include "server/base/log.h"
#include "server/base/rfile.h"
#include "server/base/timefmt.h"
#include "server/base/xalloc.h"
#include "server/health/state_file.h"

/* Where a cell points: its datacenter (index into dcs), address, target (or -1). */
struct cell_info {
	uint32_t dc;
	int32_t check; /* index into checks, -1 = unchecked */
	int32_t target;
	struct netaddr addr;
};

struct health_table {
	struct health_check **checks; /* owned, each owned */
	size_t n_checks, cap_checks;
	struct health_target *targets; /* owned */
	size_t n_targets, cap_targets;
	struct cell_info *info; /* owned, one per cell */
	_Atomic uint8_t *cells; /* owned, one per cell */
	size_t n_cells, cap_cells;
	char **dcs; /* owned names */
	size_t n_dcs, cap_dcs;
};

struct force_dc {
	char *name; /* owned */
	enum health_force f;
	struct health_force_info info;
};

struct force_addr {
	struct netaddr addr;
	enum health_force f;
	struct health_force_info info;
};

struct health {
	pthread_mutex_t mu; /* protects everything below and the installed table's targets */
	char *state_file;   /* owned or NULL */
	struct force_dc *fdc;
	size_t n_fdc, cap_fdc;
	struct force_addr *faddr;
	size_t n_faddr, cap_faddr;
	struct health_table *cur;     /* borrowed: the caller owns installed tables */
	void (*on_change)(void *arg); /* health_on_change */
	void *on_change_arg;
	int wake_fd;       /* eventfd: a force changed (health_wake_fd), or -1 */
	bool dropped;      /* the state file held expired forces: write it again */
	uint64_t save_gen; /* generation of the last state text rendered */
	/* Writes the rendered texts in order. Its mutex is taken without mu, never under it. */
	struct state_file_saver saver;
};

/* A rendering of the forces (render_locked, under mu) to write once mu is released
 * (save_pending). text is NULL when there is nothing to write. */
struct pending_save {
	char *text;
	size_t len;
	uint64_t gen;
};

/* The info of a force set without one. */
static const struct health_force_info no_info = {.by = -1};

/* ---- Table construction. ---- */

struct health_table *health_table_new(void)
{
	return xcalloc(1, sizeof(struct health_table));
}

static void check_free(struct health_check *c)
{
	if (!c)
		return;
	free(c->name);
	free(c->path);
	free(c->host);
	free(c->expect);
	for (size_t i = 0; i < c->n_command; i++)
		free(c->command[i]);
	free(c->command);
	free(c);
}

void health_table_free(struct health_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_checks; i++)
		check_free(t->checks[i]);
	free(t->checks);
	free(t->targets);
	free(t->info);
	free(t->cells);
	for (size_t i = 0; i < t->n_dcs; i++)
		free(t->dcs[i]);
	free(t->dcs);
	free(t);
}

static bool str_eq(const char *a, const char *b)
{
	if (!a || !b)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Same probe: what is sent and what counts as success. Timing is not compared. */
static bool check_same_probe(const struct health_check *a, const struct health_check *b)
{
	if (a->type != b->type || a->port != b->port || a->tls_verify != b->tls_verify ||
	    !str_eq(a->path, b->path) || !str_eq(a->host, b->host) || a->n_expect != b->n_expect ||
	    a->n_command != b->n_command)
		return false;
	if (a->n_expect && memcmp(a->expect, b->expect, a->n_expect * sizeof(*a->expect)) != 0)
		return false;
	for (size_t i = 0; i < a->n_command; i++) {
		if (!str_eq(a->command[i], b->command[i]))
			return false;
	}
	return true;
}

static bool check_same(const struct health_check *a, const struct health_check *b)
{
	return check_same_probe(a, b) && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->rise == b->rise && a->fall == b->fall;
}

/* Copies cfg into a table-owned check. The configuration reader (config_schema.c) has
 * filled in every default; NULL when cfg lacks a field the probe needs. */
static struct health_check *check_copy(const struct cfg_check *cfg)
{
	bool http = cfg->type == CFG_CHECK_HTTP || cfg->type == CFG_CHECK_HTTPS;
	if (!cfg->name || !cfg->name[0])
		return NULL;
	if (cfg->type == CFG_CHECK_EXEC && (cfg->n_command == 0 || !cfg->command[0]))
		return NULL;
	if ((cfg->type == CFG_CHECK_TCP || http) && (cfg->port == 0 || cfg->port > 65535))
		return NULL;
	if (http && (!cfg->path || cfg->path[0] != '/' || cfg->n_expect == 0))
		return NULL;
	if (cfg->interval_ms == 0 || cfg->timeout_ms == 0 || cfg->rise == 0 || cfg->fall == 0)
		return NULL;
	struct health_check *c = xcalloc(1, sizeof(*c));
	c->name = xstrdup(cfg->name);
	c->type = cfg->type;
	c->port = cfg->port;
	if (http) {
		c->path = xstrdup(cfg->path);
		if (cfg->host && cfg->host[0])
			c->host = xstrdup(cfg->host);
	}
	if (cfg->n_expect > 0) {
		c->expect = xmalloc(cfg->n_expect * sizeof(*c->expect));
		memcpy(c->expect, cfg->expect, cfg->n_expect * sizeof(*c->expect));
		c->n_expect = cfg->n_expect;
	}
	if (cfg->type == CFG_CHECK_EXEC) {
		c->n_command = cfg->n_command;
		c->command = xcalloc(cfg->n_command + 1, sizeof(char *));
		for (size_t i = 0; i < cfg->n_command; i++)
			c->command[i] = xstrdup(cfg->command[i] ? cfg->command[i] : "");
	}
	c->interval_ms = cfg->interval_ms;
	c->timeout_ms = cfg->timeout_ms;
	c->rise = cfg->rise;
	c->fall = cfg->fall;
	c->tls_verify = cfg->tls_verify;
	return c;
}

static bool dc_name_ok(const char *dc)
{
	if (!dc[0] || strlen(dc) >= sizeof(((struct health_entry *)0)->dc))
		return false;
	for (const char *p = dc; *p; p++) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '#')
			return false;
	}
	return true;
}

static bool addr_eq(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

#define GROW(arr, n, cap)                                                                          \
	do {                                                                                       \
		if ((n) == (cap)) {                                                                \
			(cap) = (cap) ? (cap)*2 : 8;                                               \
			(arr) = xrealloc((arr), (cap) * sizeof(*(arr)));                           \
		}                                                                                  \
	} while (0)

int health_table_add_cell(struct health_table *t, const char *dc, const struct netaddr *addr,
                          const struct cfg_check *check, uint32_t *idx)
{
	if (!dc_name_ok(dc) || (addr->family != AF_INET && addr->family != AF_INET6))
		return GS_EINVAL;
	if (t->n_cells >= INT32_MAX)
		return GS_ERANGE;
	int32_t ci = -1;
	if (check) {
		for (size_t i = 0; i < t->n_checks; i++) {
			if (str_eq(t->checks[i]->name, check->name)) {
				ci = (int32_t)i;
				break;
			}
		}
		struct health_check *copy = check_copy(check);
		if (!copy)
			return GS_EINVAL;
		if (ci >= 0) {
			bool same = check_same(copy, t->checks[ci]);
			check_free(copy);
			if (!same)
				return GS_EEXIST;
		} else {
			GROW(t->checks, t->n_checks, t->cap_checks);
			ci = (int32_t)t->n_checks;
			t->checks[t->n_checks++] = copy;
		}
	}
	uint32_t di = 0;
	while (di < t->n_dcs && strcmp(t->dcs[di], dc) != 0)
		di++;
	/* Linear scans: tables have hundreds of cells and are built once per load. */
	for (size_t i = 0; i < t->n_cells; i++) {
		const struct cell_info *c = &t->info[i];
		if (c->dc == di && c->check == ci && addr_eq(&c->addr, addr)) {
			*idx = (uint32_t)i;
			return GS_OK;
		}
	}
	if (di == t->n_dcs) {
		GROW(t->dcs, t->n_dcs, t->cap_dcs);
		t->dcs[t->n_dcs++] = xstrdup(dc);
	}
	int32_t ti = -1;
	if (ci >= 0) {
		for (size_t i = 0; i < t->n_targets; i++) {
			if (t->targets[i].check == t->checks[ci] &&
			    addr_eq(&t->targets[i].addr, addr)) {
				ti = (int32_t)i;
				break;
			}
		}
		if (ti < 0) {
			GROW(t->targets, t->n_targets, t->cap_targets);
			struct health_target *tg = &t->targets[t->n_targets];
			memset(tg, 0, sizeof(*tg));
			tg->check = t->checks[ci];
			tg->addr = *addr;
			netaddr_format(addr, tg->addr_text);
			tg->up = true;
			tg->initial = true;
			tg->fleet = -1;
			tg->since = time(NULL);
			snprintf(tg->last_result, sizeof(tg->last_result), "no result yet");
			ti = (int32_t)t->n_targets++;
		}
	}
	if (t->n_cells == t->cap_cells) {
		t->cap_cells = t->cap_cells ? t->cap_cells * 2 : 16;
		t->info = xrealloc(t->info, t->cap_cells * sizeof(*t->info));
		t->cells = xrealloc(t->cells, t->cap_cells * sizeof(*t->cells));
	}
	t->info[t->n_cells] =
	        (struct cell_info){.dc = di, .check = ci, .target = ti, .addr = *addr};
	/* Before installation nobody reads the cell: plain initialisation is enough. */
	atomic_init(&t->cells[t->n_cells],
	            (uint8_t)(HEALTH_CELL_UP |
	                      (ci >= 0 ? HEALTH_CELL_CHECKED | HEALTH_CELL_INITIAL : 0)));
	*idx = (uint32_t)t->n_cells++;
	return GS_OK;
}

_Atomic uint8_t *health_table_cells(struct health_table *t)
{
	return t->cells;
}

size_t health_table_n_cells(const struct health_table *t)
{
	return t->n_cells;
}

size_t health_table_n_targets(const struct health_table *t)
{
	return t->n_targets;
}

struct health_target *health_table_target(struct health_table *t, size_t i)
{
	return i < t->n_targets ? &t->targets[i] : NULL;
}

size_t health_table_carry_over(struct health_table *dst, const struct health_table *src)
{
	size_t n = 0;
	for (size_t i = 0; i < dst->n_targets; i++) {
		struct health_target *d = &dst->targets[i];
		for (size_t j = 0; j < src->n_targets; j++) {
			const struct health_target *s = &src->targets[j];
			if (!str_eq(d->check->name, s->check->name) ||
			    !addr_eq(&d->addr, &s->addr) || !check_same_probe(d->check, s->check))
				continue;
			d->up = s->up;
			d->initial = s->initial;
			d->n_ok = s->n_ok;
			d->n_fail = s->n_fail;
			d->n_checks = s->n_checks;
			d->since = s->since;
			d->last_check = s->last_check;
			d->fleet = s->fleet;
			memcpy(d->last_result, s->last_result, sizeof(d->last_result));
			n++;
			break;
		}
	}
	return n;
}

/* ---- Forces and cells (callers hold h->mu). ---- */

static enum health_force dc_force(const struct health *h, const char *dc)
{
	for (size_t i = 0; i < h->n_fdc; i++) {
		if (strcmp(h->fdc[i].name, dc) == 0)
			return h->fdc[i].f;
	}
	return HEALTH_FORCE_AUTO;
}

static enum health_force addr_force(const struct health *h, const struct netaddr *a)
{
	for (size_t i = 0; i < h->n_faddr; i++) {
		if (addr_eq(&h->faddr[i].addr, a))
			return h->faddr[i].f;
	}
	return HEALTH_FORCE_AUTO;
}

static struct health_force_info addr_force_info(const struct health *h, const struct netaddr *a)
{
	for (size_t i = 0; i < h->n_faddr; i++) {
		if (addr_eq(&h->faddr[i].addr, a))
			return h->faddr[i].info;
	}
	return no_info;
}

/* The effective state of cell i: datacenter force, else address force, else monitor. */
static uint8_t cell_value(const struct health *h, const struct health_table *t, size_t i)
{
	const struct cell_info *c = &t->info[i];
	uint8_t checked = c->target >= 0 ? HEALTH_CELL_CHECKED : 0;
	enum health_force f = dc_force(h, t->dcs[c->dc]);
	if (f == HEALTH_FORCE_AUTO)
		f = addr_force(h, &c->addr);
	if (f != HEALTH_FORCE_AUTO)
		return (uint8_t)((f == HEALTH_FORCE_UP ? HEALTH_CELL_UP : 0) | HEALTH_CELL_FORCED |
		                 checked);
	if (c->target < 0)
		return HEALTH_CELL_UP;
	const struct health_target *tg = &t->targets[c->target];
	if (tg->fleet >= 0) /* the fleet's verdict over this node's own result */
		return (uint8_t)((tg->fleet ? HEALTH_CELL_UP : 0) | HEALTH_CELL_FLEET | checked);
	return (uint8_t)((tg->up ? HEALTH_CELL_UP : 0) | (tg->initial ? HEALTH_CELL_INITIAL : 0) |
	                 checked);
}

/* Recomputes the cells of target ti (all cells when ti < 0). */
static void cells_update(const struct health *h, struct health_table *t, long ti)
{
	bool changed = false;
	for (size_t i = 0; i < t->n_cells; i++) {
		if (ti >= 0 && t->info[i].target != ti)
			continue;
		/* Relaxed is enough: each byte is a complete state on its own, and workers
		 * need no ordering with anything else we write. */
		uint8_t v = cell_value(h, t, i);
		if (atomic_exchange_explicit(&t->cells[i], v, memory_order_relaxed) != v)
			changed = true;
	}
	/* health_on_change: after every cell is written, so that what it wakes sees the
	 * whole change. */
	if (changed && h->on_change)
		h->on_change(h->on_change_arg);
}

void health_on_change(struct health *h, void (*fn)(void *arg), void *arg)
{
	pthread_mutex_lock(&h->mu);
	h->on_change = fn;
	h->on_change_arg = arg;
	pthread_mutex_unlock(&h->mu);
}

int health_new(const char *state_file, struct diag *d, struct health **out)
{
	struct health *h = xcalloc(1, sizeof(*h));
	pthread_mutex_init(&h->mu, NULL);
	state_file_saver_init(&h->saver);
	h->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	*out = h;
	if (!state_file)
		return GS_OK;
	h->state_file = xstrdup(state_file);
	/* Only a regular file is read, and opening it never waits (rfile.h). */
	char *text = NULL;
	size_t len = 0;
	const char *why;
	if (rfile_read(state_file, STATE_FILE_MAX, &text, &len, NULL, &why) != 0) {
		if (errno == ENOENT)
			return GS_OK;
		diag_err(d, (struct srcpos){state_file, 0}, "cannot read state file: %s", why);
		return GS_EIO;
	}
	health_load_state_text(h, h->state_file, text, d);
	free(text);
	return GS_OK;
}

void health_free(struct health *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->n_fdc; i++)
		free(h->fdc[i].name);
	free(h->fdc);
	free(h->faddr);
	free(h->state_file);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	state_file_saver_destroy(&h->saver);
	pthread_mutex_destroy(&h->mu);
	free(h);
}

struct health_table *health_install(struct health *h, struct health_table *t)
{
	pthread_mutex_lock(&h->mu);
	struct health_table *old = h->cur;
	if (t && old && t != old) {
		size_t n = health_table_carry_over(t, old);
		log_debug("health: %zu of %zu monitored targets keep their state", n, t->n_targets);
	}
	h->cur = t;
	if (t)
		cells_update(h, t, -1);
	pthread_mutex_unlock(&h->mu);
	return old == t ? NULL : old;
}

void health_fleet_visit(struct health *h, void (*fn)(void *arg, struct health_target *tg),
                        void *arg)
{
	pthread_mutex_lock(&h->mu);
	struct health_table *t = h->cur;
	bool changed = false;
	for (size_t i = 0; t && i < t->n_targets; i++) {
		int8_t before = t->targets[i].fleet;
		fn(arg, &t->targets[i]);
		changed |= t->targets[i].fleet != before;
	}
	if (changed)
		cells_update(h, t, -1);
	pthread_mutex_unlock(&h->mu);
}

struct health_table *health_installed(struct health *h)
{
	pthread_mutex_lock(&h->mu);
	struct health_table *t = h->cur;
	pthread_mutex_unlock(&h->mu);
	return t;
}

static const char *plural(unsigned n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

bool health_record(struct health *h, struct health_table *t, size_t ti, bool ok, const char *text)
{
	bool changed = false;
	pthread_mutex_lock(&h->mu);
	if (h->cur != t || ti >= t->n_targets)
		goto out;
	struct health_target *tg = &t->targets[ti];
	const struct health_check *c = tg->check;
	bool was_initial = tg->initial;
	snprintf(tg->last_result, sizeof(tg->last_result), "%s", text);
	tg->last_check = time(NULL);
	tg->n_checks++;
	tg->initial = false;
	if (ok) {
		tg->n_fail = 0;
		if (tg->n_ok < UINT_MAX)
			tg->n_ok++;
		if (!tg->up && tg->n_ok >= c->rise) {
			tg->up = true;
			changed = true;
			log_info("health: %s %s up after %u %s: %s", c->name, tg->addr_text,
			         tg->n_ok, plural(tg->n_ok, "success", "successes"), text);
		}
	} else {
		tg->n_ok = 0;
		if (tg->n_fail < UINT_MAX)
			tg->n_fail++;
		if (tg->up && tg->n_fail >= c->fall) {
			tg->up = false;
			changed = true;
			log_warn("health: %s %s down after %u %s: %s", c->name, tg->addr_text,
			         tg->n_fail, plural(tg->n_fail, "failure", "failures"), text);
		}
	}
	if (changed)
		tg->since = tg->last_check;
	if (changed || was_initial)
		cells_update(h, t, (long)ti);
out:
	pthread_mutex_unlock(&h->mu);
	return changed;
}

/* ---- Forces. ---- */

int health_force_parse(const char *text, enum health_force *out)
{
	if (strcmp(text, "up") == 0)
		*out = HEALTH_FORCE_UP;
	else if (strcmp(text, "down") == 0)
		*out = HEALTH_FORCE_DOWN;
	else if (strcmp(text, "auto") == 0)
		*out = HEALTH_FORCE_AUTO;
	else
		return GS_EINVAL;
	return GS_OK;
}

const char *health_force_name(enum health_force f)
{
	switch (f) {
	case HEALTH_FORCE_UP:
		return "up";
	case HEALTH_FORCE_DOWN:
		return "down";
	case HEALTH_FORCE_AUTO:
		break;
	}
	return "auto";
}

/* True when a and b say the same but for the time they were set. */
static bool same_info(const struct health_force_info *a, const struct health_force_info *b)
{
	return a->by == b->by && a->until == b->until && strcmp(a->reason, b->reason) == 0 &&
	       strcmp(a->node, b->node) == 0;
}

/* Sets (or with AUTO removes) a datacenter force with its info; returns true when it
 * changed. *old gets the force that was there (AUTO when none) and its info. */
static bool set_dc_force(struct health *h, const char *dc, enum health_force f,
                         const struct health_force_info *info, enum health_force *old_f,
                         struct health_force_info *old)
{
	*old_f = HEALTH_FORCE_AUTO;
	*old = no_info;
	for (size_t i = 0; i < h->n_fdc; i++) {
		if (strcmp(h->fdc[i].name, dc) != 0)
			continue;
		*old_f = h->fdc[i].f;
		*old = h->fdc[i].info;
		if (h->fdc[i].f == f &&
		    (f == HEALTH_FORCE_AUTO || same_info(&h->fdc[i].info, info)))
			return false;
		if (f == HEALTH_FORCE_AUTO) {
			free(h->fdc[i].name);
			memmove(&h->fdc[i], &h->fdc[i + 1], (h->n_fdc - i - 1) * sizeof(*h->fdc));
			h->n_fdc--;
		} else {
			h->fdc[i].f = f;
			h->fdc[i].info = *info;
		}
		return true;
	}
	if (f == HEALTH_FORCE_AUTO)
		return false;
	GROW(h->fdc, h->n_fdc, h->cap_fdc);
	h->fdc[h->n_fdc++] = (struct force_dc){xstrdup(dc), f, *info};
	return true;
}

static bool set_addr_force(struct health *h, const struct netaddr *a, enum health_force f,
                           const struct health_force_info *info, enum health_force *old_f,
                           struct health_force_info *old)
{
	*old_f = HEALTH_FORCE_AUTO;
	*old = no_info;
	for (size_t i = 0; i < h->n_faddr; i++) {
		if (!addr_eq(&h->faddr[i].addr, a))
			continue;
		*old_f = h->faddr[i].f;
		*old = h->faddr[i].info;
		if (h->faddr[i].f == f &&
		    (f == HEALTH_FORCE_AUTO || same_info(&h->faddr[i].info, info)))
			return false;
		if (f == HEALTH_FORCE_AUTO) {
			memmove(&h->faddr[i], &h->faddr[i + 1],
			        (h->n_faddr - i - 1) * sizeof(*h->faddr));
			h->n_faddr--;
		} else {
			h->faddr[i].f = f;
			h->faddr[i].info = *info;
		}
		return true;
	}
	if (f == HEALTH_FORCE_AUTO)
		return false;
	GROW(h->faddr, h->n_faddr, h->cap_faddr);
	h->faddr[h->n_faddr++] = (struct force_addr){*a, f, *info};
	return true;
}

/* Tells a waiter for the next expiry to look again. */
static void wake(struct health *h)
{
	if (h->wake_fd >= 0)
		(void)eventfd_write(h->wake_fd, 1);
}

/* Appends the formatted text to buf (cap bytes) after what it holds, with a blank
 * between. */
static void append(char *buf, size_t cap, const char *fmt, ...) GS_PRINTF(3, 4);
static void append(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	if (len > 0 && len + 1 < cap) {
		buf[len++] = ' ';
		buf[len] = '\0';
	}
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

const char *health_force_info_text(const struct health_force_info *info, time_t now, char *buf,
                                   size_t cap)
{
	char t[TIMEFMT_UTC_MAX];
	buf[0] = '\0';
	if (info->by >= 0)
		append(buf, cap, "by uid %lld", info->by);
	if (info->node[0])
		append(buf, cap, "on node %s", info->node);
	if (info->at) {
		timefmt_utc(info->at, t);
		append(buf, cap, "at %s", t);
	}
	if (info->until) {
		timefmt_utc(info->until, t);
		append(buf, cap, "until %s (%lld s left)", t,
		       (long long)(info->until > now ? info->until - now : 0));
	} else {
		append(buf, cap, "%s", "no expiry");
	}
	if (info->reason[0])
		append(buf, cap, "reason: %s", info->reason);
	return buf;
}

/* "datacenter NAME" or "address ADDRESS", for the log. */
static void what_text(const char *dc, const struct netaddr *a, char *buf, size_t cap)
{
	char text[NETADDR_TEXT_MAX];
	if (dc) {
		snprintf(buf, cap, "datacenter %s", dc);
	} else {
		netaddr_format(a, text);
		snprintf(buf, cap, "address %s", text);
	}
}

/* Logs a force change of what (datacenter or address). */
static void log_change(const char *dc, const struct netaddr *a, enum health_force f,
                       const struct health_force_info *info, enum health_force old_f,
                       const struct health_force_info *old)
{
	char what[96], now_text[512], old_text[512];
	time_t now = time(NULL);
	what_text(dc, a, what, sizeof(what));
	health_force_info_text(info, now, now_text, sizeof(now_text));
	if (f != HEALTH_FORCE_AUTO) {
		log_info("health: %s forced %s %s", what, health_force_name(f), now_text);
		return;
	}
	health_force_info_text(old, now, old_text, sizeof(old_text));
	if (info->by >= 0)
		log_info("health: %s forced auto by uid %lld: removed the force %s (%s)", what,
		         info->by, health_force_name(old_f), old_text);
	else
		log_info("health: %s forced auto: removed the force %s (%s)", what,
		         health_force_name(old_f), old_text);
}

static bool table_has_dc(const struct health_table *t, const char *dc)
{
	for (size_t i = 0; t && i < t->n_dcs; i++) {
		if (strcmp(t->dcs[i], dc) == 0)
			return true;
	}
	return false;
}

static bool table_has_addr(const struct health_table *t, const struct netaddr *a)
{
	for (size_t i = 0; t && i < t->n_cells; i++) {
		if (addr_eq(&t->info[i].addr, a))
			return true;
	}
	return false;
}

static struct pending_save render_locked(struct health *h);
static int save_pending(struct health *h, struct pending_save *ps);

/* health_force_dc_info (dc set, addr NULL) and health_force_addr_info (dc NULL). */
static int force_set(struct health *h, const char *dc, const struct netaddr *addr,
                     enum health_force f, const struct health_force_info *info)
{
	int rc = GS_OK;
	struct pending_save ps = {0};
	if (!info)
		info = &no_info;
	pthread_mutex_lock(&h->mu);
	bool known = dc ? table_has_dc(h->cur, dc) : table_has_addr(h->cur, addr);
	if (!known && (f != HEALTH_FORCE_AUTO ||
	               (dc ? dc_force(h, dc) : addr_force(h, addr)) == HEALTH_FORCE_AUTO)) {
		rc = GS_ENOENT;
		goto out;
	}
	enum health_force old_f;
	struct health_force_info old;
	bool changed = dc ? set_dc_force(h, dc, f, info, &old_f, &old)
	                  : set_addr_force(h, addr, f, info, &old_f, &old);
	if (changed) {
		log_change(dc, addr, f, info, old_f, &old);
		if (h->cur)
			cells_update(h, h->cur, -1);
		ps = render_locked(h);
		wake(h);
	}
out:
	pthread_mutex_unlock(&h->mu);
	if (ps.text)
		rc = save_pending(h, &ps);
	return rc;
}

int health_force_dc_info(struct health *h, const char *dc, enum health_force f,
                         const struct health_force_info *info)
{
	if (!dc_name_ok(dc))
		return GS_EINVAL;
	return force_set(h, dc, NULL, f, info);
}

int health_force_addr_info(struct health *h, const struct netaddr *addr, enum health_force f,
                           const struct health_force_info *info)
{
	return force_set(h, NULL, addr, f, info);
}

int health_force_dc(struct health *h, const char *dc, enum health_force f)
{
	return health_force_dc_info(h, dc, f, NULL);
}

int health_force_addr(struct health *h, const struct netaddr *addr, enum health_force f)
{
	return health_force_addr_info(h, addr, f, NULL);
}

/* Logs that the force of what expired; while_stopped: found so in the state file. */
static void log_expired(const char *dc, const struct netaddr *a, enum health_force f,
                        const struct health_force_info *info, bool while_stopped)
{
	char what[96], text[512];
	what_text(dc, a, what, sizeof(what));
	health_force_info_text(info, info->until, text, sizeof(text));
	log_info("health: %s: the force %s expired%s (%s); back to its checks", what,
	         health_force_name(f), while_stopped ? " while geosteerd was not running" : "",
	         text);
}

time_t health_next_expiry(struct health *h)
{
	time_t next = 0;
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n_fdc; i++)
		if (h->fdc[i].info.until && (!next || h->fdc[i].info.until < next))
			next = h->fdc[i].info.until;
	for (size_t i = 0; i < h->n_faddr; i++)
		if (h->faddr[i].info.until && (!next || h->faddr[i].info.until < next))
			next = h->faddr[i].info.until;
	if (h->dropped && !next)
		next = 1; /* at once: the state file still lists what expired */
	pthread_mutex_unlock(&h->mu);
	return next;
}

size_t health_expire(struct health *h, time_t now)
{
	size_t n = 0;
	struct pending_save ps = {0};
	pthread_mutex_lock(&h->mu);
	for (size_t i = 0; i < h->n_fdc;) {
		struct force_dc *fd = &h->fdc[i];
		if (!fd->info.until || fd->info.until > now) {
			i++;
			continue;
		}
		log_expired(fd->name, NULL, fd->f, &fd->info, false);
		free(fd->name);
		memmove(fd, fd + 1, (h->n_fdc - i - 1) * sizeof(*fd));
		h->n_fdc--;
		n++;
	}
	for (size_t i = 0; i < h->n_faddr;) {
		struct force_addr *fa = &h->faddr[i];
		if (!fa->info.until || fa->info.until > now) {
			i++;
			continue;
		}
		log_expired(NULL, &fa->addr, fa->f, &fa->info, false);
		memmove(fa, fa + 1, (h->n_faddr - i - 1) * sizeof(*fa));
		h->n_faddr--;
		n++;
	}
	if (n && h->cur)
		cells_update(h, h->cur, -1);
	if (n || h->dropped) {
		h->dropped = false;
		ps = render_locked(h);
	}
	pthread_mutex_unlock(&h->mu);
	(void)save_pending(h, &ps); /* a failure is logged; the forces apply all the same */
	return n;
}

int health_wake_fd(const struct health *h)
{
	return h->wake_fd;
}

/* ---- State file. ---- */

/* state_file_parse's callback: takes one force of the file, or drops it (logged) when
 * it expired while nothing ran. Under h->mu. */
static const char *take_force(void *arg, const struct state_force *sf)
{
	struct health *h = arg;
	enum health_force f = sf->is_down ? HEALTH_FORCE_DOWN : HEALTH_FORCE_UP;
	if (sf->dc && !dc_name_ok(sf->dc))
		return "bad datacenter name";
	struct health_force_info info = {
	        .by = sf->by, .at = (time_t)sf->at, .until = (time_t)sf->until};
	if (sf->reason)
		snprintf(info.reason, sizeof(info.reason), "%s", sf->reason);
	if (sf->node)
		snprintf(info.node, sizeof(info.node), "%s", sf->node);
	if (info.until && info.until <= time(NULL)) {
		log_expired(sf->dc, &sf->addr, f, &info, true);
		h->dropped = true;
		return NULL;
	}
	enum health_force old_f;
	struct health_force_info old;
	if (!sf->dc)
		set_addr_force(h, &sf->addr, f, &info, &old_f, &old);
	else
		set_dc_force(h, sf->dc, f, &info, &old_f, &old);
	return NULL;
}

void health_load_state_text(struct health *h, const char *file, const char *text, struct diag *d)
{
	pthread_mutex_lock(&h->mu);
	state_file_parse(file, text, take_force, h, d);
	if (h->cur)
		cells_update(h, h->cur, -1);
	pthread_mutex_unlock(&h->mu);
}

/* Renders the forces as the state file's text, numbered with the next generation. Under
 * h->mu. */
static struct pending_save render_locked(struct health *h)
{
	struct pending_save ps = {0};
	if (!h->state_file)
		return ps;
	size_t n = 0;
	struct state_force *v = xcalloc(h->n_fdc + h->n_faddr + 1, sizeof(*v));
	for (size_t i = 0; i < h->n_fdc; i++) {
		const struct health_force_info *in = &h->fdc[i].info;
		v[n++] = (struct state_force){.dc = h->fdc[i].name,
		                              .is_down = h->fdc[i].f == HEALTH_FORCE_DOWN,
		                              .by = in->by,
		                              .at = in->at,
		                              .until = in->until,
		                              .reason = in->reason,
		                              .node = in->node};
	}
	for (size_t i = 0; i < h->n_faddr; i++) {
		const struct health_force_info *in = &h->faddr[i].info;
		v[n++] = (struct state_force){.addr = h->faddr[i].addr,
		                              .is_down = h->faddr[i].f == HEALTH_FORCE_DOWN,
		                              .by = in->by,
		                              .at = in->at,
		                              .until = in->until,
		                              .reason = in->reason,
		                              .node = in->node};
	}
	ps.text = state_file_render(v, n, &ps.len);
	ps.gen = ++h->save_gen;
	free(v);
	return ps;
}

/* Writes what render_locked rendered, unless a newer rendering has been written already
 * (state_file_save), and frees it. Not under h->mu: a slow disk must not hold up probe
 * results and readers. h->state_file never changes after health_new. */
static int save_pending(struct health *h, struct pending_save *ps)
{
	if (!ps->text)
		return GS_OK;
	int rc = state_file_save(&h->saver, h->state_file, ps->text, ps->len, ps->gen);
	free(ps->text);
	ps->text = NULL;
	return rc;
}

int health_save_state(struct health *h)
{
	pthread_mutex_lock(&h->mu);
	struct pending_save ps = render_locked(h);
	pthread_mutex_unlock(&h->mu);
	return save_pending(h, &ps);
}

/* ---- Listing. ---- */

static int addr_cmp(const struct netaddr *a, const struct netaddr *b)
{
	if (a->family != b->family)
		return a->family == AF_INET ? -1 : 1;
	return memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16);
}

static int target_cmp(const void *pa, const void *pb)
{
	const struct health_target *a = *(const struct health_target *const *)pa;
	const struct health_target *b = *(const struct health_target *const *)pb;
	int c = strcmp(a->check->name, b->check->name);
	return c ? c : addr_cmp(&a->addr, &b->addr);
}

int health_list(struct health *h, struct health_entry **out, size_t *n)
{
	pthread_mutex_lock(&h->mu);
	const struct health_table *t = h->cur;
	size_t nt = t ? t->n_targets : 0;
	size_t cap = nt + h->n_faddr + h->n_fdc;
	struct health_entry *v = xcalloc(cap ? cap : 1, sizeof(*v));
	const struct health_target **sorted = xcalloc(nt ? nt : 1, sizeof(*sorted));
	for (size_t i = 0; i < nt; i++)
		sorted[i] = &t->targets[i];
	qsort(sorted, nt, sizeof(*sorted), target_cmp);
	size_t k = 0;
	for (size_t i = 0; i < nt; i++) {
		const struct health_target *tg = sorted[i];
		struct health_entry *e = &v[k++];
		snprintf(e->check, sizeof(e->check), "%s", tg->check->name);
		memcpy(e->addr, tg->addr_text, sizeof(e->addr));
		e->up = tg->up;
		e->initial = tg->initial;
		e->force = addr_force(h, &tg->addr);
		e->info = addr_force_info(h, &tg->addr);
		memcpy(e->last_result, tg->last_result, sizeof(e->last_result));
		e->since = tg->since;
		e->last_check = tg->last_check;
		e->n_checks = tg->n_checks;
		e->fleet = tg->fleet;
	}
	for (size_t i = 0; i < h->n_faddr; i++) {
		bool monitored = false;
		for (size_t j = 0; j < nt && !monitored; j++)
			monitored = addr_eq(&t->targets[j].addr, &h->faddr[i].addr);
		if (monitored)
			continue;
		struct health_entry *e = &v[k++];
		netaddr_format(&h->faddr[i].addr, e->addr);
		e->up = true;
		e->force = h->faddr[i].f;
		e->info = h->faddr[i].info;
		snprintf(e->last_result, sizeof(e->last_result), "%s",
		         table_has_addr(t, &h->faddr[i].addr) ? "not monitored"
		                                              : "not in the configuration");
	}
	for (size_t i = 0; i < h->n_fdc; i++) {
		struct health_entry *e = &v[k++];
		snprintf(e->dc, sizeof(e->dc), "%s", h->fdc[i].name);
		e->up = true;
		e->force = h->fdc[i].f;
		e->info = h->fdc[i].info;
		snprintf(e->last_result, sizeof(e->last_result), "%s",
		         table_has_dc(t, h->fdc[i].name) ? "datacenter force"
		                                         : "datacenter not in the configuration");
	}
	pthread_mutex_unlock(&h->mu);
	free(sorted);
	*out = v;
	*n = k;
	return GS_OK;
}

const char *health_entry_state(const struct health_entry *e, char *buf, size_t cap)
{
	const char *mon = e->up ? "up" : "down";
	bool has_target = e->check[0] != '\0';
	if (has_target && e->force == HEALTH_FORCE_AUTO && e->fleet >= 0 && e->fleet != e->up) {
		snprintf(buf, cap, "%s (fleet; own check %s)", e->fleet ? "up" : "down", mon);
		return buf;
	}
	if (e->force != HEALTH_FORCE_AUTO && has_target)
		snprintf(buf, cap, "%s (forced; monitor says %s%s)", health_force_name(e->force),
		         mon, e->initial ? ", initial" : "");
	else if (e->force != HEALTH_FORCE_AUTO)
		snprintf(buf, cap, "%s (forced)", health_force_name(e->force));
	else
		snprintf(buf, cap, "%s%s", mon, e->initial ? " (initial)" : "");
	return buf;
}

int health_format(struct health *h, char **out)
{
	struct health_entry *v;
	size_t n;
	int rc = health_list(h, &v, &n);
	if (rc != GS_OK)
		return rc;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	fprintf(f, "%-12s %-26s %-34s %-20s %s\n", "CHECK", "ADDRESS/DC", "STATE", "SINCE", "LAST");
	time_t now = time(NULL);
	for (size_t i = 0; i < n; i++) {
		char state[96], since[TIMEFMT_UTC_MAX];
		timefmt_utc(v[i].since, since);
		const char *what = v[i].dc[0] ? v[i].dc : v[i].addr;
		fprintf(f, "%-12s %-26s %-34s %-20s %s\n", v[i].check[0] ? v[i].check : "-", what,
		        health_entry_state(&v[i], state, sizeof(state)), since, v[i].last_result);
		if (v[i].force != HEALTH_FORCE_AUTO) {
			char info[512];
			fprintf(f, "%-12s force: %s %s\n", "", health_force_name(v[i].force),
			        health_force_info_text(&v[i].info, now, info, sizeof(info)));
		}
	}
	fclose(f);
	free(v);
	*out = text;
	return GS_OK;
}
