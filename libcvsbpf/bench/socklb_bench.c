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
 * One client thread loops socket, connect, close, with SO_LINGER 0 so close
 * sends RST and neither side keeps TIME_WAIT; a server thread in the backend
 * namespace accepts and closes. A measurement ends when the server has
 * accepted every connection, so accept is in the rate. The connections go to
 * the last service configured, whose rule is the last of KUBE-SERVICES: the
 * worst case for iptables, the same case for the others.
 *
 *   socklb_bench rules nft|iptables SERVICES   print the peer's rule set
 *   socklb_bench measure OPTIONS               measure (root)
 *
 * measure prints, one line each:
 *   socklb-upsert <services> <seconds>            configuring cvs
 *   socklb <mode> <services> <round> <conn_per_s> <us_per_conn>
 *   socklb-check cvs-conns <expected> <counted>   connect4's own counters
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
 * The service set, one definition for cvs and both peers: service i is
 * 198.51.100.(1 + i / 200) port 1000 + i % 200, TCP, with the three backends
 * below. Several ports per VIP keep 30,000 services inside 198.51.100.0/24.
 */
#define SVC_PER_VIP	200
#define SVC_MAX		(254 * SVC_PER_VIP)
#define SVC_PORT0	1000
#define VIP_NET		0xc6336400	/* 198.51.100.0 */
#define BACKENDS	3
#define BACKEND_PORT	8080
static const char *const backend_addr[BACKENDS] = {
	"10.201.0.2", "10.201.0.3", "10.201.0.4",
};

#define LISTEN_BACKLOG	4096
#define MEASURE_LIMIT_S	120.0	/* one measurement, connections and accepts */

static volatile sig_atomic_t stop;
static atomic_ulong accepted;

static struct cvs_service_key service_key(__u32 i)
{
	return (struct cvs_service_key){
		.addr = { htonl(VIP_NET + 1 + i / SVC_PER_VIP) },
		.port = htons(SVC_PORT0 + i % SVC_PER_VIP),
		.proto = IPPROTO_TCP,
		.family = AF_INET,
	};
}

static const char *vip_text(const struct cvs_service_key *key, char *buf)
{
	return inet_ntop(AF_INET, &key->addr[0], buf, INET_ADDRSTRLEN);
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
 */
static void print_nft(__u32 n)
{
	char vip[INET_ADDRSTRLEN];
	struct cvs_service_key key;
	__u32 i, b;

	printf("table ip kube-proxy {\n");
	for (i = 0; i < n; i++) {
		for (b = 0; b < BACKENDS; b++)
			printf("\tchain endpoint-%u-%u {\n"
			       "\t\tmeta l4proto tcp dnat to %s:%u\n\t}\n",
			       i, b, backend_addr[b], BACKEND_PORT);
		printf("\tchain service-%u {\n", i);
		for (b = 0; b + 1 < BACKENDS; b++)
			printf("\t\tnumgen random mod %u 0 goto endpoint-%u-%u\n",
			       BACKENDS - b, i, b);
		printf("\t\tgoto endpoint-%u-%u\n\t}\n", i, b);
	}
	printf("\tmap service-ips {\n"
	       "\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n"
	       "\t\telements = {\n");
	for (i = 0; i < n; i++) {
		key = service_key(i);
		printf("\t\t\t%s . tcp . %u : goto service-%u%s\n",
		       vip_text(&key, vip), ntohs(key.port), i,
		       i + 1 < n ? "," : "");
	}
	printf("\t\t}\n\t}\n"
	       "\tchain services {\n"
	       "\t\tip daddr . meta l4proto . th dport vmap @service-ips\n"
	       "\t}\n"
	       "\tchain nat-output {\n"
	       "\t\ttype nat hook output priority -100; policy accept;\n"
	       "\t\tjump services\n"
	       "\t}\n"
	       "}\n");
}

/*
 * kube-proxy's iptables mode (iptables-restore input), without its
 * masquerade marking and NodePort rules. Rule i of KUBE-SERVICES is service
 * i, so the measured service is matched last.
 */
static void print_iptables(__u32 n)
{
	char vip[INET_ADDRSTRLEN];
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
		key = service_key(i);
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
		fprintf(stderr, "usage: %s rules nft|iptables SERVICES "
			"(1..%d)\n", argv[0], SVC_MAX);
		return 2;
	}
	if (!strcmp(argv[2], "nft"))
		print_nft(n);
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

/* Listening on every backend address of the current namespace. */
static int listen_backends(void)
{
	struct sockaddr_in any = { .sin_family = AF_INET,
				   .sin_port = htons(BACKEND_PORT) };
	int err, one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any)) ||
	    listen(fd, LISTEN_BACKLOG)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int one_connection(const struct sockaddr_in *to)
{
	static const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	/* A VIP nobody translates must fail the run, not hang it. */
	static const struct timeval limit = { .tv_sec = 1 };
	int err = 0, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)) ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit)) ||
	    connect(fd, (const struct sockaddr *)to, sizeof(*to)))
		err = -errno;
	close(fd);
	/* what a blocking connect() returns when SO_SNDTIMEO runs out */
	return err == -EINPROGRESS ? -ETIMEDOUT : err;
}

/*
 * n connections, each to the next of the nto addresses, then wait until the
 * server has accepted all of them.
 */
static int connections(const struct sockaddr_in *to, int nto, long n,
		       double deadline)
{
	unsigned long target = atomic_load(&accepted) + n;
	long i;
	int err;

	for (i = 0; i < n; i++) {
		err = stop ? -EINTR : one_connection(&to[i % nto]);
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
	int netns;		/* client namespace */
	bool vip;		/* to the service's VIP, else to the backends */
	bool cvs;		/* inside the cgroup with the socket-LB programs */
};

struct options {
	const char *backend_ns, *client_ns, *nft_ns, *ipt_ns;
	const char *pin_root, *cgroup_name;
	long services, count, rounds;
	bool peer_direct;
};

struct run {
	struct options o;
	struct mode modes[6];
	int nmodes;
	int backend_netns;
	int lfd;
	pthread_t server;
	bool serving;
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

static int configure_cvs(struct run *r)
{
	struct cvs_capacity cap = { .max_services = 32768,
				    .max_backends = 131072,
				    .max_members = 8, .table_slots = 8 };
	struct cvs_backend_spec b[BACKENDS];
	struct cvs_service_key key;
	double t0;
	long i;
	int err;

	for (i = 0; i < BACKENDS; i++)
		b[i] = (struct cvs_backend_spec){
			.addr = { inet_addr(backend_addr[i]) },
			.port = htons(BACKEND_PORT), .weight = 1 };
	err = cvs_maps_open(r->o.pin_root, &cap, 0, &r->maps);
	if (err)
		return err;
	r->pinned = true;
	t0 = now_s();
	for (i = 0; i < r->o.services && !err && !stop; i++) {
		key = service_key(i);
		err = cvs_service_upsert(r->maps, &key, b, BACKENDS);
	}
	if (!err && !stop)
		printf("socklb-upsert %ld %.3f\n", r->o.services, now_s() - t0);
	return stop ? -EINTR : err;
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

static int start_server(struct run *r)
{
	int err;

	if (setns(r->backend_netns, CLONE_NEWNET))
		return -errno;
	r->lfd = listen_backends();
	if (r->lfd < 0)
		return r->lfd;
	err = -pthread_create(&r->server, NULL, serve, &r->lfd);
	r->serving = !err;
	pin_to_cpu(false);
	return err;
}

static void cleanup(struct run *r)
{
	int i, err;

	if (r->in_cgroup)
		move_to_cgroup(r->home);
	if (r->serving) {
		shutdown(r->lfd, SHUT_RDWR);	/* wakes accept() */
		pthread_join(r->server, NULL);
	}
	if (r->lfd >= 0)
		close(r->lfd);
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

static int measure_one(struct run *r, const struct mode *md, long round)
{
	struct cvs_service_key key = service_key(r->o.services - 1);
	struct sockaddr_in to[BACKENDS];
	double t0, dt;
	int i, nto, err;

	/* Direct goes round the backends, as evenly as the balancers. */
	for (i = 0; i < BACKENDS; i++)
		to[i] = (struct sockaddr_in){
			.sin_family = AF_INET,
			.sin_addr.s_addr = md->vip ? key.addr[0] :
					   inet_addr(backend_addr[i]),
			.sin_port = md->vip ? key.port : htons(BACKEND_PORT),
		};
	nto = md->vip ? 1 : BACKENDS;
	if (setns(md->netns, CLONE_NEWNET))
		return -errno;
	if (md->cvs) {
		err = move_to_cgroup(r->cgroup);
		if (err)
			return err;
		r->in_cgroup = true;
	}
	/* Warm up: caches, conntrack, the first packets of a new path. */
	err = connections(to, nto, r->o.count / 10, now_s() + MEASURE_LIMIT_S);
	t0 = now_s();
	err = err ?: connections(to, nto, r->o.count, t0 + MEASURE_LIMIT_S);
	dt = now_s() - t0;
	if (md->cvs) {
		err = move_to_cgroup(r->home) ?: err;
		r->in_cgroup = false;
	}
	if (err) {
		fprintf(stderr, "%s to %s:%u: %s\n", md->name,
			inet_ntoa(to[0].sin_addr), ntohs(to[0].sin_port),
			strerror(-err));
		return err;
	}
	printf("socklb %s %ld %ld %.0f %.3f\n", md->name, r->o.services,
	       round, r->o.count / dt, dt * 1e6 / r->o.count);
	fflush(stdout);
	return 0;
}

/* Every measured connection of mode cvs went through connect4, no other. */
static int check_counters(struct run *r, long cvs_rounds)
{
	struct cvs_service_key key = service_key(r->o.services - 1);
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
	expected = (unsigned long long)cvs_rounds *
		   (r->o.count + r->o.count / 10);
	printf("socklb-check cvs-conns %llu %llu\n", expected, sum);
	return sum == expected ? 0 : -EPROTO;
}

static int add_mode(struct run *r, const char *name, const char *ns,
		    bool vip, bool cvs)
{
	int fd = open_netns(ns);

	if (fd < 0)
		return fd;
	r->modes[r->nmodes++] = (struct mode){ .name = name, .netns = fd,
					       .vip = vip, .cvs = cvs };
	return 0;
}

static int add_modes(struct run *r)
{
	const struct options *o = &r->o;
	int err;

	err = add_mode(r, "direct", o->client_ns, false, false) ?:
	      add_mode(r, "cvs", o->client_ns, true, true);
	if (!err && o->nft_ns)
		err = add_mode(r, "nft", o->nft_ns, true, false);
	if (!err && o->ipt_ns)
		err = add_mode(r, "ipt", o->ipt_ns, true, false);
	if (!err && o->peer_direct && o->nft_ns)
		err = add_mode(r, "direct-nft-ns", o->nft_ns, false, false);
	if (!err && o->peer_direct && o->ipt_ns)
		err = add_mode(r, "direct-ipt-ns", o->ipt_ns, false, false);
	return err;
}

static int measure(struct run *r)
{
	long round, cvs_rounds = 0;
	int i, err;

	r->backend_netns = open_netns(r->o.backend_ns);
	if (r->backend_netns < 0)
		return r->backend_netns;
	err = add_modes(r) ?: start_server(r) ?: configure_cvs(r) ?:
	      attach_cvs(r);
	/* Modes take turns, each round starting one later, against drift. */
	for (round = 1; round <= r->o.rounds && !err; round++) {
		for (i = 0; i < r->nmodes && !err; i++) {
			const struct mode *md =
				&r->modes[(round - 1 + i) % r->nmodes];

			err = measure_one(r, md, round);
			cvs_rounds += md->cvs && !err;
		}
	}
	return err ?: check_counters(r, cvs_rounds);
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
	"usage: %s rules nft|iptables SERVICES\n"
	"       %s measure --backend-ns NS --client-ns NS [--nft-ns NS]\n"
	"              [--ipt-ns NS] --pin-root DIR --cgroup-name NAME\n"
	"              [--services N] [--count N] [--rounds N] [--peer-direct]\n";

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	struct run r = { .lfd = -1, .backend_netns = -1 };
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
