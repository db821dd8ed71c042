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

#define SH_OUT "/tmp/sh.out"	/* the output of sh()'s last command */

static const char *const topology[] = {
	"/sbin/ip netns add srv",
	"/sbin/ip netns add cli",
	/*
	 * No DAD for the link-local addresses the kernel adds as a link
	 * comes up (nodad below is for the others): until those passed it,
	 * root has no source for the neighbour solicitations of packets it
	 * forwards, and the first routed IPv6 packets wait a second.
	 */
	"sysctl -qw net.ipv6.conf.default.accept_dad=0",
	"/sbin/ip netns exec srv sysctl -qw net.ipv6.conf.default.accept_dad=0",
	"/sbin/ip netns exec cli sysctl -qw net.ipv6.conf.default.accept_dad=0",
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
	/* a second client for the affinity checks; secondary: never a source
	 * unless a socket binds it */
	"/sbin/ip -n cli addr add 10.2.0.3/24 dev eth0",
	"/sbin/ip -n cli route add 192.0.2.0/24 via 10.2.0.1",
	"/sbin/ip -n cli route add 10.1.0.0/24 via 10.2.0.1",
	"sysctl -qw net.ipv4.ip_forward=1",
	/* IPv6: the same shape; nodad, so every address is usable at once */
	"/sbin/ip addr add fd00:1::1/64 dev vsrv nodad",
	"/sbin/ip addr add fd00:2::1/64 dev vcli nodad",
	"/sbin/ip route add 2001:db8::/64 via fd00:1::2",
	"/sbin/ip -n srv addr add fd00:1::2/64 dev eth0 nodad",
	"/sbin/ip -n srv addr add fd00:1::11/64 dev eth0 nodad",
	"/sbin/ip -n srv addr add fd00:1::12/64 dev eth0 nodad",
	"/sbin/ip -n srv addr add fd00:1::13/64 dev eth0 nodad",
	"/sbin/ip -n srv addr add fd00:1::14/64 dev eth0 nodad",
	"/sbin/ip -n srv route add fd00:2::/64 via fd00:1::1",
	"/sbin/ip -n srv route add local 2001:db8::/64 dev lo",
	"/sbin/ip -n cli addr add fd00:2::2/64 dev eth0 nodad",
	/* deprecated (preferred_lft 0): never a source unless bound */
	"/sbin/ip -n cli addr add fd00:2::3/64 dev eth0 nodad preferred_lft 0",
	"/sbin/ip -n cli route add 2001:db8::/64 via fd00:2::1",
	"/sbin/ip -n cli route add fd00:1::/64 via fd00:2::1",
	"sysctl -qw net.ipv6.conf.all.forwarding=1",
};

int sh(const char *fmt, ...)
{
	char cmd[2048], full[2100];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s >" SH_OUT " 2>&1", cmd);
	rc = system(full);
	rc = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
	if (rc) {
		char *out = read_file_in(NS_ROOT, SH_OUT);

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

int socket_in(enum ns ns, int family, int type)
{
	int fd, err;

	if (ns != home) {
		err = enter(ns);
		if (err)
			return err;
	}
	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
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

/* addr:port in *ss, in the family its text names; the address's length. */
static socklen_t sockaddr(struct sockaddr_storage *ss, const char *addr,
			  int port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &sin6->sin6_addr);
		return sizeof(*sin6);
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	inet_pton(AF_INET, addr, &sin->sin_addr);
	return sizeof(*sin);
}

/* "10.1.0.11:8080" or "[fd00:1::11]:8080": addr is an in_addr or in6_addr */
static void format_tag(char tag[TAG_LEN], int family, const void *addr,
		       int port)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(family, addr, ip, sizeof(ip));
	snprintf(tag, TAG_LEN, family == AF_INET6 ? "[%s]:%d" : "%s:%d", ip,
		 port);
}

/* The address and port of a socket's sockaddr_in or sockaddr_in6. */
static void sockaddr_tag(char tag[TAG_LEN], const struct sockaddr_storage *ss)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	if (ss->ss_family == AF_INET6)
		format_tag(tag, AF_INET6, &sin6->sin6_addr,
			   ntohs(sin6->sin6_port));
	else
		format_tag(tag, AF_INET, &sin->sin_addr, ntohs(sin->sin_port));
}

void tag_of(char tag[TAG_LEN], const char *addr, int port)
{
	struct sockaddr_storage ss;

	sockaddr(&ss, addr, port);
	sockaddr_tag(tag, &ss);
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

static int port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* Ask for the datagram's destination, and (IPv6) allow replying from it. */
static void server_pktinfo(int fd, int family)
{
	int one = 1;

	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
		return;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	/*
	 * IPv4 accepts a reply's source that a local route covers
	 * (192.0.2.0/24 on lo); IPv6 only one configured on an interface,
	 * unless the socket may use any address.
	 */
	setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND, &one, sizeof(one));
}

static int server_listen(int family, int type, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	fd = socket(family, type | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* One socket per family: IPv4 is the AF_INET one's. */
	if (family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (type == SOCK_DGRAM)
		server_pktinfo(fd, family);
	len = sockaddr(&ss, family == AF_INET6 ? "::" : "0.0.0.0", port);
	if (bind(fd, (struct sockaddr *)&ss, len) ||
	    (type == SOCK_STREAM && listen(fd, 512))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void server_accept(struct server *s, int lfd)
{
	struct sockaddr_storage local;
	socklen_t len = sizeof(local);
	char tag[TAG_LEN + 1];
	int fd;

	while ((fd = accept4(lfd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		getsockname(fd, (struct sockaddr *)&local, &len);
		sockaddr_tag(tag, &local);
		strcat(tag, "\n");
		if (send(fd, tag, strlen(tag), MSG_NOSIGNAL) < 0) {
			close(fd);
			continue;
		}
		server_add(s, fd, 0);
	}
}

/*
 * The tag of the address a datagram in msg was sent to, from its packet
 * info, which is turned into the reply's source; 0 when found.
 */
static int datagram_tag(struct msghdr *msg, int port, char tag[TAG_LEN])
{
	struct in6_pktinfo *info6;
	struct in_pktinfo *info;
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			info = (struct in_pktinfo *)CMSG_DATA(c);
			format_tag(tag, AF_INET, &info->ipi_addr, port);
			info->ipi_spec_dst = info->ipi_addr;
			info->ipi_ifindex = 0;
			return 0;
		}
		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			info6 = (struct in6_pktinfo *)CMSG_DATA(c);
			format_tag(tag, AF_INET6, &info6->ipi6_addr, port);
			info6->ipi6_ifindex = 0;
			return 0;
		}
	}
	return -1;
}

/* Answer from the address the datagram was sent to. */
static void server_datagram(int fd)
{
	char data[64], ctl[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	struct sockaddr_storage peer, local;
	socklen_t len = sizeof(local);
	struct iovec iov = { data, sizeof(data) };
	struct msghdr msg = {
		.msg_name = &peer, .msg_namelen = sizeof(peer),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl, .msg_controllen = sizeof(ctl),
	};
	char tag[TAG_LEN];

	if (getsockname(fd, (struct sockaddr *)&local, &len))
		return;
	while (recvmsg(fd, &msg, 0) >= 0) {
		if (datagram_tag(&msg, port_of(&local), tag))
			return;
		/* msg_controllen is what was received: the one packet info */
		iov.iov_base = tag;
		iov.iov_len = strlen(tag);
		sendmsg(fd, &msg, 0);
		iov.iov_base = data;
		iov.iov_len = sizeof(data);
		msg.msg_namelen = sizeof(peer);
		msg.msg_controllen = sizeof(ctl);
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
	static const int families[] = { AF_INET, AF_INET6 };
	static struct server s;
	size_t f, k;
	int i, fd;

	for (f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
		for (k = 0; k < sizeof(tcp) / sizeof(tcp[0]); k++) {
			fd = server_listen(families[f], SOCK_STREAM, tcp[k]);
			if (fd < 0)
				_exit(1);
			server_add(&s, fd, 1);
		}
		for (k = 0; k < sizeof(udp) / sizeof(udp[0]); k++) {
			fd = server_listen(families[f], SOCK_DGRAM, udp[k]);
			if (fd < 0)
				_exit(1);
			server_add(&s, fd, 2);
		}
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

int tcp_open_from(enum ns ns, const char *src, int sport, const char *addr,
		  int port, int timeout_ms, char tag[TAG_LEN])
{
	struct sockaddr_storage sa, from;
	socklen_t len = sizeof(int), salen, fromlen;
	int fd, err = 0;

	salen = sockaddr(&sa, addr, port);
	fd = socket_in(ns, sa.ss_family, SOCK_STREAM);
	if (fd < 0)
		return fd;
	if (src) {
		fromlen = sockaddr(&from, src, sport);
		if (bind(fd, (struct sockaddr *)&from, fromlen)) {
			err = -errno;
			goto fail;
		}
	}
	if (connect(fd, (struct sockaddr *)&sa, salen)) {
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

int tcp_open(enum ns ns, const char *addr, int port, int timeout_ms,
	     char tag[TAG_LEN])
{
	return tcp_open_from(ns, NULL, 0, addr, port, timeout_ms, tag);
}

void close_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

int tcp_probe_from(enum ns ns, const char *src, int sport, const char *addr,
		   int port, int timeout_ms, char tag[TAG_LEN])
{
	int fd = tcp_open_from(ns, src, sport, addr, port, timeout_ms, tag);

	if (fd < 0)
		return fd;
	close_rst(fd);
	return 0;
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
	struct sockaddr_storage sa, any;
	socklen_t salen, anylen;
	ssize_t n;
	int fd, err = 0;

	salen = sockaddr(&sa, addr, port);
	fd = socket_in(ns, sa.ss_family, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	/* A fresh source port: a new conntrack flow every time. */
	anylen = sockaddr(&any, sa.ss_family == AF_INET6 ? "::" : "0.0.0.0",
			  next_udp_port++);
	if (bind(fd, (struct sockaddr *)&any, anylen)) {
		err = -errno;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, salen) ||
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
