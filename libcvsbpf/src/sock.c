// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Attaching the socket-LB programs (cvs_sock.bpf.c) to a cgroup v2 through
 * pinned BPF links: the pins keep forwarding alive after the attaching
 * process exits, and are what a later attach adopts instead of stacking a
 * second copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "internal.h"
#include "cvs_sock.skel.h"

/* Indexed by enum cvs_sock_prog; then the programs' own maps. */
const char *const cvs_sock_pins[CVS_SOCK_PINS] = {
	"sock_connect4", "sock_sendmsg4", "sock_recvmsg4", "sock_getpeername4",
	"sock_connect6", "sock_sendmsg6", "sock_recvmsg6", "sock_getpeername6",
	CVS_MAP_SOCK_NAT, CVS_MAP_SOCK_NAT6, CVS_MAP_SOCK_FLOW,
};

/* The socket tables' pins, in the order of their maps in nat_maps(). */
static const char *const *const nat_pins = cvs_sock_pins + CVS_SOCK_PROGS;

static void nat_maps(struct cvs_sock *skel, struct bpf_map *out[CVS_SOCK_NATS])
{
	out[0] = skel->maps.cvs_sknat_v1;
	out[1] = skel->maps.cvs_sknat6_v1;
	out[2] = skel->maps.cvs_sklb_v1;
}

/*
 * Whether sock_addr programs may keep socket-local storage here (Linux
 * 5.10+ lets them call bpf_sk_storage_get). Without it the programs load
 * with the calls pruned and the reverse mapping is the LRU tables only.
 */
bool cvs_sock_storage_ok(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
				       BPF_FUNC_sk_storage_get, NULL) == 1;
}

static struct bpf_program *sock_prog(struct cvs_sock *skel, int i)
{
	struct bpf_program *progs[CVS_SOCK_PROGS] = {
		[CVS_SOCK_CONNECT4] = skel->progs.cvs_connect4,
		[CVS_SOCK_SENDMSG4] = skel->progs.cvs_sendmsg4,
		[CVS_SOCK_RECVMSG4] = skel->progs.cvs_recvmsg4,
		[CVS_SOCK_GETPEERNAME4] = skel->progs.cvs_getpeername4,
		[CVS_SOCK_CONNECT6] = skel->progs.cvs_connect6,
		[CVS_SOCK_SENDMSG6] = skel->progs.cvs_sendmsg6,
		[CVS_SOCK_RECVMSG6] = skel->progs.cvs_recvmsg6,
		[CVS_SOCK_GETPEERNAME6] = skel->progs.cvs_getpeername6,
	};

	return progs[i];
}

static int pin_path(const struct cvs_maps *m, const char *name, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", m->root, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

CVS_API int cvs_cgroup_default(char *path, size_t len)
{
	static const char *const roots[] = { "/sys/fs/cgroup",
					     "/sys/fs/cgroup/unified" };
	struct statfs fs;
	size_t i;

	if (!path || !len)
		return -EINVAL;
	for (i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		if (statfs(roots[i], &fs) || fs.f_type != CGROUP2_SUPER_MAGIC)
			continue;
		if (strlen(roots[i]) >= len)
			return -ENAMETOOLONG;
		strcpy(path, roots[i]);
		return 0;
	}
	cvs_log(CVS_LOG_ERROR, "no cgroup v2 hierarchy at %s or %s", roots[0],
		roots[1]);
	return -ENOENT;
}

/* A cgroup v2 directory, opened; its inode number is its cgroup id. */
static int open_cgroup(const char *path, __u64 *cgroup_id)
{
	struct statfs fs;
	struct stat st;
	int fd, err;

	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		cvs_log(CVS_LOG_ERROR, "cgroup %s: %s", path, strerror(errno));
		return err == -ENOTDIR ? -EINVAL : err;
	}
	if (fstatfs(fd, &fs) || fs.f_type != CGROUP2_SUPER_MAGIC ||
	    fstat(fd, &st)) {
		cvs_log(CVS_LOG_ERROR, "%s is not a cgroup v2 directory", path);
		close(fd);
		return -EINVAL;
	}
	*cgroup_id = st.st_ino;
	return fd;
}

/* The pins must still be the maps this handle holds. */
static int check_pins(struct cvs_maps *m)
{
	int i, err;

	for (i = 0; i < CVS_M_COUNT; i++) {
		err = cvs_pin_state(m, i);
		if (err == -ENOENT)
			cvs_log(CVS_LOG_ERROR, "map set pin %s/%s is missing",
				m->root, cvs_map_names[i]);
		else if (err == -ESTALE)
			cvs_log(CVS_LOG_ERROR,
				"%s/%s holds another map than this handle's",
				m->root, cvs_map_names[i]);
		if (err)
			return err;
	}
	return 0;
}

/*
 * Open the object on m's maps, with m's table size and the socket tables
 * reused where they are pinned (in staged, when not NULL, or in root) and
 * pinned in root when they are in neither. new_nat[t] says whether loading
 * created (and pinned) table t.
 */
static int load_on(struct cvs_maps *m, const char *root, const char *staged,
		   struct cvs_sock **out, bool new_nat[CVS_SOCK_NATS])
{
	struct bpf_map *nats[CVS_SOCK_NATS];
	char path[PATH_MAX];
	struct cvs_sock *skel;
	int i, t, err, nat_fd;

	skel = cvs_sock__open();
	if (!skel)
		return -errno;
	skel->rodata->cvs_table_slots = m->table_slots;
	skel->rodata->cvs_maglev_slots = m->meta2.maglev_slots;
	skel->rodata->cvs_sk_storage = cvs_sock_storage_ok();
	for (i = 0, err = 0; i < CVS_M_COUNT && !err; i++) {
		struct bpf_map *map = bpf_object__find_map_by_name(
			skel->obj, cvs_map_names[i]);

		err = map ? bpf_map__reuse_fd(map, m->fds[i]) : -ENOENT;
	}
	/* Keep the socket tables of an earlier attach (or of the set this one
	 * replaces): open sockets still need them to show their VIP. A table
	 * whose pin was removed (rm -r of the root) is created empty, and the
	 * adopted links move to programs on it: sockets connected before see
	 * their backend, not the VIP, from getpeername() and recvmsg() (UDP)
	 * until they close. The old table lives on only in the replaced
	 * programs, which go with the update; recovering it by id is not
	 * worth that rare case. */
	nat_maps(skel, nats);
	for (t = 0; t < CVS_SOCK_NATS && !err; t++) {
		nat_fd = -ENOENT;
		if (staged && !cvs_path_join(path, staged, nat_pins[t]))
			nat_fd = bpf_obj_get(path);
		err = cvs_path_join(path, root, nat_pins[t]);
		if (!err && nat_fd < 0)
			nat_fd = bpf_obj_get(path);
		if (err) {
			if (nat_fd >= 0)
				close(nat_fd);
		} else if (nat_fd >= 0) {
			err = bpf_map__reuse_fd(nats[t], nat_fd);
			close(nat_fd);
		} else {
			err = bpf_map__set_pin_path(nats[t], path);
			new_nat[t] = true;
		}
	}
	err = err ?: cvs_sock__load(skel);
	if (err) {
		cvs_log(CVS_LOG_ERROR, "loading the socket-LB programs: %s",
			strerror(-err));
		cvs_sock__destroy(skel);
		return err;
	}
	*out = skel;
	return 0;
}

int cvs_sock_load(struct cvs_maps *m, const char *root, const char *staged,
		  void **obj, int prog_fds[CVS_SOCK_PROGS])
{
	bool new_nat[CVS_SOCK_NATS] = {};
	struct cvs_sock *skel;
	int i, err;

	err = load_on(m, root, staged, &skel, new_nat);
	if (err)
		return err;
	for (i = 0; i < CVS_SOCK_PROGS; i++)
		prog_fds[i] = bpf_program__fd(sock_prog(skel, i));
	*obj = skel;
	return 0;
}

void cvs_sock_unload(void *obj)
{
	cvs_sock__destroy(obj);
}

/* bpf_link__open() opens whatever is pinned; only a link will do. */
bool cvs_is_link(int fd)
{
	static const char want[] = "anon_inode:bpf-link";
	char path[64], target[64];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, target, sizeof(target) - 1);
	return n == sizeof(want) - 1 && !memcmp(target, want, n);
}

/*
 * The pinned link of program i and its info: 0, -ENOENT when nothing is
 * pinned there, -EPROTO when something other than a link is.
 */
static int pinned_link(struct cvs_maps *m, int i, struct bpf_link **out,
		       struct bpf_link_info *info)
{
	char path[PATH_MAX];
	struct bpf_link *link;
	__u32 len = sizeof(*info);
	int err;

	memset(info, 0, sizeof(*info));
	/* Absent is normal; don't let libbpf warn about it. */
	err = pin_path(m, cvs_sock_pins[i], path);
	if (err)
		return err;
	if (access(path, F_OK))
		return -ENOENT;
	link = bpf_link__open(path);
	if (!link)
		return -errno;
	if (!cvs_is_link(bpf_link__fd(link))) {
		cvs_log(CVS_LOG_ERROR, "%s is pinned but is not a BPF link",
			path);
		bpf_link__destroy(link);
		return -EPROTO;
	}
	err = bpf_obj_get_info_by_fd(bpf_link__fd(link), info, &len);
	if (err) {
		bpf_link__destroy(link);
		return err;
	}
	*out = link;
	return 0;
}

static void unpin_new(struct bpf_link **fresh)
{
	int i;

	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (!fresh[i])
			continue;
		bpf_link__unpin(fresh[i]);
		bpf_link__detach(fresh[i]);
		bpf_link__destroy(fresh[i]);
		fresh[i] = NULL;
	}
}

static int attach_locked(struct cvs_maps *m, int cg_fd, __u64 cg_id)
{
	struct bpf_link *fresh[CVS_SOCK_PROGS] = {};
	const char *failed = NULL;
	struct bpf_link_info info;
	bool new_nat[CVS_SOCK_NATS] = {};
	struct bpf_map *nats[CVS_SOCK_NATS];
	struct bpf_link *link;
	struct cvs_sock *skel;
	char path[PATH_MAX];
	int i, err;

	/* Refuse a move, or a foreign pin, before anything changes. */
	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		err = pinned_link(m, i, &link, &info);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		bpf_link__destroy(link);
		if (info.cgroup.cgroup_id && info.cgroup.cgroup_id != cg_id) {
			cvs_log(CVS_LOG_ERROR,
				"%s is attached to cgroup id %llu; detach first",
				cvs_sock_pins[i],
				(unsigned long long)info.cgroup.cgroup_id);
			return -EEXIST;
		}
	}
	err = load_on(m, m->root, NULL, &skel, new_nat);
	if (err)
		return err;
	for (i = 0; i < CVS_SOCK_PROGS && !err; i++) {
		failed = cvs_sock_pins[i];
		if (pinned_link(m, i, &link, &info))
			link = NULL;
		if (link && info.cgroup.cgroup_id == cg_id) {
			/* Adopt: same link, current program, no second copy */
			err = bpf_link__update_program(link, sock_prog(skel, i));
			bpf_link__destroy(link);
			continue;
		}
		if (link) {
			/* Its cgroup is gone: the link is defunct. */
			bpf_link__unpin(link);
			bpf_link__destroy(link);
		}
		fresh[i] = bpf_program__attach_cgroup(sock_prog(skel, i), cg_fd);
		if (!fresh[i]) {
			err = -errno;
			break;
		}
		err = pin_path(m, cvs_sock_pins[i], path) ?:
		      bpf_link__pin(fresh[i], path);
	}
	if (err) {
		cvs_log(CVS_LOG_ERROR, "attaching %s: %s", failed,
			strerror(-err));
		unpin_new(fresh);
		/* A socket table this call created goes with its links. */
		nat_maps(skel, nats);
		for (i = 0; i < CVS_SOCK_NATS; i++)
			if (new_nat[i])
				bpf_map__unpin(nats[i], NULL);
	}
	for (i = 0; i < CVS_SOCK_PROGS; i++)
		bpf_link__destroy(fresh[i]);	/* the pins hold them */
	cvs_sock__destroy(skel);
	return err;
}

CVS_API int cvs_sock_attach(struct cvs_maps *m, const char *cgroup_path)
{
	char path[PATH_MAX];
	__u64 cg_id = 0;
	int cg_fd, err;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	if (!cgroup_path) {
		err = cvs_cgroup_default(path, sizeof(path));
		if (err)
			return err;
		cgroup_path = path;
	}
	cg_fd = open_cgroup(cgroup_path, &cg_id);
	if (cg_fd < 0)
		return cg_fd;
	pthread_mutex_lock(&m->lock);
	err = check_pins(m) ?: attach_locked(m, cg_fd, cg_id);
	pthread_mutex_unlock(&m->lock);
	close(cg_fd);
	if (!err)
		cvs_log(CVS_LOG_INFO, "socket-LB attached to %s", cgroup_path);
	return err;
}

CVS_API int cvs_sock_detach(struct cvs_maps *m)
{
	struct bpf_link_info info;
	struct bpf_link *link;
	char path[PATH_MAX];
	int i, ret, err = 0;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		ret = pinned_link(m, i, &link, &info);
		if (ret) {
			/* Never unlink a pin that is not ours to remove. */
			if (ret != -ENOENT && !err)
				err = ret;
			continue;
		}
		/* Detach even if another process still holds the link. */
		bpf_link__detach(link);
		if (bpf_link__unpin(link) && !err)
			err = -errno;
		bpf_link__destroy(link);
	}
	for (i = 0; i < CVS_SOCK_NATS; i++)
		if (!pin_path(m, nat_pins[i], path) && unlink(path) &&
		    errno != ENOENT && !err)
			err = -errno;
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_sock_status(struct cvs_maps *m, struct cvs_sock_status *out)
{
	struct bpf_link_info info;
	struct bpf_link *link;
	int i;

	if (!m || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (pinned_link(m, i, &link, &info))
			continue;	/* absent, or not a link: not attached */
		bpf_link__destroy(link);
		if (!info.cgroup.cgroup_id)
			continue;	/* its cgroup was removed */
		out->cgroup_id = info.cgroup.cgroup_id;
		out->prog_ids[i] = info.prog_id;
		out->link_ids[i] = info.id;
		out->attached++;
	}
	pthread_mutex_unlock(&m->lock);
	return 0;
}
