/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vmtest.h - the VM test driver of cvs.ko: network namespaces, a tagging
 * echo server, TCP and UDP probes, and the PASS/FAIL reporting.
 *
 * Topology (inside the VM only; the VM has no network card), the same in
 * both families:
 *
 *   cli ns  10.2.0.2 --veth-- 10.2.0.1  root ns  10.1.0.1 --veth-- 10.1.0.2  srv ns
 *          fd00:2::2         fd00:2::1 (forwards) fd00:1::1       fd00:1::2
 *          10.2.0.3, fd00:2::3                          10.1.0.11-14, fd00:1::11-14
 *          (a second client,                                      (backends)
 *           only when bound)
 *   routes: cli 192.0.2.0/24, 10.1.0.0/24, 2001:db8::/64 and fd00:1::/64
 *               via root (no default route in either family)
 *           root 192.0.2.0/24 and 2001:db8::/64 via srv
 *           srv 10.2.0.0/24 and fd00:2::/64 via root;
 *               local 192.0.2.0/24 and 2001:db8::/64 on lo
 *   VIPs are in the documentation ranges 192.0.2.0/24 and 2001:db8::/32.
 *
 * srv answers on every address it has: a TCP connection gets the address
 * and port it reached as its first line ("10.1.0.12:8080\n" or
 * "[fd00:1::12]:8080\n", the tag) and then an echo; a UDP datagram gets the
 * tag back. A VIP that cvs.ko did not translate reaches srv unchanged (the
 * VIP ranges are local there), so its tag is the VIP itself: "untouched" is
 * an answer, never a timeout.
 */
#ifndef CVS_VMTEST_H
#define CVS_VMTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <netinet/in.h>

#define TAG_LEN 64	/* "[" INET6_ADDRSTRLEN "]:65535" */

/* Ports srv listens on. */
#define TCP_PORTS { 80, 8080, 9090 }
#define UDP_PORTS { 53, 5353 }

enum ns { NS_ROOT, NS_SRV, NS_CLI, NS_COUNT, NS_MAX = 16 };

/* Build the topology and start srv; 0 or -errno. */
int net_setup(void);
void net_teardown(void);

/* Open /run/netns/name as a further namespace; its index or -errno. */
int ns_add(const char *name);
/* sh() inside ns. */
int sh_in(enum ns ns, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Move the process to ns (the probes' default stays where it is). */
int ns_stay(enum ns ns);
/* A socket of family created in ns; -errno on failure. */
int socket_in(enum ns ns, int family, int type);
/* Read a file as seen from ns (for /proc/net/...); malloc'd, NULL on error. */
char *read_file_in(enum ns ns, const char *path);

/* The tag srv answers with at addr:port (addr in either family's text). */
void tag_of(char tag[TAG_LEN], const char *addr, int port);

/*
 * Connect from ns to addr:port (IPv4 or IPv6 text) and read the tag. Returns the connected
 * socket (the caller closes it) or -errno: -ETIMEDOUT when nothing answered
 * within timeout_ms, -ECONNREFUSED when refused.
 */
int tcp_open(enum ns ns, const char *addr, int port, int timeout_ms,
	     char tag[TAG_LEN]);
/* tcp_open from src:sport (sport 0: any), src in addr's family. */
int tcp_open_from(enum ns ns, const char *src, int sport, const char *addr,
		  int port, int timeout_ms, char tag[TAG_LEN]);
/* Close with a reset (SO_LINGER 0): no TIME_WAIT holds the source port,
 * so the same 5-tuple can connect again at once. */
void close_rst(int fd);
/* tcp_open_from and close_rst. */
int tcp_probe_from(enum ns ns, const char *src, int sport, const char *addr,
		   int port, int timeout_ms, char tag[TAG_LEN]);
/* tcp_open and close: 0 or -errno. */
int tcp_probe(enum ns ns, const char *addr, int port, int timeout_ms,
	      char tag[TAG_LEN]);
/* Send a line on an open connection and expect it echoed; 0 or -errno. */
int tcp_echo(int fd, int timeout_ms);
/* One datagram from a fresh source port, the tag back; 0 or -errno. */
int udp_probe(enum ns ns, const char *addr, int port, int timeout_ms,
	      char tag[TAG_LEN]);

/* bench.c: the connection-rate benchmark (argument "bench"), with the
 * service counts up to max_services (at least the smallest). */
int bench_main(int rounds, int conns, int max_services);

/* Reporting: check_start() begins the check that pass() times. */
void check_start(void);
void pass(const char *name);
void fail(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int failures(void);
int passes(void);
long now_ms(void);
void sleep_ms(int ms);
/* Run a shell command, quietly unless it fails; its exit status. */
int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* CVS_VMTEST_H */
