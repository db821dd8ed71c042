// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_errors.c - refused calls: each bad argument or full map gives its
 * -errno from cvsbpf.h and leaves nothing half-written. Every refusal is
 * followed by a read-back of the whole set (usage, list, every service with
 * its generation and backends) that must equal the one taken before.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

static const struct cvs_backend_spec good[] = {
	BE(10, 0, 0, 1, 8080, 1), BE(10, 0, 0, 2, 8080, 2),
	BE(10, 0, 0, 3, 8080, 5),
};

/* Every fixture here starts with one service, to be kept intact. */
static int setup_with_service(void **state)
{
	struct fx *f;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);

	if (fx_setup_open(state))
		return -1;
	f = *state;
	if (cvs_service_upsert(f->m, &k, good, 3)) {
		fx_teardown(state);
		return -1;
	}
	return 0;
}

struct bad_key {
	const char *what;
	struct cvs_service_key key;
	int err;
};

static void test_malformed_keys_are_refused_by_every_call(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct bad_key bad[] = {
		{ "address 0", k, -EINVAL },
		{ "port 0", k, -EINVAL },
		{ "IPv4 address with addr[1] set", k, -EINVAL },
		{ "IPv4 address with addr[3] set", k, -EINVAL },
		{ "family 0", k, -EAFNOSUPPORT },
		{ "family AF_UNIX", k, -EAFNOSUPPORT },
		{ "protocol 1 (ICMP)", k, -EPROTONOSUPPORT },
		{ "protocol 0", k, -EPROTONOSUPPORT },
		{ "protocol 132 (SCTP)", k, -EPROTONOSUPPORT },
	};
	struct snapshot *before = calloc(1, sizeof(*before));
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_pick pick;
	unsigned i;
	__u32 n;

	assert_non_null(before);
	bad[0].key.addr[0] = 0;
	bad[1].key.port = 0;
	bad[2].key.addr[1] = htonl(1);
	bad[3].key.addr[3] = htonl(1);
	bad[4].key.family = 0;
	bad[5].key.family = AF_UNIX;
	bad[6].key.proto = 1;
	bad[7].key.proto = 0;
	bad[8].key.proto = 132;
	snapshot_take(f->m, before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		test_case = bad[i].what;
		assert_rc(cvs_service_upsert(f->m, &bad[i].key, good, 3),
			  bad[i].err);
		assert_rc(cvs_service_get(f->m, &bad[i].key, &info, got, 3),
			  bad[i].err);
		assert_rc(cvs_service_delete(f->m, &bad[i].key), bad[i].err);
		assert_rc(cvs_service_pick(f->m, &bad[i].key, &pick),
			  bad[i].err);
		assert_rc(cvs_service_counters(f->m, &bad[i].key, &sc, bc, 3,
					       &n), bad[i].err);
		assert_rc(cvs_service_verify(f->m, &bad[i].key), bad[i].err);
		snapshot_assert_same(f->m, before);
	}
	free(before);
}

struct bad_set {
	const char *what;
	struct cvs_backend_spec b[TEST_MAX_MEMBERS + 1];
	__u32 n;
	int err;
};

/* Sets that must be refused; the bad backend comes last, after good ones. */
static struct bad_set *bad_sets(unsigned *count)
{
	static struct bad_set s[10];
	unsigned i = 0, j;

	memset(s, 0, sizeof(s));
#define ADD(w, e, ...) do {						\
	s[i].what = (w);						\
	s[i].err = (e);							\
	memcpy(s[i].b, good, sizeof(good));				\
	s[i].n = 4;							\
	s[i].b[3] = bes(ip4(10, 0, 0, 4), 8080, 1);			\
	__VA_ARGS__;							\
	i++;								\
} while (0)
	ADD("address 0", -EINVAL, s[i].b[3].addr[0] = 0);
	ADD("IPv4 address with addr[1] set", -EINVAL,
	    s[i].b[3].addr[1] = htonl(1));
	ADD("port 0", -EINVAL, s[i].b[3].port = 0);
	ADD("flags 2 (unknown)", -EINVAL, s[i].b[3].flags = 2);
	ADD("flags 0x8000", -EINVAL, s[i].b[3].flags = 0x8000);
	ADD("weight 65536", -ERANGE, s[i].b[3].weight = CVS_WEIGHT_MAX + 1);
	ADD("weight 2^32-1", -ERANGE, s[i].b[3].weight = 0xffffffffu);
	ADD("a duplicate backend", -EEXIST, s[i].b[3] = good[1]);
	ADD("a duplicate draining backend", -EEXIST,
	    s[i].b[3] = good[0]; s[i].b[3].weight = 0);
	ADD("max_members + 1 backends", -E2BIG,
	    s[i].n = TEST_MAX_MEMBERS + 1;
	    for (j = 0; j < s[i].n; j++)
		    s[i].b[j] = bes(ip4(10, 0, 5, j + 1), 8080, 1));
#undef ADD
	*count = i;
	return s;
}

static void refuse_sets(struct fx *f, const struct cvs_service_key *key)
{
	struct snapshot *before = calloc(1, sizeof(*before));
	struct bad_set *bad;
	unsigned i, n;

	assert_non_null(before);
	bad = bad_sets(&n);
	snapshot_take(f->m, before);
	for (i = 0; i < n; i++) {
		test_case = bad[i].what;
		assert_rc(cvs_service_upsert(f->m, key, bad[i].b, bad[i].n),
			  bad[i].err);
		snapshot_assert_same(f->m, before);
	}
	free(before);
}

static void test_bad_backend_sets_create_nothing(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(2, 80, IPPROTO_TCP);

	refuse_sets(f, &k);
}

static void test_bad_backend_sets_keep_the_old_set(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);

	refuse_sets(f, &k);
}

static void test_limits_themselves_are_accepted(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(2, 80, IPPROTO_UDP);
	struct cvs_backend_spec b[TEST_MAX_MEMBERS], got[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	__u32 j;

	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		b[j] = bes(ip4(10, 0, 6, 1), 1000 + j, 1);	/* same address */
	b[0].weight = CVS_WEIGHT_MAX;
	b[1] = bes(ip4(10, 0, 6, 2), 1000, 1);			/* same port */
	assert_ok(cvs_service_upsert(f->m, &k, b, TEST_MAX_MEMBERS));
	assert_ok(cvs_service_get(f->m, &k, &info, got, TEST_MAX_MEMBERS));
	assert_int_equal(info.members, TEST_MAX_MEMBERS);
	assert_memory_equal(got, b, sizeof(b));
}

static void test_huge_sets_are_too_big(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct snapshot *before = calloc(1, sizeof(*before));
	__u32 n = CVS_MEMBERS_LIMIT + 10, j;
	struct cvs_backend_spec *b = calloc(n, sizeof(*b));

	assert_non_null(before);
	assert_non_null(b);
	for (j = 0; j < n; j++)
		b[j] = bes(htonl(0x0a000000 | (j + 1)), 80, 1);
	snapshot_take(f->m, before);
	assert_rc(cvs_service_upsert(f->m, &k, b, n), -E2BIG);
	snapshot_assert_same(f->m, before);
	free(b);
	free(before);
}

static void test_services_beyond_capacity_are_enospc(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k[TEST_MAX_SERVICES + 1];
	struct snapshot *before = calloc(1, sizeof(*before));
	__u32 i;

	assert_non_null(before);
	k[0] = vip(1, 80, IPPROTO_TCP);		/* the fixture's */
	for (i = 1; i < TEST_MAX_SERVICES; i++) {
		k[i] = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &k[i], good, 1));
	}
	k[TEST_MAX_SERVICES] = vip(99, 80, IPPROTO_TCP);
	snapshot_take(f->m, before);
	assert_rc(cvs_service_upsert(f->m, &k[TEST_MAX_SERVICES], good, 1),
		  -ENOSPC);
	snapshot_assert_same(f->m, before);

	/* replacing needs no new service id */
	assert_ok(cvs_service_upsert(f->m, &k[3], good, 3));
	/* and a freed id makes room */
	assert_ok(cvs_service_delete(f->m, &k[5]));
	assert_ok(cvs_service_upsert(f->m, &k[TEST_MAX_SERVICES], good, 1));
	free(before);
}

static void test_backend_ids_exhausted_are_enospc(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k[5];
	struct cvs_backend_spec b[4][TEST_MAX_MEMBERS], c[TEST_MAX_MEMBERS];
	struct snapshot *before = calloc(1, sizeof(*before));
	struct cvs_usage u;
	__u32 s, j;

	assert_non_null(before);
	k[0] = vip(1, 80, IPPROTO_TCP);
	assert_ok(cvs_service_delete(f->m, &k[0]));
	/* 4 services x 16 backends = all 64 backend ids */
	for (s = 0; s < 4; s++) {
		k[s] = vip(s + 1, 80, IPPROTO_TCP);
		for (j = 0; j < TEST_MAX_MEMBERS; j++)
			b[s][j] = bes(ip4(10, 1, s, j + 1), 80, 1);
		assert_ok(cvs_service_upsert(f->m, &k[s], b[s],
					     TEST_MAX_MEMBERS));
	}
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.backends, TEST_MAX_BACKENDS);
	snapshot_take(f->m, before);

	k[4] = vip(5, 80, IPPROTO_TCP);
	assert_rc(cvs_service_upsert(f->m, &k[4], good, 1), -ENOSPC);
	snapshot_assert_same(f->m, before);

	/* A new set needs new ids while the old ones are still current. */
	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		c[j] = bes(ip4(10, 2, 0, j + 1), 80, 1);
	assert_rc(cvs_service_upsert(f->m, &k[0], c, TEST_MAX_MEMBERS),
		  -ENOSPC);
	snapshot_assert_same(f->m, before);
	memcpy(c, b[0], sizeof(c));
	c[15] = bes(ip4(10, 2, 0, 99), 80, 1);
	assert_rc(cvs_service_upsert(f->m, &k[0], c, TEST_MAX_MEMBERS),
		  -ENOSPC);
	snapshot_assert_same(f->m, before);

	/* the same backends with other weights need no new id */
	memcpy(c, b[0], sizeof(c));
	c[0].weight = 9;
	assert_ok(cvs_service_upsert(f->m, &k[0], c, TEST_MAX_MEMBERS));
	/* fewer backends free ids */
	assert_ok(cvs_service_upsert(f->m, &k[1], b[1], 8));
	assert_ok(cvs_service_upsert(f->m, &k[4], good, 3));
	free(before);
}

static void test_null_arguments_are_einval(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct snapshot *before = calloc(1, sizeof(*before));
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_service_key keys[4];
	struct cvs_map_ids ids;
	struct cvs_usage u;
	struct cvs_pick pick;
	__u32 n;

	assert_non_null(before);
	snapshot_take(f->m, before);
	assert_rc(cvs_maps_usage(NULL, &u), -EINVAL);
	assert_rc(cvs_maps_usage(f->m, NULL), -EINVAL);
	assert_rc(cvs_maps_ids(NULL, &ids), -EINVAL);
	assert_rc(cvs_maps_ids(f->m, NULL), -EINVAL);
	assert_rc(cvs_service_upsert(NULL, &k, good, 3), -EINVAL);
	assert_rc(cvs_service_upsert(f->m, NULL, good, 3), -EINVAL);
	assert_rc(cvs_service_upsert(f->m, &k, NULL, 3), -EINVAL);
	assert_rc(cvs_service_delete(NULL, &k), -EINVAL);
	assert_rc(cvs_service_delete(f->m, NULL), -EINVAL);
	assert_rc(cvs_service_get(NULL, &k, &info, got, 3), -EINVAL);
	assert_rc(cvs_service_get(f->m, NULL, &info, got, 3), -EINVAL);
	assert_rc(cvs_service_get(f->m, &k, NULL, got, 3), -EINVAL);
	assert_rc(cvs_service_get(f->m, &k, &info, NULL, 3), -EINVAL);
	assert_rc(cvs_service_list(NULL, keys, 4, &n), -EINVAL);
	assert_rc(cvs_service_list(f->m, NULL, 4, &n), -EINVAL);
	assert_rc(cvs_service_list(f->m, keys, 4, NULL), -EINVAL);
	assert_rc(cvs_service_counters(NULL, &k, &sc, bc, 3, &n), -EINVAL);
	assert_rc(cvs_service_counters(f->m, NULL, &sc, bc, 3, &n), -EINVAL);
	assert_rc(cvs_service_counters(f->m, &k, &sc, NULL, 3, &n), -EINVAL);
	assert_rc(cvs_service_counters(f->m, &k, &sc, bc, 3, NULL), -EINVAL);
	assert_rc(cvs_service_pick(NULL, &k, &pick), -EINVAL);
	assert_rc(cvs_service_pick(f->m, NULL, &pick), -EINVAL);
	assert_rc(cvs_service_pick(f->m, &k, NULL), -EINVAL);
	assert_rc(cvs_service_verify(NULL, &k), -EINVAL);
	assert_rc(cvs_service_verify(f->m, NULL), -EINVAL);
	assert_rc(cvs_maps_resync(NULL), -EINVAL);
	cvs_maps_close(NULL);
	snapshot_assert_same(f->m, before);
	free(before);
}

static void test_open_refuses_malformed_arguments(void **state)
{
	struct fx *f = *state;
	struct cvs_capacity bad = f->cap;
	struct cvs_maps *m = NULL;

	assert_rc(cvs_maps_open(f->root, &f->cap, 0, NULL), -EINVAL);
	assert_rc(cvs_maps_open(f->root, &f->cap, 1u << 7, &m), -EINVAL);
	assert_rc(cvs_maps_open(f->root, &f->cap, 0xffffffffu, &m), -EINVAL);
	assert_null(m);
	/* cvs_meta: max_members <= table_slots */
	bad.max_members = TEST_TABLE_SLOTS * 2;
	assert_rc(cvs_maps_open(f->root, &bad, 0, &m), -EINVAL);
	assert_null(m);
	/* at most CVS_MEMBERS_LIMIT members per service */
	bad.max_members = CVS_MEMBERS_LIMIT + 1;
	bad.table_slots = CVS_MEMBERS_LIMIT + 1;
	bad.max_services = 1;
	assert_true(cvs_maps_open(f->root, &bad, 0, &m) < 0);
	assert_null(m);
	/* backend ids stay far below CVS_MEMBER_END */
	bad = f->cap;
	bad.max_backends = CVS_MEMBER_END;
	assert_true(cvs_maps_open(f->root, &bad, 0, &m) < 0);
	assert_null(m);
	if (path_exists(f->root))
		fail_msg("a refused open created %s", f->root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_malformed_keys_are_refused_by_every_call, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_backend_sets_create_nothing, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_backend_sets_keep_the_old_set, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_limits_themselves_are_accepted, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_huge_sets_are_too_big, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_services_beyond_capacity_are_enospc, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_backend_ids_exhausted_are_enospc, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_null_arguments_are_einval, setup_with_service, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_refuses_malformed_arguments, fx_setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
