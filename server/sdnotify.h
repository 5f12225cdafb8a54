/* SPDX-License-Identifier: MIT
 * sdnotify.h -- the systemd readiness protocol (sd_notify(3)) without libsystemd: one
 * datagram to the AF_UNIX socket named by $NOTIFY_SOCKET. Main thread only. */
#ifndef GS_SDNOTIFY_H
#define GS_SDNOTIFY_H

#include "server/base/compiler.h"

/* Sends state (newline-separated "KEY=VALUE" assignments, e.g. "READY=1") to the
 * service manager. Returns GS_OK when sent or when $NOTIFY_SOCKET is unset (not run by
 * systemd: nothing to do), GS_EINVAL for a malformed socket name, GS_EIO when the send
 * fails (errno says why). */
int sdnotify_send(const char *state) GS_NONNULL GS_WUR;

#endif
