// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Connection rate through the socket-LB datapath beside direct connections
 * and the two kube-proxy datapaths, with the same services configured in each:
 *
 *   direct  connect() to the backend addresses in turn; nothing translates
 *   cvs     connect() to the VIP, rewritten by cvs_sock.bpf.c's connect4
 *   nft     connect() to the VIP, DNAT through an nftables verdict map, as
 *           kube-proxy's nftables mode: services vmap -> service chain
 *           (numgen vmap) -> endpoint chain (dnat)
 *   ipt     connect() to the VIP, DNAT through iptables chains, as
 *           kube-proxy's iptables mode: KUBE-SERVICES (one rule per service)
 *           -> KUBE-SVC-* (-m statistic per backend) -> KUBE-SEP-* (DNAT)
 *
 * and the same in IPv6, in the same rounds, so both families are measured
 * under the same conditions and each against its own direct:
 *
 *   direct6 connect() to the IPv6 backend addresses in turn
 *   cvs6    connect() to the IPv6 VIP, rewritten by connect6
 *   nft6    connect() to the IPv6 VIP through kube-proxy's ip6 table
 *
 * cvs holds both families' services in one map set, as a dual-stack node
 * does; the nftables peer has both tables, ip and ip6.
 *
 * With --policies, IPv4 also measures the selection policies, each on a
 * service of its own configured after the others (cvs is RANDOM):
 *
 *   cvs-aff     CLIENT_IP affinity (3600 s): after the first connection a
 *               hit in the affinity map, refreshed at each connect
 *   cvs-maglev  MAGLEV (the set's default table size, 16381): the flow
 *               hash of the client into the service's Maglev table
 *
 * One client thread loops socket, connect, close, with SO_LINGER 0 so close
 * sends RST and neither side keeps TIME_WAIT; a server thread in the backend
 * namespace accepts and closes. A measurement ends when the server has
 * accepted every connection, so accept is in the rate. The connections go to
 * the last service configured, whose rule is the last of KUBE-SERVICES: the
 * worst case for iptables, the same case for the others.
 *
 *   socklb_bench rules nft|nft6|iptables SERVICES   print the peer's rule set
 *   socklb_bench measure OPTIONS                    measure (root)
 *
 * measure prints, one line each:
 *   socklb-upsert <services> <seconds>            configuring cvs, IPv4
 *   socklb-upsert6 <services> <seconds>           and IPv6
 *   socklb <mode> <services> <round> <conn_per_s> <us_per_conn>
 *   socklb-check <mode>-conns <expected> <counted>  a cvs mode's service's
 *                                                  own counters
 * The network namespaces are the caller's (scripts/bench-socklb); measure
 * creates and removes its map set and its cgroup, also when interrupted.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cgroup_util.h"
#include "cvsbpf.h"

/*
 * The service set, one definition for cvs and the peers: service i of IPv4
 * is 198.51.100.(1 + i / 200) port 1000 + i % 200, TCP, with the three IPv4
 * backends below; service i of IPv6 is 2001:db8:100::(1 + i / 200) on the
 * same port, with the three IPv6 backends. Several ports per VIP keep 30,000
 * services inside 198.51.100.0/24, and the two families' sets alike, so any
 * difference between them is the family's.
 */
#define SVC_PER_VIP	200
#define SVC_MAX		(254 * SVC_PER_VIP)
#define SVC_PORT0	1000
#define VIP_NET		0xc6336400	/* 198.51.100.0 */
#define VIP6_NET0	0x20010db8	/* 2001:db8:100::, first word */
#define VIP6_NET1	0x01000000	/* and second */
#define BACKENDS	3
#define BACKEND_PORT	8080
static const char *const backend_addr[BACKENDS] = {
	"10.201.0.2", "10.201.0.3", "10.201.0.4",
};
static const char *const backend_addr6[BACKENDS] = {
	"fd00:201::2", "fd00:201::3", "fd00:201::4",
};

/*
 * Room in the accept queue for a whole measurement at the default count
 * (22,000 with the warm-up), with the backend namespace's somaxconn raised
 * to match (scripts/bench-socklb): the client never waits for the server
 * anyway, as the server's accepts are awaited at the end. With 4096, a
 * server thread kept off its CPU for a quarter second by other work on the
 * host let the queue fill, the listener dropped a SYN (ListenOverflows), and
 * the retransmission came too late for the connect.
 */
#define LISTEN_BACKLOG	65535
#define MEASURE_LIMIT_S	120.0	/* one measurement, connections and accepts */

static volatile sig_atomic_t stop;
static atomic_ulong accepted;

static struct cvs_service_key service_key(int family, __u32 i)
{
	__u32 host = 1 + i / SVC_PER_VIP;

	return (struct cvs_service_key){
		.addr = { family == AF_INET ? htonl(VIP_NET + host) :
					      htonl(VIP6_NET0),
			  family == AF_INET ? 0 : htonl(VIP6_NET1),
			  0,
			  family == AF_INET ? 0 : htonl(host) },
		.port = htons(SVC_PORT0 + i % SVC_PER_VIP),
		.proto = IPPROTO_TCP,
		.family = family,
	};
}

/* Backend b of family, as the API and struct sockaddr want it. */
static void backend_ip(int family, int b, __be32 addr[4])
{
	memset(addr, 0, 4 * sizeof(addr[0]));
	inet_pton(family, family == AF_INET ? backend_addr[b] :
					      backend_addr6[b], addr);
}

/* buf: INET6_ADDRSTRLEN */
static const char *ip_text(int family, const __be32 addr[4], char *buf)
{
	return inet_ntop(family, addr, buf, INET6_ADDRSTRLEN);
}

static const char *vip_text(const struct cvs_service_key *key, char *buf)
{
	return ip_text(key->family, key->addr, buf);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * kube-proxy's nftables mode, without its masquerade marking, but for one
 * thing: a service chain picks its endpoint chain with a cascade of numgen
 * rules (1/3, then 1/2 of the rest, then the rest), as iptables does, where
 * kube-proxy uses an anonymous "numgen random mod 3 vmap". On kernel 6.18
 * every goto added walks every set of the table, so 30,000 anonymous maps
 * took over 4 minutes to load; without them 30,000 services load in seconds.
 * Per packet the difference is two numgen rules against one 3-element map.
 *
 * For IPv6 kube-proxy writes the same into a table of family ip6, matching
 * "ip6 daddr" and dnat to "[address]:port".
 */
static void print_nft(int family, __u32 n)
{
	bool v6 = family == AF_INET6;
	char vip[INET6_ADDRSTRLEN];
	struct cvs_service_key key;
	__u32 i, b;

	printf("table %s kube-proxy {\n", v6 ? "ip6" : "ip");
	for (i = 0; i < n; i++) {
		for (b = 0; b < BACKENDS; b++)
			printf("\tchain endpoint-%u-%u {\n"
			       "\t\tmeta l4proto tcp dnat to %s%s%s:%u\n\t}\n",
			       i, b, v6 ? "[" : "",
			       v6 ? backend_addr6[b] : backend_addr[b],
			       v6 ? "]" : "", BACKEND_PORT);
		printf("\tchain service-%u {\n", i);
		for (b = 0; b + 1 < BACKENDS; b++)
			printf("\t\tnumgen random mod %u 0 goto endpoint-%u-%u\n",
			       BACKENDS - b, i, b);
		printf("\t\tgoto endpoint-%u-%u\n\t}\n", i, b);
	}
	printf("\tmap service-ips {\n"
	       "\t\ttype %s . inet_proto . inet_service : verdict\n"
	       "\t\telements = {\n", v6 ? "ipv6_addr" : "ipv4_addr");
	for (i = 0; i < n; i++) {
		key = service_key(family, i);
		printf("\t\t\t%s . tcp . %u : goto service-%u%s\n",
		       vip_text(&key, vip), ntohs(key.port), i,
		       i + 1 < n ? "," : "");
	}
	printf("\t\t}\n\t}\n"
	       "\tchain services {\n"
	       "\t\t%s daddr . meta l4proto . th dport vmap @service-ips\n"
	       "\t}\n"
	       "\tchain nat-output {\n"
	       "\t\ttype nat hook output priority -100; policy accept;\n"
	       "\t\tjump services\n"
	       "\t}\n"
	       "}\n", v6 ? "ip6" : "ip");
}

/*
 * kube-proxy's iptables mode (iptables-restore input), without its
 * masquerade marking and NodePort rules. Rule i of KUBE-SERVICES is service
 * i, so the measured service is matched last.
 */
static void print_iptables(__u32 n)
{
	char vip[INET6_ADDRSTRLEN];
	struct cvs_service_key key;
	__u32 i, b;

	printf("*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
	       ":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
	       ":KUBE-SERVICES - [0:0]\n");
	for (i = 0; i < n; i++) {
		printf(":KUBE-SVC-%05u - [0:0]\n", i);
		for (b = 0; b < BACKENDS; b++)
			printf(":KUBE-SEP-%05u-%u - [0:0]\n", i, b);
	}
	printf("-A OUTPUT -m comment --comment \"kubernetes service portals\""
	       " -j KUBE-SERVICES\n");
	for (i = 0; i < n; i++) {
		key = service_key(AF_INET, i);
		printf("-A KUBE-SERVICES -d %s/32 -p tcp -m comment --comment "
		       "\"bench/svc-%u:p%u cluster IP\" -m tcp --dport %u "
		       "-j KUBE-SVC-%05u\n", vip_text(&key, vip), i,
		       ntohs(key.port), ntohs(key.port), i);
	}
	for (i = 0; i < n; i++) {
		for (b = 0; b < BACKENDS; b++) {
			printf("-A KUBE-SVC-%05u", i);
			/* 1/3, then 1/2 of the rest, then the rest */
			if (b + 1 < BACKENDS)
				printf(" -m statistic --mode random "
				       "--probability %.11f", 1.0 / (BACKENDS - b));
			printf(" -j KUBE-SEP-%05u-%u\n", i, b);
			printf("-A KUBE-SEP-%05u-%u -p tcp -m tcp -j DNAT "
			       "--to-destination %s:%u\n", i, b,
			       backend_addr[b], BACKEND_PORT);
		}
	}
	printf("COMMIT\n");
}

static int rules_main(int argc, char **argv)
{
	long n = argc == 4 ? atol(argv[3]) : 0;

	if (n < 1 || n > SVC_MAX) {
		fprintf(stderr, "usage: %s rules nft|nft6|iptables SERVICES "
			"(1..%d)\n", argv[0], SVC_MAX);
		return 2;
	}
	if (!strcmp(argv[2], "nft"))
		print_nft(AF_INET, n);
	else if (!strcmp(argv[2], "nft6"))
		print_nft(AF_INET6, n);
	else if (!strcmp(argv[2], "iptables"))
		print_iptables(n);
	else
		return 2;
	return fflush(stdout) ? 1 : 0;
}

/*
 * Client on the first CPU, server on the last: on 2 vCPUs a free choice
 * by the scheduler made the rate jump between two levels ~30% apart.
 */
static void pin_to_cpu(bool last)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(last ? n - 1 : 0, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* The accept-and-close server; counts what it accepted. */
static void *serve(void *arg)
{
	int lfd = *(int *)arg, fd;

	pin_to_cpu(true);
	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0) {
			close(fd);
			atomic_fetch_add(&accepted, 1);
		} else if (errno != EINTR && errno != ECONNABORTED) {
			break;	/* shut down */
		}
	}
	return NULL;
}

/*
 * A sockaddr for addr (family's) and port; its length. Every address of
 * this file goes through here, so the two families differ in nothing else.
 */
static socklen_t sockaddr_of(int family, const __be32 addr[4], __be16 port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = addr[0];
		s4->sin_port = port;
		return sizeof(*s4);
	}
	s6->sin6_family = AF_INET6;
	memcpy(&s6->sin6_addr, addr, sizeof(s6->sin6_addr));
	s6->sin6_port = port;
	return sizeof(*s6);
}

/*
 * Listening on every backend address of family in the current namespace.
 * The IPv6 socket is IPV6_V6ONLY: the IPv4 one has the IPv4 addresses.
 */
static int listen_backends(int family)
{
	static const __be32 any_addr[4];
	struct sockaddr_storage any;
	socklen_t len = sockaddr_of(family, any_addr, htons(BACKEND_PORT),
				    &any);
	int err, one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    (family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one))) ||
	    bind(fd, (struct sockaddr *)&any, len) ||
	    listen(fd, LISTEN_BACKLOG)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int one_connection(const struct sockaddr_storage *to, socklen_t len)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	/*
	 * A VIP nobody translates must fail the run, not hang it. 3 s, not
	 * 1: the first SYN retransmission leaves after 1 s (the initial RTO),
	 * so a 1 s limit failed the whole run for one SYN that a loaded host
	 * delayed or dropped; 3 s lets it through, and a stall that long
	 * still shows in that round's rate.
	 */
	static const struct timeval limit = { .tv_sec = 3 };
	int err = 0, fd = socket(to->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) ||
	    connect(fd, (const struct sockaddr *)to, len))
		err = -errno;
	close(fd);
	/* what a blocking connect() returns when SO_SNDTIMEO runs out */
	return err == -EINPROGRESS ? -ETIMEDOUT : err;
}

/*
 * n connections, each to the next of the nto addresses, then wait until the
 * server has accepted all of them.
 */
static int connections(const struct sockaddr_storage *to, socklen_t len,
		       int nto, long n, double deadline)
{
	unsigned long target = atomic_load(&accepted) + n;
	long i;
	int err;

	for (i = 0; i < n; i++) {
		err = stop ? -EINTR : one_connection(&to[i % nto], len);
		if (!err && !(i & 255) && now_s() > deadline)
			err = -ETIMEDOUT;
		if (err)
			return err;
	}
	while (atomic_load(&accepted) < target) {
		if (stop || now_s() > deadline)
			return stop ? -EINTR : -ETIMEDOUT;
		sched_yield();
	}
	return 0;
}

struct mode {
	const char *name;
	int family;		/* AF_INET or AF_INET6: VIP and backends */
	int netns;		/* client namespace */
	bool vip;		/* to the service's VIP, else to the backends */
	bool cvs;		/* inside the cgroup with the socket-LB programs */
	__u32 extra;		/* the service: 0 the last of --services,
				 * else that policy's own (POLICY_*) */
	long measured;		/* rounds measured, for the counters */
};

/* The services measured besides the --services ones, after them. */
enum { POLICY_NONE, POLICY_AFFINITY, POLICY_MAGLEV, POLICIES };

struct options {
	const char *backend_ns, *client_ns, *nft_ns, *ipt_ns;
	const char *pin_root, *cgroup_name;
	long services, count, rounds;
	bool peer_direct;
	bool policies;
};

/* direct, cvs, nft, ipt, their IPv6 three, the two peer-direct, and the
 * two policies */
#define MODES_MAX	11

struct run {
	struct options o;
	struct mode modes[MODES_MAX];
	int nmodes;
	int backend_netns;
	int lfd[2];		/* IPv4, IPv6 */
	pthread_t server[2];	/* one per listening socket */
	bool serving[2];
	struct cvs_maps *maps;
	bool pinned;		/* the map set exists: destroy it at the end */
	char cgroup[PATH_MAX];	/* ours, created here */
	char home[PATH_MAX];	/* the cgroup this process came from */
	bool in_cgroup;
};

static int open_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fd = -errno;
		fprintf(stderr, "netns %s: %s\n", name, strerror(-fd));
	}
	return fd;
}

/* Into the cgroup at dir, saying so on stderr when that fails. */
static int move_to_cgroup(const char *dir)
{
	int err = cgroup_util_join(dir);

	if (err)
		fprintf(stderr, "moving to %s: %s\n", dir, strerror(-err));
	return err;
}

static void log_to_stderr(int level, const char *msg, void *ctx)
{
	(void)ctx;
	if (level <= CVS_LOG_WARN)
		fprintf(stderr, "libcvsbpf: %s\n", msg);
}

/* The services of family, each with its family's backends; timed. */
static int upsert_family(struct run *r, int family)
{
	struct cvs_backend_spec b[BACKENDS];
	struct cvs_service_key key;
	double t0;
	long i;
	int err = 0;

	for (i = 0; i < BACKENDS; i++) {
		b[i] = (struct cvs_backend_spec){
			.port = htons(BACKEND_PORT), .weight = 1 };
		backend_ip(family, i, b[i].addr);
	}
	t0 = now_s();
	for (i = 0; i < r->o.services && !err && !stop; i++) {
		key = service_key(family, i);
		err = cvs_service_upsert(r->maps, &key, b, BACKENDS);
	}
	if (!err && !stop)
		printf("socklb-upsert%s %ld %.3f\n",
		       family == AF_INET6 ? "6" : "", r->o.services,
		       now_s() - t0);
	return stop ? -EINTR : err;
}

/* The service of mode md: the last of --services, or a policy's own. */
static struct cvs_service_key mode_key(const struct run *r,
				       const struct mode *md)
{
	return service_key(md->family, r->o.services - 1 + md->extra);
}

/* The policies' own IPv4 services, after the others. */
static int upsert_policies(struct run *r)
{
	static const struct cvs_service_policy pols[POLICIES] = {
		[POLICY_AFFINITY] = { .flags = CVS_POLICY_F_AFFINITY,
				      .affinity_timeout = 3600 },
		[POLICY_MAGLEV] = { .flags = CVS_POLICY_F_MAGLEV,
				    .maglev_slots = 16381 },
	};
	struct cvs_backend_spec b[BACKENDS];
	struct cvs_service_key key;
	int i, err = 0;

	for (i = 0; i < BACKENDS; i++) {
		b[i] = (struct cvs_backend_spec){
			.port = htons(BACKEND_PORT), .weight = 1 };
		backend_ip(AF_INET, i, b[i].addr);
	}
	for (i = POLICY_AFFINITY; i < POLICIES && !err; i++) {
		key = service_key(AF_INET, r->o.services - 1 + i);
		err = cvs_service_upsert_policy(r->maps, &key, &pols[i], b,
						BACKENDS);
	}
	return err;
}

/*
 * Both families' services in one map set, as on a dual-stack node: service
 * ids (and so max_services) are shared by the families, backend ids too.
 */
static int configure_cvs(struct run *r)
{
	struct cvs_capacity cap = { .max_services = 2 * 32768 + POLICIES,
				    .max_backends = 2 * 131072 + 8,
				    .max_members = 8, .table_slots = 8 };
	int err = cvs_maps_open(r->o.pin_root, &cap, 0, &r->maps);

	if (err)
		return err;
	r->pinned = true;
	return upsert_family(r, AF_INET) ?: upsert_family(r, AF_INET6) ?:
	       (r->o.policies ? upsert_policies(r) : 0);
}

/* Our cgroup under the cgroup2 root, with the programs attached to it. */
static int attach_cvs(struct run *r)
{
	char root[PATH_MAX];
	int err = cvs_cgroup_default(root, sizeof(root));

	err = err ?: cgroup_util_current(root, r->home, sizeof(r->home));
	if (err)
		return err;
	if (snprintf(r->cgroup, sizeof(r->cgroup), "%s/%s", root,
		     r->o.cgroup_name) >= (int)sizeof(r->cgroup)) {
		r->cgroup[0] = '\0';
		return -ENAMETOOLONG;
	}
	if (mkdir(r->cgroup, 0755)) {
		err = -errno;
		fprintf(stderr, "mkdir %s: %s\n", r->cgroup, strerror(errno));
		r->cgroup[0] = '\0';
		return err;
	}
	return cvs_sock_attach(r->maps, r->cgroup);
}

/*
 * A server thread per family: each blocks in its own accept(), and only one
 * family is measured at a time, so they never compete for the CPU.
 */
static int start_server(struct run *r)
{
	static const int families[2] = { AF_INET, AF_INET6 };
	int i, err = 0;

	if (setns(r->backend_netns, CLONE_NEWNET))
		return -errno;
	for (i = 0; i < 2 && !err; i++) {
		r->lfd[i] = listen_backends(families[i]);
		if (r->lfd[i] < 0)
			return r->lfd[i];
		err = -pthread_create(&r->server[i], NULL, serve, &r->lfd[i]);
		r->serving[i] = !err;
	}
	pin_to_cpu(false);
	return err;
}

static void cleanup(struct run *r)
{
	int i, err;

	if (r->in_cgroup)
		move_to_cgroup(r->home);
	for (i = 0; i < 2; i++) {
		if (r->serving[i]) {
			shutdown(r->lfd[i], SHUT_RDWR);	/* wakes accept() */
			pthread_join(r->server[i], NULL);
		}
		if (r->lfd[i] >= 0)
			close(r->lfd[i]);
	}
	if (r->maps) {
		cvs_sock_detach(r->maps);
		cvs_maps_close(r->maps);
	}
	if (r->pinned) {
		err = cvs_maps_destroy(r->o.pin_root);
		if (err)
			fprintf(stderr, "destroy %s: %s\n", r->o.pin_root,
				strerror(-err));
	}
	if (r->cgroup[0] && rmdir(r->cgroup))
		fprintf(stderr, "rmdir %s: %s\n", r->cgroup, strerror(errno));
	for (i = 0; i < r->nmodes; i++)
		close(r->modes[i].netns);
	if (r->backend_netns >= 0)
		close(r->backend_netns);
}

static int measure_one(struct run *r, struct mode *md, long round)
{
	struct cvs_service_key key = mode_key(r, md);
	struct sockaddr_storage to[BACKENDS];
	char text[INET6_ADDRSTRLEN];
	__be32 addr[4];
	socklen_t len = 0;
	double t0, dt;
	int i, nto, err;

	/* Direct goes round the backends, as evenly as the balancers. */
	nto = md->vip ? 1 : BACKENDS;
	for (i = 0; i < nto; i++) {
		if (md->vip)
			memcpy(addr, key.addr, sizeof(addr));
		else
			backend_ip(md->family, i, addr);
		len = sockaddr_of(md->family, addr,
				  md->vip ? key.port : htons(BACKEND_PORT),
				  &to[i]);
	}
	if (setns(md->netns, CLONE_NEWNET))
		return -errno;
	if (md->cvs) {
		err = move_to_cgroup(r->cgroup);
		if (err)
			return err;
		r->in_cgroup = true;
	}
	/* Warm up: caches, conntrack, the first packets of a new path. */
	err = connections(to, len, nto, r->o.count / 10,
			  now_s() + MEASURE_LIMIT_S);
	t0 = now_s();
	err = err ?: connections(to, len, nto, r->o.count,
				 t0 + MEASURE_LIMIT_S);
	dt = now_s() - t0;
	if (md->cvs) {
		err = move_to_cgroup(r->home) ?: err;
		r->in_cgroup = false;
	}
	if (err) {
		if (!md->vip)	/* named by the first, as the VIP is */
			backend_ip(md->family, 0, addr);
		fprintf(stderr, "%s to %s port %u: %s\n", md->name,
			ip_text(md->family, addr, text),
			md->vip ? ntohs(key.port) : BACKEND_PORT,
			strerror(-err));
		return err;
	}
	printf("socklb %s %ld %ld %.0f %.3f\n", md->name, r->o.services,
	       round, r->o.count / dt, dt * 1e6 / r->o.count);
	fflush(stdout);
	md->measured++;
	return 0;
}

/*
 * Every measured connection of a cvs mode went through connect4 (connect6)
 * to that mode's service, no other connection: the counts are the
 * measured service's, so a cvs6 that fell back to the IPv4 program, or a
 * peer's connection that met the programs, shows here.
 */
static int check_mode(struct run *r, const struct mode *md)
{
	struct cvs_service_key key = mode_key(r, md);
	struct cvs_backend_counters c[BACKENDS];
	struct cvs_service_counters svc;
	unsigned long long sum = 0, expected;
	__u32 i, n;
	int err;

	err = cvs_service_counters(r->maps, &key, &svc, c, BACKENDS, &n);
	if (err)
		return err;
	for (i = 0; i < n; i++)
		sum += c[i].conns;
	expected = (unsigned long long)md->measured *
		   (r->o.count + r->o.count / 10);
	printf("socklb-check %s-conns %llu %llu\n", md->name, expected, sum);
	return sum == expected ? 0 : -EPROTO;
}

/* Every cvs mode checked and printed, whichever fails. */
static int check_counters(struct run *r)
{
	int i, err, first = 0;

	for (i = 0; i < r->nmodes; i++) {
		if (!r->modes[i].cvs)
			continue;
		err = check_mode(r, &r->modes[i]);
		first = first ?: err;
	}
	return first;
}

static int add_mode(struct run *r, const char *name, int family,
		    const char *ns, bool vip, bool cvs)
{
	int fd = open_netns(ns);

	if (fd < 0)
		return fd;
	r->modes[r->nmodes++] = (struct mode){ .name = name,
					       .family = family, .netns = fd,
					       .vip = vip, .cvs = cvs };
	return 0;
}

static int add_policy_mode(struct run *r, const char *name, __u32 policy)
{
	int err = add_mode(r, name, AF_INET, r->o.client_ns, true, true);

	if (!err)
		r->modes[r->nmodes - 1].extra = policy;
	return err;
}

static int add_modes(struct run *r)
{
	const struct options *o = &r->o;
	int err;

	err = add_mode(r, "direct", AF_INET, o->client_ns, false, false) ?:
	      add_mode(r, "cvs", AF_INET, o->client_ns, true, true);
	if (!err && o->nft_ns)
		err = add_mode(r, "nft", AF_INET, o->nft_ns, true, false);
	if (!err && o->ipt_ns)
		err = add_mode(r, "ipt", AF_INET, o->ipt_ns, true, false);
	if (!err && o->policies)
		err = add_policy_mode(r, "cvs-aff", POLICY_AFFINITY) ?:
		      add_policy_mode(r, "cvs-maglev", POLICY_MAGLEV);
	if (!err)
		err = add_mode(r, "direct6", AF_INET6, o->client_ns, false,
			       false) ?:
		      add_mode(r, "cvs6", AF_INET6, o->client_ns, true, true);
	if (!err && o->nft_ns)
		err = add_mode(r, "nft6", AF_INET6, o->nft_ns, true, false);
	if (!err && o->peer_direct && o->nft_ns)
		err = add_mode(r, "direct-nft-ns", AF_INET, o->nft_ns, false,
			       false);
	if (!err && o->peer_direct && o->ipt_ns)
		err = add_mode(r, "direct-ipt-ns", AF_INET, o->ipt_ns, false,
			       false);
	return err;
}

static int measure(struct run *r)
{
	long round;
	int f, i, err;

	r->backend_netns = open_netns(r->o.backend_ns);
	if (r->backend_netns < 0)
		return r->backend_netns;
	err = add_modes(r) ?: start_server(r) ?: configure_cvs(r) ?:
	      attach_cvs(r);
	/*
	 * Modes take turns, each round starting one later, against drift. A
	 * family's modes run as one block, so a mode is never further from
	 * the direct it is divided by than its family's modes are many (in
	 * one rotation of all of them, cvs and direct were up to six
	 * measurements apart); the families alternate which goes first.
	 */
	for (round = 1; round <= r->o.rounds && !err; round++) {
		for (f = 0; f < 2 && !err; f++) {
			int family = (round - 1 + f) % 2 ? AF_INET6 : AF_INET;
			int block[MODES_MAX], n = 0;

			for (i = 0; i < r->nmodes; i++)
				if (r->modes[i].family == family)
					block[n++] = i;
			for (i = 0; i < n && !err; i++)
				err = measure_one(r, &r->modes[block[
					(round - 1 + i) % n]], round);
		}
	}
	return err ?: check_counters(r);
}

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int parse(int argc, char **argv, struct options *o)
{
	static const struct option longs[] = {
		{ "backend-ns", required_argument, NULL, 'b' },
		{ "client-ns", required_argument, NULL, 'c' },
		{ "nft-ns", required_argument, NULL, 'n' },
		{ "ipt-ns", required_argument, NULL, 'i' },
		{ "pin-root", required_argument, NULL, 'p' },
		{ "cgroup-name", required_argument, NULL, 'g' },
		{ "services", required_argument, NULL, 's' },
		{ "count", required_argument, NULL, 'N' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "peer-direct", no_argument, NULL, 'd' },
		{ "policies", no_argument, NULL, 'P' },
		{}
	};
	int c;

	*o = (struct options){ .services = 10, .count = 20000, .rounds = 5 };
	optind = 2;
	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->backend_ns = optarg;
			break;
		case 'c':
			o->client_ns = optarg;
			break;
		case 'n':
			o->nft_ns = optarg;
			break;
		case 'i':
			o->ipt_ns = optarg;
			break;
		case 'p':
			o->pin_root = optarg;
			break;
		case 'g':
			o->cgroup_name = optarg;
			break;
		case 's':
			o->services = atol(optarg);
			break;
		case 'N':
			o->count = atol(optarg);
			break;
		case 'r':
			o->rounds = atol(optarg);
			break;
		case 'd':
			o->peer_direct = true;
			break;
		case 'P':
			o->policies = true;
			break;
		default:
			return -EINVAL;
		}
	}
	if (!o->backend_ns || !o->client_ns || !o->pin_root ||
	    !o->cgroup_name || strchr(o->cgroup_name, '/') ||
	    o->services < 1 || o->services > 32768 || o->count < 10 ||
	    o->rounds < 1 || optind != argc)
		return -EINVAL;
	return 0;
}

static const char usage[] =
	"usage: %s rules nft|nft6|iptables SERVICES\n"
	"       %s measure --backend-ns NS --client-ns NS [--nft-ns NS]\n"
	"              [--ipt-ns NS] --pin-root DIR --cgroup-name NAME\n"
	"              [--services N] [--count N] [--rounds N] [--peer-direct]\n"
	"              [--policies]\n";

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct run r = { .lfd = { -1, -1 }, .backend_netns = -1 };
	int err;

	if (argc >= 2 && !strcmp(argv[1], "rules"))
		return rules_main(argc, argv);
	if (argc < 2 || strcmp(argv[1], "measure") || parse(argc, argv, &r.o)) {
		fprintf(stderr, usage, argv[0], argv[0]);
		return 2;
	}
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	cvs_set_log(log_to_stderr, NULL);
	err = measure(&r);
	cleanup(&r);
	if (err) {
		fprintf(stderr, "socklb_bench: %s\n", strerror(-err));
		return 1;
	}
	return 0;
}
