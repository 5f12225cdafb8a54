/* SPDX-License-Identifier: MIT
 * zone_dump.c -- zone-dump: prints a configured zone as geosteerd loads it, signed when
 * the configuration gives it a `dnssec:` block, in zone file form (for ldns-verify-zone
 * or kzonecheck). A debugging aid and a test tool. Single-threaded. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "server/load/snapshot_build.h"

int main(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[1], "-c") != 0) {
		fprintf(stderr, "usage: zone-dump -c CONFIG ZONE\n");
		return 2;
	}
	uint8_t want[DNAME_MAX];
	size_t len;
	if (dname_from_text(argv[3], NULL, want, &len) != GS_OK) {
		fprintf(stderr, "zone-dump: bad zone name %s\n", argv[3]);
		return 2;
	}
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	int rc = cfg_load(argv[2], &d, &c);
	int status = 1;
	if (rc == GS_OK) {
		size_t i = 0;
		while (i < c->n_zones && !dname_equal(c->zones[i].name, want))
			i++;
		if (i == c->n_zones) {
			fprintf(stderr, "zone-dump: %s configures no zone %s\n", argv[2], argv[3]);
		} else {
			struct arena *a = arena_new();
			const struct zone *z = NULL;
			if (snapshot_load_zone(c, i, a, &d, stdout, &z, NULL) == GS_OK)
				status = 0;
			arena_destroy(a);
		}
	}
	diag_print(&d, stderr);
	diag_free(&d);
	cfg_free(c);
	return status;
}
