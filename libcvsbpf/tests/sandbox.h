/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sandbox.h - the network the socket-LB tests run in, built and torn down by
 * the test itself (docs/testing.md, safety rules):
 *
 *   client netns  cvst<pid>c   vb<i> 10.77.<i>.1/24, no default route
 *   backend netns cvst<pid>b<i> eth0 10.77.<i>.2/24, i = 1..SANDBOX_BACKENDS
 *
 * Each backend runs, in a thread of this process that entered its netns, a
 * TCP server on SANDBOX_PORT that greets every connection with its name
 * ("b1\n") and then echoes, and a UDP server on the same port that answers
 * every datagram with its name. The calling thread moves into the client
 * netns, and the whole process into a cgroup v2 of its own below the host's
 * cgroup v2 root, where the tests attach the programs. A VIP that is not
 * translated has no route there, so it fails locally and never leaves.
 */
#ifndef CVS_SANDBOX_H
#define CVS_SANDBOX_H

#include <limits.h>
#include <netinet/in.h>
#include <linux/types.h>

#define SANDBOX_BACKENDS 4
#define SANDBOX_PORT 8080

struct sandbox {
	char cgroup[PATH_MAX];		/* the test cgroup */
	char home_cgroup[PATH_MAX];	/* where the process came from */
	int host_netns;			/* fd: this thread's netns before */
};

/* 0, or -errno / -1 with a message printed; undoes itself on failure. */
int sandbox_up(struct sandbox *sb);
void sandbox_down(struct sandbox *sb);

/* Backend i (1-based) as the maps name it. */
__be32 sandbox_backend_addr(int i);

/* Which backend answered: 1..SANDBOX_BACKENDS, 0 on a bad greeting. */
int sandbox_backend_of(const char *greeting);

/*
 * Client side, in the client netns and the test cgroup. Each returns the
 * backend index that answered, or -errno of the failing call.
 */
int tcp_connect(__be32 addr, __u16 port, int *fd_out);
int tcp_hello(__be32 addr, __u16 port);		/* connect, greet, close */
int tcp_echo(int fd);				/* 0 when "ping" comes back */
int udp_ask_connected(__be32 addr, __u16 port, struct sockaddr_in *peer);
int udp_ask_unconnected(__be32 addr, __u16 port, struct sockaddr_in *from);

#endif /* CVS_SANDBOX_H */
