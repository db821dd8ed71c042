// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Session affinity and Maglev through the socket-LB with real connections:
 * the programs on the sandbox's cgroup, clients in several namespaces of
 * their own (sandbox.h), VIPs from 192.0.2.0/24. A socket-LB client is its
 * network namespace, so each namespace is one client.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80
#define CLIENTS 6	/* extra client namespaces */

static struct sandbox sb;
static pid_t resident = -1;	/* a process living in a client namespace */

static void set_service(struct fx *f, const struct cvs_service_key *key,
			const struct cvs_service_policy *pol,
			const __u32 *weights)
{
	struct cvs_backend_spec b[SANDBOX_BACKENDS];
	struct sandbox_addr a;
	int i;

	for (i = 0; i < SANDBOX_BACKENDS; i++) {
		b[i] = bes(sandbox_backend_addr(i + 1), SANDBOX_PORT,
			   weights ? weights[i] : 1);
		if (key->family != AF_INET6)
			continue;
		a = sandbox_backend_addr6(i + 1, SANDBOX_PORT);
		memcpy(b[i].addr, &a.sin6.sin6_addr, sizeof(b[i].addr));
	}
	assert_ok(cvs_service_upsert_policy(f->m, key, pol, b,
					    SANDBOX_BACKENDS));
}

static struct cvs_service_policy affinity(__u32 timeout)
{
	struct cvs_service_policy p = {
		.flags = CVS_POLICY_F_AFFINITY, .affinity_timeout = timeout,
	};
	return p;
}

static void enter(int client)
{
	assert_ok(sandbox_enter_client(client));
}

/* n connections from the current namespace; which backends answered. */
static void connections(const struct cvs_service_key *key, int n,
			int *seen)
{
	struct sandbox_addr to = sandbox_dest(key, false), peer;
	int i, b;

	memset(seen, 0, (SANDBOX_BACKENDS + 1) * sizeof(*seen));
	for (i = 0; i < n; i++) {
		b = key->proto == IPPROTO_TCP ? tcp_hello_to(&to) :
		    i % 2 ? udp_ask_unconnected_to(&to, NULL) :
			    udp_ask_connected_to(&to, &peer);
		if (b <= 0)
			fail_msg("connection %d: %d", i, b);
		seen[b]++;
	}
}

/* The one backend all n connections reached; fails if several did. */
static int one_backend(const struct cvs_service_key *key, int n)
{
	int seen[SANDBOX_BACKENDS + 1], b, which = 0;

	connections(key, n, seen);
	for (b = 1; b <= SANDBOX_BACKENDS; b++) {
		if (!seen[b])
			continue;
		if (which)
			fail_msg("backends %d and %d both reached", which, b);
		which = b;
	}
	return which;
}

static int backends_reached(const struct cvs_service_key *key, int n)
{
	int seen[SANDBOX_BACKENDS + 1], b, count = 0;

	connections(key, n, seen);
	for (b = 1; b <= SANDBOX_BACKENDS; b++)
		count += seen[b] > 0;
	return count;
}

/* A process of the test cgroup in client namespace k, so that the
 * namespace walk of cvs_client_netns() finds it there. */
static void start_resident(int k)
{
	int ready[2];
	char c;

	assert_ok(pipe(ready));
	resident = fork();
	assert_true(resident >= 0);
	if (resident == 0) {
		close(ready[0]);
		if (sandbox_enter_client(k) || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
}

static void stop_resident(void)
{
	if (resident > 0) {
		kill(resident, SIGKILL);
		waitpid(resident, NULL, 0);
	}
	resident = -1;
}

/* Where cvs_service_pick_flow() sends client k (its namespace's cookie). */
static struct cvs_pick pick_for_client(struct fx *f,
				       const struct cvs_service_key *key,
				       int k)
{
	__be32 addr[4] = { sandbox_client_addr(k) };
	struct cvs_flow fl = {};
	struct cvs_pick pick;

	start_resident(k);
	assert_ok(cvs_client_netns(f->m, sb.cgroup, AF_INET, addr,
				   &fl.netns_cookie));
	stop_resident();
	assert_true(fl.netns_cookie != 0);
	assert_ok(cvs_service_pick_flow(f->m, key, &fl, &pick));
	return pick;
}

static int backend_index(const struct cvs_pick *pick)
{
	struct sandbox_addr a;
	int b;

	for (b = 1; b <= SANDBOX_BACKENDS; b++) {
		a = sandbox_backend_addr6(b, SANDBOX_PORT);
		if (pick->addr[0] == sandbox_backend_addr(b) ||
		    !memcmp(pick->addr, &a.sin6.sin6_addr, 16))
			return b;
	}
	return 0;
}

static void a_client_keeps_its_backend_and_clients_spread(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(20, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_policy pol = affinity(60);
	int got[CLIENTS + 1], k, distinct = 0, b;
	struct cvs_affinity_usage u;
	struct cvs_pick pick;
	__be32 addr[4] = { sandbox_client_addr(CLIENTS + 1) };
	__u64 cookie;

	set_service(f, &key, &pol, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (k = 0; k <= CLIENTS; k++) {
		enter(k);
		got[k] = one_backend(&key, k ? 20 : 100);
	}
	enter(0);
	for (b = 1; b <= SANDBOX_BACKENDS; b++) {
		for (k = 0; k <= CLIENTS && got[k] != b; k++)
			;
		distinct += k <= CLIENTS;
	}
	print_message("%d clients on %d backends\n", CLIENTS + 1, distinct);
	assert_true(distinct > 1);
	assert_ok(cvs_affinity_usage(f->m, &u));
	assert_int_equal(u.entries, CLIENTS + 1);
	assert_int_equal(u.fresh, CLIENTS + 1);
	assert_int_equal(u.capacity, TEST_AFFINITY_ENTRIES);
	/* the library sees each client where its connections went */
	for (k = 1; k <= CLIENTS; k++) {
		pick = pick_for_client(f, &key, k);
		assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
		assert_int_equal(backend_index(&pick), got[k]);
	}
	/* an address no namespace below the cgroup has */
	assert_rc(cvs_client_netns(f->m, sb.cgroup, AF_INET, addr, &cookie),
		  -ENOENT);
}

static void expired_or_drained_entries_are_replaced(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(21, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_policy pol = affinity(2);
	__u32 weights[SANDBOX_BACKENDS] = { 1, 1, 1, 1 };
	struct timespec gap = { .tv_sec = 1, .tv_nsec = 200000000 };
	struct cvs_pick pick;
	int first, again;

	set_service(f, &key, &pol, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	enter(1);
	first = one_backend(&key, 10);
	/* each use 1.2 s apart is past the lazy refresh (2 s / 16): 2.4 s of
	 * use, one backend */
	nanosleep(&gap, NULL);
	assert_int_equal(one_backend(&key, 1), first);
	nanosleep(&gap, NULL);
	assert_int_equal(one_backend(&key, 1), first);
	enter(0);
	pick = pick_for_client(f, &key, 1);
	assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
	/* idle past the timeout: the entry is ignored */
	gap.tv_sec = 2;
	nanosleep(&gap, NULL);
	pick = pick_for_client(f, &key, 1);
	assert_int_equal(pick.reason, CVS_REASON_RANDOM);
	/* draining the client's backend moves it, to one other backend */
	enter(1);
	first = one_backend(&key, 5);
	weights[first - 1] = 0;
	set_service(f, &key, &pol, weights);
	again = one_backend(&key, 20);
	assert_int_not_equal(again, first);
	enter(0);
}

static void switching_affinity_on_and_off(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(22, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_policy pol = affinity(60);

	set_service(f, &key, NULL, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	enter(2);
	assert_true(backends_reached(&key, 40) > 1);
	set_service(f, &key, &pol, NULL);
	assert_true(one_backend(&key, 40) > 0);
	set_service(f, &key, NULL, NULL);
	assert_true(backends_reached(&key, 40) > 1);
	enter(0);
}

static void udp_clients_keep_their_backend(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(23, VIP_PORT, IPPROTO_UDP);
	struct cvs_service_policy pol = affinity(60);
	struct cvs_pick pick;
	int got;

	set_service(f, &key, &pol, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	enter(3);
	/* connected and unconnected sockets alike: one client */
	got = one_backend(&key, 40);
	enter(0);
	pick = pick_for_client(f, &key, 3);
	assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
	assert_int_equal(backend_index(&pick), got);
}

/* The socket-LB's flow hash and table are the library's: the same
 * backend for the client, connection after connection. */
static void maglev_is_consistent_per_client(void **state)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = TEST_MAGLEV_SLOTS,
	};
	struct fx *f = *state;
	struct cvs_service_key key = vip(24, VIP_PORT, IPPROTO_TCP);
	struct cvs_pick pick;
	int k, got;

	set_service(f, &key, &pol, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (k = 1; k <= 3; k++) {
		enter(k);
		got = one_backend(&key, 10);
		enter(0);
		pick = pick_for_client(f, &key, k);
		assert_int_equal(pick.reason, CVS_REASON_MAGLEV);
		assert_int_equal(backend_index(&pick), got);
	}
}

/* connect6: the same, keyed and hashed with the IPv6 family. */
static void ipv6_clients_keep_their_backend(void **state)
{
	const struct cvs_service_policy maglev = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = TEST_MAGLEV_SLOTS,
	};
	struct fx *f = *state;
	struct cvs_service_key key = vip6(25, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_policy aff = affinity(60);
	struct sandbox_addr own = sandbox_addr6("fd00:77:1::1", 0);
	struct cvs_flow fl = {};
	struct cvs_pick pick;
	int got;

	/* the client is the first namespace, the test's own */
	assert_ok(cvs_client_netns(f->m, sb.cgroup, AF_INET6,
				   (const __be32 *)&own.sin6.sin6_addr,
				   &fl.netns_cookie));
	set_service(f, &key, &aff, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	got = one_backend(&key, 40);
	assert_ok(cvs_service_pick_flow(f->m, &key, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_AFFINITY);
	assert_int_equal(backend_index(&pick), got);
	set_service(f, &key, &maglev, NULL);
	got = one_backend(&key, 20);
	assert_ok(cvs_service_pick_flow(f->m, &key, &fl, &pick));
	assert_int_equal(pick.reason, CVS_REASON_MAGLEV);
	assert_int_equal(backend_index(&pick), got);
}

/* The last_used of the one affinity entry of key's service. */
static __u64 entry_last_used(struct fx *f, const struct cvs_service_key *key)
{
	struct cvs_aff_key k, next, *prev = NULL;
	struct raw_maps r;
	struct cvs_aff v;
	struct cvs_svc svc;
	__u64 word, last = 0;
	int found = 0;

	assert_ok(raw_open(f->root, &r));
	assert_ok(raw_svc_word(&r, key, &svc, &word));
	while (!bpf_map_get_next_key(r.fd[RAW_AFF], prev, &next)) {
		k = next;
		prev = &k;
		if (k.svc_id != svc.id ||
		    bpf_map_lookup_elem(r.fd[RAW_AFF], &k, &v))
			continue;
		last = v.last_used;
		found++;
	}
	raw_close(&r);
	assert_int_equal(found, 1);
	return last;
}

/*
 * A hit rewrites its entry only once the entry is older than a sixteenth
 * of the timeout (cvs_select.h): with 8 s, not within 0.5 s, but after.
 */
static void entries_are_refreshed_lazily(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(25, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_policy pol = affinity(8);
	struct timespec gap = { .tv_nsec = 700000000 };
	__u64 stored;
	int first;

	set_service(f, &key, &pol, NULL);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	enter(3);
	first = one_backend(&key, 1);
	stored = entry_last_used(f, &key);
	assert_int_equal(one_backend(&key, 20), first);
	assert_true(entry_last_used(f, &key) == stored);
	nanosleep(&gap, NULL);
	assert_int_equal(one_backend(&key, 1), first);
	assert_true(entry_last_used(f, &key) >= stored + 700000000ull);
	enter(0);
}

static int teardown(void **state)
{
	stop_resident();
	sandbox_enter_client(0);
	return fx_teardown_attached(state);
}

static int group_up(void **state)
{
	int err = group_setup(state) ?: sandbox_up(&sb);

	if (!err && sandbox_clients_up(CLIENTS + 1)) {
		sandbox_down(&sb);
		err = -1;
	}
	return err;
}

static int group_down(void **state)
{
	sandbox_down(&sb);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			a_client_keeps_its_backend_and_clients_spread,
			fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			expired_or_drained_entries_are_replaced, fx_setup_open,
			teardown),
		cmocka_unit_test_setup_teardown(
			switching_affinity_on_and_off, fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			udp_clients_keep_their_backend, fx_setup_open, teardown),
		cmocka_unit_test_setup_teardown(
			maglev_is_consistent_per_client, fx_setup_open,
			teardown),
		cmocka_unit_test_setup_teardown(
			ipv6_clients_keep_their_backend, fx_setup_open,
			teardown),
		cmocka_unit_test_setup_teardown(
			entries_are_refreshed_lazily, fx_setup_open, teardown),
	};

	return cmocka_run_group_tests_name("affinity", tests, group_up,
					   group_down);
}
