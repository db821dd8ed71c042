// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_v6.c - IPv6 services in the maps: the records a datapath reads
 * (cvs_svc6_v1, an F_INET6 cvs_be_v1 record beside the cvs_be6_v1 one),
 * every call of the API on them, both families side by side, the refused
 * inputs of each family, a set made before the twins completed in place,
 * and a grow carrying both families' counters.
 *
 * VIPs are 2001:db8::/32 (documentation), backends fd00::/8.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/socket.h>

static struct cvs_backend_spec set125[3], set_v4[2];

static void sets_init(void)
{
	set125[0] = bes6(1, 8080, 1);
	set125[1] = bes6(2, 8080, 2);
	set125[2] = bes6(3, 8080, 5);
	set_v4[0] = bes(ip4(10, 0, 0, 1), 8080, 1);
	set_v4[1] = bes(ip4(10, 0, 0, 2), 8080, 1);
}

/* The records of member j of key's service are those of an IPv6 backend
 * b of service svc_id, in both maps. */
static void assert_v6_records(const struct raw_maps *r, __u32 id,
			      __u32 svc_id, const struct cvs_backend_spec *b)
{
	struct cvs_backend6 be6;
	struct cvs_backend be;

	assert_ok(bpf_map_lookup_elem(r->fd[RAW_BE], &id, &be));
	assert_int_equal(be.addr, 0);
	assert_int_equal(be.port, b->port);
	assert_int_equal(be.svc_id, svc_id);
	assert_int_equal(be.flags, CVS_BACKEND_F_INET6);
	assert_ok(bpf_map_lookup_elem(r->fd[RAW_BE6], &id, &be6));
	assert_memory_equal(be6.addr, b->addr, sizeof(be6.addr));
	assert_int_equal(be6.port, b->port);
	assert_int_equal(be6.pad, 0);
	assert_int_equal(be6.svc_id, svc_id);
	assert_int_equal(be6.flags, CVS_BACKEND_F_INET6);
}

static void assert_usage(struct cvs_maps *m, __u32 services, __u32 backends)
{
	struct cvs_usage u;

	assert_ok(cvs_maps_usage(m, &u));
	assert_int_equal(u.services, services);
	assert_int_equal(u.backends, backends);
}

static int is_member(const struct cvs_pick *pick,
		     const struct cvs_backend_spec *b, __u32 n)
{
	__u32 j;

	for (j = 0; j < n; j++)
		if (!memcmp(pick->addr, b[j].addr, sizeof(pick->addr)) &&
		    pick->port == b[j].port && b[j].weight)
			return 1;
	return 0;
}

static void test_v6_service_end_to_end(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip6(1, 80, IPPROTO_TCP), listed[4];
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_backend_counters bc[3];
	struct cvs_backend_stats sum[3];
	struct cvs_service_counters sc;
	struct cvs_service_stats ssum;
	struct cvs_member mbr[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	struct cvs_svc_key k4 = map_key4(&k);
	struct raw_reader rd;
	struct cvs_pick pick;
	struct raw_maps r;
	struct cvs_svc svc;
	__u32 n, j, count[3], slots;
	int i;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(cvs_service_get(f->m, &k, &info, got, TEST_MAX_MEMBERS));
	assert_int_equal(info.members, 3);
	assert_int_equal(info.slots, 8);
	assert_memory_equal(got, set125, sizeof(set125));
	assert_ok(cvs_service_list(f->m, listed, 4, &n));
	assert_int_equal(n, 1);
	assert_memory_equal(&listed[0], &k, sizeof(k));
	assert_usage(f->m, 1, 3);

	/* what a datapath reads: the IPv6 map only, both backend records */
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc(&r, &k, &svc));
	assert_int_equal(svc.id, info.id);
	assert_rc(bpf_map_lookup_elem(r.fd[RAW_SVC], &k4, &svc), -ENOENT);
	assert_ok(raw_members(&r, &k, mbr, TEST_MAX_MEMBERS, &n));
	assert_int_equal(n, 3);
	for (j = 0; j < n; j++)
		assert_v6_records(&r, mbr[j].backend_id, info.id, &set125[j]);
	raw_table_counts(&r, &k, count, &slots);
	assert_int_equal(slots, 8);
	assert_int_equal(count[0], 1);
	assert_int_equal(count[1], 2);
	assert_int_equal(count[2], 5);

	/* the datapaths' reader and the library's pick agree */
	raw_reader_init(&rd, &r, 42);
	for (i = 0; i < 200; i++) {
		assert_int_equal(raw_select(&rd, &k, r.meta.table_slots,
					    &pick), CVS_PICK_OK);
		assert_true(is_member(&pick, set125, 3));
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		assert_true(is_member(&pick, set125, 3));
		assert_int_equal(pick.svc_id, info.id);
	}

	assert_ok(cvs_service_verify(f->m, &k));
	assert_ok(cvs_service_check(f->m, &k, set125, 3));
	assert_rc(cvs_service_check(f->m, &k, set125, 2), -ESTALE);

	for (j = 0; j < 3; j++)
		raw_write_bestat(&r, mbr[j].backend_id, j + 1, &sum[j]);
	raw_write_svcstat(&r, info.id, 4, &ssum);
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(n, 3);
	assert_int_equal(sc.refused, ssum.refused);
	for (j = 0; j < 3; j++) {
		assert_memory_equal(bc[j].addr, set125[j].addr,
				    sizeof(bc[j].addr));
		assert_int_equal(bc[j].port, set125[j].port);
		assert_int_equal(bc[j].conns, sum[j].conns);
		assert_int_equal(bc[j].bytes, sum[j].bytes);
	}

	/* a read-only handle reads the same from the maps */
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_service_verify(f->ro, &k));
	assert_ok(cvs_service_get(f->ro, &k, &info, got, TEST_MAX_MEMBERS));
	assert_memory_equal(got, set125, sizeof(set125));
	memset(bc, 0, sizeof(bc));
	assert_ok(cvs_service_counters(f->ro, &k, &sc, bc, 3, &n));
	assert_memory_equal(bc[2].addr, set125[2].addr, sizeof(bc[2].addr));
	assert_int_equal(bc[2].packets, sum[2].packets);
	assert_usage(f->ro, 1, 3);

	assert_ok(cvs_service_delete(f->m, &k));
	assert_rc(raw_svc(&r, &k, &svc), -ENOENT);
	assert_rc(cvs_service_get(f->m, &k, &info, got, 3), -ENOENT);
	assert_rc(cvs_service_pick(f->m, &k, &pick), -ENOENT);
	assert_rc(cvs_service_verify(f->m, &k), -ENOENT);
	assert_usage(f->m, 0, 0);
	raw_close(&r);
}

/* An update keeps the ids and counters of the backends that stay, by
 * (IPv6 address, port); weight 0 drains: a member without slots. A writer
 * opened afterwards (a restart) reads the cvs_be6_v1 records back and
 * keeps them too. */
static void test_v6_update_keeps_ids_and_counters_and_drains(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k = vip6(2, 443, IPPROTO_TCP);
	struct cvs_backend_spec next[3] = {
		bes6(3, 8080, 5), bes6(2, 8080, 0), bes6(4, 8080, 1),
	};
	struct cvs_backend_counters bc[3];
	struct cvs_backend_stats sum[3];
	struct cvs_service_counters sc;
	__u32 before[3], after[3], again[3], n, count[3], slots;
	struct cvs_pick pick;
	struct raw_maps r;
	int i;

	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k, before, 3, &n));
	raw_write_bestat(&r, before[1], 7, &sum[1]);
	raw_write_bestat(&r, before[2], 9, &sum[2]);

	assert_ok(cvs_service_upsert(f->m, &k, next, 3));
	assert_ok(raw_member_ids(&r, &k, after, 3, &n));
	assert_int_equal(after[0], before[2]);	/* fd00::3 stays */
	assert_int_equal(after[1], before[1]);	/* fd00::2 stays, drains */
	assert_int_not_equal(after[2], before[0]);	/* fd00::4 is new... */
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(bc[0].conns, sum[2].conns);
	assert_int_equal(bc[1].conns, sum[1].conns);
	assert_int_equal(bc[2].conns, 0);	/* ...with zeroed counters */
	raw_table_counts(&r, &k, count, &slots);
	assert_int_equal(slots, 6);
	assert_int_equal(count[1], 0);
	for (i = 0; i < 100; i++) {
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		assert_true(is_member(&pick, next, 3));
	}
	assert_ok(cvs_service_verify(f->m, &k));
	assert_usage(f->m, 1, 3);

	/* a restart diffs against the records in the maps */
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_usage(f->m, 1, 3);
	assert_ok(cvs_service_upsert(f->m, &k, next, 3));
	assert_ok(raw_member_ids(&r, &k, again, 3, &n));
	assert_memory_equal(again, after, sizeof(after));
	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_service_upsert(f->m, &k, set125, 3));
	assert_ok(raw_member_ids(&r, &k, again, 3, &n));
	assert_int_equal(again[1], after[1]);
	assert_int_equal(again[2], after[0]);
	assert_ok(cvs_service_counters(f->m, &k, &sc, bc, 3, &n));
	assert_int_equal(bc[2].conns, sum[2].conns);
	raw_close(&r);
}

static int by_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cvs_service_key));
}

/* The same port and protocol in both families: two services, listed,
 * counted and deleted independently. */
static void test_both_families_side_by_side(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_TCP);
	struct cvs_service_key want[2] = { k4, k6 }, keys[4];
	struct cvs_backend_counters bc[8];
	struct cvs_service_counters svcs[4];
	struct cvs_backend_spec got[4];
	struct cvs_service_info info;
	struct cvs_pick pick;
	__u32 n, be_n, members[4], i, j, at;

	assert_ok(cvs_service_upsert(f->m, &k4, set_v4, 2));
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(cvs_service_list(f->m, keys, 4, &n));
	assert_int_equal(n, 2);
	qsort(keys, n, sizeof(keys[0]), by_key);
	qsort(want, 2, sizeof(want[0]), by_key);
	assert_memory_equal(keys, want, sizeof(want));
	assert_rc(cvs_service_list(f->m, keys, 1, &n), -ENOBUFS);
	assert_int_equal(n, 2);
	assert_usage(f->m, 2, 5);

	assert_ok(cvs_counters_all(f->m, keys, svcs, members, 4, bc, 8, &n,
				   &be_n));
	assert_int_equal(n, 2);
	assert_int_equal(be_n, 5);
	/* members of service i follow those of the services before it */
	for (i = 0, at = 0; i < n; at += members[i], i++) {
		const struct cvs_backend_spec *s =
			keys[i].family == AF_INET6 ? set125 : set_v4;

		assert_int_equal(members[i],
				 keys[i].family == AF_INET6 ? 3 : 2);
		for (j = 0; j < members[i]; j++) {
			assert_memory_equal(bc[at + j].addr, s[j].addr,
					    sizeof(bc[0].addr));
			assert_int_equal(bc[at + j].port, s[j].port);
		}
	}

	assert_ok(cvs_service_pick(f->m, &k4, &pick));
	assert_true(is_member(&pick, set_v4, 2));
	assert_int_equal(pick.addr[1] | pick.addr[2] | pick.addr[3], 0);
	assert_ok(cvs_service_pick(f->m, &k6, &pick));
	assert_true(is_member(&pick, set125, 3));
	assert_ok(cvs_service_verify(f->m, &k4));
	assert_ok(cvs_service_verify(f->m, &k6));

	assert_ok(cvs_service_delete(f->m, &k6));
	assert_ok(cvs_service_get(f->m, &k4, &info, got, 4));
	assert_memory_equal(got, set_v4, sizeof(set_v4));
	assert_rc(cvs_service_get(f->m, &k6, &info, got, 4), -ENOENT);
	assert_usage(f->m, 1, 2);
	/* the ids the IPv6 service freed serve IPv4 backends as well */
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(cvs_service_delete(f->m, &k4));
	assert_ok(cvs_service_upsert(f->m, &k4, set_v4, 2));
	assert_ok(cvs_service_verify(f->m, &k4));
	assert_ok(cvs_service_verify(f->m, &k6));
}

/* Records altered behind the writer's back: each family's members must
 * have their own kind of record. */
static void test_verify_checks_each_familys_records(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_TCP);
	struct cvs_backend6 be6, saved6;
	struct cvs_backend be, saved;
	__u32 ids4[2], ids6[3], n;
	struct raw_maps r;

	assert_ok(cvs_service_upsert(f->m, &k4, set_v4, 2));
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k4, ids4, 2, &n));
	assert_ok(raw_member_ids(&r, &k6, ids6, 3, &n));

	/* an IPv4 member whose record claims IPv6 */
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &ids4[0], &saved));
	be = saved;
	be.flags = CVS_BACKEND_F_INET6;
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &ids4[0], &be, BPF_ANY));
	log_clear();
	assert_rc(cvs_service_verify(f->m, &k4), -EBADMSG);
	assert_int_equal(log_count("whose record is CVS_BACKEND_F_INET6",
				   CVS_LOG_WARN), 1);
	assert_rc(cvs_service_check(f->m, &k4, set_v4, 2), -EBADMSG);
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &ids4[0], &saved,
				      BPF_ANY));
	assert_ok(cvs_service_verify(f->m, &k4));

	/* an IPv6 member whose cvs_be_v1 record lost F_INET6 */
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE], &ids6[1], &saved));
	be = saved;
	be.flags = 0;
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &ids6[1], &be, BPF_ANY));
	assert_rc(cvs_service_verify(f->m, &k6), -EBADMSG);
	assert_rc(cvs_service_check(f->m, &k6, set125, 3), -EBADMSG);
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE], &ids6[1], &saved,
				      BPF_ANY));

	/* an IPv6 record of another service, or another address */
	assert_ok(bpf_map_lookup_elem(r.fd[RAW_BE6], &ids6[2], &saved6));
	be6 = saved6;
	be6.svc_id ^= 1;
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE6], &ids6[2], &be6, BPF_ANY));
	log_clear();
	assert_rc(cvs_service_verify(f->m, &k6), -EBADMSG);
	assert_int_equal(log_count("disagrees", CVS_LOG_WARN), 1);
	assert_rc(cvs_service_check(f->m, &k6, set125, 3), -EBADMSG);
	be6 = saved6;
	be6.addr[3] ^= htonl(0x100);
	assert_ok(bpf_map_update_elem(r.fd[RAW_BE6], &ids6[2], &be6, BPF_ANY));
	assert_ok(cvs_service_verify(f->m, &k6));	/* consistent... */
	assert_rc(cvs_service_check(f->m, &k6, set125, 3), -ESTALE);
	/* ...and an upsert after a resync writes what was asked again */
	assert_ok(cvs_maps_resync(f->m));
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(cvs_service_check(f->m, &k6, set125, 3));
	assert_ok(cvs_service_check(f->m, &k4, set_v4, 2));
	raw_close(&r);
}

/* Refused keys and sets of either family change nothing. */
static void test_bad_inputs_of_both_families_change_nothing(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key good6 = vip6(1, 80, IPPROTO_UDP);
	struct cvs_service_key good4 = vip(1, 80, IPPROTO_UDP);
	struct {
		const char *what;
		struct cvs_service_key key;
		int err;
	} keys[] = {
		{ "IPv6 address ::", good6, -EINVAL },
		{ "IPv6 IPv4-mapped ::ffff:192.0.2.1", good6, -EINVAL },
		{ "IPv6 family AF_UNIX", good6, -EAFNOSUPPORT },
		{ "IPv6 family 255", good6, -EAFNOSUPPORT },
		{ "IPv6 port 0", good6, -EINVAL },
		{ "IPv6 protocol ICMPv6", good6, -EPROTONOSUPPORT },
		{ "IPv4 address in addr[2]", good4, -EINVAL },
	};
	struct {
		const char *what;
		const struct cvs_service_key *key;
		struct cvs_backend_spec b[3];
		int err;
	} sets[] = {
		{ "IPv6 backend ::", &good6, { set125[0], set125[1] }, -EINVAL },
		{ "IPv6 backend IPv4-mapped", &good6, { set125[0], set125[1] },
		  -EINVAL },
		{ "IPv6 backend twice", &good6, { set125[0], set125[0] },
		  -EEXIST },
		{ "IPv6 backend port 0", &good6, { set125[0], set125[1] },
		  -EINVAL },
		{ "IPv6 backend in an IPv4 service", &good4,
		  { set_v4[0], set125[1] }, -EINVAL },
	};
	struct snapshot *before = calloc(1, sizeof(*before));
	struct cvs_backend_counters bc[3];
	struct cvs_service_counters sc;
	struct cvs_backend_spec got[3];
	struct cvs_service_info info;
	struct cvs_pick pick;
	__s32 result;
	__u32 i, n, one = 3;

	assert_non_null(before);
	memset(keys[0].key.addr, 0, sizeof(keys[0].key.addr));
	keys[1].key.addr[0] = 0;
	keys[1].key.addr[1] = 0;
	keys[1].key.addr[2] = htonl(0xffff);
	keys[1].key.addr[3] = ip4(192, 0, 2, 1);
	keys[2].key.family = AF_UNIX;
	keys[3].key.family = 255;
	keys[4].key.port = 0;
	keys[5].key.proto = IPPROTO_ICMPV6;
	keys[6].key.addr[2] = htonl(1);
	memset(sets[0].b[1].addr, 0, sizeof(sets[0].b[1].addr));
	memset(sets[1].b[1].addr, 0, sizeof(sets[1].b[1].addr));
	sets[1].b[1].addr[2] = htonl(0xffff);
	sets[1].b[1].addr[3] = ip4(10, 0, 0, 1);
	sets[3].b[1].port = 0;

	assert_ok(cvs_service_upsert(f->m, &good6, set125, 3));
	assert_ok(cvs_service_upsert(f->m, &good4, set_v4, 2));
	snapshot_take(f->m, before);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct cvs_service_key *k = &keys[i].key;
		int err = keys[i].err;

		test_case = keys[i].what;
		assert_rc(cvs_service_upsert(f->m, k, set125, 3), err);
		assert_rc(cvs_service_get(f->m, k, &info, got, 3), err);
		assert_rc(cvs_service_delete(f->m, k), err);
		assert_rc(cvs_service_pick(f->m, k, &pick), err);
		assert_rc(cvs_service_counters(f->m, k, &sc, bc, 3, &n), err);
		assert_rc(cvs_service_verify(f->m, k), err);
		assert_rc(cvs_service_check(f->m, k, set125, 3), err);
		assert_ok(cvs_services_check(f->m, k, &one, set125, 1,
					     &result));
		assert_int_equal(result, err);
		snapshot_assert_same(f->m, before);
	}
	for (i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
		test_case = sets[i].what;
		assert_rc(cvs_service_upsert(f->m, sets[i].key, sets[i].b, 2),
			  sets[i].err);
		snapshot_assert_same(f->m, before);
	}
	test_case = NULL;
	free(before);
}

/* A set as the version before the twins left it: made complete, then
 * the twins unpinned (only their pins held them: the maps are gone). */
static void make_old_set(struct fx *f, const struct cvs_service_key *k4,
			 int unpin_services6)
{
	char path[PATH_MAX + 64];

	assert_ok(cvs_maps_open(f->root, &f->cap, 0, &f->m));
	assert_ok(cvs_service_upsert(f->m, k4, set_v4, 2));
	cvs_maps_close(f->m);
	f->m = NULL;
	if (unpin_services6) {
		snprintf(path, sizeof(path), "%s/%s", f->root,
			 CVS_MAP_SERVICES6);
		assert_ok(unlink(path));
	}
	snprintf(path, sizeof(path), "%s/%s", f->root, CVS_MAP_BACKENDS6);
	assert_ok(unlink(path));
}

/* What an IPv4 service of two backends is in the maps: its entry, word
 * and records (its counters are read through the library). */
struct v4_state {
	struct cvs_svc svc;
	__u64 word;
	struct cvs_backend be[2];
};

static void read_v4_state(const struct raw_maps *r,
			  const struct cvs_service_key *k, struct v4_state *s)
{
	__u32 ids[2], n, j;

	memset(s, 0, sizeof(*s));
	assert_ok(raw_svc_word(r, k, &s->svc, &s->word));
	assert_ok(raw_member_ids(r, k, ids, 2, &n));
	for (j = 0; j < 2; j++)
		assert_ok(bpf_map_lookup_elem(r->fd[RAW_BE], &ids[j],
					      &s->be[j]));
}

static void test_old_set_is_completed_in_place_by_a_writer(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_TCP);
	__u32 before[RAW_NMAPS], after[RAW_NMAPS], ids[2], n, i;
	struct cvs_backend_stats sum[2];
	struct cvs_service_stats ssum;
	struct cvs_backend_counters bc[2];
	struct cvs_service_counters sc;
	struct v4_state s0, s1;
	struct cvs_map_ids mids;
	struct cvs_svc svc;
	struct raw_maps r;
	struct cvs_maps *m = NULL;

	make_old_set(f, &k4, 1);
	assert_ok(raw_open(f->root, &r));
	assert_int_equal(r.fd[RAW_SVC6], -1);
	assert_int_equal(r.fd[RAW_BE6], -1);
	assert_ok(raw_member_ids(&r, &k4, ids, 2, &n));
	assert_ok(raw_svc(&r, &k4, &svc));
	for (i = 0; i < 2; i++)
		raw_write_bestat(&r, ids[i], i + 3, &sum[i]);
	raw_write_svcstat(&r, svc.id, 5, &ssum);
	read_v4_state(&r, &k4, &s0);
	raw_close(&r);
	pin_map_ids(f->root, before);
	assert_int_equal(before[RAW_SVC6], 0);

	/* a reader cannot use it until a writer completed it */
	log_clear();
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &m),
		  -EPROTO);
	assert_null(m);
	assert_int_equal(log_count("a writer's open adds them in place",
				   CVS_LOG_ERROR), 1);
	assert_int_equal(log_count(CVS_MAP_SERVICES6, CVS_LOG_ERROR), 1);
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));

	log_clear();
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_int_equal(log_count("added them in place", CVS_LOG_INFO), 1);
	pin_map_ids(f->root, after);
	/* the maps that served IPv4 are the same maps... */
	assert_memory_equal(before, after,
			    CVS_M_FIRST_ADDED * sizeof(before[0]));
	assert_int_not_equal(after[RAW_SVC6], 0);
	assert_int_not_equal(after[RAW_BE6], 0);
	assert_ok(cvs_maps_ids(f->m, &mids));
	map_ids_array(&mids, before);
	assert_memory_equal(before, after, sizeof(before));

	/* ...holding the same word, records and counters */
	assert_ok(raw_open(f->root, &r));
	read_v4_state(&r, &k4, &s1);
	assert_memory_equal(&s0, &s1, sizeof(s0));
	assert_ok(cvs_service_counters(f->m, &k4, &sc, bc, 2, &n));
	assert_int_equal(sc.retried, ssum.retried);
	for (i = 0; i < 2; i++)
		assert_int_equal(bc[i].bytes, sum[i].bytes);
	assert_ok(cvs_service_verify(f->m, &k4));

	/* IPv6 services can be written now, and readers open it */
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(cvs_service_verify(f->m, &k6));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	assert_ok(cvs_service_check(f->ro, &k6, set125, 3));
	assert_ok(cvs_service_check(f->ro, &k4, set_v4, 2));
	raw_close(&r);

	/* the next writer finds a complete set: nothing to add */
	cvs_maps_close(f->m);
	f->m = NULL;
	log_clear();
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_int_equal(log_count("in place", CVS_LOG_DEBUG), 0);
	pin_map_ids(f->root, before);
	assert_memory_equal(before, after, sizeof(before));
}

/* A writer that died after pinning one twin: the next adds the other. */
static void test_a_half_completed_set_gets_the_missing_twin(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_TCP);
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct cvs_maps *m = NULL;

	make_old_set(f, &k4, 0);
	pin_map_ids(f->root, before);
	assert_int_not_equal(before[RAW_SVC6], 0);
	assert_int_equal(before[RAW_BE6], 0);
	assert_rc(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &m),
		  -EPROTO);
	log_clear();
	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_int_equal(log_count("added them in place", CVS_LOG_INFO), 1);
	assert_int_equal(log_count(CVS_MAP_BACKENDS6, CVS_LOG_INFO), 1);
	assert_int_equal(log_count(CVS_MAP_SERVICES6, CVS_LOG_INFO), 0);
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, RAW_BE6 * sizeof(before[0]));
	assert_int_not_equal(after[RAW_BE6], 0);
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(cvs_service_verify(f->m, &k6));
	assert_ok(cvs_service_verify(f->m, &k4));
}

/* A grow carries both families: services by key, backends by (address,
 * port) within them, counters included. */
static void test_grow_carries_both_families(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(1, 80, IPPROTO_TCP);
	struct cvs_service_key k6b = vip6(2, 53, IPPROTO_UDP);
	struct cvs_capacity bigger = f->cap;
	struct cvs_backend_counters bc[3], want6[3], want4[2];
	struct cvs_service_counters sc, want_sc;
	struct cvs_backend_stats sum;
	struct cvs_service_stats ssum;
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_service_key keys[4];
	struct cvs_service_info info;
	struct cvs_maps *next;
	struct raw_maps r;
	struct cvs_svc svc;
	__u32 ids[3], n, i, j;

	assert_ok(cvs_service_upsert(f->m, &k4, set_v4, 2));
	/* a service the caller does not carry over: its counters stay */
	assert_ok(cvs_service_upsert(f->m, &k6b, set125, 1));
	assert_ok(cvs_service_upsert(f->m, &k6, set125, 3));
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_member_ids(&r, &k6, ids, 3, &n));
	for (j = 0; j < 3; j++)
		raw_write_bestat(&r, ids[j], 10 + j, &sum);
	assert_ok(raw_svc(&r, &k6, &svc));
	raw_write_svcstat(&r, svc.id, 6, &ssum);
	assert_ok(raw_member_ids(&r, &k4, ids, 2, &n));
	for (j = 0; j < 2; j++)
		raw_write_bestat(&r, ids[j], 20 + j, &sum);
	raw_close(&r);
	assert_ok(cvs_service_counters(f->m, &k6, &want_sc, want6, 3, &n));
	assert_ok(cvs_service_counters(f->m, &k4, &sc, want4, 2, &n));

	bigger.max_services *= 2;
	bigger.max_backends *= 2;
	assert_ok(cvs_maps_stage(f->m, &bigger, &next));
	/* fill in another order, so the new set gives other ids */
	assert_ok(cvs_service_upsert(next, &k4, set_v4, 2));
	assert_ok(cvs_service_upsert(next, &k6, set125, 3));
	assert_ok(cvs_maps_switch(f->m, next));
	cvs_maps_close(f->m);
	f->m = next;

	assert_ok(cvs_service_list(f->m, keys, 4, &n));
	assert_int_equal(n, 2);
	assert_ok(cvs_service_get(f->m, &k6, &info, got, TEST_MAX_MEMBERS));
	assert_memory_equal(got, set125, sizeof(set125));
	assert_ok(cvs_service_counters(f->m, &k6, &sc, bc, 3, &n));
	assert_memory_equal(&sc, &want_sc, sizeof(sc));
	assert_memory_equal(bc, want6, sizeof(want6));
	assert_ok(cvs_service_counters(f->m, &k4, &sc, bc, 2, &n));
	assert_memory_equal(bc, want4, sizeof(want4));
	for (i = 0; i < 2; i++)
		assert_int_not_equal(want4[i].conns, 0);
	assert_ok(cvs_service_verify(f->m, &k6));
	assert_ok(cvs_service_verify(f->m, &k4));
}

/* The bulk calls take and give both families in one call. */
static void test_bulk_calls_with_both_families(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[5] = {
		vip(1, 80, IPPROTO_TCP), vip6(1, 80, IPPROTO_TCP),
		vip6(9, 80, IPPROTO_TCP), vip6(1, 80, IPPROTO_TCP),
		vip6(1, 80, IPPROTO_TCP),
	};
	struct cvs_backend_spec want[2 + 3 + 3 + 3 + 1];
	__u32 counts[5] = { 2, 3, 3, 3, 1 };
	__s32 results[5];

	memcpy(want, set_v4, sizeof(set_v4));
	memcpy(want + 2, set125, sizeof(set125));
	memcpy(want + 5, set125, sizeof(set125));
	memcpy(want + 8, set125, sizeof(set125));
	want[9].weight = 3;			/* another weight */
	want[11] = set125[0];
	keys[4].addr[2] = htonl(0xffff);	/* IPv4-mapped: refused */
	keys[4].addr[0] = 0;
	keys[4].addr[1] = 0;
	assert_ok(cvs_service_upsert(f->m, &keys[0], set_v4, 2));
	assert_ok(cvs_service_upsert(f->m, &keys[1], set125, 3));
	assert_ok(cvs_services_check(f->m, keys, counts, want, 5, results));
	assert_int_equal(results[0], 0);
	assert_int_equal(results[1], 0);
	assert_int_equal(results[2], -ENOENT);
	assert_int_equal(results[3], -ESTALE);
	assert_int_equal(results[4], -EINVAL);
}

static int setup(void **state)
{
	sets_init();
	return fx_setup_open(state);
}

static int setup_closed(void **state)
{
	sets_init();
	return fx_setup(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v6_service_end_to_end, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_v6_update_keeps_ids_and_counters_and_drains, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_both_families_side_by_side, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_verify_checks_each_familys_records, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs_of_both_families_change_nothing, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_old_set_is_completed_in_place_by_a_writer, setup_closed, fx_teardown),
		cmocka_unit_test_setup_teardown(test_a_half_completed_set_gets_the_missing_twin, setup_closed, fx_teardown),
		cmocka_unit_test_setup_teardown(test_grow_carries_both_families, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_bulk_calls_with_both_families, setup, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ?
	       1 : 0;
}
