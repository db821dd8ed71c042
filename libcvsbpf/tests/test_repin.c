// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_repin.c - pins and entries removed behind the writer's back, as an
 * operator with rm and bpftool removes them: cvs_maps_drift() notices it
 * cheaply, cvs_maps_repin() puts the map pins back from the handle's fds
 * (never over another map), and cvs_sock_attach() the socket-LB's links, so
 * a VIP that stopped being translated is forwarded again. Real maps, real
 * connections in the sandbox's namespaces (sandbox.h).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80

static bool pinned_at(const char *root, const char *name)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", root, name);
	return access(path, F_OK) == 0;
}

static struct sandbox sb;

static void set_service(struct fx *f, const struct cvs_service_key *key,
			int backends)
{
	struct cvs_backend_spec b[SANDBOX_BACKENDS];
	int i;

	for (i = 0; i < backends; i++)
		b[i] = bes(sandbox_backend_addr(i + 1), SANDBOX_PORT, 1);
	assert_ok(cvs_service_upsert(f->m, key, b, backends));
}

static struct cvs_drift drift(struct fx *f)
{
	struct cvs_drift d;

	assert_ok(cvs_maps_drift(f->m, &d));
	return d;
}

static void assert_no_drift(const struct cvs_drift *d, __u32 services,
			    __u32 backends, __u32 links)
{
	if (d->services != services || d->expected != services ||
	    d->missing || d->foreign || d->differing ||
	    d->backends != backends || d->pins_missing || d->pins_foreign ||
	    d->sock_links != links)
		fail_msg("drift: services %u expected %u missing %u foreign %u "
			 "differing %u backends %u pins missing %u foreign %u "
			 "links %u; wanted %u services, %u backends, %u links",
			 d->services, d->expected, d->missing, d->foreign,
			 d->differing, d->backends, d->pins_missing,
			 d->pins_foreign, d->sock_links, services, backends,
			 links);
}

/* The VIP answers from a backend within tries connections. */
static void assert_forwarded(const struct cvs_service_key *key)
{
	int got = tcp_hello(key->addr[0], VIP_PORT);

	if (got < 1)
		fail_msg("the VIP was not forwarded: %s", strerror(-got));
}

/*
 * The VIP fails within 2 s. A removed pin releases its link only after an
 * RCU grace period (bpffs frees the inode in an RCU callback), so the
 * programs may still run for a moment after unlink() returned.
 */
static void assert_not_forwarded(const struct cvs_service_key *key)
{
	int got = 0, i;

	for (i = 0; i < 200; i++) {
		got = tcp_hello(key->addr[0], VIP_PORT);
		if (got < 0)
			return;
		usleep(10000);
	}
	fail_msg("the VIP still reached backend %d 2 s after the pins went",
		 got);
}

static void unlink_pin(struct fx *f, const char *name)
{
	char path[PATH_MAX + 64];

	snprintf(path, sizeof(path), "%s/%s", f->root, name);
	if (unlink(path))
		fail_msg("unlink %s: %s", path, strerror(errno));
}

static void drift_of_untouched_maps_is_none(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key a = vip(30, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key b = vip6(31, VIP_PORT, IPPROTO_UDP);
	struct cvs_backend_spec six[1] = { BE(10, 0, 0, 1, 80, 1) };
	struct cvs_drift d;

	set_service(f, &a, 3);
	inet_pton(AF_INET6, "fd00::1", six[0].addr);
	assert_ok(cvs_service_upsert(f->m, &b, six, 1));
	d = drift(f);
	assert_no_drift(&d, 2, 4, 0);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	d = drift(f);
	assert_no_drift(&d, 2, 4, CVS_SOCK_PROGS);
}

static void a_deleted_entry_is_missing_and_not_counted(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key a = vip(32, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key b = vip(33, VIP_PORT, IPPROTO_TCP);
	struct cvs_svc_key mk = map_key4(&b);
	struct cvs_usage u;
	struct cvs_drift d;
	struct raw_maps r;

	set_service(f, &a, 2);
	set_service(f, &b, 3);
	assert_ok(raw_open(f->root, &r));
	assert_ok(bpf_map_delete_elem(r.fd[RAW_SVC], &mk));
	raw_close(&r);

	d = drift(f);
	assert_int_equal(d.services, 1);
	assert_int_equal(d.expected, 2);
	assert_int_equal(d.missing, 1);
	assert_int_equal(d.backends, 2);
	/* what the writer's usage said until now: the deleted one too */
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, 2);
	assert_ok(cvs_maps_resync(f->m));
	set_service(f, &b, 3);
	d = drift(f);
	assert_no_drift(&d, 2, 5, 0);
}

static void an_altered_word_and_a_foreign_entry_are_found(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key a = vip(34, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key b = vip(35, VIP_PORT, IPPROTO_TCP);
	struct cvs_svc_key mk = map_key4(&b);
	struct cvs_svc held;
	struct cvs_drift d;
	struct raw_maps r;

	set_service(f, &a, 2);
	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc(&r, &a, &held));
	raw_write_word(&r, held.id, raw_word(&r, held.id) + 1);
	held.id = TEST_MAX_SERVICES - 1;	/* an id the writer never gave */
	assert_ok(bpf_map_update_elem(r.fd[RAW_SVC], &mk, &held, BPF_ANY));
	raw_close(&r);

	d = drift(f);
	assert_int_equal(d.services, 2);
	assert_int_equal(d.differing, 1);
	assert_int_equal(d.foreign, 1);
	assert_int_equal(d.missing, 0);
}

static void a_removed_link_pin_is_put_back_by_attach(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key a = vip(36, VIP_PORT, IPPROTO_TCP);
	struct cvs_drift d;

	set_service(f, &a, 2);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_forwarded(&a);

	unlink_pin(f, "sock_connect4");

	assert_not_forwarded(&a);
	d = drift(f);
	assert_int_equal(d.sock_links, CVS_SOCK_PROGS - 1);
	assert_int_equal(d.pins_missing, 0);
	assert_int_equal(cvs_maps_repin(f->m), 0);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_forwarded(&a);
	d = drift(f);
	assert_no_drift(&d, 1, 2, CVS_SOCK_PROGS);
}

static void a_removed_pin_root_is_rebuilt_from_the_held_maps(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key a = vip(37, VIP_PORT, IPPROTO_TCP);
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];
	struct cvs_maps *second = NULL;
	struct cvs_drift d;

	set_service(f, &a, 3);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	pin_map_ids(f->root, before);

	assert_ok(rm_tree(f->root));

	assert_not_forwarded(&a);
	d = drift(f);
	/* the set's maps and the owner record */
	assert_int_equal(d.pins_missing, CVS_M_COUNT + 1);
	assert_int_equal(d.sock_links, 0);
	assert_int_equal(d.services, 1);	/* the maps live on */
	assert_int_equal(cvs_maps_repin(f->m), CVS_M_COUNT + 1);
	assert_true(pinned_at(f->root, "cvs_owner_v1"));
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
	/* the writer's lock moved to the new directory */
	assert_rc(cvs_maps_open(f->root, NULL, 0, &second), -EBUSY);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_forwarded(&a);
	d = drift(f);
	assert_no_drift(&d, 1, 3, CVS_SOCK_PROGS);
	assert_int_equal(cvs_maps_repin(f->m), 0);
}

static void a_pin_holding_another_map_is_never_replaced(void **state)
{
	struct fx *f = *state;
	char path[PATH_MAX + 64];
	int other;

	unlink_pin(f, CVS_MAP_SERVICES);
	unlink_pin(f, CVS_MAP_GEN);
	other = bpf_map_create(BPF_MAP_TYPE_ARRAY, "cvs_other", 4, 4, 1, NULL);
	assert_true(other >= 0);
	snprintf(path, sizeof(path), "%s/%s", f->root, CVS_MAP_SERVICES);
	assert_ok(bpf_obj_pin(other, path));
	close(other);

	assert_rc(cvs_maps_repin(f->m), -ESTALE);
	assert_int_equal(path_exists(path), 1);
	snprintf(path, sizeof(path), "%s/%s", f->root, CVS_MAP_GEN);
	assert_int_equal(path_exists(path), 0);	/* nothing was pinned */
	assert_int_equal(drift(f).pins_foreign, 1);
}

static void a_read_only_handle_has_no_drift_and_cannot_repin(void **state)
{
	struct fx *f = *state;
	struct cvs_maps *ro;
	struct cvs_drift d;

	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &ro));
	assert_rc(cvs_maps_drift(ro, &d), -EROFS);
	assert_rc(cvs_maps_repin(ro), -EROFS);
	assert_rc(cvs_maps_drift(NULL, &d), -EINVAL);
	assert_rc(cvs_maps_repin(NULL), -EINVAL);
	cvs_maps_close(ro);
}

static int teardown(void **state)
{
	sandbox_enter_client(0);
	return fx_teardown_attached(state);
}

static int group_up(void **state)
{
	return group_setup(state) ?: sandbox_up(&sb);
}

static int group_down(void **state)
{
	sandbox_down(&sb);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(drift_of_untouched_maps_is_none,
						fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			a_deleted_entry_is_missing_and_not_counted,
			fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			an_altered_word_and_a_foreign_entry_are_found,
			fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			a_removed_link_pin_is_put_back_by_attach, fx_setup_open,
			teardown),
		cmocka_unit_test_setup_teardown(
			a_removed_pin_root_is_rebuilt_from_the_held_maps,
			fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			a_pin_holding_another_map_is_never_replaced,
			fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			a_read_only_handle_has_no_drift_and_cannot_repin,
			fx_setup_open, teardown),
	};

	return cmocka_run_group_tests_name("repin", tests, group_up,
					   group_down);
}
