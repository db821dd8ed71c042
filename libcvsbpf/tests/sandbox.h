/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * sandbox.h - the network the socket-LB tests run in, built and torn down by
 * the test itself (docs/testing.md, safety rules):
 *
 *   client netns  cvst<pid>c   vb<i> 10.77.<i>.1/24 and fd00:77:<i>::1/64,
 *                              no default route in either family
 *   backend netns cvst<pid>b<i> eth0 10.77.<i>.2/24 and fd00:77:<i>::2/64,
 *                              i = 1..SANDBOX_BACKENDS
 * (IPv6 addresses with nodad, so they serve at once.)
 *
 * Each backend runs, in a thread of this process that entered its netns, a
 * dual-stack TCP server on SANDBOX_PORT that greets every connection with its name
 * ("b1\n") and then echoes, and a UDP server on the same port that answers
 * every datagram with its name, for both families. The calling thread moves into the client
 * netns, and the whole process into a cgroup v2 of its own below the host's
 * cgroup v2 root, where the tests attach the programs. A VIP that is not
 * translated has no route there, so it fails locally and never leaves.
 */
#ifndef CVS_SANDBOX_H
#define CVS_SANDBOX_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <linux/types.h>

#define SANDBOX_BACKENDS 4
#define SANDBOX_PORT 8080
#define SANDBOX_CLIENTS 8	/* extra client namespaces, at most */

struct sandbox {
	char cgroup[PATH_MAX];		/* the test cgroup */
	char home_cgroup[PATH_MAX];	/* where the process came from */
	int host_netns;			/* fd: this thread's netns before */
};

/* 0, or -errno / -1 with a message printed; undoes itself on failure. */
int sandbox_up(struct sandbox *sb);
void sandbox_down(struct sandbox *sb);

/* A destination or source of either family. */
struct sandbox_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		struct sockaddr_storage ss;
	};
	socklen_t len;
};

struct sandbox_addr sandbox_addr4(__be32 addr, __u16 port);
/* text is an IPv6 address (also ::ffff:a.b.c.d); len 0 when it is not. */
struct sandbox_addr sandbox_addr6(const char *text, __u16 port);
/* "1.2.3.4:80" or "[2001:db8::1]:80", for messages. */
const char *sandbox_addr_str(const struct sandbox_addr *a, char *buf,
			     size_t len);

struct cvs_service_key;
/* Where a client sends to reach service k: its VIP, or ::ffff:<VIP> when
 * mapped (an IPv6 socket addressing an IPv4 VIP). */
struct sandbox_addr sandbox_dest(const struct cvs_service_key *k,
				 bool mapped);

/* Backend i (1-based) as the maps name it: IPv4, and IPv6 with port. */
__be32 sandbox_backend_addr(int i);
struct sandbox_addr sandbox_backend_addr6(int i, __u16 port);

/*
 * Extra client namespaces cvst<pid>x<k>, k = 1..n (<= SANDBOX_CLIENTS),
 * each with 10.78.<k>.2/24 behind the first client namespace, which
 * forwards to the backends (routes to 10.77/16 and 10.78/16 only, no
 * default route). Removed by sandbox_down(). Client 0 is the first.
 */
int sandbox_clients_up(int n);
__be32 sandbox_client_addr(int k);
/* Move the calling thread into client namespace k (0: the first). */
int sandbox_enter_client(int k);

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

/* The same for a destination of either family; an AF_INET6 one may be an
 * IPv4 address as ::ffff:a.b.c.d (the socket is then dual-stack). */
int tcp_connect_to(const struct sandbox_addr *to, int *fd_out);
int tcp_hello_to(const struct sandbox_addr *to);
int udp_ask_connected_to(const struct sandbox_addr *to,
			 struct sandbox_addr *peer);
int udp_ask_unconnected_to(const struct sandbox_addr *to,
			   struct sandbox_addr *from);

/* Connect to `to` until backend `which` answers, at most tries times: the
 * open connection, or -ENOENT when it never answered, or a failure. */
int tcp_hold_to(const struct sandbox_addr *to, int which, int tries);
/* Connect tries times: 0 when each reached a backend other than `which`,
 * else that backend's index or the failure. */
int tcp_avoids(const struct sandbox_addr *to, int which, int tries);

#endif /* CVS_SANDBOX_H */
