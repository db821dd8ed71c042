// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_drift.c - changes made to the maps behind the writer's back, as an
 * operator with bpftool makes them: cvs_service_verify() finds the services
 * whose maps are no longer consistent, cvs_maps_resync() brings the
 * writer's caches back to what the maps hold, and cvs_service_upsert()
 * afterwards writes a clean generation without leaking ids.
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

static const struct cvs_backend_spec two[] = {
	BE(10, 0, 1, 1, 80, 1),
	BE(10, 0, 1, 2, 80, 1),
};

/* bpftool map delete of the service's key in cvs_svc_v1. */
static void delete_entry_behind_its_back(const struct fx *f,
					 const struct cvs_service_key *key)
{
	struct cvs_svc_key mk = map_key4(key);
	struct raw_maps r;

	assert_ok(raw_open(f->root, &r));
	assert_ok(bpf_map_delete_elem(r.fd[RAW_SVC], &mk));
	raw_close(&r);
}

static void assert_usage(struct cvs_maps *m, __u32 services, __u32 backends)
{
	struct cvs_usage u;

	assert_ok(cvs_maps_usage(m, &u));
	if (u.services != services || u.backends != backends)
		fail_msg("usage %u services, %u backends; expected %u, %u",
			 u.services, u.backends, services, backends);
}

/* Fails unless no backend id is a member of two of the services. */
static void assert_backend_ids_unique(const struct raw_maps *r,
				      const struct cvs_service_key *keys,
				      __u32 nkeys)
{
	__u32 ids[TEST_MAX_BACKENDS], n = 0, got, a, b, i;

	for (i = 0; i < nkeys; i++) {
		assert_ok(raw_member_ids(r, &keys[i], ids + n,
					 TEST_MAX_BACKENDS - n, &got));
		n += got;
	}
	for (a = 0; a < n; a++)
		for (b = 0; b < a; b++)
			if (ids[a] == ids[b])
				fail_msg("backend id %u is a member twice",
					 ids[a]);
}

static void test_resync_needs_a_writer(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_rc(cvs_maps_resync(f->ro), -EROFS);
	assert_ok(cvs_maps_resync(f->m));
	assert_usage(f->m, 1, 3);
}

/* Without resync the ids of a service deleted behind the writer's back
 * stay taken until it reopens; resync gives them back. */
static void test_resync_reclaims_the_ids_of_a_deleted_entry(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[TEST_MAX_SERVICES + 1];
	struct cvs_service_info gone, info;
	struct cvs_backend_spec got[3];
	struct raw_maps r;
	__u32 i;

	for (i = 0; i < TEST_MAX_SERVICES; i++) {
		keys[i] = vip(i + 1, 80, IPPROTO_TCP);
		assert_ok(cvs_service_upsert(f->m, &keys[i], two, 2));
	}
	assert_ok(cvs_service_get(f->m, &keys[3], &gone, got, 2));
	delete_entry_behind_its_back(f, &keys[3]);

	keys[TEST_MAX_SERVICES] = vip(100, 80, IPPROTO_TCP);
	assert_usage(f->m, TEST_MAX_SERVICES, 2 * TEST_MAX_SERVICES);
	assert_rc(cvs_service_upsert(f->m, &keys[TEST_MAX_SERVICES], three, 3),
		  -ENOSPC);

	assert_ok(cvs_maps_resync(f->m));
	assert_usage(f->m, TEST_MAX_SERVICES - 1, 2 * TEST_MAX_SERVICES - 2);
	assert_true(log_count("resync: service ids in use 8 -> 7",
			      CVS_LOG_INFO) == 1);
	assert_ok(cvs_service_upsert(f->m, &keys[TEST_MAX_SERVICES], three, 3));
	assert_ok(cvs_service_get(f->m, &keys[TEST_MAX_SERVICES], &info, got,
				  3));
	assert_int_equal(info.id, gone.id);	/* the only free one */
	assert_usage(f->m, TEST_MAX_SERVICES, 2 * TEST_MAX_SERVICES + 1);

	keys[3] = keys[TEST_MAX_SERVICES];
	assert_ok(raw_open(f->root, &r));
	assert_backend_ids_unique(&r, keys, TEST_MAX_SERVICES);
	raw_close(&r);
}

static void test_upsert_after_resync_recreates_a_deleted_service(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[2] = {
		vip(1, 80, IPPROTO_TCP), vip(2, 80, IPPROTO_TCP),
	};
	struct cvs_backend_spec got[3];
	struct cvs_service_info before, after;
	struct cvs_pick pick;
	struct raw_maps r;
	__u32 old_ids[3], ids[3], n, i, j;

	assert_ok(cvs_service_upsert(f->m, &keys[0], three, 3));
	assert_ok(cvs_service_upsert(f->m, &keys[1], two, 2));
	assert_ok(cvs_service_get(f->m, &keys[0], &before, got, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &keys[0], old_ids, 3, &n));
	delete_entry_behind_its_back(f, &keys[0]);

	assert_ok(cvs_maps_resync(f->m));
	assert_rc(cvs_service_get(f->m, &keys[0], &after, got, 3), -ENOENT);
	assert_usage(f->m, 1, 2);

	assert_ok(cvs_service_upsert(f->m, &keys[0], three, 3));
	assert_ok(cvs_service_get(f->m, &keys[0], &after, got, 3));
	assert_memory_equal(got, three, sizeof(three));
	assert_true(after.gen > before.gen);
	assert_usage(f->m, 2, 5);
	/* reclaimed ids wait behind the ids that were free already */
	assert_int_not_equal(after.id, before.id);
	assert_ok(raw_member_ids(&r, &keys[0], ids, 3, &n));
	for (i = 0; i < 3; i++)
		for (j = 0; j < 3; j++)
			if (ids[i] == old_ids[j])
				fail_msg("reclaimed backend id %u handed out before the ids that were free",
					 ids[i]);
	assert_backend_ids_unique(&r, keys, 2);
	raw_close(&r);
	for (i = 0; i < 100; i++) {
		assert_ok(cvs_service_pick(f->m, &keys[0], &pick));
		assert_int_equal(ntohl(pick.addr[0]) >> 8, 0x0a0000);
	}
}

/* Resync never hands out a generation twice: not those of services deleted
 * behind its back (no word shows them any more), not those in words stored
 * by someone else; and it does not skip a reserved block either. */
static void test_resync_keeps_generations_increasing(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k1 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	struct cvs_service_key k3 = vip(3, 80, IPPROTO_TCP);
	struct cvs_service_info i1, i2, i3;
	struct cvs_backend_spec got[3];
	struct cvs_svc svc;
	struct raw_maps r;
	__u32 reserved, i;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &k2, two, 2));
	for (i = 0; i < 5; i++)
		assert_ok(cvs_service_upsert(f->m, &k1, three, 3 - i % 2));
	assert_ok(cvs_service_get(f->m, &k1, &i1, got, 3));
	assert_ok(cvs_service_get(f->m, &k2, &i2, got, 3));
	assert_true(i1.gen > i2.gen);
	delete_entry_behind_its_back(f, &k1);

	assert_ok(raw_open(f->root, &r));
	reserved = r.meta.gen_reserved;
	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_service_upsert(f->m, &k3, three, 3));
	assert_ok(cvs_service_get(f->m, &k3, &i3, got, 3));
	if (i3.gen <= i1.gen)
		fail_msg("gen %u after resync, %u was handed out before",
			 i3.gen, i1.gen);

	/* someone stores a later generation of the same half in k2's word */
	assert_ok(raw_svc_word(&r, &k2, &svc, &word));
	word = cvs_gen_word(cvs_word_gen(word) + 200, cvs_word_slots(word));
	raw_write_word(&r, svc.id, word);
	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_service_upsert(f->m, &k3, three, 2));
	assert_ok(cvs_service_get(f->m, &k3, &i3, got, 3));
	if (i3.gen <= cvs_word_gen(word))
		fail_msg("gen %u after resync, a word holds %u", i3.gen,
			 cvs_word_gen(word));

	raw_close(&r);
	assert_ok(raw_open(f->root, &r));
	assert_int_equal(r.meta.gen_reserved, reserved);
	raw_close(&r);
}

/* A backend record altered behind the writer's back: once resync has read
 * it, upsert gives the backend a fresh id with a correct record and zeroed
 * counters, keeps the others' ids, and frees the altered one. */
static void test_upsert_after_resync_replaces_an_altered_backend(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_backend altered, be;
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_stats junk;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct raw_maps r;
	__u32 before[3], after[3], n;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, before, 3, &n));
	raw_write_bestat(&r, before[1], 4, &junk);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &before[1], &altered));
	altered.addr = ip4(10, 9, 9, 9);
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &before[1], &altered,
				      BPF_ANY));

	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(raw_member_ids(&r, &k, after, 3, &n));
	assert_int_equal(after[0], before[0]);
	assert_int_equal(after[2], before[2]);
	assert_int_not_equal(after[1], before[1]);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &after[1], &be));
	raw_close(&r);
	assert_int_equal(be.addr, three[1].addr[0]);
	assert_int_equal(be.port, three[1].port);
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_memory_equal(got, three, sizeof(three));
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(bc[1].conns + bc[1].packets + bc[1].bytes, 0);
	assert_usage(f->m, 1, 3);
}

/* Maps that open would refuse, resync refuses too, and keeps the caches it
 * had: with them, upsert still rewrites the broken service. */
static void test_failed_resync_keeps_the_caches(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_member mbr;
	struct cvs_svc svc;
	struct raw_maps r;
	__u32 idx;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, two, 2));
	assert_ok(raw_open(f->root, &r));
	delete_entry_behind_its_back(f, &k2);
	assert_ok(raw_svc_word(&r, &k, &svc, &word));
	idx = cvs_mbr_index(r.meta.max_members, svc.id, cvs_word_half(word), 1);
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_MBR], &idx, &mbr));
	mbr.backend_id = TEST_MAX_BACKENDS + 7;
	assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &mbr, BPF_ANY));
	raw_close(&r);

	assert_rc(cvs_maps_resync(f->m), -EPROTO);
	assert_true(log_count("out of range or shared", CVS_LOG_ERROR) > 0);
	assert_usage(f->m, 2, 5);

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
	assert_memory_equal(got, three, sizeof(three));
	assert_ok(cvs_maps_resync(f->m));
	assert_usage(f->m, 1, 3);
}

/* ---- cvs_service_verify ------------------------------------------------ */

static void test_verify_accepts_what_upsert_wrote(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 53, IPPROTO_UDP);
	struct cvs_backend_spec b[TEST_MAX_MEMBERS];
	__u32 j;

	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		b[j] = bes(ip4(10, 0, 4, j + 1), 80, j + 1);
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_service_upsert(f->m, &k2, two, 2));
	/* exact weights, draining members, all draining, none, a full list
	 * (no end marker) whose weights exceed the table */
	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_verify(f->ro, &k));
	b[0].weight = 0;
	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_verify(f->m, &k));
	for (j = 0; j < 4; j++)
		b[j].weight = 0;
	assert_ok(cvs_service_upsert(f->m, &k, b, 4));
	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_upsert(f->m, &k, b, 0));
	assert_ok(cvs_service_verify(f->ro, &k));
	for (j = 0; j < TEST_MAX_MEMBERS; j++)
		b[j].weight = 1000 * (j + 1);
	assert_ok(cvs_service_upsert(f->m, &k, b, TEST_MAX_MEMBERS));
	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_verify(f->ro, &k));
	assert_ok(cvs_service_verify(f->m, &k2));
	assert_int_equal(log_count("inconsistent", CVS_LOG_WARN), 0);
}

static void test_verify_of_an_unknown_service_is_enoent(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key tcp = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key udp = vip(1, 80, IPPROTO_UDP);

	assert_rc(cvs_service_verify(f->m, &tcp), -ENOENT);
	assert_ok(cvs_service_upsert(f->m, &tcp, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_rc(cvs_service_verify(f->m, &udp), -ENOENT);
	assert_rc(cvs_service_verify(f->ro, &udp), -ENOENT);
	assert_ok(cvs_service_delete(f->m, &tcp));
	assert_rc(cvs_service_verify(f->ro, &tcp), -ENOENT);
}

/* Where the service's current generation is, and ids to alter it with. */
struct target {
	__u32 svc_id;
	__u64 word;
	__u32 ids[3];		/* backend ids of its members */
	__u32 other_id;		/* a backend id of another service */
	__u32 free_id;		/* a backend id never used */
};

static void set_member(const struct raw_maps *r, const struct target *t,
		       __u32 j, __u32 id, __u16 weight)
{
	struct cvs_member mb = { .backend_id = id, .weight = weight };
	__u32 idx = cvs_mbr_index(r->meta.max_members, t->svc_id,
				  cvs_word_half(t->word), j);

	assert_ok(bpf_map_update_elem(r->fd[RAW_MBR], &idx, &mb, BPF_ANY));
}

static void set_record(const struct raw_maps *r, __u32 id, __u32 svc_id,
		       int zero)
{
	struct cvs_backend be = {};

	if (!zero)
		assert_ok(bpf_map_lookup_elem(r->fd[RAW_BE], &id, &be));
	be.svc_id = svc_id;
	assert_ok(bpf_map_update_elem(r->fd[RAW_BE], &id, &be, BPF_ANY));
}

/* three's table: 1, 2 and 5 slots for its members, in member order */
static void alter_slot(const struct raw_maps *r, const struct target *t)
{
	__u32 idx = cvs_sel_index(r->meta.table_slots, t->svc_id,
				  cvs_word_half(t->word), 0);

	assert_ok(bpf_map_update_elem(r->fd[RAW_SEL], &idx, &t->ids[2],
				      BPF_ANY));
}

static void member_out_of_range(const struct raw_maps *r,
				const struct target *t)
{
	set_member(r, t, 1, TEST_MAX_BACKENDS + 7, 2);
}

static void member_of_other_service(const struct raw_maps *r,
				    const struct target *t)
{
	set_member(r, t, 1, t->other_id, 2);
}

static void member_twice(const struct raw_maps *r, const struct target *t)
{
	set_member(r, t, 1, t->ids[0], 2);
}

static void end_marker_lost(const struct raw_maps *r, const struct target *t)
{
	set_member(r, t, 3, t->free_id, 0);
}

static void weight_changed(const struct raw_maps *r, const struct target *t)
{
	set_member(r, t, 1, t->ids[1], 3);
}

static void record_zeroed(const struct raw_maps *r, const struct target *t)
{
	set_record(r, t->ids[1], 0, 1);
}

static void record_of_other_service(const struct raw_maps *r,
				    const struct target *t)
{
	set_record(r, t->ids[1], t->svc_id + 1, 0);
}

static void word_slots_differ(const struct raw_maps *r,
			      const struct target *t)
{
	raw_write_word(r, t->svc_id, cvs_gen_word(cvs_word_gen(t->word), 7));
}

static void word_slots_beyond_table(const struct raw_maps *r,
				    const struct target *t)
{
	raw_write_word(r, t->svc_id, cvs_gen_word(cvs_word_gen(t->word),
						  TEST_TABLE_SLOTS + 1));
}

static void word_gen_zero(const struct raw_maps *r, const struct target *t)
{
	raw_write_word(r, t->svc_id, cvs_gen_word(0, 8));
}

struct alteration {
	const char *what;
	void (*alter)(const struct raw_maps *r, const struct target *t);
	const char *logged;	/* in the warning verify logs */
	int resync;		/* what resync returns then */
};

static const struct alteration alterations[] = {
	{ "a slot of the current half", alter_slot,
	  "slot 0 names backend id", 0 },
	{ "a member's backend id out of range", member_out_of_range,
	  "member 1 names backend id 71, beyond 64", -EPROTO },
	{ "a member naming another service's backend", member_of_other_service,
	  "whose record is service id", -EPROTO },
	{ "a member naming a backend twice", member_twice,
	  "as an earlier member does", -EPROTO },
	{ "the end marker overwritten", end_marker_lost,
	  "member 3 names backend id 63, whose record has no address",
	  -EPROTO },	/* the list runs on into zeroed entries: id 0 */
	{ "a member's weight", weight_changed,
	  "its word has 8 slots, the weights give 9", 0 },
	{ "a backend record zeroed", record_zeroed,
	  "whose record has no address or port", 0 },
	{ "a backend record moved to another service", record_of_other_service,
	  "whose record is service id", 0 },
	{ "the word's slots", word_slots_differ,
	  "its word has 7 slots, the weights give 8", 0 },
	{ "the word's slots beyond the table", word_slots_beyond_table,
	  "more than 64 slots", -EPROTO },
	{ "the word's generation 0", word_gen_zero, "generation 0", -EPROTO },
};

/*
 * Each alteration is found, in the current generation only; the other
 * service still verifies. Resync takes in what open would accept and
 * refuses the rest; either way upsert then writes a generation that
 * verifies, and nothing leaks.
 */
static void test_verify_finds_what_was_altered_and_upsert_repairs_it(
	void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k2 = vip(2, 80, IPPROTO_TCP);
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct target t;
	struct cvs_svc svc;
	struct raw_maps r;
	__u32 other[2], n, i;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_service_upsert(f->m, &k2, two, 2));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(raw_open(f->root, &r));
	for (i = 0; i < sizeof(alterations) / sizeof(alterations[0]); i++) {
		test_case = alterations[i].what;
		assert_ok(raw_svc_word(&r, &k, &svc, &t.word));
		t.svc_id = svc.id;
		assert_ok(raw_member_ids(&r, &k, t.ids, 3, &n));
		assert_ok(raw_member_ids(&r, &k2, other, 2, &n));
		t.other_id = other[0];
		t.free_id = TEST_MAX_BACKENDS - 1;

		log_clear();
		alterations[i].alter(&r, &t);
		assert_rc(cvs_service_verify(f->m, &k), -EBADMSG);
		if (log_count(alterations[i].logged, CVS_LOG_WARN) != 1) {
			log_dump();
			fail_msg("%s: no warning with \"%s\"", test_case,
				 alterations[i].logged);
		}
		assert_rc(cvs_service_verify(f->ro, &k), -EBADMSG);
		assert_ok(cvs_service_verify(f->m, &k2));

		assert_rc(cvs_maps_resync(f->m), alterations[i].resync);
		assert_ok(cvs_service_upsert(f->m, &k, three, 3));
		assert_ok(cvs_service_verify(f->m, &k));
		assert_ok(cvs_service_verify(f->ro, &k));
		assert_ok(cvs_service_verify(f->m, &k2));
		assert_ok(cvs_service_get(f->m, &k, &info, got, 3));
		assert_memory_equal(got, three, sizeof(three));
		assert_ok(cvs_maps_resync(f->m));
		assert_usage(f->m, 2, 5);
	}
	raw_close(&r);
}

/* What no reader of the current generation reads is not checked: the
 * other half, slots past the word's count, records of free ids. */
static void test_verify_ignores_what_readers_never_see(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_member junk = { .backend_id = 9999, .weight = 7 };
	__u32 idx, j, bad = 9999;
	struct cvs_svc svc;
	struct raw_maps r;
	__u64 word;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, &k, &svc, &word));
	for (j = 0; j < TEST_MAX_MEMBERS; j++) {
		idx = cvs_mbr_index(TEST_MAX_MEMBERS, svc.id,
				    !cvs_word_half(word), j);
		assert_ok(bpf_map_update_elem(r.fd[RAW_MBR], &idx, &junk, 0));
	}
	for (j = 0; j < TEST_TABLE_SLOTS; j++) {
		idx = cvs_sel_index(TEST_TABLE_SLOTS, svc.id,
				    !cvs_word_half(word), j);
		assert_ok(bpf_map_update_elem(r.fd[RAW_SEL], &idx, &bad, 0));
		if (j < cvs_word_slots(word))
			continue;
		idx = cvs_sel_index(TEST_TABLE_SLOTS, svc.id,
				    cvs_word_half(word), j);
		assert_ok(bpf_map_update_elem(r.fd[RAW_SEL], &idx, &bad, 0));
	}
	set_record(&r, TEST_MAX_BACKENDS - 1, 0, 1);
	raw_close(&r);
	assert_ok(cvs_service_verify(f->m, &k));
}

/* An entry naming a service id beyond the maps is inconsistent; upsert
 * cannot adopt it, but delete and upsert replace it, and resync then
 * reclaims what the entry named before. */
static void test_verify_finds_an_entry_naming_no_service_id(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip(1, 80, IPPROTO_TCP);
	struct cvs_svc bad = { .id = TEST_MAX_SERVICES + 3 };
	struct cvs_svc_key mk = map_key4(&k);
	struct raw_maps r;

	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(bpf_map_update_elem(r.fd[RAW_SVC], &mk, &bad, BPF_EXIST));
	raw_close(&r);
	assert_rc(cvs_service_verify(f->m, &k), -EBADMSG);
	assert_int_equal(log_count("names a service id beyond 8",
				   CVS_LOG_WARN), 1);
	assert_rc(cvs_maps_resync(f->m), -EPROTO);
	assert_rc(cvs_service_upsert(f->m, &k, three, 3), -EPROTO);

	assert_ok(cvs_service_delete(f->m, &k));
	assert_ok(cvs_service_upsert(f->m, &k, three, 3));
	assert_ok(cvs_service_verify(f->m, &k));
	assert_usage(f->m, 2, 6);
	assert_ok(cvs_maps_resync(f->m));
	assert_usage(f->m, 1, 3);
}

struct flipper {
	struct cvs_maps *m;
	struct cvs_service_key key;
	atomic_int stop;
	int flips, err;
};

static void *flip_until_stopped(void *arg)
{
	struct flipper *fl = arg;
	struct cvs_backend_spec b[5];
	__u32 j, n;

	while (!atomic_load(&fl->stop) && !fl->err) {
		n = fl->flips % 2 ? 3 : 5;
		for (j = 0; j < n; j++)
			b[j] = bes(ip4(10, 0, n, j + 1), 80, j + n);
		fl->err = cvs_service_upsert(fl->m, &fl->key, b, n);
		fl->flips++;
	}
	return NULL;
}

/* A read-only handle verifies beside a writer that flips all the time: it
 * validates what it read against the word, so a flip is never mistaken for
 * an inconsistency. */
static void test_verify_beside_a_flipping_writer(void **state)
{
	struct fx *f = *state;
	struct flipper fl = { .m = f->m, .key = vip(1, 80, IPPROTO_TCP) };
	int i, rc, ok = 0, again = 0;
	pthread_t writer;

	assert_ok(cvs_service_upsert(f->m, &fl.key, three, 3));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(pthread_create(&writer, NULL, flip_until_stopped, &fl));
	for (i = 0; i < 3000; i++) {
		rc = cvs_service_verify(f->ro, &fl.key);
		if (rc == 0)
			ok++;
		else if (rc == -EAGAIN)
			again++;
		else
			break;
	}
	atomic_store(&fl.stop, 1);
	pthread_join(writer, NULL);
	print_message("%d verifies beside %d flips: %d consistent, %d outrun\n",
		      i, fl.flips, ok, again);
	assert_ok(fl.err);
	if (i < 3000) {
		log_dump();
		fail_msg("verify %d returned %d (%s)", i, rc, errno_name(-rc));
	}
	assert_true(fl.flips > 100);
	assert_true(ok > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resync_needs_a_writer, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resync_reclaims_the_ids_of_a_deleted_entry, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_upsert_after_resync_recreates_a_deleted_service, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_resync_keeps_generations_increasing, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_upsert_after_resync_replaces_an_altered_backend, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_failed_resync_keeps_the_caches, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_accepts_what_upsert_wrote, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_of_an_unknown_service_is_enoent, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_finds_what_was_altered_and_upsert_repairs_it, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_ignores_what_readers_never_see, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_finds_an_entry_naming_no_service_id, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_beside_a_flipping_writer, fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
