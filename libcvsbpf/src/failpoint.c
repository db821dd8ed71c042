// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Crash injection for the map-set switch (grow.c): CVS_FAILPOINT=<name>
 * makes the process SIGKILL itself at that point, so tests can check that
 * recovery handles a crash at every step. The names are listed in
 * cvsbpf.h. SIGKILL, not abort(): nothing may run on the way out, exactly
 * as when the OOM killer or a power cut stops the daemon.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Read once per process; the pid check re-reads it in a forked child,
 * which is how the tests (and anything else that forks) arm it. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pid_t read_by;
static char armed[64];

void cvs_failpoint(const char *name)
{
	pid_t pid = getpid();
	const char *v;
	bool hit;

	pthread_mutex_lock(&lock);
	if (read_by != pid) {
		v = getenv("CVS_FAILPOINT");
		armed[0] = '\0';
		if (v && strlen(v) < sizeof(armed))
			strcpy(armed, v);
		read_by = pid;
	}
	hit = armed[0] && !strcmp(armed, name);
	pthread_mutex_unlock(&lock);
	if (hit) {
		cvs_log(CVS_LOG_WARN, "failpoint %s: killing the process",
			name);
		raise(SIGKILL);
	}
}
