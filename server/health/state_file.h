/* SPDX-License-Identifier: MIT
 * state_file.h -- override persistence: the state file (`state_file:`) that keeps the
 * admin forces across restarts. Its text format (one force per line, `dc NAME up|down`
 * or `addr ADDRESS up|down`, then optional KEY=VALUE fields, `#` comments), the crash-safe
 * replacement of the file (a fixed temporary name next to it, fsync, rename, fsync of the folder),
 * the removal of a temporary file an interrupted write left, and the check of its location that
 * --check and start-up share, and the saver that keeps racing writes of one file in order.
 * The forces themselves live in health.c, which renders them under its mutex and writes
 * them after releasing it; this file knows nothing of struct health. Any thread that is
 * not a worker.
 */
#ifndef GS_STATE_FILE_H
#define GS_STATE_FILE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/base/compiler.h"
#include "server/base/diag.h"
#include "server/base/netaddr.h"

/* A state file holds a few lines per force; anything larger is not one. */
#define STATE_FILE_MAX (16u << 20)
/* Most KEY=VALUE fields after a force's state, and the longest decoded reason (with
 * its NUL). */
#define STATE_FILE_FIELDS_MAX 8
#define STATE_FILE_REASON_MAX 256
/* The temporary file of a write is the state file's name with this suffix. */
#define STATE_FILE_TEMP_SUFFIX ".tmp"

/* One force as the file keeps it: a datacenter (dc) or an address (addr), and the
 * optional fields after its state, each KEY=VALUE:
 *   until=UNIX_SECONDS  it reverts to auto by itself then
 *   by=UID              the uid of the control socket's client that set it
 *   at=UNIX_SECONDS     when it was set
 *   reason=TEXT         why, percent-encoded: '%', blanks and control bytes as %XX
 *   node=NAME           the fleet node where it was set (fleet: forces only)
 * A line without them (the file's first format) is a force of unknown origin that does
 * not expire. Unknown keys are ignored (a later version may add some). The format is
 * documented in docs/health-checks.md. */
struct state_force {
	const char *dc; /* NULL for an address */
	struct netaddr addr;
	bool is_down;       /* forced down, else forced up */
	long long by;       /* -1: unknown */
	long long at;       /* 0: unknown */
	long long until;    /* 0: never expires */
	const char *reason; /* decoded; NULL or "" for none */
	const char *node;   /* NULL or "" for none */
};

/* Called for every well-formed line; returns NULL to take the force, or why it is
 * refused (the line is then ignored with a warning at its position). */
typedef const char *(*state_file_force_fn)(void *arg, const struct state_force *sf);

/* Reads the forces of text (the contents of file) into fn; malformed lines are warned
 * about in d at FILE:LINE and skipped. */
void state_file_parse(const char *file, const char *text, state_file_force_fn fn, void *arg,
                      struct diag *d) GS_NONNULLX(1, 2, 3, 5);

/* Percent-encodes text into out (cap bytes, NUL-terminated): '%', bytes up to 0x20 and
 * 0x7f become %XX. Returns false when it does not fit. */
bool state_file_encode(const char *text, char *out, size_t cap) GS_NONNULL;
/* Decodes %XX sequences of text into out (cap bytes, NUL-terminated). Returns false on
 * a bad sequence, a decoded NUL, or when it does not fit. */
bool state_file_decode(const char *text, char *out, size_t cap) GS_NONNULL;

/* Renders v[0 .. n) in the file's format (owned by the caller; *len set). Never NULL. */
char *state_file_render(const struct state_force *v, size_t n, size_t *len) GS_NONNULLX(3) GS_WUR;

/* Replaces path with text so that a crash leaves either the old or the new file.
 * Callers serialise writes to one path. Returns GS_OK or GS_EIO (logged). */
int state_file_write(const char *path, const char *text, size_t len) GS_NONNULL GS_WUR;

/* Keeps the writes of one state file in order when several threads save it. Each text
 * gets a generation (1, 2, ...) when it is rendered, under the lock that protects the
 * forces; it is written later, without that lock, under the saver's own mutex. A text
 * older than one already written is not written: it would put an older state back. */
struct state_file_saver {
	pthread_mutex_t mu;
	uint64_t gen; /* of the newest text written or tried; 0 before the first */
	int rc;       /* what that write returned */
};

void state_file_saver_init(struct state_file_saver *s) GS_NONNULL;
void state_file_saver_destroy(struct state_file_saver *s) GS_NONNULL;
/* Writes text, rendered as generation gen, to path (state_file_write), unless a text of
 * generation gen or newer was written already: then it touches nothing and returns what
 * that write returned, since the newer text holds this one's change as well. Returns
 * GS_OK or GS_EIO (logged). Any thread; never call it holding the forces' lock. */
int state_file_save(struct state_file_saver *s, const char *path, const char *text, size_t len,
                    uint64_t gen) GS_NONNULL GS_WUR;

/* Removes the temporary file (path + ".tmp") that only a write cut short (kill -9, a
 * crash) leaves behind, if any (logged). At daemon start, before anything writes. */
void state_file_remove_temp(const char *path) GS_NONNULL;

/* Checks that path can serve as the state file, as `geosteerd --check` and start-up
 * both require: when it exists it is a regular file geosteerd can read, and its folder
 * exists and is writable (forces are saved by a rename there). Errors go to d at pos
 * (the state_file key). Returns GS_OK or GS_EPARSE. Touches nothing. */
int state_file_check(const char *path, struct srcpos pos, struct diag *d) GS_NONNULLX(1, 3);

#endif
