// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_abi.c - cvs_sizeof() and the shape of the public structs: the JNA
 * binding checks its Structure sizes against cvs_sizeof(), and the three
 * readers of cvs_abi.h rely on layouts without implicit padding.
 */
#include "test_util.h"

#define SIZE(t) { #t, sizeof(struct t) }

static const struct {
	const char *name;
	size_t size;
} public_structs[] = {
	/* cvsbpf.h */
	SIZE(cvs_capacity), SIZE(cvs_usage), SIZE(cvs_map_ids),
	SIZE(cvs_backend_spec), SIZE(cvs_service_info),
	SIZE(cvs_backend_counters), SIZE(cvs_service_counters),
	SIZE(cvs_module_status),
	/* cvs_select.h */
	SIZE(cvs_pick),
	/* cvs_abi.h */
	SIZE(cvs_svc_key), SIZE(cvs_svc), SIZE(cvs_backend), SIZE(cvs_member),
	SIZE(cvs_backend_stats), SIZE(cvs_service_stats), SIZE(cvs_meta),
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

/* Sizes the three readers (BPF, cvs.ko, libcvsbpf) agree on. */
static void test_abi_structs_have_no_implicit_padding(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct cvs_svc_key), 4 + 2 + 1 + 1);
	assert_int_equal(sizeof(struct cvs_svc), 4 + 4);
	assert_int_equal(sizeof(struct cvs_backend), 4 + 2 + 2 + 4 + 4);
	assert_int_equal(sizeof(struct cvs_member), 4 + 2 + 2);
	assert_int_equal(sizeof(struct cvs_backend_stats), 3 * 8);
	assert_int_equal(sizeof(struct cvs_service_stats), 2 * 8);
	assert_int_equal(sizeof(struct cvs_meta), 8 * 4);
	assert_int_equal(sizeof(struct cvs_pick), 4 + 4 + 4 + 2 + 2);
	assert_int_equal(sizeof(struct cvs_backend_spec), 4 + 2 + 2 + 4);
	assert_int_equal(sizeof(struct cvs_backend_counters),
			 3 * 8 + 4 + 2 + 2);
	assert_int_equal(sizeof(struct cvs_map_ids), 8 * 4);
	assert_int_equal(sizeof(struct cvs_module_status), 8 * 4 + 4 * 4 + 4 * 8);
	assert_int_equal(offsetof(struct cvs_module_status, binds), 48);
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
		cmocka_unit_test(test_abi_structs_have_no_implicit_padding),
		cmocka_unit_test(test_index_helpers_give_each_half_its_own_region),
		cmocka_unit_test(test_generation_word_packs_gen_and_slots),
		cmocka_unit_test(test_member_end_marker_is_no_backend_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL) ? 1 : 0;
}
