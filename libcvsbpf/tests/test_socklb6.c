// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The socket-LB datapath for IPv6 with real packets, in the same sandbox as
 * test_socklb (sandbox.h): IPv6 VIPs from 2001:db8::/32 to backends at
 * fd00:77:<i>::2, and IPv4 VIPs (192.0.2.0/24) that an IPv6 socket addresses
 * as ::ffff:a.b.c.d, which dual-stack runtimes do for every IPv4 destination.
 * The client namespace has no default route in either family, so a VIP that
 * is not translated fails locally with ENETUNREACH.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80

static struct sandbox sb;

static void set_backends(struct fx *f, const struct cvs_service_key *key,
			 const int *which, const __u32 *weights, int n)
{
	struct cvs_backend_spec b[SANDBOX_BACKENDS];
	struct sandbox_addr a;
	int i;

	memset(b, 0, sizeof(b));
	for (i = 0; i < n; i++) {
		if (key->family == AF_INET6) {
			a = sandbox_backend_addr6(which[i], SANDBOX_PORT);
			memcpy(b[i].addr, &a.sin6.sin6_addr, 16);
		} else {
			b[i].addr[0] = sandbox_backend_addr(which[i]);
		}
		b[i].port = htons(SANDBOX_PORT);
		b[i].weight = weights[i];
	}
	assert_ok(cvs_service_upsert(f->m, key, b, n));
}

/* The address a socket shows, as its family holds it, must be the VIP. */
static void assert_is_vip(const struct sandbox_addr *seen,
			  const struct sandbox_addr *want)
{
	char a[64], b[64];

	if (seen->sa.sa_family != want->sa.sa_family ||
	    (want->sa.sa_family == AF_INET6 ?
		     memcmp(&seen->sin6.sin6_addr, &want->sin6.sin6_addr, 16) ||
			     seen->sin6.sin6_port != want->sin6.sin6_port :
		     seen->sin.sin_addr.s_addr != want->sin.sin_addr.s_addr ||
			     seen->sin.sin_port != want->sin.sin_port))
		fail_msg("the socket shows %s, not the VIP %s",
			 sandbox_addr_str(seen, a, sizeof(a)),
			 sandbox_addr_str(want, b, sizeof(b)));
}

/* TCP to key's VIP (mapped or not) reaches backend 2; the peer is the VIP. */
static void assert_tcp_through(struct fx *f, struct cvs_service_key key,
			       bool mapped)
{
	struct sandbox_addr to = sandbox_dest(&key, mapped), peer = { 0 };
	socklen_t len = sizeof(peer.ss);
	int fd;

	set_backends(f, &key, (int[]){ 2 }, (__u32[]){ 1 }, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_int_equal(tcp_connect_to(&to, &fd), 2);
	assert_ok(getpeername(fd, &peer.sa, &len));
	assert_is_vip(&peer, &to);
	assert_ok(tcp_echo(fd));
	close(fd);
}

static void tcp_to_a_v6_vip_reaches_a_backend_and_shows_the_vip(void **state)
{
	assert_tcp_through(*state, vip6(0x10, VIP_PORT, IPPROTO_TCP), false);
}

static void tcp_from_a_v6_socket_to_a_mapped_v4_vip_is_balanced(void **state)
{
	assert_tcp_through(*state, vip(0x10, VIP_PORT, IPPROTO_TCP), true);
}

/* Connected and unconnected UDP: the answer comes from the VIP. */
static void assert_udp_through(struct fx *f, struct cvs_service_key key,
			       bool mapped)
{
	struct sandbox_addr to = sandbox_dest(&key, mapped), from = { 0 };
	struct cvs_backend_counters ctr[1];
	struct cvs_service_counters svc;
	__u32 n;

	set_backends(f, &key, (int[]){ 3 }, (__u32[]){ 1 }, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_int_equal(udp_ask_connected_to(&to, &from), 3);
	assert_is_vip(&from, &to);
	memset(&from, 0, sizeof(from));
	assert_int_equal(udp_ask_unconnected_to(&to, &from), 3);
	assert_is_vip(&from, &to);
	/* one connected flow, one translated datagram */
	assert_ok(cvs_service_counters(f->m, &key, &svc, ctr, 1, &n));
	assert_int_equal(n, 1);
	assert_int_equal(ctr[0].conns, 1);
	assert_int_equal(ctr[0].packets, 1);
}

static void udp_to_a_v6_vip_answers_from_the_vip(void **state)
{
	assert_udp_through(*state, vip6(0x11, 53, IPPROTO_UDP), false);
}

static void udp_from_a_v6_socket_to_a_mapped_v4_vip_answers_from_it(
	void **state)
{
	assert_udp_through(*state, vip(0x11, 53, IPPROTO_UDP), true);
}

static void weights_spread_v6_connections(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip6(0x12, VIP_PORT, IPPROTO_TCP);
	struct sandbox_addr to = sandbox_dest(&key, false);
	const double expected[3] = { 2000.0 / 8, 4000.0 / 8, 10000.0 / 8 };
	struct cvs_backend_counters ctr[3];
	struct cvs_service_counters svc;
	int seen[SANDBOX_BACKENDS + 1] = { 0 }, i, who;
	double chi2 = 0;
	__u32 n;

	set_backends(f, &key, (int[]){ 1, 2, 3 }, (__u32[]){ 1, 2, 5 }, 3);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (i = 0; i < 2000; i++) {
		who = tcp_hello_to(&to);
		assert_in_range(who, 1, 3);
		seen[who]++;
	}
	for (i = 0; i < 3; i++)
		chi2 += (seen[i + 1] - expected[i]) *
			(seen[i + 1] - expected[i]) / expected[i];
	print_message("1:2:5 over 2000 IPv6 connections: %d %d %d, chi2 %.2f\n",
		      seen[1], seen[2], seen[3], chi2);
	/* chi-square, 2 degrees of freedom, p = 0.001 */
	assert_true(chi2 < 13.816);
	assert_ok(cvs_service_counters(f->m, &key, &svc, ctr, 3, &n));
	for (i = 0; i < 3; i++)
		assert_int_equal(ctr[i].conns, seen[i + 1]);
}

static void drain_and_removal_keep_established_v6_connections(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip6(0x13, VIP_PORT, IPPROTO_TCP);
	struct sandbox_addr to = sandbox_dest(&key, false);
	int held;

	set_backends(f, &key, (int[]){ 1, 2 }, (__u32[]){ 1, 1 }, 2);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	held = tcp_hold_to(&to, 2, 200);
	assert_true(held >= 0);
	set_backends(f, &key, (int[]){ 1, 2 }, (__u32[]){ 1, 0 }, 2);
	assert_int_equal(tcp_avoids(&to, 2, 200), 0);
	assert_ok(tcp_echo(held));
	set_backends(f, &key, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	assert_int_equal(tcp_avoids(&to, 2, 200), 0);
	assert_ok(tcp_echo(held));
	close(held);
}

static void assert_refused_fast(const struct cvs_service_key *key,
				bool mapped)
{
	struct sandbox_addr to = sandbox_dest(key, mapped);
	struct timespec t0;
	double ms;
	int who;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	who = key->proto == IPPROTO_TCP ? tcp_hello_to(&to) :
					  udp_ask_unconnected_to(&to, NULL);
	ms = ms_since(&t0);
	assert_int_equal(who, -ECONNREFUSED);
	if (ms >= 10.0)
		fail_msg("refused after %.1f ms, not at once", ms);
}

static void v6_service_without_usable_backends_refuses_at_once(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key none = vip6(0x14, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key drained = vip6(0x15, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key udp = vip6(0x14, 53, IPPROTO_UDP);
	struct cvs_service_key v4 = vip(0x14, VIP_PORT, IPPROTO_TCP);
	struct cvs_backend_counters ctr[2];
	struct cvs_service_counters svc;
	__u32 n;

	assert_ok(cvs_service_upsert(f->m, &none, NULL, 0));
	assert_ok(cvs_service_upsert(f->m, &udp, NULL, 0));
	assert_ok(cvs_service_upsert(f->m, &v4, NULL, 0));
	set_backends(f, &drained, (int[]){ 1, 2 }, (__u32[]){ 0, 0 }, 2);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_refused_fast(&none, false);
	assert_refused_fast(&drained, false);
	assert_refused_fast(&udp, false);
	assert_refused_fast(&v4, true);
	assert_ok(cvs_service_counters(f->m, &drained, &svc, ctr, 2, &n));
	assert_int_equal(svc.refused, 1);
}

/* Not configured: untouched, so it fails locally for want of a route. */
static void an_unconfigured_v6_vip_is_left_alone(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip6(0x16, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key other = vip6(0x17, VIP_PORT, IPPROTO_TCP);
	struct sandbox_addr to = sandbox_dest(&other, false);

	set_backends(f, &key, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_int_equal(tcp_hello_to(&to), -ENETUNREACH);
}

/* The same port and last byte in both families: two services, apart. */
static void v4_and_v6_services_on_one_port_stay_apart(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(0x18, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(0x18, VIP_PORT, IPPROTO_TCP);
	struct sandbox_addr to4 = sandbox_dest(&k4, false), to6 = sandbox_dest(&k6, false);
	struct sandbox_addr mapped = sandbox_dest(&k4, true);
	int i;

	set_backends(f, &k4, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	set_backends(f, &k6, (int[]){ 4 }, (__u32[]){ 1 }, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (i = 0; i < 20; i++) {
		assert_int_equal(tcp_hello_to(&to4), 1);
		assert_int_equal(tcp_hello_to(&mapped), 1);
		assert_int_equal(tcp_hello_to(&to6), 4);
	}
}

/* Eight programs, one of each on the cgroup, all pinned as links. */
static void attach_hooks_both_families(void **state)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_UDP4_SENDMSG,
		BPF_CGROUP_UDP4_RECVMSG, BPF_CGROUP_INET4_GETPEERNAME,
		BPF_CGROUP_INET6_CONNECT, BPF_CGROUP_UDP6_SENDMSG,
		BPF_CGROUP_UDP6_RECVMSG, BPF_CGROUP_INET6_GETPEERNAME,
	};
	struct fx *f = *state;
	struct cvs_sock_status st;
	__u32 cnt;
	size_t i;
	int fd;

	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_ok(cvs_sock_status(f->m, &st));
	assert_int_equal(st.attached, CVS_SOCK_PROGS);
	fd = open(sb.cgroup, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		cnt = 0;
		assert_ok(bpf_prog_query(fd, types[i], 0, NULL, NULL, &cnt));
		assert_int_equal(cnt, 1);
	}
	close(fd);
}

/*
 * A pin root attached by the previous version has its four IPv4 links and
 * no IPv6 ones: attaching adopts the four in place (bpf_link_update) and
 * adds four, and IPv4 connections go on being translated throughout.
 */
static void attaching_over_ipv4_links_only_adds_the_ipv6_ones(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key k4 = vip(0x19, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key k6 = vip6(0x19, VIP_PORT, IPPROTO_TCP);
	struct sandbox_addr to4 = sandbox_dest(&k4, false), to6 = sandbox_dest(&k6, false);
	struct cvs_sock_status before, after;
	char pin[PATH_MAX + 32];
	int i;

	set_backends(f, &k4, (int[]){ 1 }, (__u32[]){ 1 }, 1);
	set_backends(f, &k6, (int[]){ 2 }, (__u32[]){ 1 }, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	/* What the previous version left: only the IPv4 links and table. */
	for (i = CVS_SOCK_CONNECT6; i <= CVS_SOCK_GETPEERNAME6; i++) {
		struct bpf_link *link;

		snprintf(pin, sizeof(pin), "%s/%s", f->root,
			 (const char *[]){ "sock_connect6", "sock_sendmsg6",
					   "sock_recvmsg6",
					   "sock_getpeername6" }
				 [i - CVS_SOCK_CONNECT6]);
		link = bpf_link__open(pin);
		assert_non_null(link);
		assert_ok(bpf_link__detach(link));
		assert_ok(bpf_link__unpin(link));
		bpf_link__destroy(link);
	}
	snprintf(pin, sizeof(pin), "%s/%s", f->root, CVS_MAP_SOCK_NAT6);
	assert_ok(unlink(pin));
	assert_ok(cvs_sock_status(f->m, &before));
	assert_int_equal(before.attached, 4);
	assert_int_equal(tcp_hello_to(&to6), -ENETUNREACH);
	assert_int_equal(tcp_hello_to(&to4), 1);

	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	assert_ok(cvs_sock_status(f->m, &after));
	assert_int_equal(after.attached, CVS_SOCK_PROGS);
	assert_memory_equal(after.link_ids, before.link_ids,
			    4 * sizeof(after.link_ids[0]));
	assert_int_equal(tcp_hello_to(&to4), 1);
	assert_int_equal(tcp_hello_to(&to6), 2);
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

#define T(name) cmocka_unit_test_setup_teardown(name, fx_setup_open, fx_teardown_attached)

int main(void)
{
	const struct CMUnitTest tests[] = {
		T(tcp_to_a_v6_vip_reaches_a_backend_and_shows_the_vip),
		T(tcp_from_a_v6_socket_to_a_mapped_v4_vip_is_balanced),
		T(udp_to_a_v6_vip_answers_from_the_vip),
		T(udp_from_a_v6_socket_to_a_mapped_v4_vip_answers_from_it),
		T(weights_spread_v6_connections),
		T(drain_and_removal_keep_established_v6_connections),
		T(v6_service_without_usable_backends_refuses_at_once),
		T(an_unconfigured_v6_vip_is_left_alone),
		T(v4_and_v6_services_on_one_port_stay_apart),
		T(attach_hooks_both_families),
		T(attaching_over_ipv4_links_only_adds_the_ipv6_ones),
	};

	return cmocka_run_group_tests_name("socket-LB IPv6", tests, group_up,
					   group_down);
}
