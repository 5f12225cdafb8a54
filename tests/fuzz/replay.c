/* SPDX-License-Identifier: MIT
 * replay.c -- replays seed corpora through a fuzz target without libFuzzer, so that
 * `make check` runs every input that once crashed or hung something. Single-threaded. */
#include "tests/fuzz/replay.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>

/* Inputs are truncated here; the seeds are far smaller (the largest is a few KiB). */
static uint8_t buf[1 << 20];

static int replay_file(const char *path)
{
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

/* Replays dir's files, or dir itself when it is a file; counts inputs in *count. */
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

int fuzz_replay_main(int argc, char **argv, const char *name, const char *default_corpus)
{
	unsigned count = 0;
	int rc = 0;
	if (argc < 2) {
		const char *top = getenv("top_srcdir");
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s/%s", top ? top : ".", default_corpus);
		rc = replay_dir(dir, &count);
	}
	for (int i = 1; i < argc; i++)
		rc |= replay_dir(argv[i], &count);
	if (count == 0) {
		fprintf(stderr, "%s: no inputs replayed\n", name);
		return 1;
	}
	printf("%s: %u inputs replayed\n", name, count);
	return rc;
}
