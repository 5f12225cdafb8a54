/* SPDX-License-Identifier: MIT
 * fuzz_config.c -- fuzz target for the configuration loader: every input is the text of
 * a YAML configuration, written to a file in a private temporary folder (so relative
 * file names in it resolve there, where nothing else lives) and handed to cfg_load();
 * the struct cfg and the diag are freed afterwards. Nothing is checked but that the
 * loader returns consistently: sanitizers report crashes, leaks and undefined
 * behaviour, -timeout reports hangs.
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

#include "server/base/diag.h"
#include "server/base/err.h"
#include "server/config/config.h"
#include "tests/fuzz/replay.h"

static char tmpdir[64];
static char cpath[128];

static void cleanup(void)
{
	if (cpath[0])
		unlink(cpath);
	if (tmpdir[0])
		rmdir(tmpdir);
}

static void init_once(void)
{
	if (tmpdir[0])
		return;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/fuzz_config.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("fuzz_config: mkdtemp");
		exit(2);
	}
	snprintf(cpath, sizeof(cpath), "%s/geosteer.yaml", tmpdir);
	atexit(cleanup);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	FILE *fp = fopen(cpath, "wb");
	if (!fp || fwrite(data, 1, size, fp) != size || fclose(fp) != 0)
		abort();
	struct diag d;
	diag_init(&d);
	struct cfg *c = NULL;
	int rc = cfg_load(cpath, &d, &c);
	if ((rc == GS_OK) != (c != NULL))
		abort();
	if ((rc == GS_OK) != (d.n_errors == 0))
		abort(); /* an error in the diag must fail the load, and only an error */
	cfg_free(c);
	diag_free(&d);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
int main(int argc, char **argv)
{
	return fuzz_replay_main(argc, argv, "fuzz_config", "tests/fuzz/corpus_config");
}
#endif
