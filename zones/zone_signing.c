/* SPDX-License-Identifier: MIT
 * zone_signing.c -- signing RRsets of a zone after its load with the keys the load
 * kept (zone_signing.h): turns the RRSIGs zone_rrsig.c makes into a ready-to-serve
 * RRSIG set. Load and signer threads (zone_signing.h). */
#include "zones/zone_signing.h"

#include <stdlib.h>
#include <string.h>

#include "server/base/dns.h"
#include "server/base/xalloc.h"
#include "zones/zone_rrsig.h"
#include "zones/zone_signing_impl.h"

struct collect {
	struct arena *a;
	struct zone_rdata rd[ZONE_SIGNING_KEYS_MAX];
	size_t n;
};

static void collect_rrsig(void *arg, const uint8_t *rdata, size_t len)
{
	struct collect *c = arg;
	if (c->n == ZONE_SIGNING_KEYS_MAX)
		return;
	struct zone_rdata *rd = &c->rd[c->n++];
	rd->data = arena_memdup(c->a, rdata, len);
	rd->len = (uint16_t)len;
	rd->name_off[0] = rd->name_off[1] = ZONE_NO_NAME;
	rd->name_above[0] = rd->name_above[1] = ZONE_NAME_OUTSIDE;
}

const struct zone_rrset *zone_signing_sign(const struct zone_signing *g, const struct zone *z,
                                           struct arena *a, const uint8_t *owner, uint16_t type,
                                           uint32_t ttl, const uint8_t *const *rdata,
                                           const uint16_t *rdlen, size_t n)
{
	struct collect c = {.a = a};
	struct zone_rrsig_window w = {
	        .signer = z->origin, .inception = g->inception, .expiration = g->expiration};
	if (!zone_rrsig_sign(&g->ks, &w, owner, type, ttl, rdata, rdlen, n, collect_rrsig, &c) ||
	    c.n == 0)
		return NULL;
	struct zone_rrset *set = arena_alloc(a, sizeof(*set));
	memset(set, 0, sizeof(*set));
	set->type = DNS_TYPE_RRSIG;
	set->count = (uint16_t)c.n;
	set->ttl = ttl;
	set->rdata = arena_memdup(a, c.rd, c.n * sizeof(c.rd[0]));
	return set;
}

struct heap_collect {
	uint8_t *data[ZONE_SIGNING_KEYS_MAX]; /* xmalloc'd copies */
	uint16_t len[ZONE_SIGNING_KEYS_MAX];
	size_t n, bytes;
};

static void heap_collect_rrsig(void *arg, const uint8_t *rdata, size_t len)
{
	struct heap_collect *c = arg;
	if (c->n == ZONE_SIGNING_KEYS_MAX)
		return;
	c->data[c->n] = xmalloc(len ? len : 1);
	memcpy(c->data[c->n], rdata, len);
	c->len[c->n++] = (uint16_t)len;
	c->bytes += len;
}

struct zone_rrset *zone_signing_sign_alloc(const struct zone_signing *g, const struct zone *z,
                                           const uint8_t *owner, uint16_t type, uint32_t ttl,
                                           const uint8_t *const *rdata, const uint16_t *rdlen,
                                           size_t n)
{
	struct heap_collect c = {.n = 0};
	struct zone_rrsig_window w = {
	        .signer = z->origin, .inception = g->inception, .expiration = g->expiration};
	struct zone_rrset *set = NULL;
	if (!zone_rrsig_sign(&g->ks, &w, owner, type, ttl, rdata, rdlen, n, heap_collect_rrsig,
	                     &c) ||
	    c.n == 0)
		goto out;
	/* One block: the set, then its records, then their bytes. */
	size_t head = sizeof(*set) + c.n * sizeof(struct zone_rdata);
	set = xmalloc(head + c.bytes);
	memset(set, 0, head);
	struct zone_rdata *rd = (struct zone_rdata *)(set + 1);
	uint8_t *bytes = (uint8_t *)set + head;
	for (size_t i = 0; i < c.n; i++) {
		memcpy(bytes, c.data[i], c.len[i]);
		rd[i].data = bytes;
		rd[i].len = c.len[i];
		rd[i].name_off[0] = rd[i].name_off[1] = ZONE_NO_NAME;
		rd[i].name_above[0] = rd[i].name_above[1] = ZONE_NAME_OUTSIDE;
		bytes += c.len[i];
	}
	set->type = DNS_TYPE_RRSIG;
	set->count = (uint16_t)c.n;
	set->ttl = ttl;
	set->rdata = rd;
out:
	for (size_t i = 0; i < c.n; i++)
		free(c.data[i]);
	return set;
}

void zone_signing_free(struct zone_signing *g)
{
	if (!g)
		return;
	zone_keys_free(&g->ks);
	free(g);
}
