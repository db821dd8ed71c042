// SPDX-License-Identifier: GPL-2.0-only
/*
 * The socket-LB (cvs_sock_attach) and its flow sweep (cvs_flows_sweep) on
 * the VM's kernel, Debian 12's 6.1: the host's tests run them on a newer
 * kernel only, and 6.1 has neither bpf_sock_destroy() nor, perhaps, socket
 * storage in sock_addr programs, so what libcvsbpf chooses there (the
 * programs' rodata switch, the sock_diag sweep) runs nowhere else.
 *
 * The programs go on a cgroup of our own (CGROUP below /sys/fs/cgroup,
 * which init mounts). The driver joins it for these checks, so the sockets
 * it creates in the client namespace are translated at connect() and
 * never reach cvs.ko as a VIP: the kernel's own view of a socket's peer
 * (/proc/net/{tcp,udp}{,6}) is the backend, getpeername() shows the VIP. A
 * holder process waits in the cgroup in the client namespace: that is how a
 * sweep given the cgroup finds the namespace to sweep. Each check has VIPs
 * of its own (192.0.2.30-35, 2001:db8::30-35), not in cvs.ko's checks.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

#define CGROUP_ROOT "/sys/fs/cgroup"
#define CGROUP CGROUP_ROOT "/cvs-vmtest"

static pid_t holder;		/* waits in CGROUP in the client namespace */
static bool attached;		/* socklb_attach passed */
static bool sweepable;		/* cvs_flows_status: a mechanism */

/* ---- libcvsbpf's log, kept while the programs load --------------------- */

static char *log_buf;
static size_t log_len, log_cap;

static void log_keep(int level, const char *msg, void *ctx)
{
	size_t n = strlen(msg) + 16;
	char *p;

	(void)ctx;
	if (show_dmesg)
		printf("  log %d: %s\n", level, msg);
	if (log_len + n + 1 > log_cap) {
		log_cap = (log_len + n + 1) * 2;
		p = realloc(log_buf, log_cap);
		if (!p)
			return;
		log_buf = p;
	}
	log_len += snprintf(log_buf + log_len, log_cap - log_len,
			    "  log %d: %s\n", level, msg);
}

/* Print what the library said (when show_dmesg did not already). */
static void log_print(void)
{
	if (log_buf && !show_dmesg)
		fputs(log_buf, stdout);
}

static void log_drop(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = log_cap = 0;
}

/* ---- the cgroup ------------------------------------------------------- */

static int cgroup_join(const char *cg, pid_t pid)
{
	char path[128], text[16];
	int fd, n, err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	n = snprintf(text, sizeof(text), "%d", (int)pid);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, text, n) != n)
		err = -errno;
	close(fd);
	return err;
}

/* ---- sockets ---------------------------------------------------------- */

static void addr_tag(const struct sockaddr_storage *ss, char tag[TAG_LEN])
{
	const struct sockaddr_in6 *s6 = (const void *)ss;
	const struct sockaddr_in *s4 = (const void *)ss;
	char text[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &s6->sin6_addr, text, sizeof(text));
		tag_of(tag, text, ntohs(s6->sin6_port));
	} else {
		inet_ntop(AF_INET, &s4->sin_addr, text, sizeof(text));
		tag_of(tag, text, ntohs(s4->sin_port));
	}
}

/* What getpeername() shows: the VIP, when the programs translated. */
static int peer_tag(int fd, char tag[TAG_LEN])
{
	struct sockaddr_storage ss = {};
	socklen_t len = sizeof(ss);

	if (getpeername(fd, (struct sockaddr *)&ss, &len))
		return -errno;
	addr_tag(&ss, tag);
	return 0;
}

/*
 * The kernel's own peer of fd, a socket of the client namespace: from
 * /proc/net, which no program rewrites; the line of fd's local port in
 * state 01 (established; a connected UDP socket's too).
 */
static int kernel_peer(int fd, int type, char tag[TAG_LEN])
{
	struct sockaddr_storage self = {}, peer = {};
	struct sockaddr_in6 *p6 = (void *)&peer;
	struct sockaddr_in *p4 = (void *)&peer;
	socklen_t len = sizeof(self);
	char path[32], *text, *line, *next;
	char local[40], remote[40];
	unsigned int lport, rport, state, port;
	int err = -ENOENT, i;

	if (getsockname(fd, (struct sockaddr *)&self, &len))
		return -errno;
	port = ntohs(((struct sockaddr_in *)&self)->sin_port);
	snprintf(path, sizeof(path), "/proc/net/%s%s",
		 type == SOCK_STREAM ? "tcp" : "udp",
		 self.ss_family == AF_INET6 ? "6" : "");
	text = read_file_in(NS_CLI, path);
	if (!text)
		return -EIO;
	for (line = strchr(text, '\n'); line && err; line = next) {
		next = strchr(++line, '\n');
		if (sscanf(line, " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x",
			   local, &lport, remote, &rport, &state) != 5 ||
		    lport != port || state != 1)
			continue;
		peer.ss_family = self.ss_family;
		if (self.ss_family == AF_INET6 && strlen(remote) == 32) {
			for (i = 3; i >= 0; i--) {
				remote[8 * (i + 1)] = '\0';
				p6->sin6_addr.s6_addr32[i] =
					strtoul(remote + 8 * i, NULL, 16);
			}
			p6->sin6_port = htons(rport);
		} else {
			p4->sin_addr.s_addr = strtoul(remote, NULL, 16);
			p4->sin_port = htons(rport);
		}
		addr_tag(&peer, tag);
		err = 0;
	}
	free(text);
	return err;
}

static socklen_t sockaddr_of(struct sockaddr_storage *ss, const char *addr,
			     int port)
{
	struct sockaddr_in6 *s6 = (void *)ss;
	struct sockaddr_in *s4 = (void *)ss;

	memset(ss, 0, sizeof(*ss));
	if (strchr(addr, ':')) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		inet_pton(AF_INET6, addr, &s6->sin6_addr);
		return sizeof(*s6);
	}
	s4->sin_family = AF_INET;
	s4->sin_port = htons(port);
	inet_pton(AF_INET, addr, &s4->sin_addr);
	return sizeof(*s4);
}

/* A UDP socket of the client namespace connected to addr:port. */
static int udp_connect(const char *addr, int port)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(&ss, addr, port);
	int fd, err;

	fd = socket_in(NS_CLI, ss.ss_family, SOCK_DGRAM);
	if (fd < 0)
		return fd;
	if (connect(fd, (struct sockaddr *)&ss, len)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/*
 * One datagram on connected fd and the tag back: 0, or -errno of the send
 * (in *send_err; 0 when it went) or of the receive.
 */
static int udp_ask(int fd, char tag[TAG_LEN], int *send_err)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	ssize_t n;

	*send_err = send(fd, "?", 1, 0) == 1 ? 0 : -errno;
	if (poll(&p, 1, TIMEOUT_MS) == 0)
		return *send_err ?: -ETIMEDOUT;
	n = recv(fd, tag, TAG_LEN - 1, 0);
	if (n < 0)
		return -errno;
	tag[n] = '\0';
	return *send_err;
}

static const char *err_str(int err)
{
	return err ? strerror(-err) : "no error";
}

/* ---- the checks ------------------------------------------------------- */

/* The VIP of a socket-LB check: host part last in f's family. */
static int sweep(const struct cvs_service_key *reset, __u32 n,
		 struct cvs_flow_count *out, __u32 *count)
{
	return cvs_flows_sweep(maps, CGROUP, reset, n, out, 8, count);
}

/*
 * Attach to a cgroup of our own, join it, and start the holder. On
 * failure, what libcvsbpf said (the verifier's log among it) is printed.
 */
void check_socklb_attach(void)
{
	const char *name = "socklb_attach";
	struct cvs_sock_status st;
	char root[64];
	struct stat sb;
	int err, ready[2];
	char c;

	err = cvs_cgroup_default(root, sizeof(root));
	if (err || strcmp(root, CGROUP_ROOT))
		return fail(name, "cgroup v2 root: %s %s", err_str(err),
			    err ? "" : root);
	if (mkdir(CGROUP, 0755) && errno != EEXIST)
		return fail(name, "mkdir " CGROUP ": %s", strerror(errno));
	cvs_set_log(log_keep, NULL);
	err = cvs_sock_attach(maps, CGROUP);
	cvs_set_log(NULL, NULL);
	if (err) {
		log_print();
		log_drop();
		return fail(name, "cvs_sock_attach: %s (the log above)",
			    strerror(-err));
	}
	log_drop();
	err = cvs_sock_status(maps, &st);
	if (err || stat(CGROUP, &sb))
		return fail(name, "status: %s", err_str(err));
	if (st.attached != CVS_SOCK_PROGS || st.cgroup_id != sb.st_ino)
		return fail(name, "%u of %d programs attached, to cgroup %llu; " CGROUP " is %llu",
			    st.attached, CVS_SOCK_PROGS,
			    (unsigned long long)st.cgroup_id,
			    (unsigned long long)sb.st_ino);
	if (pipe(ready))
		return fail(name, "pipe: %s", strerror(errno));
	holder = fork();
	if (holder == 0) {
		close(ready[0]);
		if (!cgroup_join(CGROUP, getpid()) && !ns_stay(NS_CLI))
			(void)!write(ready[1], "1", 1);
		close(ready[1]);
		for (;;)
			pause();
	}
	close(ready[1]);
	err = holder < 0 || read(ready[0], &c, 1) != 1;
	close(ready[0]);
	if (err)
		return fail(name, "the holder did not join " CGROUP);
	err = cgroup_join(CGROUP, getpid());
	if (err)
		return fail(name, "joining " CGROUP ": %s", strerror(-err));
	attached = true;
	printf("  %u programs on " CGROUP " (cgroup id %llu)\n", st.attached,
	       (unsigned long long)st.cgroup_id);
	pass(name);
}

/* What this kernel offers for sweeps, and why. */
void check_socklb_flows_status(void)
{
	static const char *const mech[] = { "none", "bpf_iter", "netlink" };
	const char *name = "socklb_flows_status";
	struct cvs_flows_status st;
	int err;

	err = cvs_flows_status(maps, &st);
	if (err)
		return fail(name, "%s", strerror(-err));
	printf("  mechanism %s, reverse mapping %s, module sweep %u\n",
	       st.mechanism < ARRAY_LEN(mech) ? mech[st.mechanism] : "?",
	       st.reverse == CVS_REVERSE_SOCKET ? "socket storage" : "LRU tables",
	       st.module_sweep);
	sweepable = st.mechanism != CVS_FLOWS_NONE;
	/* 6.1 has no bpf_sock_destroy; Debian's has INET_DIAG_DESTROY. */
	if (st.mechanism != CVS_FLOWS_NETLINK)
		return fail(name, "mechanism %u, expected netlink (sock_diag SOCK_DESTROY)",
			    st.mechanism);
	pass(name);
}

/*
 * A TCP connection and a connected UDP socket to a VIP reach a backend:
 * the kernel's peer is the backend, getpeername() shows the VIP.
 */
void check_socklb_connect(const struct fam *f)
{
	const struct cvs_backend_spec web[] = {
		backend(f->be[0], 8080, 1), backend(f->be[1], 8080, 1),
	};
	const struct cvs_backend_spec dns[] = {
		backend(f->be[0], 5353, 1), backend(f->be[1], 5353, 1),
	};
	char name[NAME_LEN], vip[64], tag[TAG_LEN], peer[TAG_LEN];
	char real[TAG_LEN], want[TAG_LEN];
	int fd, err, send_err;

	check_name(name, "socklb_connect", f);
	if (!attached)
		return fail(name, "not attached");
	flow_vip(f, 30, vip);
	err = upsert(vip, 80, IPPROTO_TCP, web, 2) ?:
	      upsert(vip, 53, IPPROTO_UDP, dns, 2);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));

	fd = tcp_open(NS_CLI, vip, 80, TIMEOUT_MS, tag);
	if (fd < 0)
		return fail(name, "TCP connect: %s", strerror(-fd));
	tag_of(want, vip, 80);
	err = peer_tag(fd, peer) ?: kernel_peer(fd, SOCK_STREAM, real);
	err = err ?: tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (err)
		return fail(name, "TCP to %s: %s", tag, strerror(-err));
	if ((strcmp(tag, f->web[0]) && strcmp(tag, f->web[1])) ||
	    strcmp(real, tag) || strcmp(peer, want))
		return fail(name, "TCP: answered by %s, kernel peer %s, getpeername %s (expected a web backend, it, and %s)",
			    tag, real, peer, want);
	printf("  TCP %s: kernel peer %s, getpeername %s\n", vip, real, peer);

	fd = udp_connect(vip, 53);
	if (fd < 0)
		return fail(name, "UDP connect: %s", strerror(-fd));
	tag_of(want, vip, 53);
	err = udp_ask(fd, tag, &send_err) ?: peer_tag(fd, peer) ?:
	      kernel_peer(fd, SOCK_DGRAM, real);
	close(fd);
	if (err)
		return fail(name, "UDP: %s", strerror(-err));
	if ((strcmp(tag, f->dns[0]) && strcmp(tag, f->dns[1])) ||
	    strcmp(real, tag) || strcmp(peer, want))
		return fail(name, "UDP: answered by %s, kernel peer %s, getpeername %s (expected a dns backend, it, and %s)",
			    tag, real, peer, want);
	printf("  UDP %s: kernel peer %s, getpeername %s\n", vip, real, peer);
	pass(name);
}

/* Which of f's two dns backends tag is: 0 or 1, -1 for neither. */
/*
 * A connected UDP socket to a VIP of two backends; the one it reached is
 * removed (drain: weight 0) and the cgroup swept. Removed: the socket is
 * ended, its next send or receive fails, the counts are the one pair.
 * Drained: nothing is ended, the socket still talks to its backend.
 */
static void check_socklb_sweep_udp(const struct fam *f, const char *base,
				   int last, bool drain)
{
	const struct cvs_backend_spec both[] = {
		backend(f->be[0], 5353, 1), backend(f->be[1], 5353, 1),
	};
	struct cvs_backend_spec changed[2];
	char name[NAME_LEN], vip[64], tag[TAG_LEN], old[TAG_LEN];
	char why[TALLY_STR];
	struct cvs_flow_count out[8];
	struct cvs_service_key key;
	int fd, which, err, send_err;
	__u32 count;

	check_name(name, base, f);
	if (!attached || !sweepable)
		return fail(name, "no socket-LB or no sweep mechanism here");
	flow_vip(f, last, vip);
	key = svc_key(vip, 53, IPPROTO_UDP);
	err = upsert(vip, 53, IPPROTO_UDP, both, 2);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	fd = udp_connect(vip, 53);
	if (fd < 0)
		return fail(name, "UDP connect: %s", strerror(-fd));
	err = udp_ask(fd, old, &send_err);
	which = err ? -1 : dns_index(f, old);
	if (which < 0) {
		close(fd);
		return fail(name, "the socket reached %s",
			    err ? strerror(-err) : old);
	}
	memcpy(changed, both, sizeof(both));
	if (drain)
		changed[which].weight = 0;
	else
		changed[0] = both[!which];
	err = upsert(vip, 53, IPPROTO_UDP, changed, drain ? 2 : 1) ?:
	      sweep(NULL, 0, out, &count);
	if (err) {
		close(fd);
		return fail(name, "writing or sweeping: %s", strerror(-err));
	}
	err = udp_ask(fd, tag, &send_err);
	close(fd);
	if (drain) {
		if (count || err || strcmp(tag, old))
			return fail(name, "drained %s: %u pairs ended; then %s",
				    old, count, err ? strerror(-err) : tag);
		printf("  drained %s: kept, still answers\n", old);
		return pass(name);
	}
	if (!counted_one(out, count, &key, f->be[which], 5353, 0, 1, why))
		return fail(name, "%s", why);
	if (!err)
		return fail(name, "the socket to %s still answers (%s)", old,
			    tag);
	printf("  removed %s: the socket's send %s, receive %s\n", old,
	       err_str(send_err), err_str(err));
	err = sweep(NULL, 0, out, &count);
	if (err || count)
		return fail(name, "sweeping again: %s, %u pairs", err_str(err),
			    count);
	pass(name);
}

void check_socklb_sweep_removed(const struct fam *f)
{
	check_socklb_sweep_udp(f, "socklb_sweep_udp_removed", 31, false);
}

void check_socklb_sweep_draining(const struct fam *f)
{
	check_socklb_sweep_udp(f, "socklb_sweep_udp_draining_kept", 32, true);
}

/*
 * A TCP connection to a removed backend survives a sweep that does not
 * list its service, and is ended (reset) by one that does.
 */
void check_socklb_sweep_tcp(const struct fam *f)
{
	const struct cvs_backend_spec both[] = {
		backend(f->be[0], 8080, 1), backend(f->be[1], 8080, 1),
	};
	char name[NAME_LEN], vip[64], tag[TAG_LEN], why[TALLY_STR];
	struct cvs_flow_count out[8];
	struct cvs_service_key key;
	int fd, which, err, echo;
	__u32 count;

	check_name(name, "socklb_sweep_tcp_only_listed", f);
	if (!attached || !sweepable)
		return fail(name, "no socket-LB or no sweep mechanism here");
	flow_vip(f, 33, vip);
	key = svc_key(vip, 80, IPPROTO_TCP);
	err = upsert(vip, 80, IPPROTO_TCP, both, 2);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	fd = tcp_open(NS_CLI, vip, 80, TIMEOUT_MS, tag);
	if (fd < 0)
		return fail(name, "connecting: %s", strerror(-fd));
	which = !strcmp(tag, f->web[1]);
	if (!which && strcmp(tag, f->web[0])) {
		close(fd);
		return fail(name, "the connection reached %s", tag);
	}
	err = upsert(vip, 80, IPPROTO_TCP, &both[!which], 1) ?:
	      sweep(NULL, 0, out, &count);
	echo = err ?: tcp_echo(fd, TIMEOUT_MS);
	if (err || count || echo) {
		close(fd);
		return fail(name, "unlisted: %s, %u pairs ended, echo %s",
			    err_str(err), count, err_str(echo));
	}
	err = sweep(&key, 1, out, &count);
	echo = err ?: tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (err)
		return fail(name, "listed: %s", strerror(-err));
	if (!counted_one(out, count, &key, f->be[which], 8080, 1, 0, why))
		return fail(name, "listed: %s", why);
	if (!echo)
		return fail(name, "listed: the connection to %s still echoes",
			    tag);
	printf("  %s: kept by a sweep without it, then %s\n", tag,
	       strerror(-echo));
	err = sweep(&key, 1, out, &count);
	if (err || count)
		return fail(name, "sweeping again: %s, %u pairs", err_str(err),
			    count);
	pass(name);
}

/* Leave the cgroup, detach, and remove the cgroup and the services. */
void check_socklb_detach(void)
{
	const char *name = "socklb_detach";
	static const int lasts[] = { 30, 31, 32, 33 };
	static const struct fam *const fams[] = { &v4, &v6 };
	struct cvs_service_key k;
	struct cvs_sock_status st = {};
	char vip[64];
	size_t i, j;
	int err;

	err = cgroup_join(CGROUP_ROOT, getpid());
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
		holder = 0;
	}
	err = err ?: cvs_sock_detach(maps) ?: cvs_sock_status(maps, &st);
	if (!err && rmdir(CGROUP))
		err = -errno;
	for (i = 0; i < ARRAY_LEN(fams); i++) {
		for (j = 0; j < ARRAY_LEN(lasts); j++) {
			flow_vip(fams[i], lasts[j], vip);
			k = svc_key(vip, 80, IPPROTO_TCP);
			cvs_service_delete(maps, &k);
			k = svc_key(vip, 53, IPPROTO_UDP);
			cvs_service_delete(maps, &k);
		}
	}
	attached = false;
	if (err)
		return fail(name, "%s", strerror(-err));
	if (st.attached)
		return fail(name, "%u programs still attached", st.attached);
	pass(name);
}
