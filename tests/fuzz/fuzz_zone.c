/* SPDX-License-Identifier: MIT
 * fuzz_zone.c -- fuzz target for the zone file loader: every input is the text of a zone
 * file for the origin "fuzz.test.", written to a file in a private temporary folder and
 * handed to zone_load() with a fresh arena and diag, both freed afterwards. $INCLUDE of
 * a relative name is looked up in that folder (which holds only the input itself, so an
 * input may include itself); absolute names such as /dev/zero or / are read as they are,
 * which the loader must survive too. Each input is loaded twice, with the loader's own
 * reader of the common record types and with ldns alone (zone_load_ldns_only), and the
 * two must give the same zone and the same messages (tests/fuzz/zone_same.h): the own
 * reader may decline a record, never read it differently. Sanitizers report crashes,
 * leaks and undefined behaviour, -timeout reports hangs.
 *
 * libFuzzer build: `sh tests/fuzz/libfuzzer.sh [SECONDS]` builds this target with clang's
 * libFuzzer and sanitizers against the project's libraries and runs it on a copy of
 * its seed corpus.
 * Without -DFUZZ_LIBFUZZER this file's main() (tests/fuzz/replay.c) replays files (or the seed
 * corpus under $top_srcdir by default) once each; `make check` runs that. Single-threaded. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "server/base/arena.h"
#include "server/base/diag.h"
#include "server/base/dname.h"
#include "server/base/err.h"
#include "zones/zone_load.h"
#include "tests/fuzz/replay.h"
#include "tests/fuzz/zone_same.h"

static char tmpdir[64];
static char zpath[128];
static uint8_t origin[DNAME_MAX];

static void cleanup(void)
{
	if (zpath[0])
		unlink(zpath);
	if (tmpdir[0])
		rmdir(tmpdir);
}

static void init_once(void)
{
	if (tmpdir[0])
		return;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fuzz_zone.XXXXXX");
	size_t olen;
	if (!mkdtemp(tmpdir) || dname_from_text("fuzz.test.", NULL, origin, &olen) != GS_OK) {
		perror("fuzz_zone: mkdtemp");
		exit(2);
	}
	snprintf(zpath, sizeof(zpath), "%s/fuzz.test.zone", tmpdir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	FILE *fp = fopen(zpath, "wb");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	struct arena *a = arena_new(), *a2 = arena_new();
	struct diag d, d2;
	diag_init(&d);
	diag_init(&d2);
	const struct zone *z = NULL, *z2 = NULL;
	int rc = zone_load(zpath, origin, a, &d, &z);
	if ((rc == GS_OK) != (z != NULL))
		abort();
	if (rc == GS_OK && d.n_errors != 0)
		abort(); /* errors in the diag must fail the load */
	zone_load_ldns_only = true;
	int rc2 = zone_load(zpath, origin, a2, &d2, &z2);
	zone_load_ldns_only = false;
	if (rc != rc2 || !zone_same(z, &d, z2, &d2))
		abort(); /* the own reader read something differently from ldns */
	diag_free(&d);
	diag_free(&d2);
	arena_destroy(a);
	arena_destroy(a2);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	return fuzz_replay_main(argc, argv, "fuzz_zone", "tests/fuzz/corpus_zone");
}
#endif
