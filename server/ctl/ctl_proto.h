/* SPDX-License-Identifier: MIT
 * ctl_proto.h -- the control socket's line protocol, shared by the daemon
 * (server/ctl/control.c, control thread) and geosteerctl (tools/ctl_client.c): limits,
 * splitting a request line into words, building a response, and reading response lines.
 * Pure functions on caller-owned memory; any thread. The protocol itself is documented
 * in docs/control.md:
 *
 *   client:  one request line, words separated by blanks, ending in "\n" ("\r\n" too)
 *   server:  zero or more data lines, each starting with ". " (a lone "." for an empty
 *            one), then one status line, "OK" or "OK text" or "ERR message", then it
 *            closes the connection. One request per connection. */
#ifndef GS_CTL_PROTO_H
#define GS_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "server/base/compiler.h"

/* Longest request line, newline included. A longer one is answered with an error once
 * it has been read to its end (at most CTL_DISCARD_MAX bytes of it are read, at most
 * CTL_DISCARD_ROUND in one go). */
#define CTL_REQUEST_MAX   1024
#define CTL_DISCARD_MAX   ((size_t)1 << 20)
#define CTL_DISCARD_ROUND ((size_t)64 << 10)
/* Most words in a request line (the command and its arguments). */
#define CTL_WORDS_MAX 16
/* What the server allows for receiving the request line, and again for sending the
 * response, before it drops the connection (milliseconds). */
#define CTL_IO_TIMEOUT_MS 5000
/* Most connections the server serves at once; further ones get "ERR busy". */
#define CTL_CONN_MAX 32

/* Splits line (NUL-terminated, without its newline; a trailing "\r" is dropped) in
 * place into words separated by blanks (spaces and tabs). Sets words[0 .. *n). Returns
 * GS_OK, GS_EINVAL when the line holds another control character (or a byte 0x7f), or
 * GS_ERANGE when it has more than max words. */
int ctl_split(char *line, char **words, size_t max, size_t *n) GS_NONNULL GS_WUR;

/* A response being built: a growable byte buffer (heap). */
struct ctl_out {
	char *buf;
	size_t len, cap;
};

void ctl_out_init(struct ctl_out *o) GS_NONNULL;
void ctl_out_free(struct ctl_out *o);
/* Appends text as data lines: every line of text (split at "\n"; a final newline does
 * not make an extra empty line) gets the ". " prefix. Other control characters are
 * replaced with '?', so a value can never end a line early. */
void ctl_out_text(struct ctl_out *o, const char *text) GS_NONNULL;
/* Formats, then ctl_out_text. */
void ctl_out_data(struct ctl_out *o, const char *fmt, ...) GS_PRINTF(2, 3) GS_NONNULL;
/* Appends the status line "OK text" ("OK" when the text is empty) or "ERR message".
 * Newlines and other control characters in the text become blanks. Call once, last. */
void ctl_out_ok(struct ctl_out *o, const char *fmt, ...) GS_PRINTF(2, 3) GS_NONNULL;
void ctl_out_err(struct ctl_out *o, const char *fmt, ...) GS_PRINTF(2, 3) GS_NONNULL;

/* What one response line (without its newline) is. */
enum ctl_line {
	CTL_LINE_DATA, /* *text: the line after ". " ("" for a lone ".") */
	CTL_LINE_OK,   /* *text: after "OK " ("" for a bare "OK") */
	CTL_LINE_ERR,  /* *text: after "ERR " ("" for a bare "ERR") */
	CTL_LINE_BAD,  /* anything else: a protocol violation; *text: the line */
};
enum ctl_line ctl_parse_line(const char *line, const char **text) GS_NONNULL;

#endif
