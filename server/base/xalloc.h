/* SPDX-License-Identifier: MIT
 * xalloc.h -- allocation wrappers that abort on exhaustion. Load, control and monitor
 * paths only: the query path never allocates. */
#ifndef GS_XALLOC_H
#define GS_XALLOC_H

#include <stddef.h>

#include "server/base/compiler.h"

void *xmalloc(size_t size) GS_MALLOC GS_WUR;
void *xcalloc(size_t n, size_t size) GS_MALLOC GS_WUR;
void *xrealloc(void *p, size_t size) GS_WUR;
char *xstrdup(const char *s) GS_MALLOC GS_WUR GS_NONNULL;
char *xstrndup(const char *s, size_t n) GS_MALLOC GS_WUR GS_NONNULL;

#endif
