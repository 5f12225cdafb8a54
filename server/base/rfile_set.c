/* SPDX-License-Identifier: MIT
 * rfile_set.c -- source sets: the files of one load kept in memory, and the calling
 * thread's choice between the disk, recording into a set and replaying one
 * (rfile_set.h). */
#include <config.h> /* first: _GNU_SOURCE for explicit_bzero */

#include "server/base/rfile_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/xalloc.h"

struct rfile_entry {
	char *path;
	char *data; /* NUL-terminated, as rfile_read hands it out */
	size_t len;
	struct stat st;
};

struct rfile_set {
	struct rfile_entry *v;
	size_t n, cap;
	size_t bytes;
};

/* The calling thread's setting: at most one of rec and play is set. served[i]: entry i
 * of play was handed out already in this replay. */
static _Thread_local struct {
	struct rfile_set *rec;
	const struct rfile_set *play;
	bool *served;
} t_mode;

struct rfile_set *rfile_set_new(void)
{
	return xcalloc(1, sizeof(struct rfile_set));
}

void rfile_set_free(struct rfile_set *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].path);
		/* Key files are among them: their text is wiped before it goes back. */
		explicit_bzero(s->v[i].data, s->v[i].len);
		free(s->v[i].data);
	}
	free(s->v);
	free(s);
}

size_t rfile_set_files(const struct rfile_set *s)
{
	return s->n;
}

size_t rfile_set_bytes(const struct rfile_set *s)
{
	return s->bytes;
}

void rfile_set_direct(void)
{
	free(t_mode.served);
	t_mode.rec = NULL;
	t_mode.play = NULL;
	t_mode.served = NULL;
}

void rfile_set_record(struct rfile_set *s)
{
	rfile_set_direct();
	t_mode.rec = s;
}

void rfile_set_replay(const struct rfile_set *s)
{
	rfile_set_direct();
	t_mode.play = s;
	t_mode.served = xcalloc(s->n ? s->n : 1, sizeof(bool));
}

bool rfile_set_active(void)
{
	return t_mode.rec != NULL || t_mode.play != NULL;
}

bool rfile_set_replaying(void)
{
	return t_mode.play != NULL;
}

int rfile_set_serve(const char *path, size_t max, char **buf, size_t *len, struct stat *st,
                    const char **why)
{
	*buf = NULL;
	*len = 0;
	const struct rfile_set *s = t_mode.play;
	const struct rfile_entry *e = NULL;
	for (size_t i = 0; s && i < s->n; i++) {
		if (strcmp(s->v[i].path, path) != 0)
			continue;
		e = &s->v[i];
		if (!t_mode.served[i]) {
			t_mode.served[i] = true;
			break;
		}
	}
	if (!e) {
		errno = ENOENT;
		*why = "not among the files the data being served was loaded from";
		return -1;
	}
	if (e->len > max) {
		errno = EFBIG;
		*why = "larger than the limit";
		return -1;
	}
	*buf = xmalloc(e->len + 1);
	memcpy(*buf, e->data, e->len + 1);
	*len = e->len;
	if (st)
		*st = e->st;
	*why = NULL;
	return 0;
}

void rfile_set_note(const char *path, const char *buf, size_t len, const struct stat *st)
{
	struct rfile_set *s = t_mode.rec;
	if (!s)
		return;
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 8;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	struct rfile_entry *e = &s->v[s->n++];
	e->path = xstrdup(path);
	e->data = xmalloc(len + 1);
	memcpy(e->data, buf, len);
	e->data[len] = '\0';
	e->len = len;
	e->st = *st;
	s->bytes += len;
}
