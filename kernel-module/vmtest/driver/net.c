// SPDX-License-Identifier: GPL-2.0-only
/* Namespaces, the tagging echo server and the probes of the VM test. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vmtest.h"

static int ns_fd[NS_MAX] = { -1, -1, -1 };
static int ns_count = NS_COUNT;
static pid_t server_pid;
static int next_udp_port = 20000;	/* below the ephemeral range */

static const char *const topology[] = {
	"/sbin/ip netns add srv",
	"/sbin/ip netns add cli",
	"/sbin/ip link add vsrv type veth peer name eth0 netns srv",
	"/sbin/ip link add vcli type veth peer name eth0 netns cli",
	"/sbin/ip addr add 10.1.0.1/24 dev vsrv",
	"/sbin/ip addr add 10.2.0.1/24 dev vcli",
	"/sbin/ip link set vsrv up",
	"/sbin/ip link set vcli up",
	"/sbin/ip route add 192.0.2.0/24 via 10.1.0.2",
	"/sbin/ip -n srv link set lo up",
	"/sbin/ip -n srv link set eth0 up",
	"/sbin/ip -n srv addr add 10.1.0.2/24 dev eth0",
	"/sbin/ip -n srv addr add 10.1.0.11/24 dev eth0",
	"/sbin/ip -n srv addr add 10.1.0.12/24 dev eth0",
	"/sbin/ip -n srv addr add 10.1.0.13/24 dev eth0",
	"/sbin/ip -n srv addr add 10.1.0.14/24 dev eth0",
	"/sbin/ip -n srv route add 10.2.0.0/24 via 10.1.0.1",
	"/sbin/ip -n srv route add local 192.0.2.0/24 dev lo",
	"/sbin/ip -n cli link set lo up",
	"/sbin/ip -n cli link set eth0 up",
	"/sbin/ip -n cli addr add 10.2.0.2/24 dev eth0",
	"/sbin/ip -n cli route add 192.0.2.0/24 via 10.2.0.1",
	"/sbin/ip -n cli route add 10.1.0.0/24 via 10.2.0.1",
	"sysctl -qw net.ipv4.ip_forward=1",
};

int sh(const char *fmt, ...)
{
	char cmd[2048], full[2100];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s >/tmp/sh.out 2>&1", cmd);
	rc = system(full);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
	if (rc) {
		char *out = read_file_in(NS_ROOT, "/tmp/sh.out");

		printf("  `%s` exited with %d: %s", cmd, rc, out ? out : "\n");
		free(out);
	}
	return rc;
}

long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static enum ns home = NS_ROOT;	/* where the process stays between calls */

static int enter(enum ns ns)
{
	return setns(ns_fd[ns], CLONE_NEWNET) ? -errno : 0;
}

int ns_stay(enum ns ns)
{
	int err = enter(ns);

	if (!err)
		home = ns;
	return err;
}

int socket_in(enum ns ns, int type)
{
	int fd, err;

	if (ns != home) {
		err = enter(ns);
		if (err)
			return err;
	}
	fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	err = fd < 0 ? -errno : fd;
	if (ns != home && enter(home))
		abort();	/* nothing after this would mean what it says */
	return err;
}

char *read_file_in(enum ns ns, const char *path)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	if (!buf || enter(ns))
		goto fail;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (enter(home))
		abort();
	if (fd < 0)
		goto fail;
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (cap - len < 2) {
			char *bigger = realloc(buf, cap * 2);

			if (!bigger) {
				close(fd);
				goto fail;
			}
			buf = bigger;
			cap *= 2;
		}
	}
	close(fd);
	buf[len] = '\0';
	return buf;
fail:
	free(buf);
	return NULL;
}

static void sockaddr(struct sockaddr_in *sa, const char *addr, int port)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sa->sin_addr);
}

static void format_tag(char tag[TAG_LEN], const struct in_addr *addr,
		       int port)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, addr, ip, sizeof(ip));
	snprintf(tag, TAG_LEN, "%s:%d", ip, port);
}

int ns_add(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (ns_count == NS_MAX)
		return -ENOSPC;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ns_fd[ns_count] = fd;
	return ns_count++;
}

int sh_in(enum ns ns, const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	pid_t pid;
	int status;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	pid = fork();
	if (pid == 0)
		_exit(enter(ns) ? 127 : sh("%s", cmd));
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 128;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* ---- srv: tags and echoes ------------------------------------------------ */

#define SERVER_FDS 1024

struct server {
	struct pollfd fds[SERVER_FDS];
	int kind[SERVER_FDS];	/* 0 connection, 1 TCP listener, 2 UDP */
	int n;
};

static void server_add(struct server *s, int fd, int kind)
{
	if (s->n == SERVER_FDS) {
		close(fd);
		return;
	}
	s->fds[s->n] = (struct pollfd){ .fd = fd, .events = POLLIN };
	s->kind[s->n++] = kind;
}

static int server_listen(int type, int port)
{
	struct sockaddr_in sa;
	int fd, one = 1;

	fd = socket(AF_INET, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (type == SOCK_DGRAM)
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	sockaddr(&sa, "0.0.0.0", port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    (type == SOCK_STREAM && listen(fd, 512))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void server_accept(struct server *s, int lfd)
{
	struct sockaddr_in local;
	socklen_t len = sizeof(local);
	char tag[TAG_LEN + 1];
	int fd;

	while ((fd = accept4(lfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		getsockname(fd, (struct sockaddr *)&local, &len);
		format_tag(tag, &local.sin_addr, ntohs(local.sin_port));
		strcat(tag, "\n");
		if (send(fd, tag, strlen(tag), MSG_NOSIGNAL) < 0) {
			close(fd);
			continue;
		}
		server_add(s, fd, 0);
	}
}

/* Answer from the address the datagram was sent to. */
static void server_datagram(int fd)
{
	char data[64], ctl[CMSG_SPACE(sizeof(struct in_pktinfo))];
	struct sockaddr_in peer, local;
	socklen_t len = sizeof(local);
	struct in_pktinfo *info = NULL;
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	struct cmsghdr *c;
	char tag[TAG_LEN];

	while (recvmsg(fd, &msg, 0) >= 0) {
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
			if (c->cmsg_level == IPPROTO_IP &&
			    c->cmsg_type == IP_PKTINFO)
				info = (struct in_pktinfo *)CMSG_DATA(c);
		if (!info)
			return;
		getsockname(fd, (struct sockaddr *)&local, &len);
		format_tag(tag, &info->ipi_addr, ntohs(local.sin_port));
		info->ipi_spec_dst = info->ipi_addr;
		info->ipi_ifindex = 0;
		iov.iov_base = tag;
		iov.iov_len = strlen(tag);
		msg.msg_controllen = CMSG_SPACE(sizeof(*info));
		sendmsg(fd, &msg, 0);
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		msg.msg_namelen = sizeof(peer);
		msg.msg_controllen = sizeof(ctl);
		info = NULL;
	}
}

static void server_echo(struct server *s, int i)
{
	char buf[256];
	ssize_t n = read(s->fds[i].fd, buf, sizeof(buf));

	if (n > 0) {
		if (send(s->fds[i].fd, buf, n, MSG_NOSIGNAL) == n)
			return;
	} else if (n < 0 && errno == EAGAIN) {
		return;
	}
	close(s->fds[i].fd);
	s->fds[i] = s->fds[--s->n];
	s->kind[i] = s->kind[s->n];
}

static void server_run(void)
{
	static const int tcp[] = TCP_PORTS, udp[] = UDP_PORTS;
	static struct server s;
	size_t k;
	int i, fd;

	for (k = 0; k < sizeof(tcp) / sizeof(tcp[0]); k++) {
		fd = server_listen(SOCK_STREAM, tcp[k]);
		if (fd < 0)
			_exit(1);
		server_add(&s, fd, 1);
	}
	for (k = 0; k < sizeof(udp) / sizeof(udp[0]); k++) {
		fd = server_listen(SOCK_DGRAM, udp[k]);
		if (fd < 0)
			_exit(1);
		server_add(&s, fd, 2);
	}
	/* Tell the parent the listeners are up. */
	if (write(3, "", 1) != 1)
		_exit(1);
	close(3);
	for (;;) {
		if (poll(s.fds, s.n, -1) < 0)
			continue;
		for (i = s.n - 1; i >= 0; i--) {
			if (!s.fds[i].revents)
				continue;
			if (s.kind[i] == 1)
				server_accept(&s, s.fds[i].fd);
			else if (s.kind[i] == 2)
				server_datagram(s.fds[i].fd);
			else
				server_echo(&s, i);
		}
	}
}

static int server_start(void)
{
	int ready[2];
	char c;

	if (pipe(ready))
		return -errno;
	server_pid = fork();
	if (server_pid < 0)
		return -errno;
	if (server_pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (dup2(ready[1], 3) != 3 || enter(NS_SRV))
			_exit(1);
		server_run();
	}
	close(ready[1]);
	if (read(ready[0], &c, 1) != 1) {
		close(ready[0]);
		return -EIO;
	}
	close(ready[0]);
	return 0;
}

int net_setup(void)
{
	static const char *const paths[NS_COUNT] = {
		"/proc/self/ns/net", "/run/netns/srv", "/run/netns/cli",
	};
	size_t i;
	int err;

	ns_fd[NS_ROOT] = open(paths[NS_ROOT], O_RDONLY | O_CLOEXEC);
	for (i = 0; i < sizeof(topology) / sizeof(topology[0]); i++)
		if (sh("%s", topology[i]))
			return -EIO;
	for (i = 0; i < NS_COUNT; i++) {
		if (ns_fd[i] < 0)
			ns_fd[i] = open(paths[i], O_RDONLY | O_CLOEXEC);
		if (ns_fd[i] < 0)
			return -errno;
	}
	err = server_start();
	return err;
}

void net_teardown(void)
{
	if (server_pid > 0) {
		kill(server_pid, SIGKILL);
		waitpid(server_pid, NULL, 0);
	}
	sh("/sbin/ip netns del cli; /sbin/ip netns del srv");
}

/* ---- probes -------------------------------------------------------------- */

static int wait_fd(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&p, 1, timeout_ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n ? 0 : -ETIMEDOUT;
}

static int read_line(int fd, char *buf, size_t len, int timeout_ms)
{
	size_t have = 0;
	long deadline = now_ms() + timeout_ms;
	ssize_t n;
	int err;

	while (have < len - 1) {
		err = wait_fd(fd, POLLIN, (int)(deadline - now_ms()));
		if (err)
			return err;
		n = read(fd, buf + have, len - 1 - have);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		have += n;
		if (buf[have - 1] == '\n') {
			buf[have - 1] = '\0';
			return 0;
		}
	}
	return -EMSGSIZE;
}

int tcp_open(enum ns ns, const char *addr, int port, int timeout_ms,
	     char tag[TAG_LEN])
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(int);
	int fd, err = 0;

	fd = socket_in(ns, SOCK_STREAM);
	if (fd < 0)
		return fd;
	sockaddr(&sa, addr, port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		if (errno != EINPROGRESS) {
			err = -errno;
			goto fail;
		}
		err = wait_fd(fd, POLLOUT, timeout_ms);
		if (err)
			goto fail;
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
		err = -err;
		if (err)
			goto fail;
	}
	err = read_line(fd, tag, TAG_LEN, timeout_ms);
	if (err)
		goto fail;
	return fd;
fail:
	close(fd);
	return err;
}

int tcp_probe(enum ns ns, const char *addr, int port, int timeout_ms,
	      char tag[TAG_LEN])
{
	int fd = tcp_open(ns, addr, port, timeout_ms, tag);

	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

int tcp_echo(int fd, int timeout_ms)
{
	char line[16];
	int err;

	if (write(fd, "ping\n", 5) != 5)
		return -errno;
	err = read_line(fd, line, sizeof(line), timeout_ms);
	if (err)
		return err;
	return strcmp(line, "ping") ? -EBADMSG : 0;
}

/*
 * A connected socket only receives from the address it is connected to,
 * so an answer proves that conntrack showed the VIP as its source.
 */
int udp_probe(enum ns ns, const char *addr, int port, int timeout_ms,
	      char tag[TAG_LEN])
{
	struct sockaddr_in sa;
	ssize_t n;
	int fd, err = 0;

	fd = socket_in(ns, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	/* A fresh source port: a new conntrack flow every time. */
	sockaddr(&sa, "0.0.0.0", next_udp_port++);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		goto out;
	}
	sockaddr(&sa, addr, port);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    send(fd, "?", 1, 0) != 1) {
		err = -errno;
		goto out;
	}
	err = wait_fd(fd, POLLIN, timeout_ms);
	if (err)
		goto out;
	n = recv(fd, tag, TAG_LEN - 1, 0);
	if (n < 0)
		err = -errno;
	else
		tag[n] = '\0';
out:
	close(fd);
	return err;
}
