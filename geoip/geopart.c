/* SPDX-License-Identifier: MIT
 * geopart.c -- range partitions and the interning hash map (see geopart.h). Load
 * thread only. */
#include "geoip/geopart.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

void geopart_init(struct geopart *p)
{
	memset(p, 0, sizeof(*p));
}

void geopart_free(struct geopart *p)
{
	if (!p)
		return;
	free(p->start);
	free(p->val);
	memset(p, 0, sizeof(*p));
}

void geopart_push(struct geopart *p, unsigned __int128 start, uint32_t val)
{
	if (p->n > 0 && p->start[p->n - 1] == start) {
		p->val[p->n - 1] = val;
		if (p->n > 1 && p->val[p->n - 2] == val)
			p->n--;
		return;
	}
	if (p->n > 0 && p->val[p->n - 1] == val)
		return;
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->start = xrealloc(p->start, p->cap * sizeof(*p->start));
		p->val = xrealloc(p->val, p->cap * sizeof(*p->val));
	}
	p->start[p->n] = start;
	p->val[p->n] = val;
	p->n++;
}

void geopart_combine(const struct geopart *a, const struct geopart *b, geopart_combine_fn fn,
                     void *ctx, struct geopart *out)
{
	size_t i = 0, j = 0;
	/* Both start at 0; at each step the current intersection starts at the larger of
	 * the two current starts, then whichever partition changes first advances. */
	while (i < a->n && j < b->n) {
		unsigned __int128 s = a->start[i] > b->start[j] ? a->start[i] : b->start[j];
		geopart_push(out, s, fn(ctx, a->val[i], b->val[j]));
		bool a_more = i + 1 < a->n, b_more = j + 1 < b->n;
		if (!a_more && !b_more)
			break;
		if (a_more && (!b_more || a->start[i + 1] < b->start[j + 1])) {
			i++;
		} else if (b_more && (!a_more || b->start[j + 1] < a->start[i + 1])) {
			j++;
		} else {
			i++;
			j++;
		}
	}
}

void geopart_map(const struct geopart *p, geopart_map_fn fn, void *ctx, struct geopart *out)
{
	for (size_t i = 0; i < p->n; i++)
		geopart_push(out, p->start[i], fn(ctx, p->val[i]));
}

static int prefix_cmp(const void *x, const void *y)
{
	const struct geopart_prefix *a = x, *b = y;
	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

void geopart_sort_prefixes(struct geopart_prefix *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof(*v), prefix_cmp);
}

void geopart_from_prefixes(const struct geopart_prefix *v, size_t n, unsigned bits, uint32_t none,
                           struct geopart *out)
{
	/* Sorted prefixes nest like brackets: the stack holds the chain of prefixes
	 * containing the current position, innermost on top (at most bits + 1 deep). */
	struct {
		unsigned __int128 end;
		uint32_t val;
	} stack[129];
	size_t depth = 0;
	unsigned __int128 top = geopart_top(bits);
	geopart_push(out, 0, none);
	for (size_t i = 0; i < n; i++) {
		while (depth > 0 && stack[depth - 1].end < v[i].start) {
			unsigned __int128 end = stack[--depth].end;
			geopart_push(out, end + 1, depth ? stack[depth - 1].val : none);
		}
		stack[depth].end = v[i].start | geopart_hostmask(bits, v[i].len);
		stack[depth].val = v[i].val;
		depth++;
		geopart_push(out, v[i].start, v[i].val);
	}
	while (depth > 0) {
		unsigned __int128 end = stack[--depth].end;
		if (end == top)
			break; /* every enclosing prefix ends at the top too */
		geopart_push(out, end + 1, depth ? stack[depth - 1].val : none);
	}
}

size_t geopart_find(const struct geopart *p, unsigned __int128 x)
{
	size_t lo = 0, hi = p->n - 1;
	while (lo < hi) {
		size_t mid = (lo + hi + 1) / 2;
		if (p->start[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

void geopart_idmap_init(struct geopart_idmap *m)
{
	memset(m, 0, sizeof(*m));
}

void geopart_idmap_free(struct geopart_idmap *m)
{
	if (!m)
		return;
	free(m->keys);
	free(m->vals);
	free(m->used);
	memset(m, 0, sizeof(*m));
}

static size_t slot_of(uint64_t key, size_t cap)
{
	key ^= key >> 33; /* a 64-bit finaliser (MurmurHash3 fmix64) */
	key *= 0xff51afd7ed558ccdULL;
	key ^= key >> 33;
	key *= 0xc4ceb9fe1a85ec53ULL;
	key ^= key >> 33;
	return (size_t)key & (cap - 1);
}

bool geopart_idmap_get(const struct geopart_idmap *m, uint64_t key, uint32_t *val)
{
	if (m->cap == 0)
		return false;
	for (size_t i = slot_of(key, m->cap); m->used[i]; i = (i + 1) & (m->cap - 1)) {
		if (m->keys[i] == key) {
			*val = m->vals[i];
			return true;
		}
	}
	return false;
}

static void idmap_grow(struct geopart_idmap *m)
{
	struct geopart_idmap old = *m;
	m->cap = old.cap ? old.cap * 2 : 256;
	m->keys = xmalloc(m->cap * sizeof(*m->keys));
	m->vals = xmalloc(m->cap * sizeof(*m->vals));
	m->used = xcalloc(m->cap, sizeof(*m->used));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.used[i])
			geopart_idmap_put(m, old.keys[i], old.vals[i]);
	geopart_idmap_free(&old);
}

void geopart_idmap_put(struct geopart_idmap *m, uint64_t key, uint32_t val)
{
	if (2 * (m->n + 1) > m->cap) /* keep it at most half full */
		idmap_grow(m);
	size_t i = slot_of(key, m->cap);
	while (m->used[i] && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	if (!m->used[i]) {
		m->used[i] = true;
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}
