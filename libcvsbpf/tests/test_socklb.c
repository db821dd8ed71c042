// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The socket-LB datapath with real packets: programs attached to the
 * sandbox's cgroup, a client in a namespace without a default route, backends
 * in namespaces of their own (sandbox.h). VIPs are from 192.0.2.0/24.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80

static struct sandbox sb;

static __be32 backend(int i)
{
	return sandbox_backend_addr(i);
}

static void set_backends(struct fx *f, const struct cvs_service_key *key,
			 const int *which, const __u32 *weights, int n)
{
	struct cvs_backend_spec b[SANDBOX_BACKENDS];
	int i;

	for (i = 0; i < n; i++)
		b[i] = bes(backend(which[i]), SANDBOX_PORT, weights[i]);
	assert_ok(cvs_service_upsert(f->m, key, b, n));
}

static void attach(struct fx *f)
{
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
}

/* Programs of one attach type on the sandbox cgroup. */
static __u32 progs_on_cgroup(enum bpf_attach_type type)
{
	__u32 cnt = 0;
	int fd = open(sb.cgroup, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_ok(bpf_prog_query(fd, type, 0, NULL, NULL, &cnt));
	close(fd);
	return cnt;
}

static void assert_progs_on_cgroup(__u32 want)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_UDP4_SENDMSG,
		BPF_CGROUP_UDP4_RECVMSG, BPF_CGROUP_INET4_GETPEERNAME,
		BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UDP6_SENDMSG,
		BPF_CGROUP_UDP6_RECVMSG, BPF_CGROUP_INET6_GETPEERNAME,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(progs_on_cgroup(types[i]), want);
}

static void tcp_reaches_backend_and_peer_is_the_vip(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(10, VIP_PORT, IPPROTO_TCP);
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int fd;

	set_backends(f, &key, (int[]){ 2 }, (__u32[]){ 1 }, 1);
	attach(f);
	assert_int_equal(tcp_connect(key.addr[0], VIP_PORT, &fd), 2);
	assert_ok(getpeername(fd, (struct sockaddr *)&peer, &len));
	assert_int_equal(peer.sin_addr.s_addr, key.addr[0]);
	assert_int_equal(peer.sin_port, key.port);
	assert_ok(tcp_echo(fd));
	close(fd);
}

static void weights_spread_connections(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(11, VIP_PORT, IPPROTO_TCP);
	const double expected[3] = { 2000.0 / 8, 4000.0 / 8, 10000.0 / 8 };
	struct cvs_backend_counters ctr[3];
	struct cvs_service_counters svc;
	int seen[SANDBOX_BACKENDS + 1] = { 0 }, i, who;
	double chi2 = 0;
	__u32 n;

	set_backends(f, &key, (int[]){ 1, 2, 3 }, (__u32[]){ 1, 2, 5 }, 3);
	attach(f);
	for (i = 0; i < 2000; i++) {
		who = tcp_hello(key.addr[0], VIP_PORT);
		assert_in_range(who, 1, 3);
		seen[who]++;
	}
	for (i = 0; i < 3; i++)
		chi2 += (seen[i + 1] - expected[i]) * (seen[i + 1] - expected[i]) /
			expected[i];
	print_message("1:2:5 over 2000 connections: %d %d %d, chi2 %.2f\n",
		      seen[1], seen[2], seen[3], chi2);
	/* chi-square, 2 degrees of freedom, p = 0.001 */
	assert_true(chi2 < 13.816);
	/* The datapath counted exactly the connections that were made. */
	assert_ok(cvs_service_counters(f->m, &key, &svc, ctr, 3, &n));
	for (i = 0; i < 3; i++)
		assert_int_equal(ctr[i].conns, seen[i + 1]);
	assert_int_equal(svc.refused, 0);
}

/* A held connection to backend `which`, found by connecting until it answers. */
static int hold_connection_to(const struct cvs_service_key *key, int which)
{
	struct sandbox_addr to = sandbox_addr4(key->addr[0], VIP_PORT);
	int fd = tcp_hold_to(&to, which, 200);

	if (fd < 0)
		fail_msg("no connection held to backend %d: %d", which, fd);
	return fd;
}

static void assert_never_reaches(const struct cvs_service_key *key, int which)
{
	struct sandbox_addr to = sandbox_addr4(key->addr[0], VIP_PORT);

	assert_int_equal(tcp_avoids(&to, which, 200), 0);
}

static void drained_and_removed_backends_get_no_new_connections(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(12, VIP_PORT, IPPROTO_TCP);
	int held;

	set_backends(f, &key, (int[]){ 1, 2 }, (__u32[]){ 1, 1 }, 2);
	attach(f);
	held = hold_connection_to(&key, 2);

	set_backends(f, &key, (int[]){ 1, 2 }, (__u32[]){ 1, 0 }, 2);
	assert_never_reaches(&key, 2);
	assert_ok(tcp_echo(held));

	set_backends(f, &key, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	assert_never_reaches(&key, 2);
	assert_ok(tcp_echo(held));
	close(held);
}

static void udp_answers_come_from_the_vip(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(13, 53, IPPROTO_UDP);
	struct cvs_backend_counters ctr[1];
	struct cvs_service_counters svc;
	struct sockaddr_in from;
	__u32 n;

	set_backends(f, &key, (int[]){ 3 }, (__u32[]){ 1 }, 1);
	attach(f);
	assert_int_equal(udp_ask_connected(key.addr[0], 53, &from), 3);
	assert_int_equal(from.sin_addr.s_addr, key.addr[0]);
	assert_int_equal(from.sin_port, key.port);

	memset(&from, 0, sizeof(from));
	assert_int_equal(udp_ask_unconnected(key.addr[0], 53, &from), 3);
	assert_int_equal(from.sin_addr.s_addr, key.addr[0]);
	assert_int_equal(from.sin_port, key.port);

	/* one connected flow, one translated datagram */
	assert_ok(cvs_service_counters(f->m, &key, &svc, ctr, 1, &n));
	assert_int_equal(ctr[0].conns, 1);
	assert_int_equal(ctr[0].packets, 1);
}

static void assert_refused_fast(const struct cvs_service_key *key)
{
	struct timespec t0;
	double ms;
	int who;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	who = key->proto == IPPROTO_TCP ?
	      tcp_hello(key->addr[0], ntohs(key->port)) :
	      udp_ask_unconnected(key->addr[0], ntohs(key->port), NULL);
	ms = ms_since(&t0);
	assert_int_equal(who, -ECONNREFUSED);
	assert_true(ms < 10.0);
}

static void service_without_usable_backends_refuses_at_once(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key none = vip(14, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key drained = vip(15, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key udp = vip(14, 53, IPPROTO_UDP);
	struct cvs_backend_counters ctr[2];
	struct cvs_service_counters svc;
	__u32 n;

	assert_ok(cvs_service_upsert(f->m, &none, NULL, 0));
	assert_ok(cvs_service_upsert(f->m, &udp, NULL, 0));
	set_backends(f, &drained, (int[]){ 1, 2 }, (__u32[]){ 0, 0 }, 2);
	attach(f);
	assert_refused_fast(&none);
	assert_refused_fast(&drained);
	assert_refused_fast(&udp);
	assert_ok(cvs_service_counters(f->m, &drained, &svc, ctr, 2, &n));
	assert_int_equal(svc.refused, 1);
}

struct churn {
	struct cvs_maps *m;
	struct cvs_service_key key, other;
	atomic_long connections;
	atomic_int done;
	int err;
};

/*
 * Flip between {b1, b2} and {b2, b3} a thousand times, each after the client
 * made one more connection, while another service with b4 is deleted and
 * re-created so backend ids are recycled between services: a reader that
 * mixed generations could land on b4.
 */
static void *churn_writer(void *arg)
{
	struct churn *c = arg;
	struct cvs_backend_spec a[2] = { bes(backend(1), SANDBOX_PORT, 1),
					 bes(backend(2), SANDBOX_PORT, 1) };
	struct cvs_backend_spec b[2] = { bes(backend(2), SANDBOX_PORT, 1),
					 bes(backend(3), SANDBOX_PORT, 1) };
	struct cvs_backend_spec other = bes(backend(4), SANDBOX_PORT, 1);
	struct timespec t0;
	long seen;
	int i;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 1000 && !c->err; i++) {
		c->err = cvs_service_upsert(c->m, &c->key, i & 1 ? b : a, 2) ?:
			 cvs_service_delete(c->m, &c->other) ?:
			 cvs_service_upsert(c->m, &c->other, &other, 1);
		seen = atomic_load(&c->connections);
		while (atomic_load(&c->connections) == seen &&
		       ms_since(&t0) < 60000)
			sched_yield();
	}
	atomic_store(&c->done, 1);
	return NULL;
}

static void churn_never_fails_nor_strays(void **state)
{
	struct fx *f = *state;
	struct churn c = { .m = f->m, .key = vip(16, VIP_PORT, IPPROTO_TCP),
			   .other = vip(17, VIP_PORT, IPPROTO_TCP) };
	struct cvs_backend_spec b4 = bes(backend(4), SANDBOX_PORT, 1);
	pthread_t writer;
	struct timespec t0;
	int who;

	set_backends(f, &c.key, (int[]){ 1, 2 }, (__u32[]){ 1, 1 }, 2);
	assert_ok(cvs_service_upsert(f->m, &c.other, &b4, 1));
	attach(f);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_ok(pthread_create(&writer, NULL, churn_writer, &c));
	while (!atomic_load(&c.done) && ms_since(&t0) < 90000) {
		who = tcp_hello(c.key.addr[0], VIP_PORT);
		if (who < 1 || who > 3) {
			atomic_store(&c.done, 1);
			pthread_join(writer, NULL);
			fail_msg("connection %ld during churn: %d",
				 atomic_load(&c.connections), who);
		}
		atomic_fetch_add(&c.connections, 1);
	}
	pthread_join(writer, NULL);
	assert_ok(c.err);
	print_message("%ld connections across 1000 flips, none failed\n",
		      atomic_load(&c.connections));
	assert_true(atomic_load(&c.connections) >= 1000);
}

static void detached_vip_fails_locally(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(18, VIP_PORT, IPPROTO_TCP);
	struct cvs_sock_status st;

	set_backends(f, &key, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	attach(f);
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), 1);
	assert_ok(cvs_sock_detach(f->m));
	assert_ok(cvs_sock_status(f->m, &st));
	assert_int_equal(st.attached, 0);
	assert_progs_on_cgroup(0);
	/* No route to the VIP in the client namespace: nothing leaves. */
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), -ENETUNREACH);
}

static void forwarding_outlives_the_attaching_process(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(19, VIP_PORT, IPPROTO_TCP);
	struct cvs_sock_status before, after;
	int status;
	pid_t pid;

	/* The child is the only writer: it opens, writes, attaches, exits. */
	cvs_maps_close(f->m);
	f->m = NULL;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cvs_backend_spec b = bes(backend(3), SANDBOX_PORT, 1);
		struct cvs_maps *m;

		_exit(cvs_maps_open(f->root, NULL, 0, &m) ||
		      cvs_service_upsert(m, &key, &b, 1) ||
		      cvs_sock_attach(m, sb.cgroup) ? 1 : 0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), 3);

	assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
	assert_ok(cvs_sock_status(f->m, &before));
	assert_int_equal(before.attached, CVS_SOCK_PROGS);
	attach(f);
	assert_ok(cvs_sock_status(f->m, &after));
	assert_memory_equal(after.link_ids, before.link_ids,
			    sizeof(after.link_ids));
	assert_progs_on_cgroup(1);
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), 3);
}

static void bad_attach_attaches_nothing(void **state)
{
	struct fx *f = *state;
	char pin[PATH_MAX + 32];

	make_tmpdir(f->tmpdir, sizeof(f->tmpdir));
	assert_rc(cvs_sock_attach(f->m, f->tmpdir), -EINVAL);
	assert_rc(cvs_sock_attach(f->m, "/sys/fs/cgroup/unified/cvs-none"),
		  -ENOENT);
	assert_progs_on_cgroup(0);

	snprintf(pin, sizeof(pin), "%s/%s", f->root, CVS_MAP_SELECT);
	assert_ok(unlink(pin));
	assert_rc(cvs_sock_attach(f->m, sb.cgroup), -ENOENT);
	assert_progs_on_cgroup(0);
}

/*
 * An attach that fails after loading (here: getpeername4's pin path is
 * taken by a directory, so its link cannot be pinned) leaves nothing
 * behind: no program on the cgroup, no link pins, and no socket table,
 * which this call created.
 */
static void failed_attach_leaves_no_pins(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(20, VIP_PORT, IPPROTO_TCP);
	char taken[PATH_MAX + 32], path[PATH_MAX + 32];
	static const char *const links[] = {
		"sock_connect4", "sock_sendmsg4", "sock_recvmsg4",
		"sock_connect6", "sock_sendmsg6", "sock_recvmsg6",
		"sock_getpeername6",
	};
	struct cvs_sock_status st;
	size_t i;
	int rc;

	set_backends(f, &key, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	snprintf(taken, sizeof(taken), "%s/sock_getpeername4", f->root);
	assert_ok(mkdir(taken, 0755));

	rc = cvs_sock_attach(f->m, sb.cgroup);
	rmdir(taken);		/* before any assertion: destroy needs it gone */
	assert_true(rc < 0);
	assert_progs_on_cgroup(0);
	assert_ok(cvs_sock_status(f->m, &st));
	assert_int_equal(st.attached, 0);
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", f->root, links[i]);
		if (path_exists(path))
			fail_msg("a failed attach left %s pinned", path);
	}
	for (i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", f->root,
			 (const char *[]){ CVS_MAP_SOCK_NAT, CVS_MAP_SOCK_NAT6,
					   CVS_MAP_SOCK_FLOW }[i]);
		if (path_exists(path))
			fail_msg("a failed attach left the socket table %s it created",
				 path);
	}
	/* No route to the VIP: nothing translates it. */
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), -ENETUNREACH);

	/* once the path is free again, attaching works */
	attach(f);
	assert_progs_on_cgroup(1);
	assert_int_equal(tcp_hello(key.addr[0], VIP_PORT), 1);
}

static void a_foreign_pin_at_a_link_name_is_left_alone(void **state)
{
	struct fx *f = *state;
	struct cvs_sock_status st;
	char pin[PATH_MAX + 32];
	int fd;

	snprintf(pin, sizeof(pin), "%s/sock_connect4", f->root);
	fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "foreign", 4, 4, 7, NULL);
	assert_true(fd >= 0);
	assert_ok(bpf_obj_pin(fd, pin));
	close(fd);

	assert_ok(cvs_sock_status(f->m, &st));
	assert_int_equal(st.attached, 0);
	assert_rc(cvs_sock_attach(f->m, sb.cgroup), -EPROTO);
	assert_progs_on_cgroup(0);
	assert_rc(cvs_sock_detach(f->m), -EPROTO);
	assert_true(path_exists(pin));
}

static int group_up(void **state)
{
	int err = group_setup(state);

	return err ?: sandbox_up(&sb);
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
			tcp_reaches_backend_and_peer_is_the_vip, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			weights_spread_connections, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			drained_and_removed_backends_get_no_new_connections,
			fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			udp_answers_come_from_the_vip, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			service_without_usable_backends_refuses_at_once, fx_setup_open,
			fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			churn_never_fails_nor_strays, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			detached_vip_fails_locally, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			forwarding_outlives_the_attaching_process, fx_setup_open,
			fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			bad_attach_attaches_nothing, fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			a_foreign_pin_at_a_link_name_is_left_alone, fx_setup_open,
			fx_teardown_attached),
		cmocka_unit_test_setup_teardown(
			failed_attach_leaves_no_pins, fx_setup_open, fx_teardown_attached),
	};

	return cmocka_run_group_tests_name("socket-LB", tests, group_up,
					   group_down);
}
