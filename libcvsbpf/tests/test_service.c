// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_service.c - services in the maps: upsert/get/delete/list round trips,
 * the selection table built from weights, counters, picking, and the life of
 * backend ids. Each test checks the library's answers and, where it matters
 * to a datapath, the raw maps behind them.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>

/* Deliberately not sorted, with two ports, so order is tested too. */
static const struct cvs_backend_spec set125[] = {
	BE(10, 0, 0, 3, 8080, 1),
	BE(10, 0, 0, 1, 8080, 2),
	BE(10, 0, 0, 2, 9090, 5),
};

static void test_upsert_then_get_round_trips(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_member mbr[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	struct cvs_backend be;
	struct cvs_member end;
	struct raw_maps r;
	struct cvs_svc svc;
	__u32 n, j, count[3], slots, idx;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	memset(got, 0xa5, sizeof(got));
	assert_ok(cvs_service_get(f->m, &k, &info, got, TEST_MAX_MEMBERS));
	assert_int_equal(info.members, 3);
	assert_int_equal(info.slots, 8);
	assert_int_not_equal(info.gen, 0);
	assert_true(info.id < TEST_MAX_SERVICES);
	assert_memory_equal(got, set125, sizeof(set125));

	/* what a datapath reads */
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc(&r, &k, &svc));
	assert_int_equal(svc.id, info.id);
	assert_int_equal(svc.flags, 0);
	word = raw_word(&r, svc.id);
	assert_true(word == raw_word_syscall(&r, svc.id));
	assert_int_equal(cvs_word_gen(word), info.gen);
	assert_int_equal(cvs_word_slots(word), 8);
	assert_true(cvs_word_half(word) <= 1);
	assert_ok(raw_members(&r, &k, mbr, TEST_MAX_MEMBERS, &n));
	assert_int_equal(n, 3);
	/* the list of the word's half ends right after the last member */
	idx = cvs_mbr_index(r.meta.max_members, svc.id, cvs_word_half(word), 3);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_MBR], &idx, &end));
	assert_true(end.backend_id == CVS_MEMBER_END);
	for (j = 0; j < n; j++) {
		assert_int_equal(mbr[j].weight, set125[j].weight);
		assert_int_equal(mbr[j].flags, 0);
		assert_true(mbr[j].backend_id < TEST_MAX_BACKENDS);
		assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &mbr[j].backend_id,
					      &be));
		assert_int_equal(be.addr, set125[j].addr[0]);
		assert_int_equal(be.port, set125[j].port);
		assert_int_equal(be.svc_id, info.id);
		assert_int_equal(be.pad, 0);
		assert_int_equal(be.flags, 0);
	}
	/* network byte order in the maps: 10.0.0.3 is 0a 00 00 03 */
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &mbr[0].backend_id, &be));
	assert_memory_equal(&be.addr, "\x0a\x00\x00\x03", 4);
	assert_memory_equal(&be.port, "\x1f\x90", 2);

	/* the table holds each backend as often as its reduced weight */
	raw_table_counts(&r, &k, count, &slots);
	raw_close(&r);
	assert_int_equal(slots, 8);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 2);
	assert_int_equal(count[2], 5);
}

static void expect_slots(struct fx *f, const __u32 *weights, __u32 n,
			 __u32 want_slots, const __u32 *want_count)
{
	struct cvs_service_key k = vip(9, 80, IPPROTO_UDP);
	struct cvs_backend_spec b[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	__u32 j, count[TEST_MAX_MEMBERS], slots;
	struct raw_maps r;

	for (j = 0; j < n; j++)
		b[j] = bes(ip4(10, 0, 3, j + 1), 53, weights[j]);
	assert_ok(cvs_service_upsert(f->m, &k, b, n));
	assert_ok(cvs_service_get(f->m, &k, &info, b, TEST_MAX_MEMBERS));
	assert_int_equal(info.members, n);
	if (info.slots != want_slots)
		fail_msg("weights %u:%u...: %u slots, expected %u", weights[0],
			 n > 1 ? weights[1] : 0, info.slots, want_slots);
	assert_ok(raw_open(f->root, &r));
	raw_table_counts(&r, &k, count, &slots);
	raw_close(&r);
	for (j = 0; j < n; j++)
		if (count[j] != want_count[j])
			fail_msg("member %u (weight %u): %u slots, expected %u",
				 j, weights[j], count[j], want_count[j]);
}

static void test_weights_are_reduced_by_their_gcd(void **state)
{
	struct fx *f = *state;

	expect_slots(f, (__u32[]){ 2, 4, 10 }, 3, 8, (__u32[]){ 1, 2, 5 });
	expect_slots(f, (__u32[]){ 3, 3 }, 2, 2, (__u32[]){ 1, 1 });
	expect_slots(f, (__u32[]){ 7 }, 1, 1, (__u32[]){ 1 });
	expect_slots(f, (__u32[]){ 65535 }, 1, 1, (__u32[]){ 1 });
	/* a draining member is configured but has no slot */
	expect_slots(f, (__u32[]){ 0, 4, 6 }, 3, 5, (__u32[]){ 0, 2, 3 });
}

static void test_weights_beyond_the_table_keep_every_backend(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(9, 80, IPPROTO_UDP);
	struct cvs_backend_spec b[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	__u32 j, count[TEST_MAX_MEMBERS], slots;
	struct raw_maps r;

	/* weights 1..16 sum to 136 > 64 table slots */
	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		b[j] = bes(ip4(10, 0, 3, j + 1), 53, j + 1);
	assert_ok(cvs_service_upsert(f->m, &k, b, TEST_MAX_MEMBERS));
	assert_ok(cvs_service_get(f->m, &k, &info, b, TEST_MAX_MEMBERS));
	assert_true(info.slots > 0 && info.slots <= TEST_TABLE_SLOTS);
	assert_ok(raw_open(f->root, &r));
	raw_table_counts(&r, &k, count, &slots);
	for (j = 0; j < TEST_MAX_MEMBERS; j++) {
		if (count[j] == 0)
			fail_msg("member %u with weight %u has no slot", j,
				 j + 1);
		if (j && count[j] < count[j - 1])
			fail_msg("weight %u got %u slots, weight %u got %u", j,
				 count[j - 1], j + 1, count[j]);
	}

	b[0] = bes(ip4(10, 0, 3, 1), 53, CVS_WEIGHT_MAX);
	b[1] = bes(ip4(10, 0, 3, 2), 53, 1);
	assert_ok(cvs_service_upsert(f->m, &k, b, 2));
	raw_table_counts(&r, &k, count, &slots);
	raw_close(&r);
	assert_true(slots <= TEST_TABLE_SLOTS);
	assert_true(count[1] >= 1);
	assert_true(count[0] > count[1]);
}

static void test_all_draining_or_empty_refuses(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[3], got[3];
	struct cvs_service_info info;
	struct raw_reader rd;
	struct cvs_pick pick;
	struct raw_maps r;
	int j;

	memcpy(b, set125, sizeof(b));
	for (j = 0; j < 3; j++)
		b[j].weight = 0;
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_int_equal(info.slots, 0);
	assert_int_equal(info.members, 3);
	assert_memory_equal(got, b, sizeof(b));
	assert_rc(cvs_service_pick(f->m, &k, &pick), -ECONNREFUSED);
	assert_ok(raw_open(f->root, &r));
	raw_reader_init(&rd, &r, 1);
	assert_int_equal(raw_select(&rd, &k, r.meta.table_slots, &pick),
			 CVS_PICK_NO_BACKEND);

	/* no members at all is valid too */
	assert_ok(cvs_service_upsert(f->m, &k, b, 0));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_int_equal(info.slots, 0);
	assert_int_equal(info.members, 0);
	assert_rc(cvs_service_pick(f->m, &k, &pick), -ECONNREFUSED);
	assert_int_equal(raw_select(&rd, &k, r.meta.table_slots, &pick),
			 CVS_PICK_NO_BACKEND);
	raw_close(&r);
}

/*
 * A down member keeps its weight and its id but gets no slot; a change of
 * its flags alone is a flip; get, verify and check see the flags, and a
 * flag no writer writes is an inconsistency, not a difference.
 */
static void test_down_members_get_no_slots(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[3], got[3];
	struct cvs_service_info info, before;
	struct cvs_member mbr[TEST_MAX_MEMBERS];
	__u32 count[3], slots, n, idx, i;
	struct cvs_pick pick;
	struct cvs_svc svc;
	struct raw_maps r;
	__u64 word;
	__s32 res;

	memcpy(b, set125, sizeof(b));
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_get(f->m, &k, &before, got, 3));
	b[2].flags = CVS_MEMBER_F_DOWN;
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_true(info.gen != before.gen);
	assert_int_equal(info.members, 3);
	assert_int_equal(info.slots, 1 + 2);
	assert_memory_equal(got, b, sizeof(b));
	assert_ok(raw_open(f->root, &r));
	raw_table_counts(&r, &k, count, &slots);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 2);
	assert_int_equal(count[2], 0);
	for (i = 0; i < 200; i++) {
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		assert_true(pick.port != b[2].port);
	}
	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_check(f->m, &k, b, 3));
	b[2].flags = 0;
	assert_rc(cvs_service_check(f->m, &k, b, 3), -ESTALE);

	/* every member down refuses, as all draining does */
	for (i = 0; i < 3; i++)
		b[i].flags = CVS_MEMBER_F_DOWN;
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_int_equal(info.slots, 0);
	assert_rc(cvs_service_pick(f->m, &k, &pick), -ECONNREFUSED);

	/* up again: the weights it kept give the old table back */
	for (i = 0; i < 3; i++)
		b[i].flags = 0;
	assert_ok(cvs_service_upsert(f->m, &k, b, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_int_equal(info.slots, before.slots);

	/* a flag the writer never writes, planted behind its back */
	assert_ok(raw_svc_word(&r, &k, &svc, &word));
	assert_ok(raw_members(&r, &k, mbr, TEST_MAX_MEMBERS, &n));
	idx = cvs_mbr_index(r.meta.max_members, svc.id, cvs_word_half(word), 1);
	mbr[1].flags = 0x4;
	assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &mbr[1], BPF_ANY));
	assert_rc(cvs_service_verify(f->m, &k), -EBADMSG);
	assert_rc(cvs_service_check(f->m, &k, b, 3), -EBADMSG);
	assert_ok(cvs_services_check(f->m, &k, &n, b, 1, &res));
	assert_int_equal(res, -EBADMSG);
	raw_close(&r);
}

static void test_unknown_service_is_enoent(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key tcp = vip(1, 53, IPPROTO_TCP);
	struct cvs_service_key udp = vip(1, 53, IPPROTO_UDP);
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_pick pick;
	struct raw_reader rd;
	struct raw_maps r;
	__u32 n;

	assert_rc(cvs_service_get(f->m, &udp, &info, got, 3), -ENOENT);
	assert_ok(cvs_service_upsert(f->m, &tcp, set125, 3));
	/* same VIP and port, other protocol: another service */
	assert_rc(cvs_service_get(f->m, &udp, &info, got, 3), -ENOENT);
	assert_rc(cvs_service_delete(f->m, &udp), -ENOENT);
	assert_rc(cvs_service_pick(f->m, &udp, &pick), -ENOENT);
	assert_rc(cvs_service_counters(f->m, &udp, &sc, bc, 3, &n), -ENOENT);
	assert_ok(raw_open(f->root, &r));
	raw_reader_init(&rd, &r, 1);
	assert_int_equal(raw_select(&rd, &udp, r.meta.table_slots, &pick),
			 CVS_PICK_NOT_SERVICE);
	raw_close(&r);
}

static void test_get_needs_room_for_every_member(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_rc(cvs_service_get(f->m, &k, &info, got, 2), -ENOBUFS);
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
}

static void test_get_reads_the_maps_not_a_cache(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_member mbr;
	struct cvs_svc svc;
	struct raw_maps r;
	__u64 word;
	__u32 idx;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, &k, &svc, &word));
	idx = cvs_mbr_index(r.meta.max_members, svc.id, cvs_word_half(word), 2);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_MBR], &idx, &mbr));
	mbr.weight = 9;
	assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &mbr, BPF_ANY));
	raw_close(&r);
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_int_equal(got[2].weight, 9);
}

static void test_replace_publishes_a_new_generation(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	const struct cvs_backend_spec b[] = {
		BE(10, 0, 1, 1, 80, 1), BE(10, 0, 1, 2, 80, 1),
		BE(10, 0, 1, 3, 80, 1), BE(10, 0, 1, 4, 80, 3),
	};
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_service_info a, info;
	struct cvs_svc before, after, again;
	__u64 wbefore, wafter, wagain;
	struct cvs_usage u;
	struct raw_maps r;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_get(f->m, &k, &a, got, TEST_MAX_MEMBERS));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, &k, &before, &wbefore));

	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_get(f->m, &k, &info, got, TEST_MAX_MEMBERS));
	assert_ok(raw_svc_word(&r, &k, &after, &wafter));
	assert_int_equal(info.id, a.id);
	assert_true(info.gen > a.gen);
	assert_int_equal(info.members, 4);
	assert_int_equal(info.slots, 6);
	assert_memory_equal(got, b, sizeof(b));
	/* the flip is the word: the service entry itself never changes */
	assert_memory_equal(&after, &before, sizeof(before));
	assert_true(wbefore == cvs_gen_word(a.gen, a.slots));
	assert_true(wafter == cvs_gen_word(info.gen, info.slots));
	assert_int_equal(cvs_word_half(wafter), !cvs_word_half(wbefore));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 1);
	assert_int_equal(u.backends, 4);

	/* the same set again is still a new generation, nothing else moves */
	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_get(f->m, &k, &a, got, TEST_MAX_MEMBERS));
	assert_ok(raw_svc_word(&r, &k, &again, &wagain));
	raw_close(&r);
	assert_true(a.gen > info.gen);
	assert_memory_equal(got, b, sizeof(b));
	assert_memory_equal(&again, &before, sizeof(before));
	assert_int_equal(cvs_word_half(wagain), cvs_word_half(wbefore));
	assert_int_equal(cvs_word_slots(wagain), 6);
}

/* Consecutive generations of a service alternate halves, so their parity
 * alternates too, whatever other services publish in between; and every
 * generation in the map set is unique. */
static void test_generations_are_unique_and_their_parity_is_the_half(
	void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k[3] = {
		vip(1, 80, IPPROTO_TCP), vip(2, 80, IPPROTO_TCP),
		vip(3, 53, IPPROTO_UDP),
	};
	__u32 seen[64], nseen = 0, prev[3] = { 0 }, i, s, j, g;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_svc svc;
	struct raw_maps r;
	__u64 word;

	assert_ok(raw_open(f->root, &r));
	for (i = 0; i < 20; i++) {
		/* an irregular pattern: services publish unevenly */
		for (s = 0; s < 3; s++) {
			if ((i + s) % (s + 1))
				continue;
			assert_ok(cvs_service_upsert(f->m, &k[s], set125,
						     1 + (i + s) % 3));
			assert_ok(cvs_service_get(f->m, &k[s], &info, got, 3));
			assert_ok(raw_svc_word(&r, &k[s], &svc, &word));
			g = cvs_word_gen(word);
			assert_int_equal(g, info.gen);
			assert_int_not_equal(g, 0);
			assert_int_equal(cvs_word_half(word), g & 1);
			if (prev[s]) {
				assert_true(g > prev[s]);
				if ((g & 1) == (prev[s] & 1))
					fail_msg("service %u: gen %u after %u uses the same half",
						 s, g, prev[s]);
			}
			prev[s] = g;
			for (j = 0; j < nseen; j++)
				if (seen[j] == g)
					fail_msg("generation %u handed out twice",
						 g);
			assert_true(nseen < 64);
			seen[nseen++] = g;
		}
	}
	raw_close(&r);
}

/* A member list shorter than max_members ends with CVS_MEMBER_END; a full
 * one has no room for it. Halves are reused, so a short list lands on top
 * of a longer one and only the marker ends it. */
static void test_member_lists_end_with_the_marker(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_spec b[TEST_MAX_MEMBERS], got[TEST_MAX_MEMBERS];
	static const __u32 sizes[] = { TEST_MAX_MEMBERS, 3, TEST_MAX_MEMBERS,
				       1, 0, TEST_MAX_MEMBERS - 1, 2 };
	struct cvs_member mbr[TEST_MAX_MEMBERS], end;
	struct cvs_service_info info;
	struct cvs_svc svc;
	struct raw_maps r;
	__u32 i, j, n, idx;
	__u64 word;

	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		b[j] = bes(ip4(10, 0, 7, j + 1), 80, 1 + j % 3);
	assert_ok(raw_open(f->root, &r));
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		n = sizes[i];
		assert_ok(cvs_service_upsert(f->m, &k, b, n));
		assert_ok(cvs_service_get(f->m, &k, &info, got,
					  TEST_MAX_MEMBERS));
		assert_int_equal(info.members, n);
		assert_memory_equal(got, b, n * sizeof(b[0]));
		assert_ok(raw_members(&r, &k, mbr, TEST_MAX_MEMBERS, &j));
		assert_int_equal(j, n);
		assert_ok(raw_svc_word(&r, &k, &svc, &word));
		for (j = 0; j < n; j++)
			assert_int_equal(mbr[j].weight, b[j].weight);
		if (n == TEST_MAX_MEMBERS)
			continue;
		idx = cvs_mbr_index(r.meta.max_members, svc.id,
				    cvs_word_half(word), n);
		assert_ok(bpf_map_lookup_elem(r.fd[RAW_MBR], &idx, &end));
		if (end.backend_id != CVS_MEMBER_END)
			fail_msg("%u members: entry %u holds backend id %u, not CVS_MEMBER_END",
				 n, n, end.backend_id);
	}
	raw_close(&r);
}

static void test_delete_removes_the_service(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k1 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[3];
	struct cvs_service_info i1, i2, again;
	struct cvs_service_key keys[4];
	struct cvs_svc svc;
	struct cvs_usage u;
	struct raw_maps r;
	__u32 n;

	assert_ok(cvs_service_upsert(f->m, &k1, set125, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, set125, 2));
	assert_ok(cvs_service_get(f->m, &k1, &i1, got, 3));
	assert_ok(cvs_service_get(f->m, &k2, &i2, got, 3));

	assert_ok(cvs_service_delete(f->m, &k1));
	assert_rc(cvs_service_get(f->m, &k1, &i1, got, 3), -ENOENT);
	assert_rc(cvs_service_delete(f->m, &k1), -ENOENT);
	assert_ok(raw_open(f->root, &r));
	assert_rc(raw_svc(&r, &k1, &svc), -ENOENT);
	raw_close(&r);
	assert_ok(cvs_service_list(f->m, keys, 4, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(&keys[0], &k2, sizeof(k2));
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 1);
	assert_int_equal(u.backends, 2);
	assert_ok(cvs_service_get(f->m, &k2, &again, got, 3));
	assert_memory_equal(&again, &i2, sizeof(i2));

	/* re-created, it never repeats a generation */
	assert_ok(cvs_service_upsert(f->m, &k1, set125, 3));
	assert_ok(cvs_service_get(f->m, &k1, &again, got, 3));
	assert_true(again.gen > i1.gen && again.gen > i2.gen);
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cvs_service_key));
}

static void test_list_is_a_snapshot_of_all_keys(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key want[3] = {
		vip(1, 80, IPPROTO_TCP), vip(1, 80, IPPROTO_UDP),
		vip(7, 443, IPPROTO_TCP),
	};
	struct cvs_service_key keys[4];
	__u32 n = 99, i;

	assert_ok(cvs_service_list(f->m, keys, 4, &n));
	assert_int_equal(n, 0);
	for (i = 0; i < 3; i++)
		assert_ok(cvs_service_upsert(f->m, &want[i], set125, 3));

	n = 0;
	assert_rc(cvs_service_list(f->m, keys, 2, &n), -ENOBUFS);
	assert_int_equal(n, 3);
	n = 0;
	assert_rc(cvs_service_list(f->m, keys, 0, &n), -ENOBUFS);
	assert_int_equal(n, 3);
	assert_ok(cvs_service_list(f->m, keys, 3, &n));
	assert_int_equal(n, 3);
	qsort(keys, 3, sizeof(keys[0]), key_cmp);
	qsort(want, 3, sizeof(want[0]), key_cmp);
	assert_memory_equal(keys, want, sizeof(want));
}

static void test_counters_start_at_zero_in_member_order(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_counters bc[4];
	struct cvs_service_counters sc;
	__u32 n = 0, j;

	memset(bc, 0xa5, sizeof(bc));
	memset(&sc, 0xa5, sizeof(sc));
	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 4, &n));
	assert_int_equal(n, 3);
	assert_int_equal(sc.refused, 0);
	assert_int_equal(sc.retried, 0);
	for (j = 0; j < 3; j++) {
		assert_int_equal(bc[j].conns, 0);
		assert_int_equal(bc[j].packets, 0);
		assert_int_equal(bc[j].bytes, 0);
		assert_int_equal(bc[j].addr[0], set125[j].addr[0]);
		assert_int_equal(bc[j].port, set125[j].port);
		assert_int_equal(bc[j].pad, 0);
	}
	assert_rc(cvs_service_counters(f->m, &k, &sc, bc, 2, &n), -ENOBUFS);
}

static void test_counters_are_summed_over_cpus(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_stats want[3];
	struct cvs_service_stats want_svc;
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_service_info info;
	struct cvs_backend_spec got[3];
	struct raw_maps r;
	__u32 ids[3], n, j;

	assert_true(libbpf_num_possible_cpus() >= 1);
	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, ids, 3, &n));
	for (j = 0; j < 3; j++)
		raw_write_bestat(&r, ids[j], j + 1, &want[j]);
	raw_write_svcstat(&r, info.id, 5, &want_svc);
	raw_close(&r);

	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(n, 3);
	for (j = 0; j < 3; j++) {
		assert_int_equal(bc[j].conns, want[j].conns);
		assert_int_equal(bc[j].packets, want[j].packets);
		assert_int_equal(bc[j].bytes, want[j].bytes);
		assert_int_equal(bc[j].addr[0], set125[j].addr[0]);
	}
	assert_int_equal(sc.refused, want_svc.refused);
	assert_int_equal(sc.retried, want_svc.retried);
}

static void test_picks_follow_the_weights(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	const double expect[3] = { 1000, 2000, 5000 };	/* 8000 * w / 8 */
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_pick pick;
	struct raw_maps r;
	__u32 ids[3], n, seen[3] = { 0 }, i, j;
	double chi2 = 0;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, ids, 3, &n));
	raw_close(&r);
	for (i = 0; i < 8000; i++) {
		memset(&pick, 0, sizeof(pick));
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		for (j = 0; j < 3; j++)
			if (pick.addr[0] == set125[j].addr[0] &&
			    pick.port == set125[j].port)
				break;
		if (j == 3)
			fail_msg("picked %08x:%u, not a member", ntohl(pick.addr[0]),
				 ntohs(pick.port));
		assert_int_equal(pick.backend_id, ids[j]);
		assert_int_equal(pick.svc_id, info.id);
		assert_int_equal(pick.attempts, 1);
		seen[j]++;
	}
	for (j = 0; j < 3; j++)
		chi2 += (seen[j] - expect[j]) * (seen[j] - expect[j]) /
			expect[j];
	print_message("picks 1:2:5 -> %u:%u:%u, chi-square %.2f (2 df)\n",
		      seen[0], seen[1], seen[2], chi2);
	/* 13.816 is the 2-degree-of-freedom bound for p = 0.001 */
	if (chi2 > 13.816)
		fail_msg("picks %u:%u:%u do not follow 1:2:5 (chi2 %.2f)",
			 seen[0], seen[1], seen[2], chi2);
}

static void test_kept_backend_keeps_its_id_and_counters(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	/* 10.0.0.1:8080 moves from member 1 to member 0, weight 2 -> 7 */
	const struct cvs_backend_spec next[] = {
		BE(10, 0, 0, 1, 8080, 7), BE(10, 0, 0, 9, 8080, 1),
		BE(10, 0, 0, 2, 9090, 5),
	};
	struct cvs_backend_stats want;
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct raw_maps r;
	__u32 before[3], after[3], n;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, before, 3, &n));
	raw_write_bestat(&r, before[1], 3, &want);

	assert_ok(cvs_service_upsert(f->m, &k, next, 3));
	assert_ok(raw_member_ids(&r, &k, after, 3, &n));
	raw_close(&r);
	assert_int_equal(after[0], before[1]);	/* 10.0.0.1:8080 */
	assert_int_equal(after[2], before[2]);	/* 10.0.0.2:9090 */
	assert_int_not_equal(after[1], before[0]);	/* new one, new id */
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(bc[0].addr[0], next[0].addr[0]);
	assert_int_equal(bc[0].conns, want.conns);
	assert_int_equal(bc[0].packets, want.packets);
	assert_int_equal(bc[0].bytes, want.bytes);
	assert_int_equal(bc[1].conns, 0);
	assert_int_equal(bc[2].conns, 0);
}

/* Find which service now holds backend id want; its member index in *j. */
static int find_backend_id(const struct raw_maps *r,
			   const struct cvs_service_key *keys, __u32 nkeys,
			   __u32 want, __u32 *j)
{
	__u32 ids[TEST_MAX_MEMBERS], n, i;

	for (i = 0; i < nkeys; i++) {
		if (raw_member_ids(r, &keys[i], ids, TEST_MAX_MEMBERS, &n))
			continue;
		for (*j = 0; *j < n; (*j)++)
			if (ids[*j] == want)
				return i;
	}
	return -1;
}

static void test_removed_id_is_reused_later_with_zero_counters(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[TEST_MAX_SERVICES];
	const struct cvs_backend_spec xy[] = {
		BE(10, 0, 0, 1, 80, 1), BE(10, 0, 0, 2, 80, 1),
	};
	const struct cvs_backend_spec yz[] = {
		BE(10, 0, 0, 2, 80, 1), BE(10, 0, 0, 3, 80, 1),
	};
	struct cvs_backend_spec fill[TEST_MAX_MEMBERS];
	struct cvs_backend_counters bc[TEST_MAX_MEMBERS];
	struct cvs_service_counters sc;
	struct cvs_backend_stats junk;
	struct cvs_usage u;
	struct raw_maps r;
	__u32 ids[2], ids2[2], n, x, j = 0, want, nsvc = 1, take;
	int s;

	keys[0] = vip(1, 80, IPPROTO_TCP);
	assert_ok(cvs_service_upsert(f->m, &keys[0], xy, 2));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &keys[0], ids, 2, &n));
	x = ids[0];
	raw_write_bestat(&r, x, 4, &junk);

	/* X leaves and Z arrives in one change: Z must not take X's id,
	 * which readers of the previous generation may still hold. */
	assert_ok(cvs_service_upsert(f->m, &keys[0], yz, 2));
	assert_ok(raw_member_ids(&r, &keys[0], ids2, 2, &n));
	assert_int_equal(ids2[0], ids[1]);
	if (ids2[1] == x)
		fail_msg("new backend took id %u in the same change that freed it",
			 x);
	assert_ok(cvs_service_counters(f->m, &keys[0], &sc, bc, 2, &n));
	assert_int_equal(bc[1].conns, 0);

	/* a datapath that picked X before the flip counts after it */
	raw_write_bestat(&r, x, 5, &junk);

	/* Use up every backend id: X's id has to come back, at zero. */
	assert_ok(cvs_maps_usage(f->m, &u));
	want = u.max.max_backends - u.backends;
	while (want > 0) {
		assert_true(nsvc < TEST_MAX_SERVICES);
		take = want < TEST_MAX_MEMBERS ? want : TEST_MAX_MEMBERS;
		for (j = 0; j < take; j++)
			fill[j] = bes(ip4(10, 1, nsvc, j + 1), 80, 1);
		keys[nsvc] = vip(10 + nsvc, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &keys[nsvc], fill, take));
		nsvc++;
		want -= take;
	}
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.backends, u.max.max_backends);
	s = find_backend_id(&r, keys, nsvc, x, &j);
	raw_close(&r);
	if (s < 0)
		fail_msg("backend id %u is not in use with every id taken", x);
	assert_ok(cvs_service_counters(f->m, &keys[s], &sc, bc,
				       TEST_MAX_MEMBERS, &n));
	if (bc[j].conns || bc[j].packets || bc[j].bytes)
		fail_msg("reused backend id %u starts at conns %llu packets %llu bytes %llu",
			 x, (unsigned long long)bc[j].conns,
			 (unsigned long long)bc[j].packets,
			 (unsigned long long)bc[j].bytes);

	/* and with every id taken, one more backend does not fit */
	fill[0] = bes(ip4(10, 2, 0, 1), 80, 1);
	assert_rc(cvs_service_upsert(f->m, &keys[0], (struct cvs_backend_spec[]){
		yz[0], yz[1], fill[0] }, 3), -ENOSPC);
}

static void test_readded_backend_starts_at_zero(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_stats junk;
	struct raw_maps r;
	__u32 ids[3], n;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, ids, 3, &n));
	raw_write_bestat(&r, ids[0], 9, &junk);
	assert_ok(cvs_service_upsert(f->m, &k, set125 + 1, 2));
	raw_write_bestat(&r, ids[0], 9, &junk);	/* a late datapath count */
	raw_close(&r);
	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(bc[0].addr[0], set125[0].addr[0]);
	assert_int_equal(bc[0].conns, 0);
	assert_int_equal(bc[0].packets, 0);
	assert_int_equal(bc[0].bytes, 0);
}

static void test_reused_service_id_starts_at_zero(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k[TEST_MAX_SERVICES + 1];
	struct cvs_service_stats junk;
	struct cvs_service_counters sc;
	struct cvs_backend_counters bc[3];
	struct cvs_backend_spec got[3];
	struct cvs_service_info info, again;
	struct raw_maps r;
	__u32 i, n;

	for (i = 0; i < TEST_MAX_SERVICES; i++) {
		k[i] = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &k[i], set125, 1));
	}
	assert_ok(cvs_service_get(f->m, &k[3], &info, got, 3));
	assert_ok(raw_open(f->root, &r));
	raw_write_svcstat(&r, info.id, 3, &junk);
	assert_ok(cvs_service_delete(f->m, &k[3]));
	raw_write_svcstat(&r, info.id, 3, &junk);	/* late datapath count */
	raw_close(&r);

	/* every other id is taken, so the new service gets the freed one */
	k[TEST_MAX_SERVICES] = vip(100, 80, IPPROTO_TCP);
	assert_ok(cvs_service_upsert(f->m, &k[TEST_MAX_SERVICES], set125, 3));
	assert_ok(cvs_service_get(f->m, &k[TEST_MAX_SERVICES], &again, got, 3));
	assert_int_equal(again.id, info.id);
	assert_ok(cvs_service_counters(f->m, &k[TEST_MAX_SERVICES], &sc, bc, 3,
				       &n));
	assert_int_equal(sc.refused, 0);
	assert_int_equal(sc.retried, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_upsert_then_get_round_trips, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_weights_are_reduced_by_their_gcd, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_weights_beyond_the_table_keep_every_backend, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_all_draining_or_empty_refuses, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_down_members_get_no_slots, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_unknown_service_is_enoent, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_get_needs_room_for_every_member, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_get_reads_the_maps_not_a_cache, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_replace_publishes_a_new_generation, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_generations_are_unique_and_their_parity_is_the_half, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_member_lists_end_with_the_marker, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete_removes_the_service, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_is_a_snapshot_of_all_keys, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_counters_start_at_zero_in_member_order, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_counters_are_summed_over_cpus, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_picks_follow_the_weights, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_kept_backend_keeps_its_id_and_counters, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_removed_id_is_reused_later_with_zero_counters, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_readded_backend_starts_at_zero, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_reused_service_id_starts_at_zero, fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
