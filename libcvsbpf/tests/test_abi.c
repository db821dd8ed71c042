// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_abi.c - the exported layout (cvs_sizeof(), cvs_field_name(),
 * cvs_offsetof(), cvs_field_sizeof(), cvs_map_name()) and the shape of the
 * public structs: the JNA binding checks its sizes, offsets and map order
 * against the exported layout, and the three readers of cvs_abi.h rely on
 * layouts without implicit padding.
 */
#include "test_util.h"

#define SIZE(t) { #t, sizeof(struct t) }

static const struct {
	const char *name;
	size_t size;
} public_structs[] = {
	/* cvsbpf.h */
	SIZE(cvs_capacity), SIZE(cvs_usage), SIZE(cvs_map_ids),
	SIZE(cvs_service_key), SIZE(cvs_backend_spec), SIZE(cvs_service_info),
	SIZE(cvs_backend_counters), SIZE(cvs_service_counters),
	SIZE(cvs_sock_status), SIZE(cvs_module_status), SIZE(cvs_flow_count),
	SIZE(cvs_flows_status), SIZE(cvs_service_policy),
	SIZE(cvs_affinity_usage), SIZE(cvs_drift),
	/* cvs_select.h */
	SIZE(cvs_pick), SIZE(cvs_flow),
	/* cvs_abi.h */
	SIZE(cvs_svc_key), SIZE(cvs_svc6_key), SIZE(cvs_svc), SIZE(cvs_backend),
	SIZE(cvs_backend6), SIZE(cvs_member), SIZE(cvs_backend_stats),
	SIZE(cvs_service_stats), SIZE(cvs_meta), SIZE(cvs_sknat_key),
	SIZE(cvs_sknat), SIZE(cvs_sknat6_key), SIZE(cvs_sknat6),
	SIZE(cvs_sock_flow), SIZE(cvs_meta2), SIZE(cvs_policy),
	SIZE(cvs_aff_key), SIZE(cvs_aff),
};

static void test_sizeof_knows_every_public_struct(void **state)
{
	size_t i, got;

	(void)state;
	for (i = 0; i < sizeof(public_structs) / sizeof(public_structs[0]); i++) {
		got = cvs_sizeof(public_structs[i].name);
		if (got != public_structs[i].size)
			fail_msg("cvs_sizeof(\"%s\") = %zu, sizeof is %zu",
				 public_structs[i].name, got,
				 public_structs[i].size);
	}
}

static void test_sizeof_unknown_names_are_zero(void **state)
{
	static const char *const unknown[] = {
		"", "cvs_nope", "cvs_capacit", "cvs_capacityx",
		"struct cvs_capacity", "CVS_CAPACITY", "cvs_maps",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++)
		if (cvs_sizeof(unknown[i]))
			fail_msg("cvs_sizeof(\"%s\") = %zu, expected 0",
				 unknown[i], cvs_sizeof(unknown[i]));
	assert_int_equal(cvs_sizeof(NULL), 0);
}

/*
 * The exported fields of each struct, walked by index, tile it: the first
 * starts at 0, each starts where the one before ends, the last ends at
 * sizeof. A field left out of the table leaves a gap; one listed out of
 * order or twice overlaps. By name they give what the walk gave.
 */
static void test_exported_fields_cover_each_struct_exactly(void **state)
{
	const char *type, *name;
	const size_t n = sizeof(public_structs) / sizeof(public_structs[0]);
	size_t i, end, size;
	long offset;
	__u32 j;

	(void)state;
	for (i = 0; i < n; i++) {
		type = public_structs[i].name;
		end = 0;
		for (j = 0; (name = cvs_field_name(type, j)); j++) {
			offset = cvs_offsetof(type, name);
			size = cvs_field_sizeof(type, name);
			if (offset != (long)end || size == 0)
				fail_msg("%s.%s (field %u) at %ld size %zu, expected at %zu",
					 type, name, j, offset, size, end);
			end += size;
		}
		if (j == 0 || end != public_structs[i].size)
			fail_msg("the %u exported fields of %s end at %zu, sizeof is %zu",
				 j, type, end, public_structs[i].size);
	}
}

/* What the compiler says, field by field, for the structs the JNA binding
 * encodes by hand and for a nested and an array member. */
#define FIELD(t, f) { #t, #f, offsetof(struct t, f), \
		      sizeof(((struct t *)0)->f) }

static const struct {
	const char *type, *field;
	size_t offset, size;
} compiled_fields[] = {
	FIELD(cvs_svc_key, addr), FIELD(cvs_svc_key, port),
	FIELD(cvs_svc_key, proto), FIELD(cvs_svc_key, pad),
	FIELD(cvs_svc6_key, addr), FIELD(cvs_svc6_key, port),
	FIELD(cvs_service_key, addr), FIELD(cvs_service_key, port),
	FIELD(cvs_service_key, proto), FIELD(cvs_service_key, family),
	FIELD(cvs_backend6, addr), FIELD(cvs_backend6, svc_id),
	FIELD(cvs_backend_spec, addr), FIELD(cvs_backend_spec, port),
	FIELD(cvs_backend_spec, flags), FIELD(cvs_backend_spec, weight),
	FIELD(cvs_service_counters, refused),
	FIELD(cvs_service_counters, retried),
	FIELD(cvs_backend_counters, conns),
	FIELD(cvs_backend_counters, packets),
	FIELD(cvs_backend_counters, bytes),
	FIELD(cvs_backend_counters, addr), FIELD(cvs_backend_counters, port),
	FIELD(cvs_backend_counters, pad), FIELD(cvs_backend_counters, pad2),
	FIELD(cvs_usage, max), FIELD(cvs_usage, backends),
	FIELD(cvs_sock_status, prog_ids), FIELD(cvs_sock_status, link_ids),
	FIELD(cvs_module_status, ids), FIELD(cvs_module_status, binds),
	FIELD(cvs_pick, addr), FIELD(cvs_pick, attempts),
	FIELD(cvs_meta, gen_reserved),
};

static void test_exported_offsets_are_the_compilers(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(compiled_fields) / sizeof(compiled_fields[0]);
	     i++) {
		const char *t = compiled_fields[i].type;
		const char *f = compiled_fields[i].field;

		if (cvs_offsetof(t, f) != (long)compiled_fields[i].offset ||
		    cvs_field_sizeof(t, f) != compiled_fields[i].size)
			fail_msg("%s.%s exported at %ld size %zu, compiled at %zu size %zu",
				 t, f, cvs_offsetof(t, f),
				 cvs_field_sizeof(t, f),
				 compiled_fields[i].offset,
				 compiled_fields[i].size);
	}
}

static void test_exported_layout_knows_no_other_names(void **state)
{
	(void)state;
	assert_int_equal(cvs_offsetof("cvs_svc_key", "vip"), -1);
	assert_int_equal(cvs_offsetof("cvs_svc_key", "Addr"), -1);
	assert_int_equal(cvs_offsetof("cvs_svc_key", ""), -1);
	assert_int_equal(cvs_offsetof("cvs_svc_key", NULL), -1);
	assert_int_equal(cvs_offsetof("no_such_struct", "addr"), -1);
	assert_int_equal(cvs_offsetof(NULL, "addr"), -1);
	assert_int_equal(cvs_field_sizeof("cvs_svc_key", "vip"), 0);
	assert_int_equal(cvs_field_sizeof("cvs_nope", "addr"), 0);
	assert_null(cvs_field_name("cvs_svc_key", 4));
	assert_null(cvs_field_name("cvs_svc_key", 0xffffffffu));
	assert_null(cvs_field_name("no_such_struct", 0));
	assert_null(cvs_field_name(NULL, 0));
	assert_string_equal(cvs_field_name("cvs_svc_key", 3), "pad");
}

/*
 * The map order, written out here on purpose instead of taken from
 * CVS_MAPS: cvs.ko, the vmtest and the JNA binding all depend on it, so a
 * change to the table's order must fail a test that says so.
 */
static void test_map_table_is_the_sets_order(void **state)
{
	static const struct {
		const char *name, *id_field;
	} order[] = {
		{ CVS_MAP_META, "meta" },
		{ CVS_MAP_SERVICES, "services" },
		{ CVS_MAP_GEN, "gen" },
		{ CVS_MAP_SELECT, "select" },
		{ CVS_MAP_MEMBERS, "members" },
		{ CVS_MAP_BACKENDS, "backends" },
		{ CVS_MAP_BACKEND_STATS, "backend_stats" },
		{ CVS_MAP_SERVICE_STATS, "service_stats" },
		{ CVS_MAP_SERVICES6, "services6" },
		{ CVS_MAP_BACKENDS6, "backends6" },
		{ CVS_MAP_META2, "meta2" },
		{ CVS_MAP_POLICY, "policy" },
		{ CVS_MAP_SELECTABLE, "selectable" },
		{ CVS_MAP_MAGLEV, "maglev" },
		{ CVS_MAP_AFFINITY, "affinity" },
	};
	__u32 i;

	(void)state;
	assert_int_equal(CVS_M_COUNT, sizeof(order) / sizeof(order[0]));
	for (i = 0; i < CVS_M_COUNT; i++) {
		assert_non_null(cvs_map_name(i));
		assert_string_equal(cvs_map_name(i), order[i].name);
		assert_non_null(cvs_field_name("cvs_map_ids", i));
		assert_string_equal(cvs_field_name("cvs_map_ids", i),
				    order[i].id_field);
		assert_int_equal(cvs_offsetof("cvs_map_ids", order[i].id_field),
				 i * sizeof(__u32));
	}
	assert_null(cvs_map_name(CVS_M_COUNT));
	assert_null(cvs_map_name(0xffffffffu));
	assert_null(cvs_field_name("cvs_map_ids", CVS_M_COUNT));
	assert_int_equal(CVS_M_META, 0);
	assert_int_equal(CVS_M_SERVICE_STATS, CVS_M_FIRST_ADDED - 1);
	/* the additions are the last rows: the first indexes never move */
	assert_int_equal(CVS_M_FIRST_ADDED, 8);
	assert_int_equal(CVS_M_SERVICES6, CVS_M_FIRST_ADDED);
	assert_int_equal(CVS_M_FIRST_POLICY, 10);
	assert_int_equal(CVS_M_BACKENDS6, CVS_M_FIRST_POLICY - 1);
	assert_int_equal(CVS_M_AFFINITY, CVS_M_COUNT - 1);
}

/* The shapes CVS_MAPS gives for a capacity, evaluated in __u64. */
static void test_map_table_shapes_follow_the_capacity(void **state)
{
	const struct cvs_layout small = {
		.max_services = 8, .max_backends = 64, .max_members = 16,
		.table_slots = 64, .affinity_entries = 100,
		.maglev_tables = 3, .maglev_slots = 13,
	};
	const struct cvs_layout huge = {
		.max_services = 0x80000000u, .max_backends = 0xffffffffu,
		.max_members = 0x10000, .table_slots = 0x10000,
		.maglev_tables = 0xffffffffu, .maglev_slots = 0xffffffffu,
	};
	const struct cvs_map_shape s[CVS_M_COUNT] = {
		CVS_MAPS(CVS_MAP_SHAPE, small)
	};
	const struct cvs_map_shape h[CVS_M_COUNT] = {
		CVS_MAPS(CVS_MAP_SHAPE, huge)
	};

	(void)state;
	assert_int_equal(s[CVS_M_META].max_entries, 1);
	assert_int_equal(s[CVS_M_SERVICES].max_entries, 8);
	assert_int_equal(s[CVS_M_GEN].max_entries, 8);
	assert_int_equal(s[CVS_M_SELECT].max_entries, 8 * 2 * 64);
	assert_int_equal(s[CVS_M_MEMBERS].max_entries, 8 * 2 * 16);
	assert_int_equal(s[CVS_M_BACKENDS].max_entries, 64);
	assert_int_equal(s[CVS_M_BACKEND_STATS].max_entries, 64);
	assert_int_equal(s[CVS_M_SERVICE_STATS].max_entries, 8);
	assert_int_equal(s[CVS_M_SERVICES6].max_entries, 8);
	assert_int_equal(s[CVS_M_BACKENDS6].max_entries, 64);
	assert_int_equal(s[CVS_M_META2].max_entries, 1);
	assert_int_equal(s[CVS_M_POLICY].max_entries, 8 * 2);
	assert_int_equal(s[CVS_M_SELECTABLE].max_entries, 64 * 2);
	assert_int_equal(s[CVS_M_MAGLEV].max_entries, 3 * 2 * 13);
	assert_int_equal(s[CVS_M_AFFINITY].max_entries, 100);
	assert_int_equal(s[CVS_M_AFFINITY].type, BPF_MAP_TYPE_LRU_HASH);
	assert_int_equal(s[CVS_M_AFFINITY].key_size,
			 sizeof(struct cvs_aff_key));
	assert_true(h[CVS_M_MAGLEV].max_entries ==
		    0xffffffffull * 2 * 0xffffffffull);
	assert_int_equal(s[CVS_M_SERVICES6].type, BPF_MAP_TYPE_HASH);
	assert_int_equal(s[CVS_M_SERVICES6].flags, BPF_F_NO_PREALLOC);
	assert_int_equal(s[CVS_M_SERVICES6].key_size,
			 sizeof(struct cvs_svc6_key));
	assert_int_equal(s[CVS_M_BACKENDS6].value_size,
			 sizeof(struct cvs_backend6));
	/* 2^48: far beyond any map, and not wrapped to something small */
	assert_true(h[CVS_M_SELECT].max_entries == 1ull << 48);
	assert_true(h[CVS_M_MEMBERS].max_entries == 1ull << 48);
	assert_true(h[CVS_M_BACKENDS].max_entries == 0xffffffffull);
	assert_int_equal(s[CVS_M_SERVICES].type, BPF_MAP_TYPE_HASH);
	assert_int_equal(s[CVS_M_SERVICES].flags, BPF_F_NO_PREALLOC);
	assert_int_equal(s[CVS_M_SERVICES].key_size,
			 sizeof(struct cvs_svc_key));
	assert_int_equal(s[CVS_M_GEN].flags, BPF_F_MMAPABLE);
	assert_int_equal(s[CVS_M_GEN].value_size, 8);
	assert_int_equal(s[CVS_M_BACKEND_STATS].type,
			 BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(s[CVS_M_MEMBERS].value_size,
			 sizeof(struct cvs_member));
}

/* Sizes the three readers (BPF, cvs.ko, libcvsbpf) agree on. */
static void test_abi_structs_have_no_implicit_padding(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct cvs_svc_key), 4 + 2 + 1 + 1);
	assert_int_equal(sizeof(struct cvs_svc6_key), 16 + 2 + 1 + 1);
	assert_int_equal(sizeof(struct cvs_service_key), 16 + 2 + 1 + 1);
	assert_int_equal(sizeof(struct cvs_backend6), 16 + 2 + 2 + 4 + 4);
	assert_int_equal(sizeof(struct cvs_sknat6_key), 8 + 16 + 2 + 2 + 4);
	assert_int_equal(sizeof(struct cvs_sknat6), 16 + 2 + 2);
	assert_int_equal(sizeof(struct cvs_sock_flow),
			 16 + 2 + 1 + 1 + 16 + 2 + 2 + 4 + 4);
	assert_int_equal(sizeof(struct cvs_flow_count), 20 + 16 + 2 + 2 + 3 * 4);
	assert_int_equal(sizeof(struct cvs_svc), 4 + 4);
	assert_int_equal(sizeof(struct cvs_backend), 4 + 2 + 2 + 4 + 4);
	assert_int_equal(sizeof(struct cvs_member), 4 + 2 + 2);
	assert_int_equal(sizeof(struct cvs_backend_stats), 3 * 8);
	assert_int_equal(sizeof(struct cvs_service_stats), 2 * 8);
	assert_int_equal(sizeof(struct cvs_meta), 8 * 4);
	assert_int_equal(sizeof(struct cvs_pick),
			 4 + 4 + 16 + 2 + 2 + 4 + 4 + 4 + 8);
	assert_int_equal(offsetof(struct cvs_pick, affinity_age), 40);
	assert_int_equal(sizeof(struct cvs_flow), 8 + 16 + 2 + 2 + 4);
	assert_int_equal(sizeof(struct cvs_capacity), 8 * 4);
	assert_int_equal(sizeof(struct cvs_usage), 8 * 4 + 4 * 4);
	assert_int_equal(sizeof(struct cvs_meta2), 4 * 4);
	assert_int_equal(sizeof(struct cvs_policy), 4 * 4);
	assert_int_equal(sizeof(struct cvs_aff_key), 8 + 16 + 4 + 1 + 3);
	assert_int_equal(sizeof(struct cvs_aff), 8 + 4 + 4);
	assert_int_equal(sizeof(struct cvs_backend_spec), 16 + 2 + 2 + 4);
	assert_int_equal(sizeof(struct cvs_backend_counters),
			 3 * 8 + 16 + 2 + 2 + 4);
	assert_int_equal(sizeof(struct cvs_map_ids), 15 * 4);
	assert_int_equal(sizeof(struct cvs_module_status),
			 15 * 4 + 5 * 4 + 4 * 8);
	assert_int_equal(offsetof(struct cvs_module_status, binds), 80);
	assert_int_equal(offsetof(struct cvs_map_ids, services6), 32);
	assert_int_equal(offsetof(struct cvs_map_ids, backends6), 36);
	assert_int_equal(offsetof(struct cvs_svc, flags), 4);
	assert_int_equal(offsetof(struct cvs_map_ids, gen), 8);
	assert_int_equal(offsetof(struct cvs_map_ids, service_stats), 28);
	assert_int_equal(offsetof(struct cvs_backend, svc_id), 8);
	assert_int_equal(offsetof(struct cvs_meta, gen_reserved), 24);
}

static void test_index_helpers_give_each_half_its_own_region(void **state)
{
	(void)state;
	/* service 3, half 1, slot 5 with 64 slots: (3*2+1)*64+5 */
	assert_int_equal(cvs_sel_index(64, 3, 1, 5), 453);
	assert_int_equal(cvs_sel_index(64, 0, 1, 0), 64);
	assert_int_equal(cvs_mbr_index(16, 3, 0, 15), 111);
	assert_int_equal(cvs_mbr_index(16, 3, 1, 0), 112);
}

/* The generation word: gen in the low 32 bits, slots in the high 32. */
static void test_generation_word_packs_gen_and_slots(void **state)
{
	static const struct {
		__u32 gen, slots;
	} cases[] = {
		{ 1, 0 }, { 2, 1 }, { 3, 64 }, { 0xfffffffe, 1024 },
		{ 0xffffffff, 0xffffffff }, { 0x80000001, 0x10000 },
	};
	__u64 w;
	size_t i;

	(void)state;
	assert_int_equal(sizeof(cvs_gen_word(0, 0)), 8);
	assert_true(cvs_gen_word(7, 5) == ((__u64)5 << 32 | 7));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		w = cvs_gen_word(cases[i].gen, cases[i].slots);
		assert_int_equal(cvs_word_gen(w), cases[i].gen);
		assert_int_equal(cvs_word_slots(w), cases[i].slots);
		/* the generation's parity is the half it uses */
		assert_int_equal(cvs_word_half(w), cases[i].gen & 1);
		assert_true((w & 0xffffffffu) == cases[i].gen);
		assert_true(w >> 32 == cases[i].slots);
	}
	/* slots never leak into the half */
	assert_int_equal(cvs_word_half(cvs_gen_word(2, 0xffffffff)), 0);
	assert_int_equal(cvs_word_half(cvs_gen_word(3, 0)), 1);
}

static void test_member_end_marker_is_no_backend_id(void **state)
{
	struct cvs_member end = { .backend_id = CVS_MEMBER_END };

	(void)state;
	assert_true(CVS_MEMBER_END == 0xffffffffu);
	assert_int_equal(sizeof(end.backend_id), 4);
	assert_true(end.backend_id == CVS_MEMBER_END);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizeof_knows_every_public_struct),
		cmocka_unit_test(test_sizeof_unknown_names_are_zero),
		cmocka_unit_test(test_exported_fields_cover_each_struct_exactly),
		cmocka_unit_test(test_exported_offsets_are_the_compilers),
		cmocka_unit_test(test_exported_layout_knows_no_other_names),
		cmocka_unit_test(test_map_table_is_the_sets_order),
		cmocka_unit_test(test_map_table_shapes_follow_the_capacity),
		cmocka_unit_test(test_abi_structs_have_no_implicit_padding),
		cmocka_unit_test(test_index_helpers_give_each_half_its_own_region),
		cmocka_unit_test(test_generation_word_packs_gen_and_slots),
		cmocka_unit_test(test_member_end_marker_is_no_backend_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0;
}
