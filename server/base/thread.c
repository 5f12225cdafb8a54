/* SPDX-License-Identifier: MIT
 * thread.c -- thread_spawn (thread.h). */
#include "server/base/thread.h"

#include <signal.h>

int thread_spawn(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}
