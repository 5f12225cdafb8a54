/* SPDX-License-Identifier: MIT
 * steer_resign.c -- the per-snapshot state the signer thread works on (steer_resign.h):
 * signs the up set of a large datacenter after a health change and publishes it in the
 * datacenter's slot, off the query path. */
#include <config.h>

#include "server/load/steer_resign.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <urcu-qsbr.h>

#include "server/base/dname.h"
#include "server/base/dns.h"
#include "server/base/log.h"
#include "server/base/mono.h"
#include "server/base/xalloc.h"
#include "server/health/health.h"

static const uint16_t rr_type[STEER_N_TYPES] = {DNS_TYPE_A, DNS_TYPE_AAAA};
static const uint16_t rr_len[STEER_N_TYPES] = {4, 16};

/* One datacenter's addresses of one type at one steered name. */
struct entry {
	const struct zone *z;
	const struct zone_signing *g;
	const uint8_t *owner;
	const struct steer_dc *dc;
	enum steer_type ty;
	uint32_t ttl;
	const struct steer_sigs *sg;
};

/* What a slot points to: the published part first, then what owns the signature. */
struct dyn_sig {
	struct steer_signed_set pub;
	struct zone_rrset *sig; /* owned, one block */
};

struct steer_resign {
	struct zone_signing **keys; /* owned */
	size_t n_keys, cap_keys;
	struct entry *e;
	size_t n, cap;
	const _Atomic uint8_t *cells;
	struct steer_resign_ref *ref; /* attached to, or NULL */
};

struct steer_resign *steer_resign_new(void)
{
	return xcalloc(1, sizeof(struct steer_resign));
}

void steer_resign_keep(struct steer_resign *r, struct zone_signing *g)
{
	if (r->n_keys == r->cap_keys) {
		r->cap_keys = r->cap_keys ? 2 * r->cap_keys : 4;
		r->keys = xrealloc(r->keys, r->cap_keys * sizeof(*r->keys));
	}
	r->keys[r->n_keys++] = g;
}

void steer_resign_add(struct steer_resign *r, struct arena *a, const struct zone *z,
                      const struct zone_signing *g, const uint8_t *owner, const struct steer_dc *dc,
                      enum steer_type ty, uint32_t ttl, struct steer_sigs *sg)
{
	_Atomic(const struct steer_signed_set *) *slot = arena_alloc(a, sizeof(*slot));
	atomic_init(slot, NULL);
	sg->slot = slot;
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->e = xrealloc(r->e, r->cap * sizeof(*r->e));
	}
	r->e[r->n++] = (struct entry){
	        .z = z, .g = g, .owner = owner, .dc = dc, .ty = ty, .ttl = ttl, .sg = sg};
}

size_t steer_resign_count(const struct steer_resign *r)
{
	return r->n;
}

void steer_resign_set_cells(struct steer_resign *r, const _Atomic uint8_t *cells)
{
	r->cells = cells;
}

/* The set of e's addresses that are up now. */
static uint64_t up_mask(const struct steer_resign *r, const struct entry *e)
{
	uint64_t m = 0;
	unsigned n = e->dc->n[e->ty];
	for (unsigned i = 0; i < n && i < 64; i++)
		m |= (uint64_t)health_cell_is_up(r->cells, e->dc->cells[e->ty][i]) << i;
	return m;
}

static bool signed_at_build(const struct steer_sigs *sg, uint64_t m)
{
	for (uint32_t i = 0; i < sg->n_sets; i++)
		if (sg->masks[i] == m)
			return true;
	return false;
}

static struct dyn_sig *sign(const struct entry *e, uint64_t m)
{
	const uint8_t *rd[STEER_SIGN_ADDRS_MAX];
	uint16_t len[STEER_SIGN_ADDRS_MAX];
	size_t n = 0;
	for (unsigned i = 0; i < e->dc->n[e->ty] && i < STEER_SIGN_ADDRS_MAX; i++) {
		if (!(m >> i & 1u))
			continue;
		rd[n] = e->dc->rdata[e->ty] + (size_t)i * rr_len[e->ty];
		len[n++] = rr_len[e->ty];
	}
	struct zone_rrset *sig =
	        zone_signing_sign_alloc(e->g, e->z, e->owner, rr_type[e->ty], e->ttl, rd, len, n);
	if (!sig)
		return NULL;
	struct dyn_sig *d = xmalloc(sizeof(*d));
	d->pub = (struct steer_signed_set){.mask = m, .sig = sig};
	d->sig = sig;
	return d;
}

static void dyn_free(const struct steer_signed_set *p)
{
	if (!p)
		return;
	/* pub is the first member: p is the struct dyn_sig. */
	struct dyn_sig *d = (struct dyn_sig *)(uintptr_t)p;
	free(d->sig);
	free(d);
}

size_t steer_resign_pass(struct steer_resign *r)
{
	if (!r->cells)
		return 0;
	const struct steer_signed_set **old = NULL;
	size_t n_old = 0, n_signed = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct entry *e = &r->e[i];
		uint64_t m = up_mask(r, e);
		/* Nothing up: the fail-open answer is the full set, signed at build. */
		if (m == 0 || signed_at_build(e->sg, m))
			continue;
		const struct steer_signed_set *cur =
		        atomic_load_explicit(e->sg->slot, memory_order_acquire);
		if (cur && cur->mask == m)
			continue;
		struct dyn_sig *d = sign(e, m);
		if (!d) {
			char text[DNAME_TEXT_MAX];
			dname_to_text(e->owner, text);
			log_err("dnssec: signing the %s addresses of %s in datacenter %s failed "
			        "(crypto library error): the largest set signed at load is served",
			        e->ty == STEER_A ? "IPv4" : "IPv6", text, e->dc->name);
			continue;
		}
		n_signed++;
		/* Release: the set is complete before a worker can see the pointer. */
		const struct steer_signed_set *prev =
		        atomic_exchange_explicit(e->sg->slot, &d->pub, memory_order_acq_rel);
		if (prev) {
			old = xrealloc(old, (n_old + 1) * sizeof(*old));
			old[n_old++] = prev;
		}
	}
	if (n_old) {
		/* No worker holds a replaced set after every one passed a quiescent state. */
		synchronize_rcu();
		for (size_t i = 0; i < n_old; i++)
			dyn_free(old[i]);
	}
	free(old);
	return n_signed;
}

void steer_resign_free(struct steer_resign *r)
{
	if (!r)
		return;
	if (r->ref) {
		pthread_mutex_lock(&r->ref->mu);
		if (r->ref->cur == r)
			r->ref->cur = NULL;
		pthread_mutex_unlock(&r->ref->mu);
	}
	/* Only once no reader can hold the snapshot: the slots' sets go at once. */
	for (size_t i = 0; i < r->n; i++)
		dyn_free(atomic_load_explicit(r->e[i].sg->slot, memory_order_relaxed));
	for (size_t i = 0; i < r->n_keys; i++)
		zone_signing_free(r->keys[i]);
	free(r->keys);
	free(r->e);
	free(r);
}

/* ---- What the signer thread works on. ---- */

void steer_resign_ref_init(struct steer_resign_ref *ref)
{
	pthread_mutex_init(&ref->mu, NULL);
	ref->cur = NULL;
}

void steer_resign_ref_fini(struct steer_resign_ref *ref)
{
	pthread_mutex_destroy(&ref->mu);
}

void steer_resign_attach(struct steer_resign_ref *ref, struct steer_resign *r)
{
	pthread_mutex_lock(&ref->mu);
	ref->cur = r;
	if (r)
		r->ref = ref;
	pthread_mutex_unlock(&ref->mu);
}

void steer_resign_ref_pass(struct steer_resign_ref *ref)
{
	pthread_mutex_lock(&ref->mu);
	if (ref->cur) {
		struct timespec t0 = mono_now();
		size_t n = steer_resign_pass(ref->cur);
		double ms = mono_since(&t0) * 1e3;
		if (n)
			log_info("dnssec: signed %zu steered address set%s left up by health in "
			         "%.1f ms",
			         n, n == 1 ? "" : "s", ms);
	}
	pthread_mutex_unlock(&ref->mu);
}
