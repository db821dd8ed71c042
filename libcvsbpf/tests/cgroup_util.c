// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cgroup_util.h"

/* The "0::/path" line of /proc/self/cgroup names the cgroup v2 directory. */
int cgroup_util_current(const char *root, char *out, size_t len)
{
	char line[PATH_MAX + 8];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		err = snprintf(out, len, "%s%s", root, line + 3) < (int)len ?
		      0 : -ENAMETOOLONG;
		break;
	}
	fclose(f);
	return err;
}

/* Writing the pid to cgroup.procs moves every thread of this process. */
int cgroup_util_join(const char *dir)
{
	char path[PATH_MAX], pid[16];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	n = snprintf(pid, sizeof(pid), "%d\n", getpid());
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, pid, n) != n)
		err = -errno;
	if (fd >= 0)
		close(fd);
	return err;
}
