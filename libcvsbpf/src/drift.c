// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Drift and repin: noticing, cheaply, that the maps or the pins are no
 * longer what this writer made them, and putting the pins back from the fds
 * the handle still holds (cvsbpf.h, "Drift").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "internal.h"

/* cvs_pin_state() of the map our_fd, pinned at name. */
static int pin_state_of(struct cvs_maps *m, const char *name, int our_fd)
{
	struct bpf_map_info ours, pinned;
	char path[PATH_MAX];
	__u32 len;
	int fd, err;

	err = cvs_path_join(path, m->root, name);
	if (err)
		return err;
	fd = bpf_obj_get(path);
	if (fd < 0)
		return fd == -ENOTDIR ? -ENOENT : fd;
	memset(&ours, 0, sizeof(ours));
	memset(&pinned, 0, sizeof(pinned));
	len = sizeof(ours);
	err = bpf_obj_get_info_by_fd(our_fd, &ours, &len);
	len = sizeof(pinned);
	err = err ?: bpf_obj_get_info_by_fd(fd, &pinned, &len);
	close(fd);
	if (err)
		return err;
	return ours.id == pinned.id ? 0 : -ESTALE;
}

int cvs_pin_state(struct cvs_maps *m, int i)
{
	return pin_state_of(m, cvs_map_names[i], m->fds[i]);
}

/* The owner record's pin (owner.c): not a row of CVS_MAPS, but removed with
 * the root all the same, and a daemon's start needs it back. 0 when this
 * handle has none to pin. */
static int owner_pin_state(struct cvs_maps *m)
{
	return m->owner_fd < 0 ? 0 :
	       pin_state_of(m, cvs_aux_pins[0], m->owner_fd);
}

/* The ids a live link's program may read: the maps this handle holds, by
 * enum cvs_map_index, then the socket tables pinned at the root (0 where
 * one is not): recvmsg and getpeername read only those. */
static int reader_ids(struct cvs_maps *m, __u32 ids[CVS_M_COUNT + CVS_SOCK_NATS])
{
	struct bpf_map_info info;
	char path[PATH_MAX];
	__u32 len;
	int i, fd, err;

	for (i = 0; i < CVS_M_COUNT + CVS_SOCK_NATS; i++) {
		ids[i] = 0;
		if (i < CVS_M_COUNT) {
			fd = m->fds[i];
		} else {
			err = cvs_path_join(path, m->root,
					    cvs_sock_pins[CVS_SOCK_PROGS + i -
							  CVS_M_COUNT]);
			fd = err ? err : bpf_obj_get(path);
			if (fd < 0)
				continue;
		}
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (i >= CVS_M_COUNT)
			close(fd);
		if (err)
			return err;
		ids[i] = info.id;
	}
	return 0;
}

/* Links pinned at the root, attached to a live cgroup, whose program reads
 * ids: a link whose pin was removed is gone (its program left the cgroup),
 * and one whose program reads another set does not forward this one's. */
static __u32 live_links(struct cvs_maps *m,
			const __u32 ids[CVS_M_COUNT + CVS_SOCK_NATS])
{
	struct bpf_link_info info;
	char path[PATH_MAX];
	__u32 len, n = 0;
	int i, fd;

	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (cvs_path_join(path, m->root, cvs_sock_pins[i]))
			continue;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (cvs_is_link(fd) && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.cgroup.cgroup_id &&
		    cvs_prog_uses_any(info.prog_id, ids,
				      CVS_M_COUNT + CVS_SOCK_NATS))
			n++;
		close(fd);
	}
	return n;
}

/* Members and policy of a held entry whose word this writer did not
 * store: read from the maps, as a read-only handle counts. */
static void count_from_maps(struct cvs_maps *m, __u32 id, __u64 word,
			    struct cvs_drift *out)
{
	struct cvs_policy pol;
	__u32 members;

	if (cvs_read_members(m, id, word, NULL, 0, &members))
		return;
	out->backends += members;
	if (!cvs_policy_read(m, id, word, &pol) &&
	    (pol.flags & CVS_POLICY_F_MAGLEV))
		out->maglev_tables++;
}

static int services_drift(struct cvs_maps *m, struct cvs_drift *out)
{
	__u32 max = m->meta.max_services, n, i, id, seen = 0;
	struct cvs_service_key *keys;
	struct cvs_svc_state *s;
	struct cvs_svc *vals;
	__u64 *held, word;
	int err;

	held = calloc((max + 63) / 64 ?: 1, sizeof(*held));
	if (!held)
		return -ENOMEM;
	err = cvs_services_read(m, &keys, &vals, &n);
	if (err) {
		free(held);
		return err;
	}
	for (id = 0; id < max; id++)
		out->expected += m->svcs[id].used;
	out->services = n;
	for (i = 0; i < n; i++) {
		id = vals[i].id;
		if (id >= max) {
			out->foreign++;
			continue;
		}
		word = cvs_word_load(m, id);
		s = &m->svcs[id];
		if (!s->used || (held[id / 64] & (1ull << (id % 64)))) {
			out->foreign++;
			count_from_maps(m, id, word, out);
			continue;
		}
		held[id / 64] |= 1ull << (id % 64);
		seen++;
		if (word != s->word) {
			out->differing++;
			count_from_maps(m, id, word, out);
			continue;
		}
		out->backends += s->members;
		out->maglev_tables += !!(s->policy.flags & CVS_POLICY_F_MAGLEV);
	}
	out->missing = out->expected - seen;
	free(keys);
	free(vals);
	free(held);
	return 0;
}

CVS_API int cvs_maps_drift(struct cvs_maps *m, struct cvs_drift *out)
{
	__u32 ids[CVS_M_COUNT + CVS_SOCK_NATS];
	int i, err, state;

	if (!m || !out)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	memset(out, 0, sizeof(*out));
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE : services_drift(m, out);
	for (i = 0; i < CVS_M_COUNT && !err; i++) {
		state = cvs_pin_state(m, i);
		if (state == -ENOENT)
			out->pins_missing++;
		else if (state == -ESTALE)
			out->pins_foreign++;
		else
			err = state;
	}
	state = err ? 0 : owner_pin_state(m);
	if (state == -ENOENT)
		out->pins_missing++;
	else if (state == -ESTALE)
		out->pins_foreign++;
	else
		err = err ?: state;
	err = err ?: reader_ids(m, ids);
	if (!err)
		out->sock_links = live_links(m, ids);
	pthread_mutex_unlock(&m->lock);
	return err;
}

/*
 * The writer's lock follows its root: after rm -r the handle's flock is on
 * a directory nobody can reach, so a second daemon would find the new root
 * unlocked. Lock the directory now at the root, if it is another one.
 */
static int relock_root(struct cvs_maps *m)
{
	struct stat now, held;
	int fd;

	if (mkdir(m->root, 0700) && errno != EEXIST)
		return -errno;
	fd = open(m->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &now) || fstat(m->dir_fd, &held)) {
		close(fd);
		return -errno;
	}
	if (now.st_dev == held.st_dev && now.st_ino == held.st_ino) {
		close(fd);
		return 0;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		cvs_log(CVS_LOG_ERROR,
			"%s was replaced and another writer holds the new one",
			m->root);
		close(fd);
		return errno == EWOULDBLOCK ? -EBUSY : -errno;
	}
	close(m->dir_fd);
	m->dir_fd = fd;
	cvs_log(CVS_LOG_WARN, "%s was removed; created it again", m->root);
	return 0;
}

/* What repin does with a pin in this state: 0 for present or missing (to
 * pin), else the error that stops it; a name holding another map is never
 * replaced. */
static int repinnable(struct cvs_maps *m, const char *name, int state)
{
	if (state == -ESTALE)
		cvs_log(CVS_LOG_ERROR,
			"%s/%s holds another map than this writer's; not repinning",
			m->root, name);
	return state == -ENOENT ? 0 : state;
}

static int pin_again(struct cvs_maps *m, const char *name, int fd)
{
	char path[PATH_MAX];
	int err;

	err = cvs_path_join(path, m->root, name) ?: bpf_obj_pin(fd, path);
	if (err) {
		cvs_log(CVS_LOG_ERROR, "repinning %s: %s", path, strerror(-err));
		return err;
	}
	cvs_log(CVS_LOG_INFO, "map pin %s was missing; pinned it again", path);
	return 0;
}

/* Pin what is missing: the owner record, then map i, the meta map (index
 * 0) last: a set without it is not one. Nothing is pinned when any name
 * holds another map. */
static int repin_locked(struct cvs_maps *m)
{
	bool missing[CVS_M_COUNT] = {};
	int i, k, err, state, owner, pinned = 0;

	err = cvs_mkdir_parents(m->root) ?: relock_root(m);
	if (err)
		return err;
	for (i = 0; i < CVS_M_COUNT; i++) {
		state = cvs_pin_state(m, i);
		err = repinnable(m, cvs_map_names[i], state);
		if (err)
			return err;
		missing[i] = state == -ENOENT;
	}
	owner = owner_pin_state(m);
	err = repinnable(m, cvs_aux_pins[0], owner);
	if (err)
		return err;
	if (owner == -ENOENT) {
		err = pin_again(m, cvs_aux_pins[0], m->owner_fd);
		if (err)
			return err;
		pinned++;
	}
	for (k = 1; k <= CVS_M_COUNT; k++) {
		i = k % CVS_M_COUNT;
		if (!missing[i])
			continue;
		err = pin_again(m, cvs_map_names[i], m->fds[i]);
		if (err)
			return err;
		pinned++;
	}
	return pinned;
}

CVS_API int cvs_maps_repin(struct cvs_maps *m)
{
	int ret;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	pthread_mutex_lock(&m->lock);
	ret = m->switched ? -ESTALE : repin_locked(m);
	pthread_mutex_unlock(&m->lock);
	return ret;
}
