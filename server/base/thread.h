/* SPDX-License-Identifier: MIT
 * thread.h -- starting a helper thread the way every thread of geosteerd starts: with
 * every signal blocked, since signals are the main thread's (it handles them on its
 * loop). Any thread. */
#ifndef GS_THREAD_H
#define GS_THREAD_H

#include <pthread.h>

#include "server/base/compiler.h"

/* pthread_create(t, NULL, fn, arg) with all signals blocked in the new thread; the
 * caller's mask is unchanged. Returns pthread_create's result (0 or an errno value). */
int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg) GS_NONNULLX(1, 2) GS_WUR;

#endif
