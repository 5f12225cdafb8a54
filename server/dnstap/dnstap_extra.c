/* SPDX-License-Identifier: MIT
 * dnstap_extra.c -- the steering decision as dnstap `extra` text (dnstap_extra.h): the
 * formatting, and the per-thread cache of texts keyed by the decision. */
#include <config.h>

#include "server/dnstap/dnstap_extra.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"
#include "server/query/answer.h"

/* Cache slots (a power of two, direct mapped) and the longest text a slot keeps (a
 * longer one is formatted on every use). 256 x 192 B = 48 KiB per thread. */
#define EXTRA_SLOTS     256u
#define EXTRA_SLOT_TEXT 160u

/* Everything the text depends on; no padding, so that keys compare as bytes. */
struct extra_key {
	uint64_t gen;
	uintptr_t svc, dc;
	uint32_t ttl;
	uint16_t list, pos;
	uint8_t scope, ty, failover, fail_open;
	uint32_t zero; /* explicit tail padding */
};
_Static_assert(sizeof(struct extra_key) == 40, "struct extra_key has no padding");

struct extra_slot {
	struct extra_key key; /* gen 0: empty (generations start at 1) */
	uint16_t len;
	char text[EXTRA_SLOT_TEXT];
};

struct dnstap_extra {
	struct extra_slot slot[EXTRA_SLOTS];
	char scratch[DNSTAP_EXTRA_MAX]; /* a text too long for a slot */
};

struct dnstap_extra *dnstap_extra_new(void)
{
	return xcalloc(1, sizeof(struct dnstap_extra));
}

void dnstap_extra_free(struct dnstap_extra *x)
{
	free(x);
}

/* Appends s (n bytes) to buf at *at, kept within DNSTAP_EXTRA_MAX. */
static void put_n(char *buf, size_t *at, const char *s, size_t n)
{
	if (n > DNSTAP_EXTRA_MAX - *at)
		n = DNSTAP_EXTRA_MAX - *at;
	memcpy(buf + *at, s, n);
	*at += n;
}

static void put(char *buf, size_t *at, const char *s)
{
	put_n(buf, at, s, strlen(s));
}

static void put_uint(char *buf, size_t *at, unsigned long v)
{
	char tmp[24];
	size_t i = sizeof(tmp);
	do
		tmp[--i] = (char)('0' + v % 10);
	while ((v /= 10) && i > 0);
	put_n(buf, at, tmp + i, sizeof(tmp) - i);
}

size_t dnstap_extra_format(const struct answer_note *n, char *buf)
{
	const struct steer_service *svc = n->svc;
	const struct steer_decision *dec = &n->dec;
	size_t at = 0;
	put(buf, &at, "service=");
	put(buf, &at, svc->name);
	put(buf, &at, " map=");
	put(buf, &at, svc->map->name ? svc->map->name : "-");
	/* The compiled table keeps the ordered list a client's rule gives, not the rule: id
	 * 0 is the default rule's list. */
	put(buf, &at, dec->hit.list == 0 ? " rule=default" : " rule=matched");
	put(buf, &at, " dc=");
	put(buf, &at, dec->dc ? dec->dc->name : "none");
	size_t nl;
	const uint16_t *ids = geo_map_list(svc->map, dec->hit.list, &nl);
	put(buf, &at, " list=");
	for (size_t i = 0; i < nl; i++) {
		if (i)
			put(buf, &at, ",");
		put(buf, &at, geo_map_dc_name(svc->map, ids[i]));
	}
	/* Those ahead of the chosen one that have addresses of the type: skipped because
	 * they were down (all of them when none was up). */
	put(buf, &at, " skipped_down=");
	bool any = false;
	size_t upto = dec->dc && !dec->fail_open ? dec->pos : nl;
	for (size_t i = 0; i < upto && i < nl; i++) {
		uint16_t k = svc->dc_of[ids[i]];
		if (k == STEER_NO_DC || svc->dcs[k].n[n->ty] == 0)
			continue;
		if (any)
			put(buf, &at, ",");
		put(buf, &at, svc->dcs[k].name);
		any = true;
	}
	if (!any)
		put(buf, &at, "-");
	put(buf, &at, " scope=");
	put_uint(buf, &at, dec->scope);
	put(buf, &at, " ttl=");
	put_uint(buf, &at, dec->ttl);
	if (dec->fail_open) {
		static const char *const policy[] = {"open", "servfail", "nodata"};
		put(buf, &at, " all_down=");
		put(buf, &at, policy[svc->all_down < 3 ? svc->all_down : 0]);
	} else if (dec->failover) {
		put(buf, &at, " failover");
	}
	return at;
}

const char *dnstap_extra_text(struct dnstap_extra *x, const struct answer_note *n, size_t *len)
{
	const struct steer_decision *dec = &n->dec;
	struct extra_key k = {
	        .gen = n->gen,
	        .svc = (uintptr_t)n->svc,
	        .dc = (uintptr_t)dec->dc,
	        .ttl = dec->ttl,
	        .list = dec->hit.list,
	        .pos = dec->pos,
	        .scope = dec->scope,
	        .ty = n->ty,
	        .failover = dec->failover,
	        .fail_open = dec->fail_open,
	};
	/* The key as five words: hashed, and compared without a call. */
	uint64_t w[5], v[5];
	memcpy(w, &k, sizeof(w));
	uint64_t h = (w[1] ^ w[2] >> 4 ^ w[3] ^ w[4] << 7) * 0x9e3779b97f4a7c15u;
	struct extra_slot *s = &x->slot[h >> 56 & (EXTRA_SLOTS - 1)];
	memcpy(v, &s->key, sizeof(v));
	if (GS_LIKELY(((v[0] ^ w[0]) | (v[1] ^ w[1]) | (v[2] ^ w[2]) | (v[3] ^ w[3]) |
	               (v[4] ^ w[4])) == 0)) {
		*len = s->len;
		return s->text;
	}
	size_t l = dnstap_extra_format(n, x->scratch);
	*len = l;
	if (l > EXTRA_SLOT_TEXT)
		return x->scratch;
	memcpy(s->text, x->scratch, l);
	s->len = (uint16_t)l;
	s->key = k;
	return s->text;
}
