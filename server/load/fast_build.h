/* SPDX-License-Identifier: MIT
 * fast_build.h -- builds a snapshot's table of pre-rendered responses
 * (server/query/fast.h). Load thread only. */
#ifndef GS_FAST_BUILD_H
#define GS_FAST_BUILD_H

#include "server/base/arena.h"
#include "server/base/compiler.h"
#include "server/query/fast.h"
#include "server/query/snapshot.h"

/* Renders the answers of snap's zones into a, with answer_packet itself (snap must be
 * complete but for its fast table, which must still be NULL). Returns NULL when there is
 * nothing to pre-render (no zone).
 * Allocates only in a (and scratch memory it frees). */
const struct fast_table *fast_build(const struct snapshot *snap, struct arena *a) GS_NONNULL;

#endif
