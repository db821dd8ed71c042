// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Flow sweeps and the socket-local reverse mapping of the socket-LB, with
 * real sockets in the sandbox of test_socklb (sandbox.h): a socket sent to a
 * backend that was removed, taken down, or whose service was deleted is
 * ended by cvs_flows_sweep(), in the client namespace and in another
 * namespace below the cgroup; drained backends and (unless asked) TCP are
 * kept; and an old socket shows its VIP however many sockets came after.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80

static struct sandbox sb;
static char other_ns[64];	/* a second client namespace, when made */

/* Backend i of key's family as the maps name it. */
static struct cvs_backend_spec backend(const struct cvs_service_key *key,
				       int i, __u32 weight, __u16 flags)
{
	struct cvs_backend_spec b = { .port = htons(SANDBOX_PORT),
				      .weight = weight, .flags = flags };
	struct sandbox_addr a;

	if (key->family == AF_INET6) {
		a = sandbox_backend_addr6(i, SANDBOX_PORT);
		memcpy(b.addr, &a.sin6.sin6_addr, 16);
	} else {
		b.addr[0] = sandbox_backend_addr(i);
	}
	return b;
}

static int teardown(void **state)
{
	char cmd[128];

	if (other_ns[0]) {
		snprintf(cmd, sizeof(cmd), "ip netns del %s", other_ns);
		if (system(cmd))
			fprintf(stderr, "left network namespace %s\n",
				other_ns);
		other_ns[0] = 0;
	}
	return fx_teardown_attached(state);
}

static int socket_to(const struct sandbox_addr *to, int type)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(to->sa.sa_family, type | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

/* Ask a connected UDP socket: the backend that answers, or -errno. */
static int udp_ask(int fd)
{
	char buf[16] = "";
	ssize_t n;

	if (send(fd, "q", 1, 0) != 1)
		return -errno;
	n = recv(fd, buf, sizeof(buf) - 1, 0);
	if (n < 0)
		return -errno;
	return sandbox_backend_of(buf) ?: -EBADMSG;
}

/* A connected UDP socket to `to` that backend `which` answered. */
static int udp_hold(const struct sandbox_addr *to, int which)
{
	int i, fd, who;

	for (i = 0; i < 200; i++) {
		fd = socket_to(to, SOCK_DGRAM);
		assert_ok(connect(fd, &to->sa, to->len));
		who = udp_ask(fd);
		if (who == which)
			return fd;
		close(fd);
	}
	fail_msg("backend %d never answered", which);
	return -1;
}

/* What the sweep says it ended for (key, backend b). */
static void ended_for(const struct cvs_flow_count *c, __u32 n,
		      const struct cvs_service_key *key,
		      const struct cvs_backend_spec *b, __u32 *tcp, __u32 *udp)
{
	__u32 i;

	*tcp = *udp = 0;
	for (i = 0; i < n; i++) {
		if (memcmp(&c[i].service, key, sizeof(*key)) ||
		    memcmp(c[i].backend, b->addr, sizeof(b->addr)) ||
		    c[i].backend_port != b->port)
			continue;
		*tcp += c[i].tcp;
		*udp += c[i].udp;
	}
}

static void sweep(struct fx *f, const struct cvs_service_key *reset,
		  __u32 n_reset, struct cvs_flow_count *out, __u32 *n)
{
	assert_ok(cvs_flows_sweep(f->m, NULL, reset, n_reset, out, 16, n));
}

static void status_offers_iterators_and_socket_storage(void **state)
{
	struct fx *f = *state;
	struct cvs_flows_status st;

	const char *want = getenv("CVS_FLOWS_MECHANISM");

	assert_ok(cvs_flows_status(f->m, &st));
	/* the sandbox kernel is 6.5+ with sock_addr socket storage; the
	 * sock_diag path is what kernels before 6.5 get, chosen here by
	 * the environment (tests.mk runs this file both ways) */
	assert_int_equal(st.mechanism, want && !strcmp(want, "netlink") ?
					       CVS_FLOWS_NETLINK :
					       CVS_FLOWS_BPF_ITER);
	assert_int_equal(st.reverse, CVS_REVERSE_SOCKET);
	assert_rc(cvs_flows_status(NULL, &st), -EINVAL);
}

enum change { REMOVE, DOWN, DELETE, DRAIN };

/*
 * A connected UDP socket to key held by backend 1, then `change` to
 * backend 1: the sweep ends the socket (its next call fails) and counts
 * it, a new socket reaches backend 2, and a second sweep ends nothing;
 * except a drain, which ends nothing at all.
 */
static void assert_udp_swept(struct fx *f, struct cvs_service_key key,
			     bool mapped, enum change change)
{
	struct sandbox_addr to = sandbox_dest(&key, mapped);
	struct cvs_backend_spec b[2] = { backend(&key, 1, 1, 0),
					 backend(&key, 2, 1, 0) };
	struct cvs_flow_count c[16];
	__u32 n, tcp, udp;
	int fd, fresh;

	assert_ok(cvs_service_upsert(f->m, &key, b, 2));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	fd = udp_hold(&to, 1);
	switch (change) {
	case REMOVE:
		assert_ok(cvs_service_upsert(f->m, &key, &b[1], 1));
		break;
	case DOWN:
		b[0].flags = CVS_MEMBER_F_DOWN;
		assert_ok(cvs_service_upsert(f->m, &key, b, 2));
		break;
	case DELETE:
		assert_ok(cvs_service_delete(f->m, &key));
		break;
	case DRAIN:
		b[0].weight = 0;
		assert_ok(cvs_service_upsert(f->m, &key, b, 2));
		break;
	}
	sweep(f, NULL, 0, c, &n);
	ended_for(c, n, &key, &b[0], &tcp, &udp);
	assert_int_equal(tcp, 0);
	if (change == DRAIN) {
		assert_int_equal(n, 0);
		assert_int_equal(udp_ask(fd), 1);
		close(fd);
		return;
	}
	assert_int_equal(n, 1);
	assert_int_equal(udp, 1);
	assert_true(udp_ask(fd) < 0);
	close(fd);
	if (change != DELETE) {
		fresh = socket_to(&to, SOCK_DGRAM);
		assert_ok(connect(fresh, &to.sa, to.len));
		assert_int_equal(udp_ask(fresh), 2);
		close(fresh);
	}
	sweep(f, NULL, 0, c, &n);
	assert_int_equal(n, 0);
}

static void udp_to_a_removed_backend_is_ended(void **state)
{
	assert_udp_swept(*state, vip(0x20, 53, IPPROTO_UDP), false, REMOVE);
}

static void udp_to_a_down_backend_is_ended(void **state)
{
	assert_udp_swept(*state, vip(0x21, 53, IPPROTO_UDP), false, DOWN);
}

static void udp_of_a_deleted_service_is_ended(void **state)
{
	assert_udp_swept(*state, vip(0x22, 53, IPPROTO_UDP), false, DELETE);
}

static void udp_to_a_draining_backend_is_kept(void **state)
{
	assert_udp_swept(*state, vip(0x23, 53, IPPROTO_UDP), false, DRAIN);
}

static void v6_udp_to_a_removed_backend_is_ended(void **state)
{
	assert_udp_swept(*state, vip6(0x24, 53, IPPROTO_UDP), false, REMOVE);
}

static void v6_udp_to_a_down_backend_is_ended(void **state)
{
	assert_udp_swept(*state, vip6(0x25, 53, IPPROTO_UDP), false, DOWN);
}

static void mapped_udp_to_a_removed_backend_is_ended(void **state)
{
	assert_udp_swept(*state, vip(0x26, 53, IPPROTO_UDP), true, REMOVE);
}

/* TCP is kept unless its service is in reset_tcp; then it is reset. */
static void assert_tcp_reset_only_when_asked(struct fx *f,
					     struct cvs_service_key key,
					     bool mapped)
{
	struct sandbox_addr to = sandbox_dest(&key, mapped);
	struct cvs_backend_spec b[2] = { backend(&key, 1, 1, 0),
					 backend(&key, 2, 1, 0) };
	struct cvs_service_key other = vip(0x3f, 443, IPPROTO_TCP);
	struct cvs_flow_count c[16];
	__u32 n, tcp, udp;
	char buf[8];
	int fd;

	assert_ok(cvs_service_upsert(f->m, &key, b, 2));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	fd = tcp_hold_to(&to, 1, 200);
	assert_true(fd >= 0);
	assert_ok(cvs_service_upsert(f->m, &key, &b[1], 1));
	sweep(f, NULL, 0, c, &n);
	assert_int_equal(n, 0);
	sweep(f, &other, 1, c, &n);
	assert_int_equal(n, 0);
	assert_ok(tcp_echo(fd));

	sweep(f, &key, 1, c, &n);
	assert_int_equal(n, 1);
	ended_for(c, n, &key, &b[0], &tcp, &udp);
	assert_int_equal(tcp, 1);
	assert_int_equal(udp, 0);
	/* aborted: the application hears it at once */
	assert_int_equal(read(fd, buf, sizeof(buf)), -1);
	assert_int_equal(errno, ECONNABORTED);
	close(fd);
	assert_int_equal(tcp_avoids(&to, 1, 20), 0);
	sweep(f, &key, 1, c, &n);
	assert_int_equal(n, 0);
}

static void tcp_is_reset_only_for_reset_tcp_services(void **state)
{
	assert_tcp_reset_only_when_asked(*state,
					 vip(0x30, VIP_PORT, IPPROTO_TCP),
					 false);
}

static void v6_tcp_is_reset_only_for_reset_tcp_services(void **state)
{
	assert_tcp_reset_only_when_asked(*state,
					 vip6(0x31, VIP_PORT, IPPROTO_TCP),
					 false);
}

static void mapped_tcp_is_reset_only_for_reset_tcp_services(void **state)
{
	assert_tcp_reset_only_when_asked(*state,
					 vip(0x32, VIP_PORT, IPPROTO_TCP),
					 true);
}

static void malformed_sweeps_are_refused(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key bad = vip(0x33, 0, IPPROTO_TCP);
	struct cvs_flow_count c[1];
	__u32 n;

	assert_rc(cvs_flows_sweep(NULL, NULL, NULL, 0, c, 1, &n), -EINVAL);
	assert_rc(cvs_flows_sweep(f->m, NULL, NULL, 0, c, 1, NULL), -EINVAL);
	assert_rc(cvs_flows_sweep(f->m, NULL, NULL, 1, c, 1, &n), -EINVAL);
	assert_rc(cvs_flows_sweep(f->m, NULL, &bad, 1, c, 1, &n), -EINVAL);
	/* never attached: nothing has a record, nothing to do */
	assert_ok(cvs_flows_sweep(f->m, NULL, NULL, 0, c, 1, &n));
	assert_int_equal(n, 0);
}

/* Run cmd with the shell; 0 when it exited 0. */
static int sh(const char *fmt, const char *arg)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), fmt, arg, arg, arg);
	return system(cmd) == 0 ? 0 : -1;
}

/*
 * A process below the cgroup in a network namespace of its own holds a
 * connected UDP socket to the VIP; the sweep reaches it there. The
 * namespace routes the backend's subnet to a veth pair of its own: the
 * socket only needs to be connected, not answered.
 */
static void a_socket_in_another_namespace_is_ended(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(0x40, 53, IPPROTO_UDP);
	struct cvs_backend_spec b[2] = { backend(&key, 1, 1, 0),
					 backend(&key, 2, 1, 0) };
	struct sandbox_addr to = sandbox_dest(&key, false);
	struct cvs_flow_count c[16];
	int ready[2], go[2], status, nsfd;
	char *name = other_ns, path[PATH_MAX], byte = 0;
	__u32 n, tcp, udp;
	pid_t pid;

	snprintf(other_ns, sizeof(other_ns), "cvst%dx", getpid());
	assert_ok(sh("ip netns add %s && ip -n %s link add d0 type veth peer "
		     "name d1 && ip -n %s link set d1 up", name));
	assert_ok(sh("ip -n %s addr add 10.77.1.1/24 dev d0 && "
		     "ip -n %s link set d0 up", name));
	assert_ok(cvs_service_upsert(f->m, &key, b, 1));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_ok(pipe(ready));
	assert_ok(pipe(go));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd, ok;

		/* Only the parent writes go: if it fails before, its exit is
		 * the child's EOF, and no child outlives the test. */
		close(go[1]);
		close(ready[0]);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		nsfd = open(path, O_RDONLY);
		if (nsfd < 0 || setns(nsfd, CLONE_NEWNET))
			_exit(2);
		fd = socket(AF_INET, SOCK_DGRAM, 0);
		ok = fd >= 0 && !connect(fd, &to.sa, to.len) &&
		     send(fd, "q", 1, 0) == 1;
		if (write(ready[1], &byte, 1) != 1 || !ok)
			_exit(3);
		if (read(go[0], &byte, 1) != 1)
			_exit(4);
		/* ended: the socket is no longer connected */
		_exit(send(fd, "q", 1, 0) < 0 ? 0 : 5);
	}
	assert_int_equal(read(ready[0], &byte, 1), 1);
	assert_ok(cvs_service_upsert(f->m, &key, &b[1], 1));
	sweep(f, NULL, 0, c, &n);
	ended_for(c, n, &key, &b[0], &tcp, &udp);
	assert_int_equal(udp, 1);
	assert_int_equal(write(go[1], &byte, 1), 1);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	close(ready[0]);
	close(ready[1]);
	close(go[0]);
	close(go[1]);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The first socket still shows its VIP after more sockets than the LRU
 * tables hold went through VIPs: its record is its own. The LRU entry of
 * the first socket is checked gone, or the test would prove nothing.
 */
static void an_old_socket_shows_its_vip_after_70000_newer_ones(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key tcp = vip(0x50, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key udp = vip(0x51, 53, IPPROTO_UDP);
	struct cvs_backend_spec b = backend(&tcp, 3, 1, 0);
	struct sandbox_addr to = sandbox_dest(&tcp, false), to_udp = sandbox_dest(&udp, false);
	struct sandbox_addr peer = { 0 };
	socklen_t len = sizeof(peer.ss);
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	struct cvs_sknat_key nk = { .addr = b.addr[0], .port = b.port };
	struct cvs_sknat nat;
	struct timespec t0;
	char pin[PATH_MAX + 16];
	int fd, s, i, nat_fd;
	__u64 cookie;

	assert_ok(cvs_service_upsert(f->m, &tcp, &b, 1));
	assert_ok(cvs_service_upsert(f->m, &udp, &b, 1));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_int_equal(tcp_connect_to(&to, &fd), 3);
	len = sizeof(cookie);
	assert_ok(getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &len));
	nk.cookie = cookie;
	/* Short connections: a UDP connect() is translated like a TCP one,
	 * without packets; SO_LINGER 0 leaves nothing behind either way. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < 70000; i++) {
		s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		assert_true(s >= 0);
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		assert_ok(connect(s, &to_udp.sa, to_udp.len));
		close(s);
	}
	for (i = 0; i < 1000; i++) {
		s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		assert_true(s >= 0);
		setsockopt(s, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		assert_ok(connect(s, &to.sa, to.len));
		close(s);
	}
	print_message("71000 connections through VIPs in %.0f ms\n",
		      ms_since(&t0));
	snprintf(pin, sizeof(pin), "%s/%s", f->root, CVS_MAP_SOCK_NAT);
	nat_fd = bpf_obj_get(pin);
	assert_true(nat_fd >= 0);
	assert_rc(bpf_map_lookup_elem(nat_fd, &nk, &nat), -ENOENT);
	close(nat_fd);
	len = sizeof(peer.ss);
	assert_ok(getpeername(fd, &peer.sa, &len));
	assert_int_equal(peer.sin.sin_addr.s_addr, tcp.addr[0]);
	assert_int_equal(peer.sin.sin_port, tcp.port);
	assert_ok(tcp_echo(fd));
	close(fd);
}

/* How long a sweep of 1,000 stale sockets takes, printed. */
static void a_thousand_stale_sockets_are_ended_in_one_sweep(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(0x60, 53, IPPROTO_UDP);
	struct cvs_backend_spec b[2] = { backend(&key, 4, 1, 0),
					 backend(&key, 2, 1, 0) };
	struct sandbox_addr to = sandbox_dest(&key, false);
	struct rlimit rl = { 4096, 4096 };
	struct cvs_flow_count c[16];
	struct timespec t0;
	int fds[1000], i;
	__u32 n, tcp, udp;
	double ms;

	assert_ok(setrlimit(RLIMIT_NOFILE, &rl));
	assert_ok(cvs_service_upsert(f->m, &key, b, 1));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (i = 0; i < 1000; i++) {
		fds[i] = socket_to(&to, SOCK_DGRAM);
		assert_ok(connect(fds[i], &to.sa, to.len));
	}
	assert_ok(cvs_service_upsert(f->m, &key, &b[1], 1));
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sweep(f, NULL, 0, c, &n);
	ms = ms_since(&t0);
	ended_for(c, n, &key, &b[0], &tcp, &udp);
	assert_int_equal(udp, 1000);
	print_message("1000 stale UDP sockets ended in %.1f ms\n", ms);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sweep(f, NULL, 0, c, &n);
	print_message("a sweep with nothing to end: %.1f ms\n", ms_since(&t0));
	assert_int_equal(n, 0);
	for (i = 0; i < 1000; i++) {
		assert_true(send(fds[i], "q", 1, 0) < 0);
		close(fds[i]);
	}
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

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup_open, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(status_offers_iterators_and_socket_storage),
		T(udp_to_a_removed_backend_is_ended),
		T(udp_to_a_down_backend_is_ended),
		T(udp_of_a_deleted_service_is_ended),
		T(udp_to_a_draining_backend_is_kept),
		T(v6_udp_to_a_removed_backend_is_ended),
		T(v6_udp_to_a_down_backend_is_ended),
		T(mapped_udp_to_a_removed_backend_is_ended),
		T(tcp_is_reset_only_for_reset_tcp_services),
		T(v6_tcp_is_reset_only_for_reset_tcp_services),
		T(mapped_tcp_is_reset_only_for_reset_tcp_services),
		T(malformed_sweeps_are_refused),
		T(a_socket_in_another_namespace_is_ended),
		T(an_old_socket_shows_its_vip_after_70000_newer_ones),
		T(a_thousand_stale_sockets_are_ended_in_one_sweep),
	};

	return cmocka_run_group_tests_name("flow sweeps", tests, group_up,
					   group_down);
}
