/* SPDX-License-Identifier: MIT
 * diag.h -- collects load-time problems as "FILE:LINE: message" so that one run of the
 * loader reports every error (after NSD and Unbound). Load and control paths only. */
#ifndef GS_DIAG_H
#define GS_DIAG_H

#include <stdio.h>
#include <stddef.h>

#include "server/base/compiler.h"

/* A place in an input file. line is 1-based; 0 means "the file as a whole". */
struct srcpos {
	const char *file; /* borrowed; usually owned by the config or zone being loaded */
	unsigned line;
};

struct diag_entry {
	char *text; /* owned; the full "FILE:LINE: message" line without newline */
	int is_warning;
};

struct diag {
	struct diag_entry *v; /* owned */
	size_t n, cap;
	size_t n_errors;
};

void diag_init(struct diag *d) GS_NONNULL;
void diag_free(struct diag *d);
/* Records an error at pos (pos.file may be NULL for messages that have no file). */
void diag_err(struct diag *d, struct srcpos pos, const char *fmt, ...) GS_PRINTF(3, 4)
        GS_NONNULLX(1, 3);
/* Records a warning: printed, but does not make a load fail. */
void diag_warn(struct diag *d, struct srcpos pos, const char *fmt, ...) GS_PRINTF(3, 4)
        GS_NONNULLX(1, 3);
/* Appends copies of src's entries to d, in order (errors still count as errors). */
void diag_append(struct diag *d, const struct diag *src) GS_NONNULL;
/* Prints every entry, one per line, in the order recorded. */
void diag_print(const struct diag *d, FILE *out) GS_NONNULL;
/* Logs every entry through log_err/log_warn. */
void diag_log(const struct diag *d) GS_NONNULL;

static inline int diag_has_errors(const struct diag *d)
{
	return d->n_errors > 0;
}

#endif
