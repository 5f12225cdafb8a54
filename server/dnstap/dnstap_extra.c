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

/* A weighted group of a list, without blanks: "{us-east:3+us-west:1}". */
static void put_group(char *buf, size_t *at, const struct geo_map *m, uint16_t v)
{
	const struct dclist_table *t = &m->lists;
	const struct dclist_group *g = dclist_group(t, v);
	put(buf, at, "{");
	for (uint16_t i = 0; i < g->n; i++) {
		if (i)
			put(buf, at, "+");
		put(buf, at, geo_map_dc_name(m, t->member[g->off + i]));
		put(buf, at, ":");
		put_uint(buf, at, t->weight[g->off + i]);
	}
	put(buf, at, "}");
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
		if (dclist_is_group(&svc->map->lists, ids[i]))
			put_group(buf, &at, svc->map, ids[i]);
		else
			put(buf, &at, geo_map_dc_name(svc->map, ids[i]));
	}
	/* Those ahead of the chosen one that have addresses of the type: skipped because
	 * they were down (all of them when none was up). */
	put(buf, &at, " skipped_down=");
	bool any = false;
	size_t upto = dec->dc && !dec->fail_open ? dec->pos : nl;
	for (size_t i = 0; i < upto && i < nl; i++) {
		uint16_t k = svc->dc_of[ids[i]];
		if (k >= STEER_GROUP || svc->dcs[k].n[n->ty] == 0)
			continue;
		if (any)
			put(buf, &at, ",");
		put(buf, &at, svc->dcs[k].name);
		any = true;
	}
	if (!any)
		put(buf, &at, "-");
	if (dec->pick != STEER_PICK_NONE) {
		static const char *const pick[] = {"", "hash", "repick", "weight_zero"};
		put(buf, &at, " pick=");
		put(buf, &at, pick[dec->pick < 4 ? dec->pick : 0]);
	}
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

const char *dnstap_extra_miss(struct dnstap_extra *x, struct dnstap_extra_slot *s,
                              const uint64_t *key, const struct answer_note *n, size_t *len)
{
	size_t l = dnstap_extra_format(n, x->scratch);
	*len = l;
	if (l > DNSTAP_EXTRA_SLOT_TEXT)
		return x->scratch;
	memcpy(s->text, x->scratch, l);
	s->len = (uint16_t)l;
	memcpy(s->key, key, sizeof(s->key));
	return s->text;
}
