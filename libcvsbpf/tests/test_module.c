// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_module.c - the cvs.ko calls where the module cannot be loaded: no
 * module is a clear -ENODEV that changes nothing, and bad arguments are
 * -EINVAL. Binding, rebinding and status against the loaded module are
 * tested in a VM (kernel-module/vmtest), which this host's kernel needs.
 */
#include <sys/stat.h>

#include "test_util.h"

static int module_loaded(void)
{
	struct stat st;

	return stat(CVS_MODULE_SYSFS, &st) == 0;
}

static void test_bind_without_module_is_enodev(void **state)
{
	struct fx *f = *state;
	struct snapshot before;

	if (module_loaded())
		skip();
	snapshot_take(f->m, &before);
	assert_rc(cvs_module_bind(f->m), -ENODEV);
	assert_int_equal(log_count("binding cvs.ko", CVS_LOG_ERROR), 1);
	snapshot_assert_same(f->m, &before);
}

static void test_unbind_without_module_is_enodev(void **state)
{
	(void)state;
	if (module_loaded())
		skip();
	assert_rc(cvs_module_unbind(), -ENODEV);
}

static void test_status_without_module_is_enodev_and_zeroed(void **state)
{
	struct cvs_module_status st;

	(void)state;
	if (module_loaded())
		skip();
	memset(&st, 0xa5, sizeof(st));
	assert_rc(cvs_module_status(&st), -ENODEV);
	assert_int_equal(st.bound, 0);
	assert_int_equal(st.ids.meta, 0);
	assert_int_equal(st.binds, 0);
}

static void test_null_arguments_are_einval(void **state)
{
	(void)state;
	assert_rc(cvs_module_bind(NULL), -EINVAL);
	assert_rc(cvs_module_status(NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_bind_without_module_is_enodev, fx_setup_open, fx_teardown),
		cmocka_unit_test(test_unbind_without_module_is_enodev),
		cmocka_unit_test(test_status_without_module_is_enodev_and_zeroed),
		cmocka_unit_test(test_null_arguments_are_einval),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
