/* SPDX-License-Identifier: MIT
 * diag.c -- the diagnostics collector behind every loader. Load and control paths. */
#include "server/base/diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "server/base/log.h"
#include "server/base/xalloc.h"

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
}

void diag_free(struct diag *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].text);
	free(d->v);
	memset(d, 0, sizeof(*d));
}

static void diag_add(struct diag *d, int is_warning, struct srcpos pos, const char *fmt, va_list ap)
{
	char msg[1024];
	vsnprintf(msg, sizeof(msg), fmt, ap);
	char line[1400];
	const char *kind = is_warning ? "warning: " : "";
	if (pos.file && pos.line)
		snprintf(line, sizeof(line), "%s:%u: %s%s", pos.file, pos.line, kind, msg);
	else if (pos.file)
		snprintf(line, sizeof(line), "%s: %s%s", pos.file, kind, msg);
	else
		snprintf(line, sizeof(line), "%s%s", kind, msg);
	if (d->n == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 8;
		d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
	}
	d->v[d->n].text = xstrdup(line);
	d->v[d->n].is_warning = is_warning;
	d->n++;
	if (!is_warning)
		d->n_errors++;
}

void diag_err(struct diag *d, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, 0, pos, fmt, ap);
	va_end(ap);
}

void diag_warn(struct diag *d, struct srcpos pos, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_add(d, 1, pos, fmt, ap);
	va_end(ap);
}

void diag_append(struct diag *d, const struct diag *src)
{
	for (size_t i = 0; i < src->n; i++) {
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 8;
			d->v = xrealloc(d->v, d->cap * sizeof(*d->v));
		}
		d->v[d->n].text = xstrdup(src->v[i].text);
		d->v[d->n].is_warning = src->v[i].is_warning;
		d->n++;
		if (!src->v[i].is_warning)
			d->n_errors++;
	}
}

void diag_print(const struct diag *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(out, "%s\n", d->v[i].text);
}

void diag_log(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const char *t = d->v[i].text;
		if (!d->v[i].is_warning) {
			log_err("%s", t);
			continue;
		}
		/* The log line says "warning" already: not "warning: F:L: warning: ...". */
		const char *w = strstr(t, "warning: ");
		if (w)
			log_warn("%.*s%s", (int)(w - t), t, w + strlen("warning: "));
		else
			log_warn("%s", t);
	}
}
