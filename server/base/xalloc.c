/* SPDX-License-Identifier: MIT
 * xalloc.c -- allocation that never returns NULL: running out of memory while loading
 * is not something a nameserver can recover from meaningfully. */
#include "server/base/xalloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

GS_NORETURN static void oom(size_t size)
{
	fprintf(stderr, "geosteer: out of memory allocating %zu bytes\n", size);
	abort();
}

void *xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);
	if (!p)
		oom(size);
	return p;
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (!p)
		oom(n * size);
	return p;
}

void *xrealloc(void *p, size_t size)
{
	void *q = realloc(p, size ? size : 1);
	if (!q)
		oom(size);
	return q;
}

char *xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *p = xmalloc(len + 1);
	memcpy(p, s, len);
	p[len] = '\0';
	return p;
}
