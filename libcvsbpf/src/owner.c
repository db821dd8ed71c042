// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The owner record (cvs_abi.h, "The owner record"): an auxiliary pinned
 * map that says which journal fed the set and how far. Only the control
 * plane reads it; it is pinned beside the set, never a row of CVS_MAPS.
 */
#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "internal.h"

const char *const cvs_aux_pins[1] = { CVS_OWNER_MAP_NAME };

static int create_pinned(const char *path)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts);
	struct cvs_owner zero = {};
	__u32 key = 0;
	int fd, err;

	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, CVS_OWNER_MAP_NAME,
			    sizeof(__u32), sizeof(struct cvs_owner), 1, &opts);
	if (fd < 0)
		return -errno;
	err = bpf_map_update_elem(fd, &key, &zero, BPF_ANY);
	if (!err && bpf_obj_pin(fd, path))
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* The pinned map must be what this file makes, or it is not ours. */
static int check_shape(int fd, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		return -errno;
	if (info.type != BPF_MAP_TYPE_ARRAY || info.key_size != sizeof(__u32) ||
	    info.value_size != sizeof(struct cvs_owner) ||
	    info.max_entries != 1) {
		cvs_log(CVS_LOG_ERROR, "%s is not an owner record of this layout",
			path);
		return -EPROTO;
	}
	return 0;
}

int cvs_owner_open(struct cvs_maps *m)
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts,
		    .file_flags = m->readonly ? BPF_F_RDONLY : 0);
	char path[PATH_MAX];
	int fd, err;

	m->owner_fd = -1;
	err = cvs_path_join(path, m->root, CVS_OWNER_MAP_NAME);
	if (err)
		return err;
	fd = bpf_obj_get_opts(path, &opts);
	if (fd < 0) {
		err = -errno;
		if (err != -ENOENT)
			return err;
		if (m->readonly)
			return 0;	/* a set made before the record */
		/* Only the writer, which holds the root's lock, pins it. */
		fd = create_pinned(path);
		if (fd < 0)
			return fd;
	}
	err = check_shape(fd, path);
	if (err) {
		close(fd);
		return err;
	}
	m->owner_fd = fd;
	return 0;
}

static int get_locked(struct cvs_maps *m, struct cvs_owner *out)
{
	__u32 key = 0;

	if (m->owner_fd < 0)
		return -ENOENT;
	if (bpf_map_lookup_elem(m->owner_fd, &key, out))
		return -errno;
	return out->flags & CVS_OWNER_F_SET ? 0 : -ENOENT;
}

static int set_locked(struct cvs_maps *m, const struct cvs_owner *rec)
{
	struct cvs_owner v = *rec;
	struct timespec now;
	__u32 key = 0;

	if (m->owner_fd < 0)
		return -ENOENT;
	clock_gettime(CLOCK_REALTIME, &now);
	v.updated_ns = (__u64)now.tv_sec * 1000000000ull + now.tv_nsec;
	v.flags = CVS_OWNER_F_SET;
	return bpf_map_update_elem(m->owner_fd, &key, &v, BPF_ANY) ? -errno : 0;
}

CVS_API int cvs_owner_get(struct cvs_maps *m, struct cvs_owner *out)
{
	int err;

	if (!m || !out)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE : get_locked(m, out);
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_owner_set(struct cvs_maps *m, const struct cvs_owner *rec)
{
	int err;

	if (!m || !rec || rec->pad || (rec->flags & ~CVS_OWNER_F_SET))
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE : set_locked(m, rec);
	pthread_mutex_unlock(&m->lock);
	return err;
}

/* Called with from's lock held (stage, switch): to is not shared yet. */
int cvs_owner_carry(struct cvs_maps *from, struct cvs_maps *to)
{
	struct cvs_owner rec;
	__u32 key = 0;
	int err;

	err = get_locked(from, &rec);
	if (err == -ENOENT)
		return 0;
	if (err)
		return err;
	if (to->owner_fd < 0)
		return -ENOENT;
	/* Kept as it was, updated_ns included: nobody applied anything. */
	return bpf_map_update_elem(to->owner_fd, &key, &rec, BPF_ANY) ?
	       -errno : 0;
}
