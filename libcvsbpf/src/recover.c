// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Recovering a map-set switch (grow.c) that a crash cut short. The state on
 * disk alone cannot say how far it got (the pin root and "<root>_next" hold
 * two complete sets both before and after the exchange), but the readers
 * can: which set a reader uses decides.
 *
 *   a reader uses the set at "<root>_next"  the switch had begun moving
 *                                           readers: finish it
 *   otherwise                               the staged set is dropped: it
 *                                           was never served (before the
 *                                           first move), or it is the old
 *                                           set (after the exchange)
 *
 * A socket-LB reader is a link pinned at either directory (after a crash
 * between the pin moves and the exchange they are split); its program's
 * map ids name the set it reads. cvs.ko is read from its bound ids.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "internal.h"

/* What is pinned at dir/name, opened; -1 when nothing is (absent is normal
 * here: don't let libbpf warn about it). */
static int pinned_fd(const char *dir, const char *name)
{
	char path[PATH_MAX];

	if (cvs_path_join(path, dir, name) || access(path, F_OK))
		return -1;
	return bpf_obj_get(path);
}

void cvs_pinned_ids(const char *dir, __u32 ids[CVS_M_COUNT])
{
	struct bpf_map_info info;
	__u32 len;
	int i, fd;

	for (i = 0; i < CVS_M_COUNT; i++) {
		ids[i] = 0;
		fd = pinned_fd(dir, cvs_map_names[i]);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[i] = info.id;
		close(fd);
	}
}

static bool id_in_n(__u32 id, const __u32 *ids, int n)
{
	int i;

	for (i = 0; id && i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

static bool id_in(__u32 id, const __u32 ids[CVS_M_COUNT])
{
	return id_in_n(id, ids, CVS_M_COUNT);
}

bool cvs_prog_uses(__u32 prog_id, const __u32 ids[CVS_M_COUNT])
{
	return cvs_prog_uses_any(prog_id, ids, CVS_M_COUNT);
}

bool cvs_prog_uses_any(__u32 prog_id, const __u32 *ids, int n)
{
	struct bpf_prog_info info;
	__u32 map_ids[32], len, i;
	bool uses = false;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	memset(&info, 0, sizeof(info));
	info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
	info.map_ids = (__u64)(unsigned long)map_ids;
	len = sizeof(info);
	if (!bpf_obj_get_info_by_fd(fd, &info, &len)) {
		if (info.nr_map_ids > sizeof(map_ids) / sizeof(map_ids[0]))
			info.nr_map_ids = sizeof(map_ids) / sizeof(map_ids[0]);
		for (i = 0; i < info.nr_map_ids && !uses; i++)
			uses = id_in_n(map_ids[i], ids, n);
	}
	close(fd);
	return uses;
}

/* Whether a link pinned in dir runs a program on a map of ids. */
static bool links_use(const char *dir, const __u32 ids[CVS_M_COUNT])
{
	struct bpf_link_info info;
	bool uses = false;
	__u32 len;
	int i, fd;

	for (i = 0; i < CVS_SOCK_PROGS && !uses; i++) {
		fd = pinned_fd(dir, cvs_sock_pins[i]);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (cvs_is_link(fd) && !bpf_obj_get_info_by_fd(fd, &info, &len))
			uses = cvs_prog_uses(info.prog_id, ids);
		close(fd);
	}
	return uses;
}

bool cvs_readers_use(const char *root, const __u32 ids[CVS_M_COUNT])
{
	struct cvs_module_status st;
	char staged[PATH_MAX];
	__u32 *bound[CVS_M_COUNT];
	int i;

	if (cvs_staged_root(root, staged))
		return false;
	if (links_use(root, ids) || links_use(staged, ids))
		return true;
	if (cvs_module_status(&st) || !st.bound)
		return false;
	cvs_map_id_slots(&st.ids, bound);
	for (i = 0; i < CVS_M_COUNT; i++)
		if (id_in(*bound[i], ids))
			return true;
	return false;
}

/* "<root>_next_new_<pid>": a stage that died before its set was whole. */
static void remove_partial_stages(const char *root)
{
	char dir[PATH_MAX], prefix[NAME_MAX + 1], path[PATH_MAX];
	const char *base = strrchr(root, '/');
	struct dirent *de;
	DIR *d;

	if (!base || snprintf(prefix, sizeof(prefix), "%s" CVS_STAGED_SUFFIX "_new_",
			      base + 1) >= (int)sizeof(prefix))
		return;
	snprintf(dir, sizeof(dir), "%.*s", (int)(base - root), root);
	d = opendir(dir[0] ? dir : "/");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)) ||
		    snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
		    (int)sizeof(path))
			continue;
		if (!cvs_unpin_set(path))
			cvs_log(CVS_LOG_INFO,
				"recovery: removed %s, a staged set a crash left incomplete",
				path);
	}
	closedir(d);
}

/* The staged set is not served: drop it, keeping what readers still need. */
static int roll_back(const char *root, const char *staged)
{
	char from[PATH_MAX], dest[PATH_MAX];
	int fd, i, err;

	fd = open(staged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		close(fd);
		return 0;	/* a live writer holds it: not ours */
	}
	/* Pins of the datapath that sit in the staged directory belong with
	 * the set at the root; none should be there, but never drop one. */
	for (i = 0; i < CVS_SOCK_PINS; i++) {
		if (cvs_path_join(from, staged, cvs_sock_pins[i]) ||
		    cvs_path_join(dest, root, cvs_sock_pins[i]))
			continue;
		if (!access(from, F_OK) && access(dest, F_OK))
			rename(from, dest);
	}
	err = cvs_unlink_pins(staged, cvs_sock_pins, CVS_SOCK_PINS) ?:
	      cvs_unpin_set(staged);
	close(fd);
	return err;
}

static int roll_forward(const char *root, const char *staged)
{
	struct cvs_maps *to;
	int err;

	err = cvs_maps_open_at(staged, NULL, CVS_OPEN_NO_CREATE, &to);
	if (err) {
		cvs_log(CVS_LOG_ERROR,
			"recovery: readers use %s, which cannot be opened: %s",
			staged, strerror(-err));
		return err;
	}
	err = cvs_finish_switch(root, to);
	cvs_maps_close(to);
	return err;
}

int cvs_recover(const char *root)
{
	__u32 staged_ids[CVS_M_COUNT];
	char staged[PATH_MAX];
	struct stat a, b;
	int fd, err;

	err = cvs_staged_root(root, staged);
	if (err)
		return err;
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* nothing at the root: nothing was switched */
	if (flock(fd, LOCK_EX | LOCK_NB) || fstat(fd, &a) || stat(root, &b) ||
	    a.st_ino != b.st_ino) {
		close(fd);
		return 0;	/* held: its writer finished or will */
	}
	remove_partial_stages(root);
	if (access(staged, F_OK)) {
		close(fd);
		return 0;
	}
	cvs_pinned_ids(staged, staged_ids);
	if (cvs_readers_use(root, staged_ids)) {
		err = roll_forward(root, staged);
		if (!err)
			cvs_log(CVS_LOG_INFO,
				"recovery: readers had moved to the staged set; finished switching %s to it",
				root);
	} else {
		err = roll_back(root, staged);
		if (!err)
			cvs_log(CVS_LOG_INFO,
				"recovery: removed %s, which no reader uses (a switch that had not moved a reader, or the old set of one that had)",
				staged);
	}
	close(fd);
	return err;
}
