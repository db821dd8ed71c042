// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_pins.c - opens that must be refused because of where or what the pins
 * are: a root off bpffs, a read-only bpffs, an unwritable directory, pinned
 * maps of another layout, another ABI version, an incomplete set. A refused
 * open changes no pin, and says why through the cvs_set_log() callback.
 *
 * Cases that need another mount namespace or fewer capabilities run in a
 * child process, which reports through its exit status (never through cmocka).
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>

static const struct cvs_backend_spec good[] = {
	BE(10, 0, 0, 1, 8080, 1), BE(10, 0, 0, 2, 8080, 2),
};

/* Run fn(arg) in a child; return its exit code (0 = fine), 255 on signal. */
static int in_child(int (*fn)(void *), void *arg)
{
	int status;
	pid_t pid;

	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(fn(arg));
	assert_int_equal(waitpid(pid, &status, 0), pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
}

#define CHILD_CHECK(step, expr, want) do {				\
	int rc_ = (expr);						\
	if (rc_ != (want)) {						\
		fprintf(stderr, "child step %d: %s returned %d (%s), expected %d\n", \
			(step), #expr, rc_, errno_name(-rc_), (want));	\
		return (step);						\
	}								\
} while (0)

/* Names in dir other than . and .. */
static int dir_entries(const char *dir)
{
	struct dirent *de;
	int n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return -1;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void test_root_off_bpffs_is_einval(void **state)
{
	struct fx *f = *state;
	char root[PATH_MAX + 8];
	struct cvs_maps *m = NULL;

	make_tmpdir(f->tmpdir, sizeof(f->tmpdir));
	snprintf(root, sizeof(root), "%s/v1", f->tmpdir);
	assert_rc(cvs_maps_open(root, &f->cap, 0, &m), -EINVAL);
	assert_null(m);
	assert_rc(cvs_maps_open(f->tmpdir, &f->cap, 0, &m), -EINVAL);
	assert_int_equal(dir_entries(f->tmpdir), 0);
}

/* ---- read-only bpffs ------------------------------------------------------- */

/* In a private mount namespace: a fresh bpffs instance on f->tmpdir, made
 * read-only, holding a map set when with_set. The mount goes with the child. */
static int mount_readonly_bpffs(struct fx *f, const char *root, int with_set)
{
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_maps *m = NULL;

	if (unshare(CLONE_NEWNS) ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) ||
	    mount("bpf", f->tmpdir, "bpf", 0, NULL)) {
		perror("private bpffs mount");
		return 100;
	}
	if (with_set) {
		CHILD_CHECK(101, cvs_maps_open(root, &f->cap, 0, &m), 0);
		CHILD_CHECK(102, cvs_service_upsert(m, &k, good, 2), 0);
		cvs_maps_close(m);
	}
	if (mount(NULL, f->tmpdir, NULL, MS_REMOUNT | MS_RDONLY, NULL)) {
		perror("remount read-only");
		return 103;
	}
	return 0;
}

static int writer_on_readonly_bpffs(void *arg)
{
	struct fx *f = arg;
	char root[PATH_MAX + 8];
	struct cvs_maps *m = NULL;
	int rc;

	snprintf(root, sizeof(root), "%s/v1", f->tmpdir);
	rc = mount_readonly_bpffs(f, root, 0);
	if (rc)
		return rc;
	CHILD_CHECK(1, cvs_maps_open(root, &f->cap, 0, &m), -EROFS);
	return 0;
}

static int writer_on_remounted_set(void *arg)
{
	struct fx *f = arg;
	char root[PATH_MAX + 8];
	struct cvs_maps *m = NULL;
	int rc;

	snprintf(root, sizeof(root), "%s/v1", f->tmpdir);
	rc = mount_readonly_bpffs(f, root, 1);
	if (rc)
		return rc;
	CHILD_CHECK(1, cvs_maps_open(root, NULL, 0, &m), -EROFS);
	return 0;
}

static int reader_on_remounted_set(void *arg)
{
	struct fx *f = arg;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[2];
	struct cvs_service_info info;
	char root[PATH_MAX + 8];
	struct cvs_maps *m = NULL;
	struct cvs_pick pick;
	int rc;

	snprintf(root, sizeof(root), "%s/v1", f->tmpdir);
	rc = mount_readonly_bpffs(f, root, 1);
	if (rc)
		return rc;
	CHILD_CHECK(1, cvs_maps_open(root, NULL, CVS_OPEN_READONLY, &m), 0);
	CHILD_CHECK(2, cvs_service_get(m, &k, &info, got, 2), 0);
	CHILD_CHECK(3, memcmp(got, good, sizeof(good)), 0);
	CHILD_CHECK(4, info.members == 2 && info.slots == 3, 1);
	/* the words are mapped read-only: picking works too */
	CHILD_CHECK(5, cvs_service_pick(m, &k, &pick), 0);
	CHILD_CHECK(6, pick.svc_id == info.id &&
		    (pick.addr[0] == good[0].addr[0] || pick.addr[0] == good[1].addr[0]), 1);
	cvs_maps_close(m);
	return 0;
}

static void test_writer_on_readonly_bpffs_is_erofs(void **state)
{
	struct fx *f = *state;
	int rc;

	make_tmpdir(f->tmpdir, sizeof(f->tmpdir));
	rc = in_child(writer_on_readonly_bpffs, f);
	if (rc)
		fail_msg("creating a set on a read-only bpffs: child failed at step %d (stderr has why)",
			 rc);
	rc = in_child(writer_on_remounted_set, f);
	if (rc)
		fail_msg("writable open of a set on a bpffs remounted read-only: child failed at step %d",
			 rc);
	assert_int_equal(dir_entries(f->tmpdir), 0);
}

/* A monitoring tool in a container that sees /sys/fs/bpf read-only. */
static void test_reader_on_readonly_bpffs_works(void **state)
{
	struct fx *f = *state;
	int rc;

	make_tmpdir(f->tmpdir, sizeof(f->tmpdir));
	rc = in_child(reader_on_remounted_set, f);
	if (rc)
		fail_msg("CVS_OPEN_READONLY of a set on a read-only bpffs: child failed at step %d (stderr has why)",
			 rc);
}

/* ---- unwritable pin root --------------------------------------------------- */

static int drop_dac_caps(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];
	__u32 drop = 1u << CAP_DAC_OVERRIDE | 1u << CAP_DAC_READ_SEARCH |
		     1u << CAP_FOWNER;

	if (syscall(SYS_capget, &hdr, data))
		return -1;
	data[0].effective &= ~drop;
	return syscall(SYS_capset, &hdr, data) ? -1 : 0;
}

static int unwritable_child(void *arg)
{
	struct fx *f = arg;
	struct cvs_maps *m = NULL;

	if (drop_dac_caps()) {
		perror("capset");
		return 100;
	}
	CHILD_CHECK(1, cvs_maps_open(f->root, &f->cap, 0, &m), -EACCES);
	return 0;
}

static void test_unwritable_root_is_eacces(void **state)
{
	struct fx *f = *state;

	/* root's parent exists on bpffs but is r-x for everyone */
	assert_ok(mkdir(f->base, 0555));
	assert_ok(chmod(f->base, 0555));
	if (in_child(unwritable_child, f))
		fail_msg("open under an unwritable bpffs directory without CAP_DAC_OVERRIDE was not -EACCES");
	assert_int_equal(dir_entries(f->base), 0);
}

/* ---- pins of another layout ------------------------------------------------- */

struct wrong_map {
	enum raw_map map;
	const char *what;
	__u32 type, key_size, value_size, max_entries, flags;
};

#define NOPRE BPF_F_NO_PREALLOC
#define MMAP BPF_F_MMAPABLE

/* With the fixture's capacity: 8 services, 64 backends, 16 members, 64 slots */
static const struct wrong_map wrong_maps[] = {
	{ RAW_META, "value size", BPF_MAP_TYPE_ARRAY, 4, 16, 1, 0 },
	{ RAW_SVC, "key size", BPF_MAP_TYPE_HASH, 12, sizeof(struct cvs_svc), 8,
	  NOPRE },
	{ RAW_SVC, "type", BPF_MAP_TYPE_LRU_HASH, sizeof(struct cvs_service_key),
	  sizeof(struct cvs_svc), 8, 0 },
	/* a set pinned by the previous v1 layout: the 16-byte cvs_svc */
	{ RAW_SVC, "value size (the old 16-byte cvs_svc)", BPF_MAP_TYPE_HASH,
	  sizeof(struct cvs_service_key), 16, 8, NOPRE },
	{ RAW_GEN, "flags (not BPF_F_MMAPABLE)", BPF_MAP_TYPE_ARRAY, 4, 8, 8,
	  0 },
	{ RAW_GEN, "value size (a __u32 generation)", BPF_MAP_TYPE_ARRAY, 4, 4,
	  8, MMAP },
	{ RAW_GEN, "max_entries", BPF_MAP_TYPE_ARRAY, 4, 8, 4, MMAP },
	{ RAW_GEN, "type (per-CPU)", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 8, 0 },
	{ RAW_GEN, "type (hash)", BPF_MAP_TYPE_HASH, 4, 8, 8, NOPRE },
	{ RAW_SEL, "value size", BPF_MAP_TYPE_ARRAY, 4, 8, 8 * 2 * 64, 0 },
	{ RAW_SEL, "flags (BPF_F_MMAPABLE)", BPF_MAP_TYPE_ARRAY, 4, 4,
	  8 * 2 * 64, MMAP },
	{ RAW_MBR, "value size (a __u32 list)", BPF_MAP_TYPE_ARRAY, 4, 4,
	  8 * 2 * 16, 0 },
	{ RAW_BE, "value size", BPF_MAP_TYPE_ARRAY, 4, 12, 64, 0 },
	{ RAW_BE, "max_entries", BPF_MAP_TYPE_ARRAY, 4,
	  sizeof(struct cvs_backend), 32, 0 },
	{ RAW_BESTAT, "type (not per-CPU)", BPF_MAP_TYPE_ARRAY, 4,
	  sizeof(struct cvs_backend_stats), 64, 0 },
	{ RAW_SVCSTAT, "value size", BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 8, 0 },
};

static void pin_map(const char *root, const char *name, __u32 type,
		    __u32 key_size, __u32 value_size, __u32 max_entries,
		    __u32 flags)
{
	LIBBPF_OPTS(bpf_map_create_opts, opts, .map_flags = flags);
	char path[PATH_MAX + 64];
	int fd;

	fd = bpf_map_create(type, name, key_size, value_size, max_entries,
			    &opts);
	if (fd < 0)
		fail_msg("bpf_map_create(%s): %s", name, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s", root, name);
	if (bpf_obj_pin(fd, path)) {
		close(fd);
		fail_msg("bpf_obj_pin(%s): %s", path, strerror(errno));
	}
	close(fd);
}

/* Both kinds of open refuse with err, name `name' in an error message, and
 * leave every pin as it was. */
static void expect_refused(struct fx *f, int err, const char *name)
{
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct cvs_maps *m = NULL;

	pin_map_ids(f->root, before);
	log_clear();
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &m), err);
	assert_null(m);
	if (name && log_count(name, CVS_LOG_WARN) == 0) {
		log_dump();
		fail_msg("%s: no error or warning naming %s was logged",
			 test_case ? test_case : "", name);
	}
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &m), err);
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_NO_CREATE, &m), err);
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
}

static void create_set(struct fx *f)
{
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_maps *m;

	rm_tree(f->root);
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &m));
	assert_ok(cvs_service_upsert(m, &k, good, 2));
	cvs_maps_close(m);
}

static void test_pins_of_another_layout_are_eproto(void **state)
{
	struct fx *f = *state;
	const struct wrong_map *w;
	char path[PATH_MAX + 64], what[128];
	unsigned i;

	for (i = 0; i < sizeof(wrong_maps) / sizeof(wrong_maps[0]); i++) {
		w = &wrong_maps[i];
		snprintf(what, sizeof(what), "%s with another %s",
			 raw_map_names[w->map], w->what);
		test_case = what;
		create_set(f);
		snprintf(path, sizeof(path), "%s/%s", f->root,
			 raw_map_names[w->map]);
		assert_ok(unlink(path));
		pin_map(f->root, raw_map_names[w->map], w->type, w->key_size,
			w->value_size, w->max_entries, w->flags);
		expect_refused(f, -EPROTO, raw_map_names[w->map]);
	}
}

static void test_a_lone_foreign_map_in_a_fresh_root_is_eproto(void **state)
{
	struct fx *f = *state;

	assert_ok(mkdir(f->base, 0755));
	assert_ok(mkdir(f->root, 0755));
	pin_map(f->root, CVS_MAP_SERVICES, BPF_MAP_TYPE_HASH, 8, 8, 8, NOPRE);
	expect_refused(f, -EPROTO, NULL);
	assert_int_equal(dir_entries(f->root), 1);	/* nothing added */
}

static void test_incomplete_set_is_eproto_and_not_repaired(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 64], what[64];
	int i;

	/* each map of the set missing in turn, cvs_gen_v1 included; the
	 * IPv6 twins are added in place instead (test_v6) */
	for (i = 0; i < CVS_M_FIRST_ADDED; i++) {
		snprintf(what, sizeof(what), "without %s", raw_map_names[i]);
		test_case = what;
		create_set(f);
		snprintf(path, sizeof(path), "%s/%s", f->root,
			 raw_map_names[i]);
		assert_ok(unlink(path));
		expect_refused(f, -EPROTO, raw_map_names[i]);
		assert_false(path_exists(path));
	}
}

static void rewrite_meta(struct fx *f, __u32 magic, __u32 abi_version)
{
	struct raw_maps r;
	__u32 zero = 0;

	assert_ok(raw_open(f->root, &r));
	r.meta.magic = magic;
	r.meta.abi_version = abi_version;
	assert_ok(bpf_map_update_elem(r.fd[RAW_META], &zero, &r.meta,
				      BPF_ANY));
	raw_close(&r);
}

static void test_another_abi_version_is_eproto(void **state)
{
	struct fx *f = *state;

	create_set(f);
	rewrite_meta(f, CVS_META_MAGIC, CVS_ABI_VERSION + 1);
	expect_refused(f, -EPROTO, NULL);
	create_set(f);
	rewrite_meta(f, CVS_META_MAGIC ^ 0xff, CVS_ABI_VERSION);
	expect_refused(f, -EPROTO, NULL);
}

/*
 * A meta whose capacity gives, in 32-bit arithmetic, exactly the entries of
 * the pinned maps: 8 services x 2 halves x (2^28 + 64) slots is 2^32 + 1024,
 * which a __u32 wraps to the 1024 entries cvs_sel_v1 has. Taken at its
 * word, it would put every service's selection table at the wrong index.
 */
static void test_a_capacity_that_wraps_to_the_real_entries_is_eproto(
	void **state)
{
	struct fx *f = *state;
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct raw_maps r;
	__u32 zero = 0;

	create_set(f);
	assert_ok(raw_open(f->root, &r));
	assert_int_equal(r.meta.max_services * 2 * (r.meta.table_slots +
						    (1u << 28)),
			 r.meta.max_services * 2 * r.meta.table_slots);
	r.meta.table_slots += 1u << 28;
	assert_ok(bpf_map_update_elem(r.fd[RAW_META], &zero, &r.meta,
				      BPF_ANY));
	raw_close(&r);
	/* Without a capacity to compare: only the shapes can refuse it. */
	pin_map_ids(f->root, before);
	log_clear();
	/* into f->m and f->ro, which the teardown closes if they opened */
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_NO_CREATE, &f->m),
		  -EPROTO);
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro),
		  -EPROTO);
	assert_null(f->m);
	assert_null(f->ro);
	if (log_count(CVS_MAP_SELECT, CVS_LOG_WARN) == 0) {
		log_dump();
		fail_msg("no error or warning naming %s was logged",
			 CVS_MAP_SELECT);
	}
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
}

/* ---- the log callback ------------------------------------------------------- */

struct log_sink {
	int calls;
	int worst;
	char first[512];
};

static void sink_log(int level, const char *msg, void *ctx)
{
	struct log_sink *s = ctx;

	if (s->calls++ == 0)
		snprintf(s->first, sizeof(s->first), "%s", msg);
	if (level < s->worst)
		s->worst = level;
}

static void test_log_callback_hears_why_an_open_failed(void **state)
{
	struct fx *f = *state;
	struct log_sink sink = { .worst = 99 };
	char path[PATH_MAX + 64];
	struct cvs_maps *m = NULL;

	create_set(f);
	snprintf(path, sizeof(path), "%s/%s", f->root, CVS_MAP_BACKENDS);
	assert_ok(unlink(path));
	pin_map(f->root, CVS_MAP_BACKENDS, BPF_MAP_TYPE_ARRAY, 4, 8, 64, 0);

	cvs_set_log(sink_log, &sink);
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &m), -EPROTO);
	cvs_set_log(NULL, NULL);
	print_message("logged %d message(s), first: %s\n", sink.calls,
		      sink.first);
	assert_true(sink.calls > 0);
	assert_true(sink.worst <= CVS_LOG_WARN);

	/* NULL silences: the old callback hears nothing more */
	sink.calls = 0;
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &m), -EPROTO);
	cvs_set_log(log_capture, NULL);
	assert_int_equal(sink.calls, 0);

	/* and the message names the map */
	log_clear();
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &m), -EPROTO);
	assert_true(log_count(CVS_MAP_BACKENDS, CVS_LOG_WARN) > 0);
}

static void test_log_callback_also_hears_libbpf(void **state)
{
	struct fx *f = *state;

	log_clear();
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	if (log_count("libbpf", CVS_LOG_DEBUG) == 0) {
		log_dump();
		fail_msg("creating a set logged nothing from libbpf");
	}
}

/* Nothing on stdout or stderr, whatever happens: the callback or silence. */
static void test_library_prints_nothing(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec heavy[2] = { good[0], good[1] };
	char out_path[] = "/tmp/cvs-test-c-out-XXXXXX";
	char path[PATH_MAX + 64];
	int out, saved1, saved2, rc1, rc2;
	struct cvs_maps *m = NULL;
	struct stat st;

	heavy[1].weight = CVS_WEIGHT_MAX + 1;
	out = mkstemp(out_path);
	assert_true(out >= 0);
	unlink(out_path);
	fflush(NULL);
	saved1 = dup(1);
	saved2 = dup(2);
	dup2(out, 1);
	dup2(out, 2);
	cvs_set_log(NULL, NULL);

	rc1 = cvs_maps_open(f->root, &f->cap, 0, &m);
	if (!rc1) {
		cvs_service_upsert(m, &k, good, 2);
		cvs_service_upsert(m, &k, heavy, 2);	/* refused: -ERANGE */
		cvs_maps_close(m);
	}
	snprintf(path, sizeof(path), "%s/%s", f->root, CVS_MAP_SELECT);
	unlink(path);
	pin_map(f->root, CVS_MAP_SELECT, BPF_MAP_TYPE_ARRAY, 4, 8, 8, 0);
	rc2 = cvs_maps_open(f->root, &f->cap, 0, &m);

	fflush(NULL);
	dup2(saved1, 1);
	dup2(saved2, 2);
	close(saved1);
	close(saved2);
	cvs_set_log(log_capture, NULL);
	assert_ok(fstat(out, &st));
	close(out);
	assert_ok(rc1);
	assert_rc(rc2, -EPROTO);
	if (st.st_size)
		fail_msg("the library printed %lld bytes", (long long)st.st_size);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_root_off_bpffs_is_einval, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_writer_on_readonly_bpffs_is_erofs, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reader_on_readonly_bpffs_works, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_root_is_eacces, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_pins_of_another_layout_are_eproto, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_a_lone_foreign_map_in_a_fresh_root_is_eproto, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_incomplete_set_is_eproto_and_not_repaired, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_another_abi_version_is_eproto, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_a_capacity_that_wraps_to_the_real_entries_is_eproto, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_log_callback_hears_why_an_open_failed, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_log_callback_also_hears_libbpf, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_library_prints_nothing, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
