// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_open.c - a map set's life: create, reopen, restart, the writer lock,
 * read-only handles, destroy.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* What cvs_abi.h's data model asks of each pinned map. */
struct expect_map {
	enum raw_map map;
	__u32 type;
	__u32 key_size;
	__u32 value_size;
	__u32 flags;		/* map_flags that must be set */
};

static const struct expect_map layout[] = {
	{ RAW_META, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_meta), 0 },
	{ RAW_SVC, BPF_MAP_TYPE_HASH, sizeof(struct cvs_svc_key),
	  sizeof(struct cvs_svc), 0 },
	/* readers mmap it and load each word with one 8-byte load */
	{ RAW_GEN, BPF_MAP_TYPE_ARRAY, 4, sizeof(__u64), BPF_F_MMAPABLE },
	{ RAW_SEL, BPF_MAP_TYPE_ARRAY, 4, sizeof(__u32), 0 },
	{ RAW_MBR, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_member), 0 },
	{ RAW_BE, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_backend), 0 },
	{ RAW_BESTAT, BPF_MAP_TYPE_PERCPU_ARRAY, 4,
	  sizeof(struct cvs_backend_stats), 0 },
	{ RAW_SVCSTAT, BPF_MAP_TYPE_PERCPU_ARRAY, 4,
	  sizeof(struct cvs_service_stats), 0 },
	{ RAW_SVC6, BPF_MAP_TYPE_HASH, sizeof(struct cvs_svc6_key),
	  sizeof(struct cvs_svc), BPF_F_NO_PREALLOC },
	{ RAW_BE6, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_backend6), 0 },
	{ RAW_META2, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_meta2), 0 },
	{ RAW_POL, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct cvs_policy), 0 },
	{ RAW_BESEL, BPF_MAP_TYPE_ARRAY, 4, sizeof(__u32), 0 },
	{ RAW_MAGLEV, BPF_MAP_TYPE_ARRAY, 4, sizeof(__u32), 0 },
	{ RAW_AFF, BPF_MAP_TYPE_LRU_HASH, sizeof(struct cvs_aff_key),
	  sizeof(struct cvs_aff), 0 },
};

/* Entries each map needs for the ids and indexes of cvs_abi.h. */
static __u32 entries_needed(enum raw_map map, const struct cvs_capacity *c)
{
	switch (map) {
	case RAW_META:
	case RAW_META2:
		return 1;
	case RAW_POL:
		return c->max_services * 2;
	case RAW_BESEL:
		return c->max_backends * 2;
	case RAW_MAGLEV:
		return c->maglev_tables * 2 * c->maglev_slots;
	case RAW_AFF:
		return c->affinity_entries;
	case RAW_SVC:
	case RAW_SVC6:
	case RAW_GEN:
	case RAW_SVCSTAT:
		return c->max_services;
	case RAW_SEL:
		return c->max_services * 2 * c->table_slots;
	case RAW_MBR:
		return c->max_services * 2 * c->max_members;
	case RAW_BE:
	case RAW_BE6:
	case RAW_BESTAT:
		return c->max_backends;
	default:
		return 0;
	}
}

static const struct cvs_backend_spec three[] = {
	BE(10, 0, 0, 1, 8080, 1),
	BE(10, 0, 0, 2, 8080, 2),
	BE(10, 0, 0, 3, 8080, 5),
};

static void test_open_pins_every_map_with_its_abi_name(void **state)
{
	struct fx *f = *state;
	struct bpf_map_info info;
	char path[PATH_MAX + 64];
	struct dirent *de;
	unsigned i, j;
	__u32 len;
	DIR *d;
	int fd;

	assert_int_equal(sizeof(layout) / sizeof(layout[0]), RAW_NMAPS);
	for (i = 0; i < sizeof(layout) / sizeof(layout[0]); i++) {
		const struct expect_map *e = &layout[i];
		const char *name = raw_map_names[e->map];

		snprintf(path, sizeof(path), "%s/%s", f->root, name);
		fd = bpf_obj_get(path);
		if (fd < 0)
			fail_msg("no map pinned at %s: %s", path, strerror(errno));
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		assert_ok(bpf_obj_get_info_by_fd(fd, &info, &len));
		close(fd);
		assert_string_equal(info.name, name);
		if (info.type != e->type || info.key_size != e->key_size ||
		    info.value_size != e->value_size)
			fail_msg("%s: type %u key %u value %u, expected %u/%u/%u",
				 name, info.type, info.key_size,
				 info.value_size, e->type, e->key_size,
				 e->value_size);
		if ((info.map_flags & e->flags) != e->flags)
			fail_msg("%s: map_flags 0x%x lack 0x%x", name,
				 info.map_flags, e->flags);
		if (info.max_entries < entries_needed(e->map, &f->cap))
			fail_msg("%s: max_entries %u < %u needed", name,
				 info.max_entries,
				 entries_needed(e->map, &f->cap));
	}

	/* The root holds the map set, its owner record and nothing else. */
	d = opendir(f->root);
	assert_non_null(d);
	i = 0;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		for (j = 0; j < RAW_NMAPS; j++)
			if (!strcmp(de->d_name, raw_map_names[j]))
				break;
		if (!strcmp(de->d_name, CVS_OWNER_MAP_NAME))
			continue;
		if (j == RAW_NMAPS)
			fail_msg("pinned in the root but not an ABI map: %s",
				 de->d_name);
		i++;
	}
	closedir(d);
	assert_int_equal(i, RAW_NMAPS);

	/* The set was built beside the root and renamed into place: nothing
	 * but the root itself is left in its parent directory. */
	d = opendir(f->base);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") &&
		    strcmp(de->d_name, "v1"))
			fail_msg("left beside the pin root: %s/%s", f->base,
				 de->d_name);
	closedir(d);
}

static void test_open_records_capacity_in_meta(void **state)
{
	struct fx *f = *state;
	struct raw_maps r;

	assert_ok(raw_open(f->root, &r));
	raw_close(&r);
	assert_int_equal(r.meta.magic, CVS_META_MAGIC);
	assert_int_equal(r.meta.abi_version, CVS_ABI_VERSION);
	assert_int_equal(r.meta.max_services, f->cap.max_services);
	assert_int_equal(r.meta.max_backends, f->cap.max_backends);
	assert_int_equal(r.meta.max_members, f->cap.max_members);
	assert_int_equal(r.meta.table_slots, f->cap.table_slots);
	assert_int_equal(r.meta.flags, 0);
}

static void test_ids_are_the_pinned_maps(void **state)
{
	struct fx *f = *state;
	__u32 got[RAW_NMAPS], pinned[RAW_NMAPS];
	struct cvs_map_ids ids;
	int i, j;

	assert_ok(cvs_maps_ids(f->m, &ids));
	map_ids_array(&ids, got);
	pin_map_ids(f->root, pinned);
	for (i = 0; i < RAW_NMAPS; i++) {
		if (got[i] == 0)
			fail_msg("cvs_maps_ids: %s has id 0", raw_map_names[i]);
		if (got[i] != pinned[i])
			fail_msg("cvs_maps_ids: %s id %u, pinned map has %u",
				 raw_map_names[i], got[i], pinned[i]);
		for (j = 0; j < i; j++)
			assert_int_not_equal(got[i], got[j]);
	}
}

static void test_usage_reports_used_and_max(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k1 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 53, IPPROTO_UDP);
	struct cvs_usage u;

	assert_ok(cvs_maps_usage(f->m, &u));
	assert_memory_equal(&u.max, &f->cap, sizeof(u.max));
	assert_int_equal(u.services, 0);
	assert_int_equal(u.backends, 0);

	assert_ok(cvs_service_upsert(f->m, &k1, three, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, three, 2));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_memory_equal(&u.max, &f->cap, sizeof(u.max));
	assert_int_equal(u.services, 2);
	assert_int_equal(u.backends, 5);	/* an id per service's backend */

	assert_ok(cvs_service_delete(f->m, &k1));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 1);
	assert_int_equal(u.backends, 2);
}

static void test_open_without_capacity_creates_defaults(void **state)
{
	struct fx *f = *state;
	struct cvs_capacity zero = { 0 };
	struct cvs_usage u;

	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.max.max_services, 1024);
	assert_int_equal(u.max.max_backends, 16384);
	assert_int_equal(u.max.max_members, 256);
	assert_int_equal(u.max.table_slots, 1024);
	cvs_maps_close(f->m);
	f->m = NULL;

	/* all-zero fields mean "whatever is pinned", like NULL */
	assert_ok(cvs_maps_open(f->root, &zero, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.max.max_services, 1024);
	assert_int_equal(u.max.table_slots, 1024);
}

static void test_reopen_checks_each_nonzero_capacity_field(void **state)
{
	struct fx *f = *state;
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct cvs_capacity c;
	struct cvs_usage u;
	struct cvs_maps *m = NULL;
	int field;

	cvs_maps_close(f->m);
	f->m = NULL;
	pin_map_ids(f->root, before);

	/* one field given, equal to the pinned one: fine */
	memset(&c, 0, sizeof(c));
	c.max_backends = f->cap.max_backends;
	assert_ok(cvs_maps_open(f->root, &c, 0, &m));
	assert_ok(cvs_maps_usage(m, &u));
	assert_memory_equal(&u.max, &f->cap, sizeof(u.max));
	cvs_maps_close(m);

	/* struct cvs_capacity is four __u32 fields: vary one at a time */
	for (field = 0; field < 4; field++) {
		__u32 *v = (__u32 *)&c + field;

		c = f->cap;
		*v += 1;
		m = NULL;
		assert_rc(cvs_maps_open(f->root, &c, 0, &m), -EEXIST);
		assert_null(m);
		memset(&c, 0, sizeof(c));
		v = (__u32 *)&c + field;
		*v = ((__u32 *)&f->cap)[field] * 2;
		assert_rc(cvs_maps_open(f->root, &c, CVS_OPEN_READONLY, &m),
			  -EEXIST);
	}
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
}

static void test_restart_keeps_state_and_maps(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k1 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 443, IPPROTO_TCP);
	struct cvs_service_key k3 = vip(3, 53, IPPROTO_UDP);
	struct cvs_backend_spec other[] = {
		bes(ip4(10, 0, 9, 1), 53, 1), bes(ip4(10, 0, 9, 2), 53, 1),
		bes(ip4(10, 0, 9, 3), 53, 1), bes(ip4(10, 0, 9, 4), 53, 1),
	};
	struct cvs_map_ids ids_before, ids_after;
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_service_info i1, i2, i3;
	struct snapshot *before = calloc(1, sizeof(*before));
	__u32 ids[3 * TEST_MAX_MEMBERS], n1, n2, n3, a, b;
	struct raw_maps r;

	assert_non_null(before);
	assert_ok(cvs_service_upsert(f->m, &k1, three, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, three, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, three + 1, 2));
	snapshot_take(f->m, before);
	assert_ok(cvs_maps_ids(f->m, &ids_before));
	cvs_maps_close(f->m);
	f->m = NULL;

	assert_ok(cvs_maps_open(f->root, &f->cap, CVS_OPEN_NO_CREATE, &f->m));
	assert_ok(cvs_maps_ids(f->m, &ids_after));
	assert_memory_equal(&ids_before, &ids_after, sizeof(ids_before));
	snapshot_assert_same(f->m, before);

	/* Generations keep increasing across the restart. */
	i1 = before->info[0].gen > before->info[1].gen ? before->info[0]
						      : before->info[1];
	assert_ok(cvs_service_upsert(f->m, &k3, other, 4));
	assert_ok(cvs_service_get(f->m, &k3, &i3, got, TEST_MAX_MEMBERS));
	if (i3.gen <= i1.gen)
		fail_msg("gen after reopen %u, not above %u from before",
			 i3.gen, i1.gen);
	assert_ok(cvs_service_upsert(f->m, &k1, three, 2));
	assert_ok(cvs_service_get(f->m, &k1, &i2, got, TEST_MAX_MEMBERS));
	assert_true(i2.gen > i3.gen);

	/* The reopened writer knows which ids are in use: service and
	 * backend ids of the new service collide with nothing. */
	assert_ok(raw_open(f->root, &r));
	if (r.meta.gen_reserved <= i2.gen)
		fail_msg("gen %u handed out, gen_reserved is %u", i2.gen,
			 r.meta.gen_reserved);
	assert_ok(raw_member_ids(&r, &k1, ids, TEST_MAX_MEMBERS, &n1));
	assert_ok(raw_member_ids(&r, &k2, ids + n1, TEST_MAX_MEMBERS, &n2));
	assert_ok(raw_member_ids(&r, &k3, ids + n1 + n2, TEST_MAX_MEMBERS,
				 &n3));
	raw_close(&r);
	assert_ok(cvs_service_get(f->m, &k2, &i2, got, TEST_MAX_MEMBERS));
	assert_int_not_equal(i3.id, i2.id);
	assert_int_not_equal(i3.id, before->info[0].id);
	assert_int_not_equal(i3.id, before->info[1].id);
	for (a = 0; a < n1 + n2 + n3; a++)
		for (b = 0; b < a; b++)
			if (ids[a] == ids[b])
				fail_msg("backend id %u used twice after reopen",
					 ids[a]);
	free(before);
}

/* A writer that died inside an upsert leaves records nobody references:
 * cvs_be_v1 entries at free ids, counters, the unused half. A reopened
 * writer must treat all of it as free space. */
static void test_restart_ignores_unreferenced_leftovers(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k1 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	const struct cvs_backend_spec five[] = {
		BE(10, 0, 2, 1, 80, 1), BE(10, 0, 2, 2, 80, 1),
		BE(10, 0, 2, 3, 80, 1), BE(10, 0, 2, 4, 80, 1),
		BE(10, 0, 2, 5, 80, 1),
	};
	struct cvs_backend junk = { .addr = IP4(10, 9, 9, 9), .port = PORT(9) };
	struct cvs_member jm = { .backend_id = 0, .weight = 1 };
	struct cvs_backend_counters bc[5];
	struct cvs_service_counters sc;
	struct cvs_backend_stats js;
	struct cvs_backend_spec got[5];
	struct cvs_service_info info;
	struct cvs_pick pick;
	struct cvs_usage u;
	struct raw_maps r;
	struct cvs_svc svc;
	__u32 used[3], n, id, i, j, idx, half;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &k1, three, 3));
	cvs_maps_close(f->m);
	f->m = NULL;

	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k1, used, 3, &n));
	assert_ok(raw_svc_word(&r, &k1, &svc, &word));
	half = cvs_word_half(word);
	for (id = 0; id < TEST_MAX_BACKENDS; id++) {
		if (id == used[0] || id == used[1] || id == used[2])
			continue;
		junk.svc_id = svc.id;
		assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &id, &junk, 0));
		raw_write_bestat(&r, id, 1, &js);
	}
	/* the unused half: a full member list, no end marker */
	for (j = 0; j < TEST_MAX_MEMBERS; j++) {
		idx = cvs_mbr_index(TEST_MAX_MEMBERS, svc.id, !half, j);
		assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &jm, 0));
	}
	for (i = 0; i < TEST_TABLE_SLOTS; i++) {
		idx = cvs_sel_index(TEST_TABLE_SLOTS, svc.id, !half, i);
		assert_ok(bpf_map_update_elem(r.fd[RAW_SEL], &idx, &used[0],
					      0));
	}
	/* words of ids without an entry: a new service published its word,
	 * then the writer died before inserting the entry */
	for (id = 0; id < TEST_MAX_SERVICES; id++) {
		if (id == svc.id)
			continue;
		raw_write_word(&r, id, cvs_gen_word(r.meta.gen_reserved - 1,
						    TEST_TABLE_SLOTS));
		for (j = 0; j < TEST_MAX_MEMBERS; j++) {
			idx = cvs_mbr_index(TEST_MAX_MEMBERS, id, 0, j);
			assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &jm,
						      0));
			idx = cvs_mbr_index(TEST_MAX_MEMBERS, id, 1, j);
			assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &jm,
						      0));
		}
	}

	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 1);
	assert_int_equal(u.backends, 3);

	/* new backends get clean records and counters */
	assert_ok(cvs_service_upsert(f->m, &k2, five, 5));
	assert_ok(cvs_service_get(f->m, &k2, &info, got, 5));
	assert_int_equal(info.members, 5);
	assert_int_equal(info.slots, 5);
	assert_memory_equal(got, five, sizeof(five));
	assert_true(info.gen >= r.meta.gen_reserved);	/* above the junk */
	assert_true(raw_word(&r, info.id) ==
		    cvs_gen_word(info.gen, info.slots));
	assert_ok(cvs_service_counters(f->m, &k2, &sc, bc, 5, &n));
	for (j = 0; j < 5; j++) {
		assert_int_equal(bc[j].addr[0], five[j].addr[0]);
		assert_int_equal(bc[j].conns + bc[j].packets + bc[j].bytes, 0);
	}
	for (i = 0; i < 200; i++) {
		assert_ok(cvs_service_pick(f->m, &k2, &pick));
		assert_int_equal(ntohl(pick.addr[0]) >> 8, 0x0a0002);
	}
	/* the old service flips onto the junk half and overwrites it */
	assert_ok(cvs_service_upsert(f->m, &k1, three, 2));
	assert_ok(cvs_service_get(f->m, &k1, &info, got, 5));
	assert_int_equal(info.members, 2);
	assert_int_equal(info.slots, 3);
	assert_memory_equal(got, three, 2 * sizeof(three[0]));
	for (i = 0; i < 200; i++) {
		assert_ok(cvs_service_pick(f->m, &k1, &pick));
		assert_true(pick.addr[0] == three[0].addr[0] ||
			    pick.addr[0] == three[1].addr[0]);
	}
	raw_close(&r);
}

static void test_killed_writer_releases_the_lock(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_info info;
	struct cvs_backend_spec got[3];
	int status;
	pid_t pid;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cvs_maps *m;

		if (cvs_maps_open(f->root, &f->cap, 0, &m))
			_exit(1);
		if (cvs_service_upsert(m, &k, three, 3))
			_exit(2);
		_exit(0);	/* no close: the kernel drops the lock */
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);

	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_memory_equal(got, three, sizeof(three));
}

static void test_second_writer_is_busy_reader_is_not(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_info info;
	struct cvs_backend_spec got[3];
	struct cvs_maps *m = NULL;
	int status;
	pid_t pid;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &m), -EBUSY);
	assert_null(m);
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_NO_CREATE, &m), -EBUSY);
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_service_get(f->ro, &k, &info, got, 3));
	assert_memory_equal(got, three, sizeof(three));

	/* the same from another process */
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cvs_maps *w = NULL, *r = NULL;

		if (cvs_maps_open(f->root, NULL, 0, &w) != -EBUSY)
			_exit(1);
		if (cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &r))
			_exit(2);
		cvs_maps_close(r);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	if (WEXITSTATUS(status))
		fail_msg("child: %s", WEXITSTATUS(status) == 1 ?
			 "second writer was not refused with -EBUSY" :
			 "read-only open beside the writer failed");

	/* once the writer is gone, the next one gets the lock */
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
}

static void test_readonly_handle_reads_but_never_writes(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_map_ids ids, wids;
	struct cvs_service_info info;
	struct cvs_backend_spec got[3];
	struct cvs_service_key keys[4];
	struct snapshot *before = calloc(1, sizeof(*before));
	struct cvs_usage u;
	struct cvs_pick pick;
	__u32 n;

	assert_non_null(before);
	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	snapshot_take(f->m, before);

	assert_ok(cvs_maps_usage(f->ro, &u));
	assert_memory_equal(&u, &before->usage, sizeof(u));
	assert_ok(cvs_maps_ids(f->ro, &ids));
	assert_ok(cvs_maps_ids(f->m, &wids));
	assert_memory_equal(&ids, &wids, sizeof(ids));
	assert_ok(cvs_service_get(f->ro, &k, &info, got, 3));
	assert_memory_equal(got, three, sizeof(three));
	assert_ok(cvs_service_list(f->ro, keys, 4, &n));
	assert_int_equal(n, 1);
	assert_ok(cvs_service_counters(f->ro, &k, &sc, bc, 3, &n));
	assert_int_equal(n, 3);
	assert_ok(cvs_service_pick(f->ro, &k, &pick));

	assert_rc(cvs_service_upsert(f->ro, &k, three, 2), -EROFS);
	assert_rc(cvs_service_upsert(f->ro, &k2, three, 2), -EROFS);
	assert_rc(cvs_service_delete(f->ro, &k), -EROFS);
	snapshot_assert_same(f->m, before);

	/* it sees the writer's changes: it reads the maps, not a cache */
	assert_ok(cvs_service_upsert(f->m, &k, three + 1, 2));
	assert_ok(cvs_service_get(f->ro, &k, &info, got, 3));
	assert_int_equal(info.members, 2);
	assert_memory_equal(got, three + 1, 2 * sizeof(three[0]));
	free(before);
}

static void test_missing_root_is_enoent_without_create(void **state)
{
	struct fx *f = *state;
	struct cvs_maps *m = NULL;

	assert_rc(cvs_maps_open(f->root, &f->cap, CVS_OPEN_NO_CREATE, &m),
		  -ENOENT);
	assert_null(m);
	assert_rc(cvs_maps_open(f->root, &f->cap, CVS_OPEN_READONLY, &m),
		  -ENOENT);
	assert_rc(cvs_maps_open(f->root, NULL,
				CVS_OPEN_READONLY | CVS_OPEN_NO_CREATE, &m),
		  -ENOENT);
	assert_null(m);
	if (path_exists(f->root) || path_exists(f->base))
		fail_msg("a refused open created %s", f->base);

	/* and NO_CREATE on an existing set just opens it */
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_NO_CREATE, &f->m));
}

static void test_destroy_removes_pins_and_directory(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_usage u;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_destroy(f->root));
	assert_false(path_exists(f->root));

	/* a fresh set can be created in its place, and it is empty */
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 0);
	assert_int_equal(u.backends, 0);
}

static void test_destroy_is_refused_while_a_writer_holds_it(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct cvs_service_info info;
	struct cvs_backend_spec got[3];
	int i;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	pin_map_ids(f->root, before);
	assert_rc(cvs_maps_destroy(f->root), -EBUSY);
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
	for (i = 0; i < RAW_NMAPS; i++)
		assert_int_not_equal(after[i], 0);
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));

	/* a read-only handle does not hold the set */
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_maps_destroy(f->root));
	assert_false(path_exists(f->root));
}

static void test_destroy_leaves_non_bpffs_directories_alone(void **state)
{
	struct fx *f = *state;
	char file[PATH_MAX + 16];
	FILE *fp;
	int rc;

	make_tmpdir(f->tmpdir, sizeof(f->tmpdir));
	snprintf(file, sizeof(file), "%s/" CVS_MAP_META, f->tmpdir);
	fp = fopen(file, "w");
	assert_non_null(fp);
	fclose(fp);
	rc = cvs_maps_destroy(f->tmpdir);
	if (rc != -EINVAL || !path_exists(file))
		fail_msg("cvs_maps_destroy(%s) on tmpfs returned %d (%s); the file %s %s",
			 f->tmpdir, rc, errno_name(-rc), file,
			 path_exists(file) ? "is still there" : "was deleted");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_pins_every_map_with_its_abi_name, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_records_capacity_in_meta, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ids_are_the_pinned_maps, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_usage_reports_used_and_max, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_without_capacity_creates_defaults, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reopen_checks_each_nonzero_capacity_field, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart_keeps_state_and_maps, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_restart_ignores_unreferenced_leftovers, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_killed_writer_releases_the_lock, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_is_busy_reader_is_not, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_readonly_handle_reads_but_never_writes, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_missing_root_is_enoent_without_create, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_removes_pins_and_directory, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_is_refused_while_a_writer_holds_it, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_destroy_leaves_non_bpffs_directories_alone, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
