// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* The socket-LB tests' own network and cgroup: see sandbox.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cvsbpf.h"
#include "cgroup_util.h"
#include "sandbox.h"

#define MAX_CONNS 64

struct backend {
	int index;
	pthread_t thread;
	int ready;		/* 1 serving, -errno failed */
};

static struct backend backends[SANDBOX_BACKENDS];
static atomic_int stopping;
static pthread_mutex_t ready_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cond = PTHREAD_COND_INITIALIZER;

static int run(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc != 0)
		fprintf(stderr, "sandbox: `%s` failed (%d)\n", cmd, rc);
	return rc == 0 ? 0 : -1;
}

/* The test process's pid, also in a child it forks. */
static pid_t owner;

static void ns_name(char *buf, size_t len, int backend)
{
	if (!owner)
		owner = getpid();
	if (backend)
		snprintf(buf, len, "cvst%db%d", owner, backend);
	else
		snprintf(buf, len, "cvst%dc", owner);
}

static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, err = 0;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (setns(fd, CLONE_NEWNET))
		err = -errno;
	close(fd);
	return err;
}

__be32 sandbox_backend_addr(int i)
{
	return htonl(10u << 24 | 77u << 16 | (unsigned)i << 8 | 2);
}

int sandbox_backend_of(const char *greeting)
{
	int i;

	if (greeting[0] != 'b' || sscanf(greeting + 1, "%d", &i) != 1 ||
	    i < 1 || i > SANDBOX_BACKENDS)
		return 0;
	return i;
}

/* One dual-stack socket ([::] with IPV6_V6ONLY off) serves both families. */
static int listen_on(int type)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6,
				   .sin6_port = htons(SANDBOX_PORT),
				   .sin6_addr = IN6ADDR_ANY_INIT };
	int one = 1, off = 0, fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 128))) {
		close(fd);
		return -errno;
	}
	return fd;
}

static void set_ready(struct backend *b, int state)
{
	pthread_mutex_lock(&ready_lock);
	b->ready = state;
	pthread_cond_broadcast(&ready_cond);
	pthread_mutex_unlock(&ready_lock);
}

/* One poll loop per backend: greet and echo on TCP, greet on UDP. */
static void serve(struct backend *b, int tcp, int udp)
{
	struct pollfd pfd[MAX_CONNS + 2];
	char greeting[8], buf[256];
	struct sockaddr_storage from;
	socklen_t len;
	int n = 2, i, fd;
	ssize_t got;

	snprintf(greeting, sizeof(greeting), "b%d\n", b->index);
	pfd[0] = (struct pollfd){ .fd = tcp, .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = udp, .events = POLLIN };
	while (!atomic_load(&stopping)) {
		if (poll(pfd, n, 50) <= 0)
			continue;
		if ((pfd[0].revents & POLLIN) &&
		    (fd = accept4(tcp, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
			if (n == MAX_CONNS + 2 ||
			    write(fd, greeting, strlen(greeting)) < 0)
				close(fd);
			else
				pfd[n++] = (struct pollfd){ .fd = fd,
							    .events = POLLIN };
		}
		if (pfd[1].revents & POLLIN) {
			len = sizeof(from);
			if (recvfrom(udp, buf, sizeof(buf), 0,
				     (struct sockaddr *)&from, &len) >= 0)
				sendto(udp, greeting, strlen(greeting), 0,
				       (struct sockaddr *)&from, len);
		}
		for (i = 2; i < n; i++) {
			if (!pfd[i].revents)
				continue;
			got = read(pfd[i].fd, buf, sizeof(buf));
			if (got > 0 && write(pfd[i].fd, buf, got) == got)
				continue;
			close(pfd[i].fd);
			pfd[i--] = pfd[--n];
		}
	}
	for (i = 2; i < n; i++)
		close(pfd[i].fd);
}

static void *backend_main(void *arg)
{
	struct backend *b = arg;
	char name[64];
	int tcp, udp, err;

	ns_name(name, sizeof(name), b->index);
	err = enter_netns(name);
	tcp = err ? err : listen_on(SOCK_STREAM);
	udp = tcp < 0 ? tcp : listen_on(SOCK_DGRAM);
	if (udp < 0) {
		if (tcp >= 0)
			close(tcp);
		set_ready(b, udp);
		return NULL;
	}
	set_ready(b, 1);
	serve(b, tcp, udp);
	close(tcp);
	close(udp);
	return NULL;
}

static int start_backends(void)
{
	int i, err = 0;

	atomic_store(&stopping, 0);
	for (i = 0; i < SANDBOX_BACKENDS; i++) {
		backends[i] = (struct backend){ .index = i + 1 };
		if (pthread_create(&backends[i].thread, NULL, backend_main,
				   &backends[i]))
			return -EAGAIN;
	}
	pthread_mutex_lock(&ready_lock);
	for (i = 0; i < SANDBOX_BACKENDS; i++) {
		while (!backends[i].ready)
			pthread_cond_wait(&ready_cond, &ready_lock);
		if (backends[i].ready < 0)
			err = backends[i].ready;
	}
	pthread_mutex_unlock(&ready_lock);
	return err;
}

static void stop_backends(void)
{
	int i;

	atomic_store(&stopping, 1);
	for (i = 0; i < SANDBOX_BACKENDS; i++)
		if (backends[i].thread)
			pthread_join(backends[i].thread, NULL);
	memset(backends, 0, sizeof(backends));
}

static int build_network(void)
{
	char c[64], b[64];
	int i;

	ns_name(c, sizeof(c), 0);
	if (run("ip netns add %s", c) || run("ip -n %s link set lo up", c))
		return -1;
	for (i = 1; i <= SANDBOX_BACKENDS; i++) {
		ns_name(b, sizeof(b), i);
		if (run("ip netns add %s", b) ||
		    run("ip link add vb%d netns %s type veth peer name eth0 netns %s",
			i, c, b) ||
		    run("ip -n %s addr add 10.77.%d.1/24 dev vb%d", c, i, i) ||
		    run("ip -n %s addr add fd00:77:%d::1/64 dev vb%d nodad",
			c, i, i) ||
		    run("ip -n %s link set vb%d up", c, i) ||
		    run("ip -n %s addr add 10.77.%d.2/24 dev eth0", b, i) ||
		    run("ip -n %s addr add fd00:77:%d::2/64 dev eth0 nodad",
			b, i) ||
		    run("ip -n %s link set eth0 up", b) ||
		    run("ip -n %s link set lo up", b))
			return -1;
	}
	return 0;
}

static void client_ns_name(char *buf, size_t len, int k)
{
	if (k)
		snprintf(buf, len, "cvst%dx%d", owner, k);
	else
		ns_name(buf, len, 0);
}

__be32 sandbox_client_addr(int k)
{
	return htonl(10u << 24 | 78u << 16 | (unsigned)k << 8 | 2);
}

/*
 * Client namespace k behind the first one, which forwards between it and
 * the backends: routes to the test's own 10.77/16 and 10.78/16 only, never
 * a default route.
 */
int sandbox_clients_up(int n)
{
	char c[64], x[64], b[64];
	int k, i;

	ns_name(c, sizeof(c), 0);
	if (n > SANDBOX_CLIENTS ||
	    run("ip netns exec %s sysctl -qw net.ipv4.ip_forward=1", c))
		return -1;
	for (i = 1; i <= SANDBOX_BACKENDS; i++) {
		ns_name(b, sizeof(b), i);
		if (run("ip -n %s route replace 10.78.0.0/16 via 10.77.%d.1",
			b, i))
			return -1;
	}
	for (k = 1; k <= n; k++) {
		client_ns_name(x, sizeof(x), k);
		if (run("ip netns add %s", x) ||
		    run("ip link add vx%d netns %s type veth peer name eth0 netns %s",
			k, c, x) ||
		    run("ip -n %s addr add 10.78.%d.1/24 dev vx%d", c, k, k) ||
		    run("ip -n %s link set vx%d up", c, k) ||
		    run("ip -n %s addr add 10.78.%d.2/24 dev eth0", x, k) ||
		    run("ip -n %s link set eth0 up", x) ||
		    run("ip -n %s link set lo up", x) ||
		    run("ip -n %s route add 10.77.0.0/16 via 10.78.%d.1", x, k))
			return -1;
	}
	return 0;
}

int sandbox_enter_client(int k)
{
	char name[64];

	client_ns_name(name, sizeof(name), k);
	return enter_netns(name);
}

static void remove_network(void)
{
	char name[64], path[PATH_MAX];
	int i;

	for (i = 0; i <= SANDBOX_BACKENDS; i++) {
		ns_name(name, sizeof(name), i);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		if (access(path, F_OK) == 0)
			run("ip netns del %s", name);
	}
	for (i = 1; i <= SANDBOX_CLIENTS; i++) {
		client_ns_name(name, sizeof(name), i);
		snprintf(path, sizeof(path), "/run/netns/%s", name);
		if (access(path, F_OK) == 0)
			run("ip netns del %s", name);
	}
}

static int enter_cgroup(struct sandbox *sb)
{
	char root[256];
	int err;

	err = cvs_cgroup_default(root, sizeof(root)) ?:
	      cgroup_util_current(root, sb->home_cgroup, sizeof(sb->home_cgroup));
	if (err)
		return err;
	snprintf(sb->cgroup, sizeof(sb->cgroup), "%s/cvs-test-c-%d-sock", root,
		 getpid());
	if (mkdir(sb->cgroup, 0755) && errno != EEXIST)
		return -errno;
	return cgroup_util_join(sb->cgroup);
}

void sandbox_down(struct sandbox *sb)
{
	if (sb->host_netns >= 0) {
		setns(sb->host_netns, CLONE_NEWNET);
		close(sb->host_netns);
		sb->host_netns = -1;
	}
	if (sb->home_cgroup[0])
		cgroup_util_join(sb->home_cgroup);
	if (sb->cgroup[0])
		rmdir(sb->cgroup);
	stop_backends();
	remove_network();
}

int sandbox_up(struct sandbox *sb)
{
	char c[64];
	int err;

	memset(sb, 0, sizeof(*sb));
	sb->host_netns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (sb->host_netns < 0)
		return -errno;
	ns_name(c, sizeof(c), 0);
	err = build_network() ?: start_backends() ?: enter_cgroup(sb) ?:
	      enter_netns(c);
	if (err) {
		fprintf(stderr, "sandbox: setup failed: %s\n", strerror(-err));
		sandbox_down(sb);
	}
	return err;
}

/* ---- client side --------------------------------------------------------- */

static int client_socket(int family, int type)
{
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(family, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	return fd;
}

struct sandbox_addr sandbox_addr4(__be32 addr, __u16 port)
{
	struct sandbox_addr a = { .len = sizeof(struct sockaddr_in) };

	a.sin.sin_family = AF_INET;
	a.sin.sin_port = htons(port);
	a.sin.sin_addr.s_addr = addr;
	return a;
}

struct sandbox_addr sandbox_addr6(const char *text, __u16 port)
{
	struct sandbox_addr a = { .len = sizeof(struct sockaddr_in6) };

	a.sin6.sin6_family = AF_INET6;
	a.sin6.sin6_port = htons(port);
	if (inet_pton(AF_INET6, text, &a.sin6.sin6_addr) != 1)
		a.len = 0;	/* connect() then fails with EINVAL */
	return a;
}

struct sandbox_addr sandbox_dest(const struct cvs_service_key *k, bool mapped)
{
	struct sandbox_addr a = { .len = sizeof(struct sockaddr_in6) };

	if (k->family == AF_INET && !mapped)
		return sandbox_addr4(k->addr[0], ntohs(k->port));
	a.sin6.sin6_family = AF_INET6;
	a.sin6.sin6_port = k->port;
	if (k->family == AF_INET6) {
		memcpy(&a.sin6.sin6_addr, k->addr, 16);
	} else {
		a.sin6.sin6_addr.s6_addr32[2] = htonl(0xffff);
		a.sin6.sin6_addr.s6_addr32[3] = k->addr[0];
	}
	return a;
}

struct sandbox_addr sandbox_backend_addr6(int i, __u16 port)
{
	char text[32];

	snprintf(text, sizeof(text), "fd00:77:%d::2", i);
	return sandbox_addr6(text, port);
}

const char *sandbox_addr_str(const struct sandbox_addr *a, char *buf,
			     size_t len)
{
	char host[INET6_ADDRSTRLEN] = "?";

	if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &a->sin6.sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(a->sin6.sin6_port));
	} else {
		inet_ntop(AF_INET, &a->sin.sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(a->sin.sin_port));
	}
	return buf;
}

/* Read one greeting line and name its backend. */
static int read_greeting(int fd)
{
	char buf[16] = "";
	size_t got = 0;
	ssize_t n;

	while (got < sizeof(buf) - 1 && !memchr(buf, '\n', got)) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			return n < 0 ? -errno : -ECONNRESET;
		got += n;
	}
	return sandbox_backend_of(buf) ?: -EBADMSG;
}

int tcp_connect_to(const struct sandbox_addr *to, int *fd_out)
{
	int fd = client_socket(to->ss.ss_family, SOCK_STREAM), who;

	if (fd < 0)
		return fd;
	if (connect(fd, &to->sa, to->len)) {
		who = -errno;
		close(fd);
		return who;
	}
	who = read_greeting(fd);
	if (who < 0)
		close(fd);
	else
		*fd_out = fd;
	return who;
}

int tcp_connect(__be32 addr, __u16 port, int *fd_out)
{
	struct sandbox_addr to = sandbox_addr4(addr, port);

	return tcp_connect_to(&to, fd_out);
}

int tcp_hello_to(const struct sandbox_addr *to)
{
	/* RST on close: thousands of connections leave no TIME_WAIT */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };
	int fd, who = tcp_connect_to(to, &fd);

	if (who > 0) {
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		close(fd);
	}
	return who;
}

int tcp_hello(__be32 addr, __u16 port)
{
	struct sandbox_addr to = sandbox_addr4(addr, port);

	return tcp_hello_to(&to);
}

int tcp_hold_to(const struct sandbox_addr *to, int which, int tries)
{
	int i, fd, who;

	for (i = 0; i < tries; i++) {
		who = tcp_connect_to(to, &fd);
		if (who < 0)
			return who;
		if (who == which)
			return fd;
		close(fd);
	}
	return -ENOENT;
}

int tcp_avoids(const struct sandbox_addr *to, int which, int tries)
{
	int i, who;

	for (i = 0; i < tries; i++) {
		who = tcp_hello_to(to);
		if (who <= 0 || who == which)
			return who ?: -EBADMSG;
	}
	return 0;
}

int tcp_echo(int fd)
{
	char buf[4];
	ssize_t n = 0, got = 0;

	if (write(fd, "ping", 4) != 4)
		return -errno;
	while (got < 4 && (n = read(fd, buf + got, 4 - got)) > 0)
		got += n;
	if (got != 4)
		return n < 0 ? -errno : -ECONNRESET;
	return memcmp(buf, "ping", 4) ? -EBADMSG : 0;
}

static int udp_answer(int fd, struct sandbox_addr *from)
{
	socklen_t len = sizeof(struct sockaddr_storage);
	char buf[16] = "";
	ssize_t n;

	n = recvfrom(fd, buf, sizeof(buf) - 1, 0, from ? &from->sa : NULL,
		     from ? &len : NULL);
	if (n < 0)
		return -errno;
	if (from)
		from->len = len;
	return sandbox_backend_of(buf) ?: -EBADMSG;
}

int udp_ask_connected_to(const struct sandbox_addr *to,
			 struct sandbox_addr *peer)
{
	int fd = client_socket(to->ss.ss_family, SOCK_DGRAM), who;
	socklen_t len = sizeof(peer->ss);

	if (fd < 0)
		return fd;
	if (connect(fd, &to->sa, to->len) || send(fd, "q", 1, 0) != 1)
		who = -errno;
	else
		who = udp_answer(fd, NULL);
	if (who > 0 && getpeername(fd, &peer->sa, &len))
		who = -errno;
	peer->len = len;
	close(fd);
	return who;
}

int udp_ask_unconnected_to(const struct sandbox_addr *to,
			   struct sandbox_addr *from)
{
	int fd = client_socket(to->ss.ss_family, SOCK_DGRAM), who;

	if (fd < 0)
		return fd;
	if (sendto(fd, "q", 1, 0, &to->sa, to->len) != 1)
		who = -errno;
	else
		who = udp_answer(fd, from);
	close(fd);
	return who;
}

int udp_ask_connected(__be32 addr, __u16 port, struct sockaddr_in *peer)
{
	struct sandbox_addr to = sandbox_addr4(addr, port), got = {};
	int who = udp_ask_connected_to(&to, &got);

	if (who > 0)
		*peer = got.sin;
	return who;
}

int udp_ask_unconnected(__be32 addr, __u16 port, struct sockaddr_in *from)
{
	struct sandbox_addr to = sandbox_addr4(addr, port), got = {};
	int who = udp_ask_unconnected_to(&to, from ? &got : NULL);

	if (who > 0 && from)
		*from = got.sin;
	return who;
}
