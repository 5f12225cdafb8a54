/* SPDX-License-Identifier: MIT
 * ctl_client.h -- geosteerctl's side of the control socket (protocol: server/ctl/ctl_proto.h,
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
 * path and waits at most timeout_ms for the response. After an OK status line, writes
 * each data line (without its ". " prefix) and the status text to out. After an ERR
 * one, writes the data lines (a failed reload's FILE:LINE lines, say) and then the
 * message as "geosteerctl: MESSAGE" to err; so too, in place of the message, why the
 * daemon could not be asked or broke the protocol. Returns 0 on OK, 1 otherwise. */
int ctl_client_run(const char *path, char *const *words, int n, unsigned timeout_ms, FILE *out,
                   FILE *err) GS_NONNULL GS_WUR;

#endif
