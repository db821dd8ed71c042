// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The pinned map set on bpffs: create it atomically, verify that what is
 * pinned has the layout and capacity asked for, and derive the writer's
 * caches from the maps so that a restart continues where the maps are.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/magic.h>

#include "internal.h"
#include "cvs_mapset.skel.h"

#define CVS_MAP_NAME(ID, field, name, ...) [CVS_M_##ID] = #name,
const char *const cvs_map_names[CVS_M_COUNT] = { CVS_MAPS(CVS_MAP_NAME, _) };
#undef CVS_MAP_NAME

/* cvs_abi.h spells each name twice, in CVS_MAPS and as CVS_MAP_<ID>. */
#define CVS_NAME_AGREES(ID, field, name, ...)				\
	_Static_assert(__builtin_strcmp(CVS_MAP_##ID, #name) == 0,	\
		       "CVS_MAP_" #ID " is not " #name " of CVS_MAPS");
CVS_MAPS(CVS_NAME_AGREES, _)
#undef CVS_NAME_AGREES

static const struct cvs_capacity cvs_default_capacity = {
	.max_services = 1024,
	.max_backends = 16384,
	.max_members = 256,
	.table_slots = 1024,
	.affinity_entries = 65536,
	.maglev_tables = 16,
	.maglev_slots = 16381,
};

/* Largest array the layout allows: keeps every index inside 32 bits. */
#define CVS_ARRAY_LIMIT (1u << 28)

/* The shapes of a set of capacity meta and meta2; the rows of meta and
 * meta2 themselves do not use it. */
static void expected_shapes(const struct cvs_meta *meta,
			    const struct cvs_meta2 *meta2,
			    struct cvs_map_shape s[CVS_M_COUNT])
{
	const struct cvs_layout l = cvs_layout_of(meta, meta2);
	const struct cvs_map_shape shapes[CVS_M_COUNT] = {
		CVS_MAPS(CVS_MAP_SHAPE, l)
	};

	memcpy(s, shapes, sizeof(shapes));
}

/* The policy maps' capacity for a set that lacks them: defaults for zero
 * fields, then sanity. */
static int meta2_to_create(const struct cvs_capacity *req,
			   struct cvs_meta2 *meta2)
{
	const struct cvs_capacity *d = &cvs_default_capacity;

	memset(meta2, 0, sizeof(*meta2));
	meta2->affinity_entries = req->affinity_entries ?: d->affinity_entries;
	meta2->maglev_tables = req->maglev_tables ?: d->maglev_tables;
	meta2->maglev_slots = req->maglev_slots ?: d->maglev_slots;
	if (meta2->maglev_slots < CVS_MAGLEV_SLOTS_MIN ||
	    meta2->maglev_slots > CVS_MAGLEV_SLOTS_MAX ||
	    !cvs_is_prime(meta2->maglev_slots)) {
		cvs_log(CVS_LOG_ERROR,
			"capacity: maglev_slots %u is not a prime in %u..%u",
			meta2->maglev_slots, CVS_MAGLEV_SLOTS_MIN,
			CVS_MAGLEV_SLOTS_MAX);
		return -EINVAL;
	}
	if ((__u64)meta2->maglev_tables * 2 * meta2->maglev_slots >
	    CVS_ARRAY_LIMIT) {
		cvs_log(CVS_LOG_ERROR,
			"capacity: %u Maglev tables x 2 x %u slots exceeds %u entries",
			meta2->maglev_tables, meta2->maglev_slots,
			CVS_ARRAY_LIMIT);
		return -EINVAL;
	}
	return 0;
}

/* Capacity for a new set: defaults for zero fields, then sanity. */
int cvs_capacity_to_create(const struct cvs_capacity *req,
			   struct cvs_meta *meta, struct cvs_meta2 *meta2)
{
	const struct cvs_capacity *d = &cvs_default_capacity;
	int err;

	err = meta2_to_create(req, meta2);
	if (err)
		return err;
	memset(meta, 0, sizeof(*meta));
	meta->magic = CVS_META_MAGIC;
	meta->abi_version = CVS_ABI_VERSION;
	meta->max_services = req->max_services ?: d->max_services;
	meta->max_backends = req->max_backends ?: d->max_backends;
	meta->max_members = req->max_members ?: d->max_members;
	meta->table_slots = req->table_slots ?: d->table_slots;
	meta->gen_reserved = 1;
	if (meta->max_members > meta->table_slots ||
	    meta->max_members > CVS_MEMBERS_LIMIT) {
		cvs_log(CVS_LOG_ERROR,
			"capacity: max_members %u must be <= table_slots %u and <= %u",
			meta->max_members, meta->table_slots,
			CVS_MEMBERS_LIMIT);
		return -EINVAL;
	}
	if (meta->max_backends > CVS_ARRAY_LIMIT ||
	    (__u64)meta->max_services * 2 * meta->table_slots >
	    CVS_ARRAY_LIMIT) {
		cvs_log(CVS_LOG_ERROR,
			"capacity: %u services x 2 x %u slots exceeds %u entries",
			meta->max_services, meta->table_slots,
			CVS_ARRAY_LIMIT);
		return -EINVAL;
	}
	return 0;
}

int cvs_path_join(char *out, const char *dir, const char *name)
{
	int n = snprintf(out, PATH_MAX, "%s/%s", dir, name);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

/*
 * The pin root, or its nearest existing ancestor when it does not exist,
 * must be a writable bpffs directory: checked before anything is created.
 */
static int check_bpffs(const char *root, bool need_write)
{
	char probe[PATH_MAX];
	struct statvfs vfs;
	struct statfs fs;
	char *slash;

	if (strlen(root) >= sizeof(probe))
		return -ENAMETOOLONG;
	strcpy(probe, root);
	while (statfs(probe, &fs)) {
		if (errno != ENOENT)
			return -errno;
		slash = strrchr(probe, '/');
		if (!slash || slash == probe)
			strcpy(probe, "/");
		else
			*slash = '\0';
	}
	if (fs.f_type != BPF_FS_MAGIC) {
		cvs_log(CVS_LOG_ERROR,
			"pin root %s: %s is not on bpffs (filesystem type 0x%lx)",
			root, probe, (unsigned long)fs.f_type);
		return -EINVAL;
	}
	if (!need_write)
		return 0;
	if (statvfs(probe, &vfs) == 0 && (vfs.f_flag & ST_RDONLY)) {
		cvs_log(CVS_LOG_ERROR, "pin root %s: %s is mounted read-only",
			root, probe);
		return -EROFS;
	}
	if (access(probe, W_OK)) {
		cvs_log(CVS_LOG_ERROR, "pin root %s: %s is not writable: %s",
			root, probe, strerror(errno));
		return -EACCES;
	}
	return 0;
}

int cvs_mkdir_parents(const char *root)
{
	char path[PATH_MAX];
	char *p;

	strcpy(path, root);
	for (p = path + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

int cvs_unlink_pins(const char *dir, const char *const *names, int count)
{
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < count; i++) {
		err = cvs_path_join(path, dir, names[i]);
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
	}
	return 0;
}

/* -EEXIST (logged) when a capacity field asked for (non-zero) is not the
 * pinned one. */
static int check_asked(const char *root, const __u32 *have, const __u32 *want,
		       const char *const *what, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (want[i] && want[i] != have[i]) {
			cvs_log(CVS_LOG_ERROR,
				"%s exists with %s %u, not the %u asked for",
				root, what[i], have[i], want[i]);
			return -EEXIST;
		}
	}
	return 0;
}

/* Build the set in a sibling directory and rename it into place. */
int cvs_create_set(const char *root, const struct cvs_meta *meta,
		   const struct cvs_meta2 *meta2)
{
	struct cvs_map_shape shapes[CVS_M_COUNT];
	struct cvs_mapset *skel;
	struct bpf_map *map;
	char tmp[PATH_MAX], path[PATH_MAX];
	__u32 zero = 0;
	int err, i;

	if (snprintf(tmp, sizeof(tmp), "%s_new_%d", root, getpid()) >=
	    (int)sizeof(tmp))
		return -ENAMETOOLONG;
	err = cvs_mkdir_parents(root);
	if (err)
		return err;
	if (mkdir(tmp, 0700))
		return -errno;
	expected_shapes(meta, meta2, shapes);
	skel = cvs_mapset__open();
	if (!skel) {
		err = -errno;
		goto out_rmdir;
	}
	for (i = 0; i < CVS_M_COUNT; i++) {
		map = bpf_object__find_map_by_name(skel->obj, cvs_map_names[i]);
		err = map ? bpf_map__set_max_entries(map, shapes[i].max_entries)
			  : -ENOENT;
		if (err)
			goto out_destroy;
	}
	err = cvs_mapset__load(skel);
	if (err)
		goto out_destroy;
	for (i = 0; i < CVS_M_COUNT; i++) {
		map = bpf_object__find_map_by_name(skel->obj, cvs_map_names[i]);
		err = cvs_path_join(path, tmp, cvs_map_names[i]) ?:
		      bpf_map__pin(map, path);
		if (err)
			goto out_unpin;
	}
	/* meta last: a set with meta written was built completely */
	err = bpf_map_update_elem(bpf_map__fd(skel->maps.cvs_meta2_v1), &zero,
				  meta2, BPF_ANY) ?:
	      bpf_map_update_elem(bpf_map__fd(skel->maps.cvs_meta_v1), &zero,
				  meta, BPF_ANY);
	if (err)
		goto out_unpin;
	if (rename(tmp, root)) {
		err = -errno;
		/* Someone else created it first: use theirs. */
		if (err == -EEXIST || err == -ENOTEMPTY)
			err = 0;
		goto out_unpin;
	}
	cvs_log(CVS_LOG_INFO,
		"created map set %s: %u services, %u backends, %u per service, %u slots, %u affinity entries, %u Maglev tables of %u",
		root, meta->max_services, meta->max_backends,
		meta->max_members, meta->table_slots, meta2->affinity_entries,
		meta2->maglev_tables, meta2->maglev_slots);
	cvs_mapset__destroy(skel);
	return 0;

out_unpin:
	cvs_unlink_pins(tmp, cvs_map_names, CVS_M_COUNT);
out_destroy:
	cvs_mapset__destroy(skel);
out_rmdir:
	rmdir(tmp);
	if (err)
		cvs_log(CVS_LOG_ERROR, "creating map set %s: %s", root,
			strerror(-err));
	return err;
}

static int check_shape(const char *name, int fd,
		       const struct cvs_map_shape *want)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_obj_get_info_by_fd(fd, &info, &len);
	if (err)
		return err;
	if (info.type != want->type || info.key_size != want->key_size ||
	    info.value_size != want->value_size ||
	    info.max_entries != want->max_entries ||
	    (info.map_flags & CVS_SHAPE_FLAGS) != want->flags) {
		cvs_log(CVS_LOG_ERROR,
			"map %s has layout type %u key %u value %u entries %u flags 0x%x, expected type %u key %u value %u entries %llu flags 0x%x",
			name, info.type, info.key_size, info.value_size,
			info.max_entries, info.map_flags, want->type,
			want->key_size, want->value_size,
			(unsigned long long)want->max_entries, want->flags);
		return -EPROTO;
	}
	return 0;
}

static int check_meta(const char *root, const struct cvs_meta *meta,
		      const struct cvs_capacity *req)
{
	const __u32 have[] = { meta->max_services, meta->max_backends,
			       meta->max_members, meta->table_slots };
	const __u32 want[] = { req->max_services, req->max_backends,
			       req->max_members, req->table_slots };
	static const char *const what[] = { "max_services", "max_backends",
					    "max_members", "table_slots" };

	if (meta->magic != CVS_META_MAGIC ||
	    meta->abi_version != CVS_ABI_VERSION) {
		cvs_log(CVS_LOG_ERROR,
			"%s: meta has magic 0x%x ABI %u, expected 0x%x ABI %u",
			root, meta->magic, meta->abi_version, CVS_META_MAGIC,
			CVS_ABI_VERSION);
		return -EPROTO;
	}
	if (!meta->max_services || !meta->max_backends ||
	    !meta->max_members || meta->max_members > meta->table_slots) {
		cvs_log(CVS_LOG_ERROR, "%s: meta holds an impossible capacity",
			root);
		return -EPROTO;
	}
	return check_asked(root, have, want, what,
			   sizeof(have) / sizeof(have[0]));
}

/* meta2 as pinned against the capacity asked for, like check_meta(). */
static int check_meta2(const char *root, const struct cvs_meta2 *meta2,
		       const struct cvs_capacity *req)
{
	const __u32 have[] = { meta2->affinity_entries, meta2->maglev_tables,
			       meta2->maglev_slots };
	const __u32 want[] = { req->affinity_entries, req->maglev_tables,
			       req->maglev_slots };
	static const char *const what[] = { "affinity_entries",
					    "maglev_tables", "maglev_slots" };

	if (!meta2->affinity_entries ||
	    meta2->maglev_slots < CVS_MAGLEV_SLOTS_MIN ||
	    meta2->maglev_slots > CVS_MAGLEV_SLOTS_MAX) {
		cvs_log(CVS_LOG_ERROR, "%s: meta2 holds an impossible capacity",
			root);
		return -EPROTO;
	}
	return check_asked(root, have, want, what,
			   sizeof(have) / sizeof(have[0]));
}

/* The writer stores and loads generation words through this mapping. */
static int cvs_words_map(struct cvs_maps *m)
{
	long page = sysconf(_SC_PAGESIZE);
	void *p;

	m->words_len = ((size_t)m->meta.max_services * sizeof(__u64) + page - 1)
		       / page * page;
	p = mmap(NULL, m->words_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		 m->fds[CVS_M_GEN], 0);
	if (p == MAP_FAILED) {
		m->words_len = 0;
		return -errno;
	}
	m->words = p;
	return 0;
}

/* The names of the maps missing from m, comma-separated, for the log. */
static void missing_names(const struct cvs_maps *m, char *out, size_t len)
{
	size_t at = 0;
	int i;

	out[0] = '\0';
	for (i = CVS_M_FIRST_ADDED; i < CVS_M_COUNT && at < len; i++)
		if (m->fds[i] < 0)
			at += snprintf(out + at, len - at, "%s%s",
				       at ? ", " : "", cvs_map_names[i]);
}

/*
 * "Additions in place" (cvs_abi.h): a set made before the rows from
 * CVS_M_FIRST_ADDED (or CVS_M_FIRST_POLICY) existed gets them, empty,
 * pinned beside the others. Only the missing maps are created (a crash may
 * have left some of them); the maps that serve already are neither
 * replaced nor written. cvs_meta2_v1 is written before it is pinned and
 * pinned before the maps it sizes, so a crash leaves either no meta2 (the
 * next open chooses again) or one that the next open keeps. Run by the
 * writer, under its lock, after the present maps were verified.
 */
static int add_in_place(struct cvs_maps *m, const char *root,
			const struct cvs_map_shape shapes[CVS_M_COUNT])
{
	LIBBPF_OPTS(bpf_obj_get_opts, opts);
	char path[PATH_MAX], names[160];
	struct cvs_mapset *skel;
	struct bpf_map *map;
	__u32 zero = 0;
	int err = 0, i;

	missing_names(m, names, sizeof(names));
	skel = cvs_mapset__open();
	if (!skel)
		return -errno;
	for (i = 0; i < CVS_M_COUNT && !err; i++) {
		map = bpf_object__find_map_by_name(skel->obj, cvs_map_names[i]);
		err = !map ? -ENOENT : m->fds[i] >= 0 ?
		      bpf_map__set_autocreate(map, false) :
		      bpf_map__set_max_entries(map, shapes[i].max_entries);
	}
	err = err ?: cvs_mapset__load(skel);
	for (i = CVS_M_FIRST_ADDED; i < CVS_M_COUNT && !err; i++) {
		if (m->fds[i] >= 0)
			continue;
		map = bpf_object__find_map_by_name(skel->obj, cvs_map_names[i]);
		if (i == CVS_M_META2)
			err = bpf_map_update_elem(bpf_map__fd(map), &zero,
						  &m->meta2, BPF_ANY);
		err = err ?: cvs_path_join(path, root, cvs_map_names[i]) ?:
		      bpf_map__pin(map, path);
		if (err)
			break;
		m->fds[i] = bpf_obj_get_opts(path, &opts);
		if (m->fds[i] < 0) {
			err = m->fds[i];
			m->fds[i] = -1;
		}
	}
	cvs_mapset__destroy(skel);
	if (err)
		cvs_log(CVS_LOG_ERROR, "%s: adding %s in place: %s", root,
			names, strerror(-err));
	else
		cvs_log(CVS_LOG_INFO,
			"%s was made before %s existed: added them in place, empty; the other maps are untouched",
			root, names);
	return err;
}

static int open_and_verify(struct cvs_maps *m, const char *root,
			   const struct cvs_capacity *req)
{
	LIBBPF_OPTS(bpf_obj_get_opts, ro_opts,
		    .file_flags = m->readonly ? BPF_F_RDONLY : 0);
	struct cvs_map_shape shapes[CVS_M_COUNT];
	char path[PATH_MAX], names[160];
	int err, i, missing = 0;
	__u32 zero = 0;

	for (i = 0; i < CVS_M_COUNT; i++) {
		err = cvs_path_join(path, root, cvs_map_names[i]);
		if (err)
			return err;
		/* Read-only handles open read-only: a container may see
		 * bpffs mounted read-only. */
		m->fds[i] = bpf_obj_get_opts(path, &ro_opts);
		if (m->fds[i] >= 0)
			continue;
		err = m->fds[i];
		m->fds[i] = -1;
		if (err != -ENOENT)
			return err;
		/* Rows added later are missing from older sets, not lost. */
		if (i >= CVS_M_FIRST_ADDED) {
			missing++;
			continue;
		}
		cvs_log(CVS_LOG_ERROR,
			"%s is an incomplete map set: %s is missing",
			root, cvs_map_names[i]);
		return -EPROTO;
	}
	/* The meta maps' own shapes first: only then are their values
	 * readable. Their rows do not depend on the capacity, still zero. */
	expected_shapes(&m->meta, &m->meta2, shapes);
	err = check_shape(CVS_MAP_META, m->fds[CVS_M_META],
			  &shapes[CVS_M_META]) ?:
	      bpf_map_lookup_elem(m->fds[CVS_M_META], &zero, &m->meta) ?:
	      check_meta(root, &m->meta, req);
	if (err)
		return err;
	if (m->fds[CVS_M_META2] >= 0)
		err = check_shape(CVS_MAP_META2, m->fds[CVS_M_META2],
				  &shapes[CVS_M_META2]) ?:
		      bpf_map_lookup_elem(m->fds[CVS_M_META2], &zero,
					  &m->meta2) ?:
		      check_meta2(root, &m->meta2, req);
	else if (!m->readonly)
		/* What add_in_place() will write: the capacity asked for. */
		err = meta2_to_create(req, &m->meta2);
	if (err)
		return err;
	m->table_slots = m->meta.table_slots;
	expected_shapes(&m->meta, &m->meta2, shapes);
	for (i = 0; i < CVS_M_COUNT; i++) {
		err = m->fds[i] < 0 ? 0 :
		      check_shape(cvs_map_names[i], m->fds[i], &shapes[i]);
		if (err)
			return err;
	}
	if (missing && m->readonly) {
		missing_names(m, names, sizeof(names));
		cvs_log(CVS_LOG_ERROR,
			"%s was made by a version without %s: a writer's open adds them in place; until then it cannot be read",
			root, names);
		return -EPROTO;
	}
	err = missing ? add_in_place(m, root, shapes) : 0;
	return err ?: m->readonly ? 0 : cvs_words_map(m);
}

static bool same_dir(int fd, const char *path)
{
	struct stat a, b;

	return !fstat(fd, &a) && !stat(path, &b) && a.st_ino == b.st_ino &&
	       a.st_dev == b.st_dev;
}

int cvs_pinset_open(struct cvs_maps *m, const char *root,
		    const struct cvs_capacity *req, __u32 flags)
{
	struct cvs_meta2 meta2;
	struct cvs_meta meta;
	struct stat st;
	int err;

	if (req->pad)
		return -EINVAL;
	err = check_bpffs(root, !m->readonly);
	if (err)
		return err;
	if (stat(root, &st)) {
		if (errno != ENOENT)
			return -errno;
		if (flags & (CVS_OPEN_READONLY | CVS_OPEN_NO_CREATE))
			return -ENOENT;
		err = cvs_capacity_to_create(req, &meta, &meta2) ?:
		      cvs_create_set(root, &meta, &meta2);
		if (err)
			return err;
	} else if (!S_ISDIR(st.st_mode)) {
		cvs_log(CVS_LOG_ERROR, "pin root %s is not a directory", root);
		return -EINVAL;
	}
	m->dir_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->dir_fd < 0)
		return -errno;
	if (!m->readonly && flock(m->dir_fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EBUSY : -errno;
		if (err == -EBUSY)
			cvs_log(CVS_LOG_ERROR,
				"map set %s is held by another writer", root);
		return err;
	}
	/* A switch (grow.c) exchanges the directory at the root under its
	 * writer's lock: a lock taken on a directory that left the root
	 * meanwhile guards nothing. */
	if (!m->readonly && !same_dir(m->dir_fd, root)) {
		cvs_log(CVS_LOG_ERROR, "map set %s was replaced while opening",
			root);
		return -EBUSY;
	}
	return open_and_verify(m, root, req);
}

int cvs_meta_write(struct cvs_maps *m, const struct cvs_meta *meta)
{
	__u32 zero = 0;
	int err;

	err = bpf_map_update_elem(m->fds[CVS_M_META], &zero, meta, BPF_EXIST);
	if (!err)
		m->meta = *meta;
	return err;
}
