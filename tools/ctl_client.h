/* SPDX-License-Identifier: MIT
 * ctl_client.h -- geosteerctl's side of the control socket (protocol: server/ctl_proto.h,
 * docs/control.md): connects, sends one request line, prints the data lines of the
 * response and its status line, and turns the status into an exit status.
 * Single-threaded tool code. */
#ifndef GS_CTL_CLIENT_H
#define GS_CTL_CLIENT_H

#include <stdio.h>

#include "server/base/compiler.h"

/* How long to wait for the whole response (milliseconds): reload loads every zone. */
#define CTL_CLIENT_TIMEOUT_MS        15000
#define CTL_CLIENT_RELOAD_TIMEOUT_MS 300000

/* Sends words[0 .. n) joined by single spaces as one request to the control socket at
 * path, waits at most timeout_ms for the response, writes each data line (without its
 * ". " prefix) and the text of an "OK text" status line to out, and the message of an
 * "ERR message" status line, or why the daemon could not be asked, to err as
 * "geosteerctl: ...". Returns 0 on OK, 1 on ERR, on connection or timeout failure, and
 * on a response that breaks the protocol. */
int ctl_client_run(const char *path, char *const *words, int n, unsigned timeout_ms, FILE *out,
                   FILE *err) GS_NONNULL GS_WUR;

#endif
