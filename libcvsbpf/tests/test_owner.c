// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_owner.c - the owner record (cvs_abi.h, "The owner record"): which
 * journal fed a map set and how far. A fresh set holds none; a record
 * written survives closing and reopening and is read by a read-only
 * handle; a set made before the record existed (no pin) is given an empty
 * one by its writer's open, and a reader of it sees none; a grow carries
 * it; bad arguments and a pin of another shape are refused; destroying the
 * set removes its pin (the fixture's teardown fails when a pin is left).
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <unistd.h>

static const struct cvs_backend_spec one[] = { BE(10, 0, 0, 1, 8080, 1) };

static struct cvs_owner record(__u8 fill, __u64 seq)
{
	struct cvs_owner o = { .applied_seq = seq };

	memset(o.journal_id, fill, sizeof(o.journal_id));
	return o;
}

static void owner_path(const struct fx *f, char *out)
{
	assert_true(strlen(f->root) < PATH_MAX - 32);
	strcpy(out, f->root);
	strcat(out, "/" CVS_OWNER_MAP_NAME);
}

static void fresh_set_has_no_record_until_written(void **state)
{
	struct fx *f = *state;
	struct cvs_owner want = record(0xab, 42), got;

	assert_rc(cvs_owner_get(f->m, &got), -ENOENT);
	assert_ok(cvs_owner_set(f->m, &want));
	assert_ok(cvs_owner_get(f->m, &got));
	assert_memory_equal(got.journal_id, want.journal_id, 16);
	assert_int_equal(got.applied_seq, 42);
	assert_int_equal(got.flags, CVS_OWNER_F_SET);
	assert_true(got.updated_ns > 1600000000ull * 1000000000ull);
}

static void record_survives_reopen_and_reads_read_only(void **state)
{
	struct fx *f = *state;
	struct cvs_owner want = record(0x11, 7), got;

	assert_ok(cvs_owner_set(f->m, &want));
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_owner_get(f->ro, &got));
	assert_int_equal(got.applied_seq, 7);
	assert_rc(cvs_owner_set(f->ro, &want), -EROFS);
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_owner_get(f->m, &got));
	assert_memory_equal(got.journal_id, want.journal_id, 16);
}

/* A previous version's set: the maps, no owner pin. */
static void set_without_record_is_given_one_by_its_writer(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	struct cvs_owner got, want = record(0x22, 3);

	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);

	assert_ok(cvs_service_upsert(f->m, &k, one, 1));
	cvs_maps_close(f->m);
	f->m = NULL;
	owner_path(f, path);
	assert_int_equal(unlink(path), 0);
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_rc(cvs_owner_get(f->ro, &got), -ENOENT);
	assert_int_equal(access(path, F_OK), -1);
	cvs_maps_close(f->ro);
	f->ro = NULL;
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_int_equal(access(path, F_OK), 0);
	assert_rc(cvs_owner_get(f->m, &got), -ENOENT);
	assert_ok(cvs_owner_set(f->m, &want));
	assert_ok(cvs_owner_get(f->m, &got));
	assert_int_equal(got.applied_seq, 3);
}

static void grow_carries_the_record(void **state)
{
	struct fx *f = *state;
	struct cvs_capacity bigger = f->cap;
	struct cvs_owner want = record(0x33, 99), got;
	struct cvs_maps *next;

	bigger.max_services *= 2;
	assert_ok(cvs_owner_set(f->m, &want));
	assert_ok(cvs_maps_stage(f->m, &bigger, &next));
	assert_ok(cvs_owner_get(next, &got));
	assert_int_equal(got.applied_seq, 99);
	/* Written after the stage: the switch carries the latest. */
	want.applied_seq = 100;
	assert_ok(cvs_owner_set(f->m, &want));
	assert_ok(cvs_maps_switch(f->m, next));
	assert_rc(cvs_owner_get(f->m, &got), -ESTALE);
	cvs_maps_close(f->m);
	f->m = next;
	assert_ok(cvs_owner_get(f->m, &got));
	assert_int_equal(got.applied_seq, 100);
	assert_memory_equal(got.journal_id, want.journal_id, 16);
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_ok(cvs_owner_get(f->m, &got));
	assert_int_equal(got.applied_seq, 100);
}

static void bad_arguments_are_refused(void **state)
{
	struct fx *f = *state;
	struct cvs_owner o = record(1, 1), got;

	assert_rc(cvs_owner_get(NULL, &got), -EINVAL);
	assert_rc(cvs_owner_get(f->m, NULL), -EINVAL);
	assert_rc(cvs_owner_set(f->m, NULL), -EINVAL);
	o.pad = 1;
	assert_rc(cvs_owner_set(f->m, &o), -EINVAL);
	o.pad = 0;
	o.flags = 2;
	assert_rc(cvs_owner_set(f->m, &o), -EINVAL);
	assert_rc(cvs_owner_get(f->m, &got), -ENOENT);
}

static void pin_of_another_shape_is_refused(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX];
	int fd;

	cvs_maps_close(f->m);
	f->m = NULL;
	owner_path(f, path);
	assert_int_equal(unlink(path), 0);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cvs_owner_v1", 4, 8, 1, NULL);
	assert_true(fd >= 0);
	assert_int_equal(bpf_obj_pin(fd, path), 0);
	close(fd);
	assert_rc(cvs_maps_open(f->root, &f->cap, 0, &f->m), -EPROTO);
	assert_null(f->m);
	assert_true(log_count("not an owner record", CVS_LOG_ERROR) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(fresh_set_has_no_record_until_written,
						fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(record_survives_reopen_and_reads_read_only,
						fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(set_without_record_is_given_one_by_its_writer,
						fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(grow_carries_the_record,
						fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(bad_arguments_are_refused,
						fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(pin_of_another_shape_is_refused,
						fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests_name("owner", tests, group_setup,
					   group_teardown);
}
