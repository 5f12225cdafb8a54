/* SPDX-License-Identifier: MIT
 * signer.h -- the DNSSEC signer thread: an evthread (server/base/evthread.h) woken by an
 * ev_async whenever health changes (health_on_change) or a snapshot is published, which
 * signs the address sets health leaves up in large datacenters of zones geosteer signs
 * (server/load/steer_resign.h) and publishes them to the workers. It starts with the
 * first snapshot that needs it and idles otherwise.
 *
 * Threads: signer_new, signer_attach and signer_free on the main or reloading thread;
 * signer_kick from any thread (it never blocks). */
#ifndef GS_SIGNER_H
#define GS_SIGNER_H

#include "server/base/compiler.h"
#include "server/load/steer_resign.h"

struct signer;

/* Returns GS_OK or GS_EIO (logged). */
int signer_new(struct signer **out) GS_NONNULL GS_WUR;

/* Makes r (the state of the snapshot about to be published, NULL for none) what the
 * signer works on, starts the thread when r needs it, and wakes it. arg: the signer
 * (the form reload_set_signer takes). */
void signer_attach(void *arg, struct steer_resign *r);

/* Health changed: wakes the signer (health_on_change's form; arg: the signer). */
void signer_kick(void *arg);

/* Stops the thread and frees s; accepts NULL. After every snapshot attached to it was
 * freed and nothing calls signer_kick any more. */
void signer_free(struct signer *s);

#endif
