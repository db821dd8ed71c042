// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_policy.c - selection policies in the maps, without traffic: the
 * checks of cvs_service_upsert_policy(), the Maglev table's properties seen
 * through cvs_service_pick_flow() (few flows move when a backend goes,
 * weights, the same table on every host), switching schedulers and
 * affinity, the Maglev region pool, and a set made before the policy maps
 * upgraded in place.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define FLOWS 100000
#define BIG_M 16381	/* the default Maglev size: a prime */

static const struct cvs_service_policy maglev_small = {
	.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = TEST_MAGLEV_SLOTS,
};

/* n equal backends 10.1.0.1.. port 8080 */
static void equal_backends(struct cvs_backend_spec *b, __u32 n)
{
	__u32 i;

	for (i = 0; i < n; i++)
		b[i] = bes(ip4(10, 1, 0, 1 + i), 8080, 1);
}

/* Flow i: a client address and port, as cvs.ko would see them. */
static struct cvs_flow flow_of(__u32 i)
{
	struct cvs_flow fl = {
		.saddr = { ip4(172, 16 + (i >> 16), (i >> 8) & 0xff,
			       i & 0xff) },
		.sport = htons(1024 + (i % 50000)),
	};
	return fl;
}

/* The backend address each flow is picked, by MAGLEV (checked). */
static void pick_all(struct cvs_maps *m, const struct cvs_service_key *k,
		     __be32 *to, __u32 n)
{
	struct cvs_pick pick;
	struct cvs_flow fl;
	__u32 i;

	for (i = 0; i < n; i++) {
		fl = flow_of(i);
		assert_ok(cvs_service_pick_flow(m, k, &fl, &pick));
		assert_int_equal(pick.reason, CVS_REASON_MAGLEV);
		to[i] = pick.addr[0];
	}
}

/* The writer reopened with room for Maglev tables of BIG_M. */
static void reopen_big(struct fx *f)
{
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_destroy(f->root));
	f->cap.maglev_slots = BIG_M;
	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
}

static void test_bad_policies_are_refused_and_change_nothing(void **state)
{
	static const struct {
		struct cvs_service_policy p;
		int err;
	} bad[] = {
		{ { .flags = 4 }, -EINVAL },
		{ { .pad = 1 }, -EINVAL },
		{ { .affinity_timeout = 10 }, -EINVAL },
		{ { .flags = CVS_POLICY_F_AFFINITY }, -EINVAL },
		{ { .flags = CVS_POLICY_F_AFFINITY,
		    .affinity_timeout = CVS_AFFINITY_TIMEOUT_MAX + 1 },
		  -EINVAL },
		{ { .maglev_slots = 13 }, -EINVAL },
		{ { .flags = CVS_POLICY_F_MAGLEV }, -EINVAL },
		{ { .flags = CVS_POLICY_F_MAGLEV, .maglev_slots = 15 },
		  -EINVAL },
		{ { .flags = CVS_POLICY_F_MAGLEV, .maglev_slots = 5 },
		  -EINVAL },
		{ { .flags = CVS_POLICY_F_MAGLEV,
		    .maglev_slots = CVS_MAGLEV_SLOTS_MAX + 2 }, -EINVAL },
		/* a prime above the set's maglev_slots: grow the set */
		{ { .flags = CVS_POLICY_F_MAGLEV, .maglev_slots = 257 },
		  -EFBIG },
		/* fewer slots than the 8 usable backends */
		{ { .flags = CVS_POLICY_F_MAGLEV, .maglev_slots = 7 }, -EDOM },
	};
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key fresh = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[8];
	struct snapshot before;
	unsigned i;

	equal_backends(b, 8);
	assert_ok(cvs_service_upsert(f->m, &k, b, 8));
	snapshot_take(f->m, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_rc(cvs_service_upsert_policy(f->m, &k, &bad[i].p, b, 8),
			  bad[i].err);
		assert_rc(cvs_service_upsert_policy(f->m, &fresh, &bad[i].p, b,
						    8), bad[i].err);
		snapshot_assert_same(f->m, &before);
	}
	/* 7 slots hold 7 usable backends, draining ones need none */
	b[7].weight = 0;
	assert_ok(cvs_service_upsert_policy(f->m, &k, &bad[11].p, b, 8));
}

static void test_policy_round_trips_and_defaults_to_random(void **state)
{
	const struct cvs_service_policy both = {
		.flags = CVS_POLICY_F_MAGLEV | CVS_POLICY_F_AFFINITY,
		.affinity_timeout = 30, .maglev_slots = 13,
	};
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_UDP);
	struct cvs_service_policy got;
	struct cvs_backend_spec b[3], b6[2] = { bes6(1, 53, 1), bes6(2, 53, 1) };
	struct cvs_pick pick;

	equal_backends(b, 3);
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	memset(&got, 0xa5, sizeof(got));
	assert_ok(cvs_service_policy_get(f->m, &k, &got));
	assert_int_equal(got.flags, 0);
	assert_int_equal(got.affinity_timeout, 0);
	assert_int_equal(got.maglev_slots, 0);
	assert_int_equal(got.pad, 0);
	assert_ok(cvs_service_pick(f->m, &k, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);

	assert_ok(cvs_service_upsert_policy(f->m, &k, &both, b, 3));
	assert_ok(cvs_service_policy_get(f->m, &k, &got));
	assert_memory_equal(&got, &both, sizeof(got));
	assert_ok(cvs_service_upsert_policy(f->m, &k6, &both, b6, 2));
	assert_ok(cvs_service_policy_get(f->m, &k6, &got));
	assert_memory_equal(&got, &both, sizeof(got));
	assert_ok(cvs_service_pick(f->m, &k6, &pick));
	assert_int_equal(pick.reason, CVS_REASON_MAGLEV);
	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_verify(f->m, &k6));

	/* plain upsert: back to RANDOM without affinity */
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_policy_get(f->m, &k, &got));
	assert_int_equal(got.flags, 0);
	assert_rc(cvs_service_policy_get(f->m, &(struct cvs_service_key){
		.addr = { ip4(192, 0, 2, 99) }, .port = htons(80),
		.proto = IPPROTO_TCP, .family = AF_INET }, &got), -ENOENT);
}

static void test_maglev_moves_only_the_removed_backends_flows(void **state)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = BIG_M,
	};
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[10], fewer[9];
	__be32 *before, *after, gone;
	__u32 i, moved = 0, others = 0, restored = 0;

	reopen_big(f);
	before = calloc(FLOWS, sizeof(*before));
	after = calloc(FLOWS, sizeof(*after));
	assert_non_null(before);
	assert_non_null(after);
	equal_backends(b, 10);
	assert_ok(cvs_service_upsert_policy(f->m, &k, &pol, b, 10));
	pick_all(f->m, &k, before, FLOWS);

	gone = b[4].addr[0];
	memcpy(fewer, b, 4 * sizeof(*b));
	memcpy(fewer + 4, b + 5, 5 * sizeof(*b));
	assert_ok(cvs_service_upsert_policy(f->m, &k, &pol, fewer, 9));
	pick_all(f->m, &k, after, FLOWS);
	for (i = 0; i < FLOWS; i++) {
		assert_true(after[i] != gone);
		if (before[i] == gone)
			continue;
		others++;
		moved += after[i] != before[i];
	}
	print_message("removing 1 of 10: %u of %u other flows moved\n", moved,
		      others);
	assert_true(moved * 100 <= others);

	assert_ok(cvs_service_upsert_policy(f->m, &k, &pol, b, 10));
	pick_all(f->m, &k, after, FLOWS);
	for (i = 0; i < FLOWS; i++)
		restored += after[i] == before[i];
	print_message("adding it back: %u of %u flows where they were\n",
		      restored, FLOWS);
	assert_int_equal(restored, FLOWS);
	assert_ok(cvs_service_verify(f->m, &k));
	free(before);
	free(after);
}

static void test_maglev_table_shares_follow_the_weights(void **state)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = BIG_M,
	};
	const struct cvs_backend_spec b[] = {
		BE(10, 0, 0, 1, 8080, 1),
		BE(10, 0, 0, 2, 8080, 2),
		BE(10, 0, 0, 3, 8080, 5),
	};
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_policy raw_pol;
	__u32 ids[3], n, i, j, idx, id, count[3] = {};
	struct raw_maps r;
	struct cvs_svc svc;
	__u64 word;

	reopen_big(f);
	assert_ok(cvs_service_upsert_policy(f->m, &k, &pol, b, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, &k, &svc, &word));
	assert_ok(raw_member_ids(&r, &k, ids, 3, &n));
	idx = cvs_pol_index(svc.id, cvs_word_half(word));
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_POL], &idx, &raw_pol));
	assert_int_equal(raw_pol.flags, CVS_POLICY_F_MAGLEV);
	assert_int_equal(raw_pol.maglev_slots, BIG_M);
	for (i = 0; i < BIG_M; i++) {
		idx = cvs_maglev_index(r.meta2.maglev_slots,
				       raw_pol.maglev_index,
				       cvs_word_half(word), i);
		assert_ok(bpf_map_lookup_elem(r.fd[RAW_MAGLEV], &idx, &id));
		for (j = 0; j < 3 && ids[j] != id; j++)
			;
		if (j == 3)
			fail_msg("slot %u names backend id %u, no member", i,
				 id);
		count[j]++;
	}
	print_message("1:2:5 over %u slots: %u %u %u\n", BIG_M, count[0],
		      count[1], count[2]);
	assert_true(abs((int)(count[0] * 800 / BIG_M) - 100) <= 1);
	assert_true(abs((int)(count[1] * 800 / BIG_M) - 200) <= 1);
	assert_true(abs((int)(count[2] * 800 / BIG_M) - 500) <= 1);
	raw_close(&r);
}

/* Another host: its own map set, the same configuration, other ids. */
static void test_two_sets_give_every_flow_the_same_backend(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key filler = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[10], one = bes(ip4(10, 9, 9, 9), 80, 1);
	char other[PATH_MAX];
	struct cvs_maps *m2;
	__be32 *here, *there;
	__u32 i;

	snprintf(other, sizeof(other), "%s/other", f->base);
	assert_ok(cvs_maps_open(other, &f->cap, 0, &m2));
	here = calloc(FLOWS / 10, sizeof(*here));
	there = calloc(FLOWS / 10, sizeof(*there));
	assert_non_null(here);
	assert_non_null(there);
	equal_backends(b, 10);
	b[3].weight = 3;
	/* shift the other set's ids, and list the backends backwards */
	assert_ok(cvs_service_upsert(m2, &filler, &one, 1));
	assert_ok(cvs_service_upsert_policy(f->m, &k, &maglev_small, b, 10));
	for (i = 0; i < 5; i++) {
		struct cvs_backend_spec t = b[i];

		b[i] = b[9 - i];
		b[9 - i] = t;
	}
	assert_ok(cvs_service_upsert_policy(m2, &k, &maglev_small, b, 10));
	pick_all(f->m, &k, here, FLOWS / 10);
	pick_all(m2, &k, there, FLOWS / 10);
	assert_memory_equal(here, there, FLOWS / 10 * sizeof(*here));
	cvs_maps_close(m2);
	assert_ok(cvs_maps_destroy(other));
	free(here);
	free(there);
}

/* The policy of a service's word half, from the raw maps. */
static int raw_policy(const struct raw_maps *r, __u32 svc_id,
			       __u64 word, struct cvs_policy *out)
{
	__u32 idx = cvs_pol_index(svc_id, cvs_word_half(word));

	return bpf_map_lookup_elem(r->fd[RAW_POL], &idx, out);
}

/* Store an affinity entry as a datapath would. */
static void put_affinity(const char *root, const struct cvs_service_key *k,
			 const struct cvs_flow *fl, __u32 backend_id,
			 __u64 age_ns)
{
	struct cvs_aff_key ak = { .netns_cookie = fl->netns_cookie,
				  .family = AF_INET };
	struct cvs_aff v = { .last_used = raw_now_ns() - age_ns,
			     .backend_id = backend_id };
	struct raw_maps r;
	struct cvs_svc svc;
	__u64 word;

	memcpy(ak.client, fl->saddr, sizeof(ak.client));
	assert_ok(raw_open(root, &r));
	assert_ok(raw_svc_word(&r, k, &svc, &word));
	ak.svc_id = svc.id;
	v.gen = cvs_word_gen(word);
	assert_ok(bpf_map_update_elem(r.fd[RAW_AFF], &ak, &v, BPF_ANY));
	raw_close(&r);
}

static void test_switching_scheduler_and_affinity(void **state)
{
	const struct cvs_service_policy aff = {
		.flags = CVS_POLICY_F_AFFINITY, .affinity_timeout = 5,
	};
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_flow fl = { .netns_cookie = 4242 };
	struct cvs_backend_spec b[4];
	struct cvs_usage u;
	struct cvs_pick pick, first;
	__u32 ids[4], n, i;
	struct raw_maps r;

	equal_backends(b, 4);
	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);

	/* RANDOM -> MAGLEV: a region is taken, the flow has one backend */
	assert_ok(cvs_service_upsert_policy(f->m, &k, &maglev_small, b, 4));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.maglev_tables, 1);
	assert_int_equal(u.max.maglev_tables, TEST_MAGLEV_TABLES);
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &first));
	assert_int_equal(first.reason, CVS_REASON_MAGLEV);
	for (i = 0; i < 20; i++) {
		assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
		assert_int_equal(pick.backend_id, first.backend_id);
		assert_int_equal(pick.hash, first.hash);
	}

	/* MAGLEV -> RANDOM with affinity: the region goes back */
	assert_ok(cvs_service_upsert_policy(f->m, &k, &aff, b, 4));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.maglev_tables, 0);
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, ids, 4, &n));
	raw_close(&r);
	/* no entry yet: a random pick */
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);
	/* a fresh entry is followed, whatever the scheduler */
	put_affinity(f->root, &k, &fl, ids[2], 1000000000ull);
	for (i = 0; i < 20; i++) {
		assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
		assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
		assert_int_equal(pick.backend_id, ids[2]);
		assert_true(pick.affinity_age >= 1000000000ull);
	}
	/* another client of the same service is not this entry's */
	fl.netns_cookie++;
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);
	fl.netns_cookie--;
	/* an entry older than the timeout is ignored */
	put_affinity(f->root, &k, &fl, ids[2], 6000000000ull);
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);
	/* draining its backend: the entry is ignored */
	put_affinity(f->root, &k, &fl, ids[2], 0);
	b[2].weight = 0;
	assert_ok(cvs_service_upsert_policy(f->m, &k, &aff, b, 4));
	for (i = 0; i < 20; i++) {
		assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
		assert_int_equal(pick.reason, CVS_REASON_RANDOM);
		assert_int_not_equal(pick.backend_id, ids[2]);
	}
	/* back to weight 1 in a later generation: followed again */
	b[2].weight = 1;
	assert_ok(cvs_service_upsert_policy(f->m, &k, &aff, b, 4));
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
	/* affinity off: the entry is not read */
	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_pick_flow(f->m, &k, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);
	assert_ok(cvs_service_verify(f->m, &k));
}

static void test_maglev_regions_run_out_and_come_back(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k[TEST_MAGLEV_TABLES + 1];
	struct cvs_backend_spec b[2];
	struct snapshot before;
	struct cvs_usage u;
	__u32 i;

	equal_backends(b, 2);
	for (i = 0; i <= TEST_MAGLEV_TABLES; i++)
		k[i] = vip(1 + i, 80, IPPROTO_TCP);
	for (i = 0; i < TEST_MAGLEV_TABLES; i++)
		assert_ok(cvs_service_upsert_policy(f->m, &k[i], &maglev_small,
						    b, 2));
	snapshot_take(f->m, &before);
	assert_rc(cvs_service_upsert_policy(f->m, &k[i], &maglev_small, b, 2),
		  -ENOSPC);
	snapshot_assert_same(f->m, &before);
	/* a RANDOM service needs no region */
	assert_ok(cvs_service_upsert(f->m, &k[i], b, 2));
	assert_rc(cvs_service_upsert_policy(f->m, &k[i], &maglev_small, b, 2),
		  -ENOSPC);
	/* a service that stays MAGLEV keeps its region */
	assert_ok(cvs_service_upsert_policy(f->m, &k[0], &maglev_small, b, 1));
	assert_ok(cvs_service_delete(f->m, &k[1]));
	assert_ok(cvs_service_upsert_policy(f->m, &k[i], &maglev_small, b, 2));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.maglev_tables, TEST_MAGLEV_TABLES);
	/* leaving MAGLEV frees it too */
	assert_ok(cvs_service_upsert(f->m, &k[2], b, 2));
	assert_ok(cvs_service_upsert_policy(f->m, &k[1], &maglev_small, b, 2));
	/* and a restart finds the same regions in use */
	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.maglev_tables, TEST_MAGLEV_TABLES);
	assert_rc(cvs_service_upsert_policy(f->m, &k[2], &maglev_small, b, 2),
		  -ENOSPC);
	for (i = 0; i <= TEST_MAGLEV_TABLES; i++)
		assert_ok(cvs_service_verify(f->m, &k[i]));
}

static void test_verify_and_check_see_the_policy(void **state)
{
	const struct cvs_service_policy aff = {
		.flags = CVS_POLICY_F_AFFINITY, .affinity_timeout = 60,
	};
	struct fx *f = *state;
	struct cvs_service_key k[2] = { vip(1, 80, IPPROTO_TCP),
					vip(2, 80, IPPROTO_TCP) };
	struct cvs_service_policy want[2] = { maglev_small, aff };
	struct cvs_backend_spec b[3], both[6];
	__u32 counts[2] = { 3, 3 }, idx, id, other;
	struct cvs_policy pol;
	struct raw_maps r;
	struct cvs_svc svc;
	__s32 res[2];
	__u64 word;

	equal_backends(b, 3);
	memcpy(both, b, sizeof(b));
	memcpy(both + 3, b, sizeof(b));
	assert_ok(cvs_service_upsert_policy(f->m, &k[0], &want[0], b, 3));
	assert_ok(cvs_service_upsert_policy(f->m, &k[1], &want[1], b, 3));
	assert_ok(cvs_services_check_policy(f->m, k, want, counts, both, 2,
					    res));
	assert_int_equal(res[0], 0);
	assert_int_equal(res[1], 0);
	/* the policies swapped, or none: stale */
	assert_ok(cvs_services_check_policy(f->m, k, (struct cvs_service_policy[]){
		want[1], want[0] }, counts, both, 2, res));
	assert_int_equal(res[0], -ESTALE);
	assert_int_equal(res[1], -ESTALE);
	assert_ok(cvs_services_check(f->m, k, counts, both, 2, res));
	assert_int_equal(res[0], -ESTALE);
	assert_int_equal(res[1], -ESTALE);

	/* one Maglev slot changed behind the writer's back */
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, &k[0], &svc, &word));
	assert_ok(raw_policy(&r, svc.id, word, &pol));
	idx = cvs_maglev_index(r.meta2.maglev_slots, pol.maglev_index,
			       cvs_word_half(word), 17);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_MAGLEV], &idx, &id));
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_MAGLEV], &(__u32){ idx + 1 },
				      &other));
	other = other == id ? id + 1 : other;
	assert_ok(bpf_map_update_elem(r.fd[RAW_MAGLEV], &idx, &other,
				      BPF_ANY));
	assert_rc(cvs_service_verify(f->m, &k[0]), -EBADMSG);
	assert_true(log_count("Maglev slot 17", CVS_LOG_WARN) > 0);
	assert_ok(cvs_services_check_policy(f->m, k, want, counts, both, 2,
					    res));
	assert_int_equal(res[0], -EBADMSG);
	assert_int_equal(res[1], 0);
	/* a policy no writer writes */
	pol.flags |= 8;
	idx = cvs_pol_index(svc.id, cvs_word_half(word));
	assert_ok(bpf_map_update_elem(r.fd[RAW_POL], &idx, &pol, BPF_ANY));
	assert_rc(cvs_service_verify(f->m, &k[0]), -EBADMSG);
	raw_close(&r);
	/* upserts repair both, in either half */
	assert_ok(cvs_service_upsert_policy(f->m, &k[0], &want[0], b, 3));
	assert_ok(cvs_service_verify(f->m, &k[0]));
	assert_ok(cvs_service_upsert_policy(f->m, &k[0], &want[0], b, 3));
	assert_ok(cvs_service_verify(f->m, &k[0]));
	assert_ok(cvs_service_upsert_policy(f->m, &k[0], &want[0], b, 3));
	assert_ok(cvs_service_verify(f->m, &k[0]));
}

/* Unpin the rows from `from` on: what a set made before them has. */
static void unpin_rows_from(const char *root, int from)
{
	char path[PATH_MAX + 64];
	int i;

	for (i = from; i < CVS_M_COUNT; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, cvs_map_name(i));
		assert_ok(unlink(path));
	}
}

static void test_older_sets_get_the_policy_rows_in_place(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b = bes(ip4(10, 1, 0, 1), 8080, 1), got;
	struct cvs_capacity want = f->cap;
	struct cvs_service_info info;
	struct cvs_service_policy pol;
	struct cvs_maps *ro;
	struct cvs_usage u;
	struct cvs_pick pick;
	struct raw_maps r;
	int from;

	/* a set made before the policies, then one made before IPv6 too */
	for (from = CVS_M_FIRST_POLICY; from >= CVS_M_FIRST_ADDED;
	     from -= CVS_M_FIRST_POLICY - CVS_M_FIRST_ADDED) {
		assert_ok(cvs_service_upsert(f->m, &k, &b, 1));
		cvs_maps_close(f->m);
		f->m = NULL;
		unpin_rows_from(f->root, from);
		assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &ro),
			  -EPROTO);
		/* the capacity asked for is what the added rows get */
		want.maglev_slots = 13;
		assert_ok(cvs_maps_open(f->root, &want, 0, &f->m));
		assert_ok(raw_open(f->root, &r));
		assert_int_equal(r.meta2.maglev_slots, 13);
		assert_int_equal(r.meta2.maglev_tables, TEST_MAGLEV_TABLES);
		assert_int_equal(r.meta2.affinity_entries,
				 TEST_AFFINITY_ENTRIES);
		raw_close(&r);
		assert_ok(cvs_service_get(f->m, &k, &info, &got, 1));
		assert_memory_equal(&got, &b, sizeof(b));
		assert_ok(cvs_service_policy_get(f->m, &k, &pol));
		assert_int_equal(pol.flags, 0);
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		assert_int_equal(pick.addr[0], b.addr[0]);
		assert_int_equal(pick.reason, CVS_REASON_RANDOM);
		assert_ok(cvs_service_verify(f->m, &k));
		assert_ok(cvs_maps_usage(f->m, &u));
		assert_int_equal(u.max.maglev_slots, 13);
		/* and the policies work on it */
		assert_ok(cvs_service_upsert_policy(f->m, &k,
			&(struct cvs_service_policy){
				.flags = CVS_POLICY_F_MAGLEV,
				.maglev_slots = 13 }, &b, 1));
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		assert_int_equal(pick.reason, CVS_REASON_MAGLEV);
		assert_int_equal(pick.addr[0], b.addr[0]);
		want.maglev_slots = 0;
	}

	/* A crash after meta2 was pinned: the next open keeps it, and asking
	 * for another capacity is refused like any other mismatch. */
	cvs_maps_close(f->m);
	f->m = NULL;
	unpin_rows_from(f->root, CVS_M_FIRST_POLICY + 1);
	want.maglev_slots = 17;
	assert_rc(cvs_maps_open(f->root, &want, 0, &f->m), -EEXIST);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.max.maglev_slots, 13);
	assert_ok(cvs_service_upsert(f->m, &k, &b, 1));
	assert_ok(cvs_service_verify(f->m, &k));
}

/* The calls that need no traffic to be refused. */
static void test_client_and_usage_calls_check_their_arguments(void **state)
{
	struct fx *f = *state;
	__be32 none[4] = {}, mapped[4] = { 0, 0, htonl(0xffff),
					   ip4(10, 0, 0, 1) };
	__be32 addr[4] = { ip4(10, 0, 0, 1) };
	struct cvs_affinity_usage u;
	struct cvs_maps *ro;
	__u64 cookie;

	assert_rc(cvs_client_netns(f->m, NULL, AF_INET, none, &cookie),
		  -EINVAL);
	assert_rc(cvs_client_netns(f->m, NULL, AF_INET6, mapped, &cookie),
		  -EINVAL);
	assert_rc(cvs_client_netns(f->m, NULL, AF_UNIX, addr, &cookie),
		  -EAFNOSUPPORT);
	assert_rc(cvs_client_netns(f->m, NULL, AF_INET, addr, NULL), -EINVAL);
	assert_rc(cvs_affinity_usage(f->m, NULL), -EINVAL);
	/* the capacity's new fields: pad, and a Maglev size not a prime */
	assert_rc(cvs_maps_open(f->root, &(struct cvs_capacity){ .pad = 1 },
				CVS_OPEN_READONLY, &ro), -EINVAL);
	assert_rc(cvs_maps_stage(f->m, &(struct cvs_capacity){
		.maglev_slots = 15 }, &ro), -EINVAL);
	assert_rc(cvs_maps_open(f->root, &(struct cvs_capacity){
		.maglev_tables = TEST_MAGLEV_TABLES + 1 }, CVS_OPEN_READONLY,
		&ro), -EEXIST);
	memset(&u, 0xa5, sizeof(u));
	assert_ok(cvs_affinity_usage(f->m, &u));
	assert_int_equal(u.entries, 0);
	assert_int_equal(u.fresh, 0);
	assert_int_equal(u.capacity, TEST_AFFINITY_ENTRIES);
	assert_int_equal(u.pad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bad_policies_are_refused_and_change_nothing, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_policy_round_trips_and_defaults_to_random, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_maglev_moves_only_the_removed_backends_flows, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_maglev_table_shares_follow_the_weights, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_two_sets_give_every_flow_the_same_backend, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_switching_scheduler_and_affinity, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_maglev_regions_run_out_and_come_back, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_and_check_see_the_policy, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_older_sets_get_the_policy_rows_in_place, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_client_and_usage_calls_check_their_arguments, fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
