/* SPDX-License-Identifier: MIT
 * fuzz_zone.c -- fuzz target for the zone file loader: every input is the text of a zone
 * file for the origin "fuzz.test.", written to a file in a private temporary folder and
 * handed to zone_load() with a fresh arena and diag, both freed afterwards. $INCLUDE of
 * a relative name is looked up in that folder (which holds only the input itself, so an
 * input may include itself); absolute names such as /dev/zero or / are read as they are,
 * which the loader must survive too. Nothing is checked but that the loader returns:
 * sanitizers report crashes, leaks and undefined behaviour, -timeout reports hangs.
 *
 * libFuzzer build (clang), with S the source tree and B a configured build directory:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -DFUZZ_LIBFUZZER -IS -IB \
 *     $(pkg-config --cflags ldns) S/tests/fuzz/fuzz_zone.c \
 *     S/zones/{zone_load,zone_compile,zone_lookup,zoneset}.c \
 *     S/server/base/{err,log,diag,arena,xalloc,dname,netaddr}.c \
 *     $(pkg-config --libs ldns) -o fuzz_zone
 *   ./fuzz_zone -max_len=4096 -max_total_time=300 -rss_limit_mb=2048 -timeout=10 \
 *     CORPUS_COPY S/tests/fuzz/corpus_zone
 * Without -DFUZZ_LIBFUZZER this file has its own main() that replays files (or the seed
 * corpus under $top_srcdir by default) once each; `make check` runs that. Single-threaded. */
#include <dirent.h>
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	struct arena *a = arena_new();
	struct diag d;
	diag_init(&d);
	const struct zone *z = NULL;
	int rc = zone_load(zpath, origin, a, &d, &z);
	if ((rc == GS_OK) != (z != NULL))
		abort();
	if (rc == GS_OK && d.n_errors != 0)
		abort(); /* errors in the diag must fail the load */
	diag_free(&d);
	arena_destroy(a);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
static int replay_file(const char *path)
{
	static uint8_t buf[1 << 20];
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		perror(path);
		return 1;
	}
	size_t n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	LLVMFuzzerTestOneInput(buf, n);
	return 0;
}

static int replay_dir(const char *dir, unsigned *count)
{
	DIR *dd = opendir(dir);
	if (!dd) {
		(*count)++;
		return replay_file(dir);
	}
	int rc = 0;
	struct dirent *e;
	while ((e = readdir(dd)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char path[4096];
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		rc |= replay_file(path);
		(*count)++;
	}
	closedir(dd);
	return rc;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rc = 0;
	if (argc < 2) {
		const char *top = getenv("top_srcdir");
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus_zone", top ? top : ".");
		rc = replay_dir(dir, &count);
	}
	for (int i = 1; i < argc; i++)
		rc |= replay_dir(argv[i], &count);
	if (count == 0) {
		fprintf(stderr, "fuzz_zone: no inputs replayed\n");
		return 1;
	}
	printf("fuzz_zone: %u inputs replayed\n", count);
	return rc;
}
#endif
