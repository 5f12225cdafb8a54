/* SPDX-License-Identifier: MIT
 * fuzz_config.c -- fuzz target for the configuration loader: every input is the text of
 * a YAML configuration, written to a file in a private temporary folder (so relative
 * file names in it resolve there, where nothing else lives) and handed to cfg_load();
 * the struct cfg and the diag are freed afterwards. Nothing is checked but that the
 * loader returns consistently: sanitizers report crashes, leaks and undefined
 * behaviour, -timeout reports hangs.
 *
 * libFuzzer build (clang), with S the source tree and B a configured build directory:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER -IS -IB \
 *     S/tests/fuzz/fuzz_config.c S/server/config{,_yaml,_schema,_check}.c \
 *     S/server/base/{err,log,diag,arena,xalloc,dname,netaddr}.c -lyaml -o fuzz_config
 *   ./fuzz_config -max_len=4096 -max_total_time=300 -rss_limit_mb=2048 -timeout=10 \
 *     CORPUS_COPY S/tests/fuzz/corpus_config
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
