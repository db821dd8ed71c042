// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The handle: open, close, capacity, ids, destroy. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <linux/magic.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"
#include "cvs_select.h"

static void release(struct cvs_maps *m)
{
	int i;

	for (i = 0; i < CVS_M_COUNT; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	if (m->owner_fd >= 0)
		close(m->owner_fd);
	if (m->dir_fd >= 0)
		close(m->dir_fd);	/* drops the writer's flock */
	if (m->words)
		munmap(m->words, m->words_len);
	cvs_id_pool_free(&m->free_svcs);
	cvs_id_pool_free(&m->free_backends);
	cvs_id_pool_free(&m->free_maglev);
	cvs_maglev_forget(m);
	free(m->svcs);
	free(m->members);
	free(m->backends);
	free(m->backends6);
	free(m->verify.members);
	free(m->verify.keys);
	free(m->verify.held);
	free(m->verify.want);
	free(m->verify.seen);
	free(m->verify.maglev);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

CVS_API int cvs_maps_open(const char *pin_root,
			  const struct cvs_capacity *cap, __u32 flags,
			  struct cvs_maps **out)
{
	int err;

	if (!out || (flags & ~(CVS_OPEN_READONLY | CVS_OPEN_NO_CREATE)))
		return -EINVAL;
	*out = NULL;
	if (!pin_root)
		pin_root = CVS_PIN_ROOT_DEFAULT;
	if (pin_root[0] != '/' || strlen(pin_root) > PATH_MAX - 32) {
		cvs_log(CVS_LOG_ERROR, "pin root must be an absolute path");
		return -EINVAL;
	}
	/* Only a writer may finish or undo a switch that a crash cut short:
	 * it is the one that would otherwise build on a half-moved set. A
	 * reader opens whatever is at the root, which is always complete. */
	if (!(flags & CVS_OPEN_READONLY)) {
		err = cvs_recover(pin_root);
		if (err)
			return err;
	}
	return cvs_maps_open_at(pin_root, cap, flags, out);
}

int cvs_maps_open_at(const char *pin_root, const struct cvs_capacity *cap,
		     __u32 flags, struct cvs_maps **out)
{
	static const struct cvs_capacity any;
	struct cvs_maps *m;
	int err, i;

	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	pthread_mutex_init(&m->lock, NULL);
	m->readonly = flags & CVS_OPEN_READONLY;
	strcpy(m->root, pin_root);
	m->dir_fd = -1;
	m->owner_fd = -1;
	for (i = 0; i < CVS_M_COUNT; i++)
		m->fds[i] = -1;
	m->ncpus = libbpf_num_possible_cpus();
	if (m->ncpus < 0) {
		err = m->ncpus;
		goto fail;
	}
	err = cvs_pinset_open(m, pin_root, cap ? cap : &any, flags);
	if (!err && !m->readonly)
		err = cvs_pinset_load_state(m);
	if (!err)
		err = cvs_owner_open(m);
	if (err)
		goto fail;
	*out = m;
	return 0;
fail:
	release(m);
	return err;
}

CVS_API void cvs_maps_close(struct cvs_maps *m)
{
	if (m)
		release(m);
}

/* A read-only handle keeps no caches: count from the maps themselves. */
static int usage_of_maps(struct cvs_maps *m, struct cvs_usage *out)
{
	struct cvs_service_key *keys;
	struct cvs_policy pol;
	struct cvs_svc *vals;
	__u32 i, n, members, idx;
	__u64 word;
	int err;

	err = cvs_services_read(m, &keys, &vals, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (vals[i].id >= m->meta.max_services)
			continue;
		word = cvs_word_load(m, vals[i].id);
		if (cvs_read_members(m, vals[i].id, word, NULL, 0, &members))
			continue;
		out->services++;
		out->backends += members;
		idx = cvs_pol_index(vals[i].id, cvs_word_half(word));
		if (!bpf_map_lookup_elem(m->fds[CVS_M_POLICY], &idx, &pol) &&
		    (pol.flags & CVS_POLICY_F_MAGLEV))
			out->maglev_tables++;
	}
	free(keys);
	free(vals);
	return 0;
}

CVS_API int cvs_maps_usage(struct cvs_maps *m, struct cvs_usage *out)
{
	int err = 0;

	if (!m || !out)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	memset(out, 0, sizeof(*out));
	out->max = (struct cvs_capacity){
		.max_services = m->meta.max_services,
		.max_backends = m->meta.max_backends,
		.max_members = m->meta.max_members,
		.table_slots = m->meta.table_slots,
		.affinity_entries = m->meta2.affinity_entries,
		.maglev_tables = m->meta2.maglev_tables,
		.maglev_slots = m->meta2.maglev_slots,
	};
	if (m->readonly) {
		err = usage_of_maps(m, out);
	} else {
		out->services = m->meta.max_services - m->free_svcs.len;
		out->backends = m->meta.max_backends - m->free_backends.len;
		out->maglev_tables = m->meta2.maglev_tables -
				     m->free_maglev.len;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_maps_ids(struct cvs_maps *m, struct cvs_map_ids *out)
{
	__u32 *ids[CVS_M_COUNT];
	int err = 0, i;

	if (!m || !out)
		return -EINVAL;
	cvs_map_id_slots(out, ids);
	for (i = 0; i < CVS_M_COUNT && !err; i++) {
		struct bpf_map_info info = {};
		__u32 len = sizeof(info);

		err = bpf_obj_get_info_by_fd(m->fds[i], &info, &len);
		*ids[i] = info.id;
	}
	return err;
}

CVS_API int cvs_maps_destroy(const char *pin_root)
{
	struct statfs fs;
	int fd, err = 0;

	if (!pin_root || pin_root[0] != '/' ||
	    strlen(pin_root) > PATH_MAX - 32)
		return -EINVAL;
	fd = open(pin_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* Never unlink look-alike files somewhere that is not bpffs. */
	if (fstatfs(fd, &fs) || fs.f_type != BPF_FS_MAGIC) {
		cvs_log(CVS_LOG_ERROR, "%s is not a bpffs directory", pin_root);
		err = -EINVAL;
		goto out;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		goto out;
	}
	/* Links first: unpinning them detaches the programs. */
	err = cvs_unlink_pins(pin_root, cvs_sock_pins, CVS_SOCK_PINS) ?:
	      cvs_unlink_pins(pin_root, cvs_aux_pins, 1) ?:
	      cvs_unlink_pins(pin_root, cvs_map_names, CVS_M_COUNT);
	if (!err && rmdir(pin_root))
		err = -errno;
out:
	close(fd);
	return err;
}
