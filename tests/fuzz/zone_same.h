/* SPDX-License-Identifier: MIT
 * zone_same.h -- compares two loads of one zone file: the loader's own reader of the
 * common record types (zones/zone_text.h) against ldns alone (zone_load_ldns_only).
 * Used by fuzz_zone.c and test_zones.c. Test code only; single-threaded. */
#ifndef GS_TESTS_ZONE_SAME_H
#define GS_TESTS_ZONE_SAME_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "server/base/diag.h"
#include "zones/zone.h"

static bool zone_same_rrset(const struct zone_rrset *a, const struct zone_rrset *b)
{
	if (!a || !b)
		return a == b;
	if (a->type != b->type || a->ttl != b->ttl || a->count != b->count || a->line != b->line)
		return false;
	for (unsigned i = 0; i < a->count; i++) {
		const struct zone_rdata *x = &a->rdata[i], *y = &b->rdata[i];
		if (x->len != y->len || memcmp(x->data, y->data, x->len) != 0 ||
		    memcmp(x->name_off, y->name_off, sizeof(x->name_off)) != 0 ||
		    memcmp(x->name_above, y->name_above, sizeof(x->name_above)) != 0)
			return false;
	}
	return zone_same_rrset(a->sigs, b->sigs);
}

/* True when both loads gave the same zone (or both none) and the same messages; names
 * the first difference on stderr otherwise. */
static bool zone_same(const struct zone *a, const struct diag *da, const struct zone *b,
                      const struct diag *db)
{
	if (da->n != db->n || da->n_errors != db->n_errors) {
		fprintf(stderr, "zone_same: %zu messages against %zu\n", da->n, db->n);
		for (size_t i = 0; i < da->n; i++)
			fprintf(stderr, "  own:  %s\n", da->v[i].text);
		for (size_t i = 0; i < db->n; i++)
			fprintf(stderr, "  ldns: %s\n", db->v[i].text);
		return false;
	}
	for (size_t i = 0; i < da->n; i++)
		if (strcmp(da->v[i].text, db->v[i].text) != 0 ||
		    da->v[i].is_warning != db->v[i].is_warning) {
			fprintf(stderr, "zone_same: message %zu: %s | %s\n", i, da->v[i].text,
			        db->v[i].text);
			return false;
		}
	if (!a || !b)
		return a == b;
	if (a->serial != b->serial || a->neg_ttl != b->neg_ttl || a->n_nodes != b->n_nodes ||
	    a->n_records != b->n_records || (a->dnssec == NULL) != (b->dnssec == NULL)) {
		fprintf(stderr, "zone_same: zones differ in size or SOA\n");
		return false;
	}
	for (size_t i = 0; i < a->n_nodes; i++) {
		const struct zone_node *x = &a->nodes[i], *y = &b->nodes[i];
		bool same = x->name_len == y->name_len &&
		            memcmp(x->name, y->name, x->name_len) == 0 && x->flags == y->flags &&
		            x->n_rrsets == y->n_rrsets;
		for (unsigned j = 0; same && j < x->n_rrsets; j++)
			same = zone_same_rrset(&x->rrsets[j], &y->rrsets[j]);
		if (!same) {
			fprintf(stderr, "zone_same: node %zu differs\n", i);
			return false;
		}
	}
	return true;
}

#endif
