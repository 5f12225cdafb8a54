/* SPDX-License-Identifier: MIT
 * sdnotify.h -- the systemd readiness protocol (sd_notify(3)) without libsystemd:
 * datagrams to the AF_UNIX socket named by $NOTIFY_SOCKET, and the service watchdog's
 * interval ($WATCHDOG_USEC). Main thread only. */
#ifndef GS_SDNOTIFY_H
#define GS_SDNOTIFY_H

#include <stdbool.h>
#include <stdint.h>

#include "server/base/compiler.h"

/* Connects to $NOTIFY_SOCKET, if set, reads the watchdog interval ($WATCHDOG_USEC, when
 * $WATCHDOG_PID is unset or ours), and removes the three from the environment (so that
 * programs we start later do not talk to the service manager in our name). Call before
 * dropping privileges: the socket may not be writable by the unprivileged user.
 * Returns GS_OK (also when not run by systemd), GS_EINVAL for a malformed socket name,
 * or GS_EIO (errno says why). */
int sdnotify_open(void) GS_WUR;
/* Sends state (newline-separated "KEY=VALUE" assignments, e.g. "READY=1"). Returns
 * GS_OK when sent or when there is no notification socket, GS_EIO otherwise. */
int sdnotify_send(const char *state) GS_NONNULL GS_WUR;
/* Whether a notification socket is open (we run under a service manager). */
bool sdnotify_is_open(void);
/* The watchdog interval in microseconds: "WATCHDOG=1" must be sent more often than
 * this, or the service manager kills the daemon. 0: no watchdog (or no socket). */
uint64_t sdnotify_watchdog_usec(void);
/* Closes the socket; safe to call when none is open. */
void sdnotify_close(void);

#endif
