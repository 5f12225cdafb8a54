/* SPDX-License-Identifier: MIT
 * zone_text.h -- private to zones/: the loader's own reader of RFC 1035 master-file text
 * for the common record types, so that most records never go through ldns's
 * character-at-a-time parser. It reads exactly what ldns 1.8 reads: the same extent for
 * each entry (parentheses, comments, quotes and escapes as ldns's line reader treats
 * them) and the same owner, type and wire rdata for every record it accepts. Whatever
 * it is not sure about (other types, classes other than IN, unusual escapes or numbers,
 * errors of any kind) it declines, and zone_load.c hands that entry to ldns as before,
 * so the messages and results stay ldns's. Pure functions, any thread. */
#ifndef GS_ZONE_TEXT_H
#define GS_ZONE_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/dname.h"

/* Longest logical line (after joining parentheses) read here; longer ones go to ldns. */
#define ZONE_TEXT_LINE_MAX 65536u

/* Reads the entry that starts at buf[pos] (pos < len) as ldns_rr_new_frm_fp_l's line
 * reader does: comments dropped, parentheses dropped and the newlines inside them made
 * blanks, the line ended by a newline outside parentheses, and the newlines after it
 * skipped. Writes the logical line to line (NUL-terminated, at most
 * ZONE_TEXT_LINE_MAX bytes with the NUL) and its length to *line_len, and the offset just
 * after the entry to *end. Returns false, leaving the entry to ldns, when the text holds
 * something this reader does not model (a NUL byte, a ')' without '(', a line that is
 * too long). */
bool zone_text_line(const char *buf, size_t len, size_t pos, char *line, size_t *line_len,
                    size_t *end) GS_NONNULL;

/* A record as zone_text_record() read it. */
struct zone_text_rr {
	uint8_t owner[DNAME_MAX]; /* wire format, case as written (origin as given) */
	bool owner_named;         /* the line named its owner (or "@"): it is the new
	                           * previous owner for lines that start with a blank */
	uint16_t type;
	uint16_t rdlen;
	uint8_t rdata[UINT16_MAX];
};

enum zone_text_result {
	ZONE_TEXT_RECORD, /* *rr holds the record */
	ZONE_TEXT_EMPTY,  /* the line holds nothing (blanks only) */
	ZONE_TEXT_LDNS,   /* not read here: hand the entry to ldns */
};

/* Reads the logical line (from zone_text_line; modified in place) as one IN record of a
 * type this reader knows. origin is the $ORIGIN in force and prev the previous owner
 * (NULL when no line named one yet), both wire format. */
enum zone_text_result zone_text_record(char *line, size_t line_len, const uint8_t *origin,
                                       const uint8_t *prev, struct zone_text_rr *rr)
        GS_NONNULLX(1, 3, 5);

#endif
