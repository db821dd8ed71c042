// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The network namespaces of the processes below a cgroup: where the flow
 * sweeps run and where cvs_client_netns() looks for a client. Found
 * through each cgroup's processes and deduplicated by inode, so a thousand
 * processes of one pod cost one namespace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static int netns_add(struct cvs_netns_set *s, const char *path)
{
	struct stat st;
	__u32 i;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ESRCH ? 0 : -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	for (i = 0; i < s->len; i++) {
		if (s->inos[i] == st.st_ino && s->devs[i] == st.st_dev) {
			close(fd);
			return 0;
		}
	}
	if (s->len == s->cap) {
		__u32 cap = s->cap ? s->cap * 2 : 16;
		int *fds = realloc(s->fds, cap * sizeof(*fds));
		dev_t *devs = fds ? realloc(s->devs, cap * sizeof(*devs)) : NULL;
		ino_t *inos = devs ? realloc(s->inos, cap * sizeof(*inos)) : NULL;

		if (fds)
			s->fds = fds;
		if (devs)
			s->devs = devs;
		if (!inos) {
			close(fd);
			return -ENOMEM;
		}
		s->inos = inos;
		s->cap = cap;
	}
	s->fds[s->len] = fd;
	s->devs[s->len] = st.st_dev;
	s->inos[s->len] = st.st_ino;
	s->len++;
	return 0;
}

void cvs_netns_free(struct cvs_netns_set *s)
{
	__u32 i;

	for (i = 0; i < s->len; i++)
		close(s->fds[i]);
	free(s->fds);
	free(s->devs);
	free(s->inos);
}

/* nftw() takes no context: the walk's, one walk at a time. */
static pthread_mutex_t walk_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cvs_netns_set *walk_set;
static int walk_err;
static __u64 walk_cg_id;
static char walk_found[PATH_MAX];

/* Every process of one cgroup directory: its network namespace. */
static int add_procs(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	char procs[PATH_MAX], ns[64];
	unsigned long pid;
	FILE *f;
	int err = 0;

	(void)st;
	(void)ftw;
	if (type != FTW_D || cvs_path_join(procs, path, "cgroup.procs"))
		return 0;
	f = fopen(procs, "re");
	if (!f)
		return 0;	/* removed under the walk */
	while (!err && fscanf(f, "%lu", &pid) == 1) {
		snprintf(ns, sizeof(ns), "/proc/%lu/ns/net", pid);
		err = netns_add(walk_set, ns);
	}
	fclose(f);
	if (err) {
		walk_err = err;
		return 1;
	}
	return 0;
}

static int find_cgroup(const char *path, const struct stat *st, int type,
		       struct FTW *ftw)
{
	(void)ftw;
	if (type != FTW_D || st->st_ino != walk_cg_id)
		return 0;
	snprintf(walk_found, sizeof(walk_found), "%s", path);
	return 1;
}

/* The cgroup the socket-LB's links are attached to; -ENOENT if none. */
int cvs_attached_cgroup(struct cvs_maps *m, char *path)
{
	struct cvs_sock_status st;
	char root[PATH_MAX];
	int err;

	err = cvs_sock_status(m, &st) ?: cvs_cgroup_default(root, sizeof(root));
	if (err)
		return err;
	if (!st.cgroup_id)
		return -ENOENT;
	pthread_mutex_lock(&walk_lock);
	walk_cg_id = st.cgroup_id;
	walk_found[0] = 0;
	nftw(root, find_cgroup, 16, FTW_PHYS | FTW_MOUNT);
	snprintf(path, PATH_MAX, "%s", walk_found);
	pthread_mutex_unlock(&walk_lock);
	return path[0] ? 0 : -ENOENT;
}

int cvs_netns_collect(const char *cgroup_path, struct cvs_netns_set *s)
{
	int err;

	/* The caller's own first: a daemon's clients may share it. */
	err = netns_add(s, "/proc/thread-self/ns/net");
	if (err || !cgroup_path)
		return err;
	pthread_mutex_lock(&walk_lock);
	walk_set = s;
	walk_err = 0;
	if (nftw(cgroup_path, add_procs, 16, FTW_PHYS | FTW_MOUNT) < 0 &&
	    !walk_err)
		walk_err = -errno;
	err = walk_err;
	pthread_mutex_unlock(&walk_lock);
	return err;
}
