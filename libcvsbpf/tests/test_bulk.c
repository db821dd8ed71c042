// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_bulk.c - the calls for many services at once: cvs_service_check()
 * and cvs_services_check() tell "these backends, consistently" from "other
 * backends" and "inconsistent", also beside a flipping writer;
 * cvs_counters_all() agrees with cvs_service_counters() service by service;
 * and the batched load at open rebuilds the same caches as before.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

static const struct cvs_backend_spec three[] = {
	BE(10, 0, 0, 1, 8080, 1),
	BE(10, 0, 0, 2, 8080, 2),
	BE(10, 0, 0, 3, 8080, 5),
};

static void test_check_accepts_exactly_what_upsert_wrote(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[4];

	assert_rc(cvs_service_check(f->m, &key, three, 3), -ENOENT);
	assert_ok(cvs_service_upsert(f->m, &key, three, 3));
	assert_ok(cvs_service_check(f->m, &key, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_service_check(f->ro, &key, three, 3));

	test_case = "one backend fewer";
	assert_rc(cvs_service_check(f->m, &key, three, 2), -ESTALE);
	test_case = "one backend more";
	memcpy(b, three, sizeof(three));
	b[3] = bes(ip4(10, 0, 0, 4), 8080, 1);
	assert_rc(cvs_service_check(f->m, &key, b, 4), -ESTALE);
	test_case = "another weight";
	b[1].weight = 3;
	assert_rc(cvs_service_check(f->m, &key, b, 3), -ESTALE);
	test_case = "another order";
	b[0] = three[1];
	b[1] = three[0];
	b[2] = three[2];
	assert_rc(cvs_service_check(f->m, &key, b, 3), -ESTALE);
	test_case = "another port";
	memcpy(b, three, sizeof(three));
	b[2].port = htons(8081);
	assert_rc(cvs_service_check(f->m, &key, b, 3), -ESTALE);
	test_case = "no backends";
	assert_rc(cvs_service_check(f->m, &key, NULL, 0), -ESTALE);
	test_case = NULL;
	assert_ok(cvs_service_upsert(f->m, &key, NULL, 0));
	assert_ok(cvs_service_check(f->m, &key, NULL, 0));
}

/* A slot altered behind the writer's back: the backends are right, the
 * table is not; an upsert (a new half) repairs it. */
static void test_check_finds_an_inconsistent_table(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(1, 80, IPPROTO_TCP);
	struct cvs_svc svc;
	struct raw_maps r;
	__u32 idx, bogus;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &key, three, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc(&r, &key, &svc));
	word = raw_word(&r, svc.id);
	idx = cvs_sel_index(r.meta.table_slots, svc.id, cvs_word_half(word), 0);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_SEL], &idx, &bogus));
	bogus += 1;
	assert_ok(bpf_map_update_elem(r.fd[RAW_SEL], &idx, &bogus, BPF_ANY));
	raw_close(&r);
	assert_rc(cvs_service_check(f->m, &key, three, 3), -EBADMSG);
	assert_rc(cvs_service_verify(f->m, &key), -EBADMSG);
	assert_ok(cvs_service_upsert(f->m, &key, three, 3));
	assert_ok(cvs_service_check(f->m, &key, three, 3));
}

/* Many services in one call, each with its own verdict, in order. */
static void test_services_check_gives_each_its_result(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[4] = {
		vip(1, 80, IPPROTO_TCP), vip(2, 80, IPPROTO_TCP),
		vip(3, 80, IPPROTO_UDP), vip(4, 80, IPPROTO_TCP),
	};
	struct cvs_backend_spec want[8], other = bes(ip4(10, 0, 9, 9), 53, 1);
	__u32 counts[4] = { 3, 1, 3, 0 };
	__s32 results[4];

	assert_ok(cvs_service_upsert(f->m, &keys[0], three, 3));
	assert_ok(cvs_service_upsert(f->m, &keys[1], &other, 1));
	assert_ok(cvs_service_upsert(f->m, &keys[2], three, 2));
	memcpy(want, three, sizeof(three));
	want[3] = other;
	memcpy(want + 4, three, sizeof(three));
	assert_ok(cvs_services_check(f->m, keys, counts, want, 4, results));
	assert_rc(results[0], 0);
	assert_rc(results[1], 0);
	assert_rc(results[2], -ESTALE);
	assert_rc(results[3], -ENOENT);
	assert_rc(cvs_services_check(f->m, keys, NULL, want, 4, results),
		  -EINVAL);
	assert_ok(cvs_services_check(f->m, NULL, NULL, NULL, 0, NULL));
}

static void assert_same_counters(struct cvs_maps *m,
				 const struct cvs_service_key *key,
				 const struct cvs_service_counters *svc,
				 const struct cvs_backend_counters *be,
				 __u32 n)
{
	struct cvs_backend_counters one[TEST_MAX_MEMBERS];
	struct cvs_service_counters s;
	__u32 count;

	assert_ok(cvs_service_counters(m, key, &s, one, TEST_MAX_MEMBERS,
				       &count));
	assert_int_equal(count, n);
	assert_memory_equal(&s, svc, sizeof(s));
	assert_memory_equal(one, be, n * sizeof(*be));
}

/* Counters put into the per-CPU maps by hand, as the datapaths count. */
static void count_on_every_cpu(const struct fx *f, __u32 backend_id,
			       __u64 conns)
{
	int ncpus = libbpf_num_possible_cpus(), cpu;
	struct cvs_backend_stats *per_cpu = calloc(ncpus, sizeof(*per_cpu));
	struct raw_maps r;

	assert_non_null(per_cpu);
	for (cpu = 0; cpu < ncpus; cpu++)
		per_cpu[cpu] = (struct cvs_backend_stats){
			.conns = conns + cpu, .packets = cpu, .bytes = 100 };
	assert_ok(raw_open(f->root, &r));
	assert_ok(bpf_map_update_elem(r.fd[RAW_BESTAT], &backend_id, per_cpu,
				      BPF_ANY));
	raw_close(&r);
	free(per_cpu);
}

static void test_counters_all_agrees_with_each_service(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[3] = {
		vip(1, 80, IPPROTO_TCP), vip(2, 80, IPPROTO_TCP),
		vip(3, 53, IPPROTO_UDP),
	}, got[TEST_MAX_SERVICES];
	struct cvs_backend_counters be[TEST_MAX_BACKENDS];
	struct cvs_service_counters svcs[TEST_MAX_SERVICES];
	__u32 members[TEST_MAX_SERVICES], n, nbe, i, at, id;
	struct cvs_maps *handles[2];
	int h;

	assert_ok(cvs_service_upsert(f->m, &keys[0], three, 3));
	assert_ok(cvs_service_upsert(f->m, &keys[1], three, 1));
	assert_ok(cvs_service_upsert(f->m, &keys[2], NULL, 0));
	for (id = 0; id < 4; id++)
		count_on_every_cpu(f, id, 10 * id);
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	handles[0] = f->m;
	handles[1] = f->ro;
	for (h = 0; h < 2; h++) {
		test_case = h ? "read-only" : "writer";
		assert_ok(cvs_counters_all(handles[h], got, svcs, members,
					   TEST_MAX_SERVICES, be,
					   TEST_MAX_BACKENDS, &n, &nbe));
		assert_int_equal(n, 3);
		assert_int_equal(nbe, 4);
		for (i = 0, at = 0; i < n; at += members[i], i++)
			assert_same_counters(f->m, &got[i], &svcs[i], be + at,
					     members[i]);
		assert_rc(cvs_counters_all(handles[h], got, svcs, members, 2,
					   be, TEST_MAX_BACKENDS, &n, &nbe),
			  -ENOBUFS);
		assert_int_equal(n, 3);
		assert_rc(cvs_counters_all(handles[h], got, svcs, members,
					   TEST_MAX_SERVICES, be, 3, &n, &nbe),
			  -ENOBUFS);
		assert_int_equal(nbe, 4);
	}
	test_case = NULL;
}

/*
 * The batched load at open: after deletes leave holes in both id spaces,
 * a second writer (the first closed) sees the same usage, reads the same
 * services back, and its next upserts reuse freed ids without clashing.
 */
static void test_open_loads_sparse_ids_in_batches(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key;
	struct cvs_usage before, after;
	struct snapshot snap;
	__u32 i;

	for (i = 0; i < TEST_MAX_SERVICES; i++) {
		key = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &key, three, 1 + i % 3));
	}
	for (i = 0; i < TEST_MAX_SERVICES; i += 3) {
		key = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_delete(f->m, &key));
	}
	assert_ok(cvs_maps_usage(f->m, &before));
	snapshot_take(f->m, &snap);
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &after));
	assert_int_equal(after.services, before.services);
	assert_int_equal(after.backends, before.backends);
	snapshot_assert_same(f->m, &snap);
	for (i = 0; i < TEST_MAX_SERVICES; i += 3) {
		key = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &key, three, 3));
		assert_ok(cvs_service_check(f->m, &key, three, 3));
	}
	for (i = 0; i < TEST_MAX_SERVICES; i++) {
		key = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_verify(f->m, &key));
	}
}

struct flipper {
	struct cvs_maps *m;
	struct cvs_service_key key;
	atomic_int stop;
	int flips, err;
};

/* Between three and its first member with another weight. */
static void *flip_until_stopped(void *arg)
{
	struct flipper *fl = arg;
	struct cvs_backend_spec b[3];

	memcpy(b, three, sizeof(three));
	while (!atomic_load(&fl->stop) && !fl->err) {
		b[0].weight = fl->flips % 2 ? 1 : 4;
		fl->err = cvs_service_upsert(fl->m, &fl->key, b, 3);
		fl->flips++;
	}
	return NULL;
}

/*
 * Relies on the kernel's batched array lookup beside a writer: a check
 * from a read-only handle, validated against the word, sees one whole
 * generation or retries, so a flip is never taken for an inconsistency.
 * Results: 0 (three), -ESTALE (the other weight), -EAGAIN (outrun).
 * cvs_counters_all() on the same handle never fails meanwhile.
 */
static void test_check_beside_a_flipping_writer(void **state)
{
	struct fx *f = *state;
	struct flipper fl = { .m = f->m, .key = vip(1, 80, IPPROTO_TCP) };
	struct cvs_backend_counters be[TEST_MAX_BACKENDS];
	struct cvs_service_counters svcs[TEST_MAX_SERVICES];
	struct cvs_service_key keys[TEST_MAX_SERVICES];
	__u32 members[TEST_MAX_SERVICES], n, nbe;
	int i, rc = 0, ok = 0, stale = 0, again = 0;
	pthread_t writer;

	assert_ok(cvs_service_upsert(f->m, &fl.key, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(pthread_create(&writer, NULL, flip_until_stopped, &fl));
	for (i = 0; i < 3000; i++) {
		rc = cvs_service_check(f->ro, &fl.key, three, 3);
		if (rc == 0)
			ok++;
		else if (rc == -ESTALE)
			stale++;
		else if (rc == -EAGAIN)
			again++;
		else
			break;
		if (i % 10 == 0) {
			rc = cvs_counters_all(f->ro, keys, svcs, members,
					      TEST_MAX_SERVICES, be,
					      TEST_MAX_BACKENDS, &n, &nbe);
			if (rc && rc != -EAGAIN)
				break;
			if (!rc && (n != 1 || nbe != 3)) {
				rc = -EPROTO;
				break;
			}
		}
	}
	atomic_store(&fl.stop, 1);
	pthread_join(writer, NULL);
	print_message("%d checks beside %d flips: %d same, %d other, %d outrun\n",
		      i, fl.flips, ok, stale, again);
	assert_ok(fl.err);
	if (i < 3000)
		fail_msg("call %d returned %d (%s)", i, rc, errno_name(-rc));
	assert_true(fl.flips > 100);
	assert_true(ok > 0 && stale > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_check_accepts_exactly_what_upsert_wrote, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_check_finds_an_inconsistent_table, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_services_check_gives_each_its_result, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_counters_all_agrees_with_each_service, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_open_loads_sparse_ids_in_batches, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_check_beside_a_flipping_writer, fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
