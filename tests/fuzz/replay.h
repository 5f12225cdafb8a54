/* SPDX-License-Identifier: MIT
 * replay.h -- the main() of the fuzz targets' replay builds (`make check`): every file
 * given, or every file in the given folders, or by default in the target's seed corpus
 * under $top_srcdir, goes once through LLVMFuzzerTestOneInput. Single-threaded. */
#ifndef GS_FUZZ_REPLAY_H
#define GS_FUZZ_REPLAY_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Replays argv[1..] (or default_corpus, a folder relative to $top_srcdir, when there
 * are none) and prints "NAME: N inputs replayed". Returns the exit status: 1 when a
 * file cannot be read or nothing was replayed, else 0 (a crash aborts). */
int fuzz_replay_main(int argc, char **argv, const char *name, const char *default_corpus);

#endif
