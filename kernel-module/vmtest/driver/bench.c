// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connection-rate benchmark of cvs.ko, run in the VM with the argument
 * "bench" (scripts/bench-kmod). Each datapath has a load-balancer namespace
 * of its own between a client namespace and the backends in srv, so all
 * five are configured at once, none sees another's rules, and the rounds
 * interleave them: the host's load drifts (TCG on shared cores), and a
 * ratio of two measurements taken back to back is what survives it.
 *
 *   direct    client -> lb_direct -> backend address; nothing translates
 *   cvs       cli -> root (cvs.ko, which hooks the initial namespace)
 *   ipvs      IPVS NAT mode, round robin; VIPs local by a local route, as
 *             kube-proxy's dummy interface makes them; conntrack off
 *   ipvs+ct   the same with conntrack on in its namespace and
 *             net.ipv4.vs.conntrack=1, as kube-proxy's IPVS mode runs it
 *             (conntrack is enabled by an nftables rule on the output hook,
 *             which forwarded packets never traverse)
 *   iptables  kube-proxy's iptables mode in PREROUTING (iptables-legacy):
 *             KUBE-SERVICES, one rule per service -> KUBE-SVC-* (statistic)
 *             -> KUBE-SEP-* (DNAT)
 *   nft       kube-proxy's nftables mode: a verdict map on (daddr, proto,
 *             dport) -> service chain (numgen cascade) -> endpoint chain
 *
 * with 10, 1,000 and 10,000 services, three backends each. Every connection
 * goes to the last service configured: the last rule of KUBE-SERVICES, the
 * worst case for iptables and the same case for the others. One connection
 * is connect, the backend's tag read back, close with SO_LINGER 0 (RST, no
 * TIME_WAIT).
 *
 * Prints "BENCH-LOAD <datapath> <services> <seconds>" per configuration,
 * "BENCH <datapath> <services> <round> <conn/s>" per measurement, then the
 * tables in markdown, each line prefixed "REPORT ", and the SUMMARY line.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "cvsbpf.h"
#include "vmtest.h"

#define SVC_PER_VIP	200
#define SVC_PORT0	1000
#define BACKENDS	3
#define BACKEND_PORT	8080
#define MAX_ROUNDS	32
#define RULES		"/tmp/bench.rules"
#define PIN_ROOT	"/sys/fs/bpf/cvs-bench"
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const backend_addr[BACKENDS] = {
	"10.1.0.11", "10.1.0.12", "10.1.0.13",
};

enum dp { DP_DIRECT, DP_CVS, DP_IPVS, DP_IPVS_CT, DP_IPT, DP_NFT, DP_COUNT };
static const char *const dp_name[DP_COUNT] = {
	"direct", "cvs", "ipvs", "ipvs+ct", "iptables", "nft",
};
static const int sizes[] = { 10, 1000, 10000 };

/* The namespaces of each datapath: its load balancer and its client. */
static int lb_ns[DP_COUNT], cli_ns[DP_COUNT];

/*
 * Datapath k but cvs: client 10.(40+k).0.2 -> 10.(40+k).0.1 lb
 * 10.(50+k).0.1 -> 10.(50+k).0.2 srv, which owns the backend addresses.
 */
static int topology(void)
{
	char name[16];
	int k, err = 0;

	lb_ns[DP_CVS] = NS_ROOT;
	cli_ns[DP_CVS] = NS_CLI;
	err = sh("/sbin/ip -n cli route add 198.51.100.0/24 via 10.2.0.1 && "
		 "/sbin/ip route add 198.51.100.0/24 via 10.1.0.2");
	for (k = 0; !err && k < DP_COUNT; k++) {
		if (k == DP_CVS)
			continue;
		err = sh("/sbin/ip netns add lb%d && /sbin/ip netns add cli%d && "
			 "/sbin/ip -n lb%d link add c type veth peer name eth0 netns cli%d && "
			 "/sbin/ip -n lb%d link add s type veth peer name l%d netns srv && "
			 "/sbin/ip -n lb%d addr add 10.%d.0.1/24 dev c && "
			 "/sbin/ip -n lb%d addr add 10.%d.0.1/24 dev s && "
			 "/sbin/ip -n cli%d addr add 10.%d.0.2/24 dev eth0 && "
			 "/sbin/ip -n srv addr add 10.%d.0.2/24 dev l%d && "
			 "/sbin/ip -n lb%d link set c up && /sbin/ip -n lb%d link set s up && "
			 "/sbin/ip -n lb%d link set lo up && "
			 "/sbin/ip -n cli%d link set eth0 up && /sbin/ip -n cli%d link set lo up && "
			 "/sbin/ip -n srv link set l%d up && "
			 "/sbin/ip -n lb%d route add 10.1.0.0/24 via 10.%d.0.2 && "
			 "/sbin/ip -n lb%d route add 198.51.100.0/24 via 10.%d.0.2 && "
			 "/sbin/ip -n cli%d route add 10.1.0.0/24 via 10.%d.0.1 && "
			 "/sbin/ip -n cli%d route add 198.51.100.0/24 via 10.%d.0.1 && "
			 "/sbin/ip -n srv route add 10.%d.0.0/24 via 10.%d.0.1",
			 k, k, k, k, k, k, k, 40 + k, k, 50 + k, k, 40 + k,
			 50 + k, k, k, k, k, k, k, k, k, 50 + k, k, 50 + k, k,
			 40 + k, k, 40 + k, 40 + k, 50 + k);
		if (err)
			break;
		snprintf(name, sizeof(name), "lb%d", k);
		lb_ns[k] = ns_add(name);
		snprintf(name, sizeof(name), "cli%d", k);
		cli_ns[k] = ns_add(name);
		if (lb_ns[k] < 0 || cli_ns[k] < 0)
			return -ENOENT;
		err = sh_in(lb_ns[k], "sysctl -qw net.ipv4.ip_forward=1");
	}
	return err ? -EIO : 0;
}

/* Service i: 198.51.100.(1 + i / 200), port 1000 + i % 200, TCP. */
static void service(int i, char vip[INET_ADDRSTRLEN], int *port)
{
	snprintf(vip, INET_ADDRSTRLEN, "198.51.100.%u",
		 (unsigned char)(1 + i / SVC_PER_VIP));
	*port = SVC_PORT0 + i % SVC_PER_VIP;
}

static void write_iptables(FILE *f, int n)
{
	char vip[INET_ADDRSTRLEN];
	int i, b, port;

	fprintf(f, "*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n"
		":OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\n"
		":KUBE-SERVICES - [0:0]\n");
	for (i = 0; i < n; i++) {
		fprintf(f, ":KUBE-SVC-%05d - [0:0]\n", i);
		for (b = 0; b < BACKENDS; b++)
			fprintf(f, ":KUBE-SEP-%05d-%d - [0:0]\n", i, b);
	}
	fprintf(f, "-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n");
	for (i = 0; i < n; i++) {
		service(i, vip, &port);
		fprintf(f, "-A KUBE-SERVICES -d %s/32 -p tcp -m comment --comment \"bench/svc-%d cluster IP\" -m tcp --dport %d -j KUBE-SVC-%05d\n",
			vip, i, port, i);
	}
	for (i = 0; i < n; i++) {
		for (b = 0; b < BACKENDS; b++) {
			fprintf(f, "-A KUBE-SVC-%05d", i);
			if (b + 1 < BACKENDS)
				fprintf(f, " -m statistic --mode random --probability %.11f",
					1.0 / (BACKENDS - b));
			fprintf(f, " -j KUBE-SEP-%05d-%d\n", i, b);
			fprintf(f, "-A KUBE-SEP-%05d-%d -p tcp -m tcp -j DNAT --to-destination %s:%d\n",
				i, b, backend_addr[b], BACKEND_PORT);
		}
	}
	fprintf(f, "COMMIT\n");
}

static void write_nft(FILE *f, int n)
{
	char vip[INET_ADDRSTRLEN];
	int i, b, port;

	fprintf(f, "table ip kube-proxy {\n");
	for (i = 0; i < n; i++) {
		for (b = 0; b < BACKENDS; b++)
			fprintf(f, "\tchain endpoint-%d-%d {\n\t\tmeta l4proto tcp dnat to %s:%d\n\t}\n",
				i, b, backend_addr[b], BACKEND_PORT);
		fprintf(f, "\tchain service-%d {\n", i);
		for (b = 0; b + 1 < BACKENDS; b++)
			fprintf(f, "\t\tnumgen random mod %d 0 goto endpoint-%d-%d\n",
				BACKENDS - b, i, b);
		fprintf(f, "\t\tgoto endpoint-%d-%d\n\t}\n", i, b);
	}
	fprintf(f, "\tmap service-ips {\n\t\ttype ipv4_addr . inet_proto . inet_service : verdict\n\t\telements = {\n");
	for (i = 0; i < n; i++) {
		service(i, vip, &port);
		fprintf(f, "\t\t\t%s . tcp . %d : goto service-%d%s\n", vip,
			port, i, i + 1 < n ? "," : "");
	}
	fprintf(f, "\t\t}\n\t}\n\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t}\n"
		"\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t\tjump services\n\t}\n}\n");
}

static void write_ipvs(FILE *f, int n)
{
	char vip[INET_ADDRSTRLEN];
	int i, b, port;

	for (i = 0; i < n; i++) {
		service(i, vip, &port);
		fprintf(f, "-A -t %s:%d -s rr\n", vip, port);
		for (b = 0; b < BACKENDS; b++)
			fprintf(f, "-a -t %s:%d -r %s:%d -m -w 1\n", vip, port,
				backend_addr[b], BACKEND_PORT);
	}
}

static struct cvs_maps *maps;

static int cvs_load(int n)
{
	static const struct cvs_capacity cap = {
		.max_services = 10240,
		.max_backends = 10240 * BACKENDS,
		.max_members = 4,
		.table_slots = 4,
	};
	struct cvs_backend_spec be[BACKENDS];
	char vip[INET_ADDRSTRLEN];
	struct cvs_service_key key;
	int i, b, port, err;

	memset(be, 0, sizeof(be));
	for (b = 0; b < BACKENDS; b++) {
		inet_pton(AF_INET, backend_addr[b], &be[b].addr[0]);
		be[b].port = htons(BACKEND_PORT);
		be[b].weight = 1;
	}
	err = cvs_maps_open(PIN_ROOT, &cap, 0, &maps);
	for (i = 0; !err && i < n; i++) {
		service(i, vip, &port);
		memset(&key, 0, sizeof(key));
		inet_pton(AF_INET, vip, &key.addr[0]);
		key.port = htons(port);
		key.proto = IPPROTO_TCP;
		key.family = AF_INET;
		err = cvs_service_upsert(maps, &key, be, BACKENDS);
	}
	return err ?: cvs_module_bind(maps);
}

/* Configure n services in dp; 0 or -errno. */
static int dp_load(enum dp dp, int n)
{
	FILE *f;

	if (dp == DP_DIRECT)
		return 0;
	if (dp == DP_CVS)
		return cvs_load(n);
	f = fopen(RULES, "w");
	if (!f)
		return -errno;
	if (dp == DP_IPT)
		write_iptables(f, n);
	else if (dp == DP_NFT)
		write_nft(f, n);
	else
		write_ipvs(f, n);
	if (fclose(f))
		return -EIO;
	if (dp == DP_IPT)
		return sh_in(lb_ns[dp], "iptables-legacy-restore < " RULES) ?
			-EIO : 0;
	if (dp == DP_NFT)
		return sh_in(lb_ns[dp], "nft -f " RULES) ? -EIO : 0;
	if (dp == DP_IPVS_CT &&
	    sh_in(lb_ns[dp], "sysctl -qw net.ipv4.vs.conntrack=1 && "
		  "nft add table ip ctonly && "
		  "nft add chain ip ctonly out '{ type filter hook output priority 0; }' && "
		  "nft add rule ip ctonly out ct state invalid drop"))
		return -EIO;
	return sh_in(lb_ns[dp], "ipvsadm -R < " RULES " && /sbin/ip route add local 198.51.100.0/24 dev lo") ?
		-EIO : 0;
}

static void dp_unload(enum dp dp)
{
	switch (dp) {
	case DP_CVS:
		cvs_module_unbind();
		cvs_maps_close(maps);
		maps = NULL;
		cvs_maps_destroy(PIN_ROOT);
		break;
	case DP_IPT:
		sh_in(lb_ns[dp], "iptables-legacy -t nat -F && iptables-legacy -t nat -X");
		break;
	case DP_NFT:
		sh_in(lb_ns[dp], "nft delete table ip kube-proxy");
		break;
	case DP_IPVS_CT:
		sh_in(lb_ns[dp], "nft delete table ip ctonly");
		/* fall through */
	case DP_IPVS:
		sh_in(lb_ns[dp], "ipvsadm -C && /sbin/ip route del local 198.51.100.0/24 dev lo");
		break;
	default:
		break;
	}
}

static void close_rst(int fd)
{
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	close(fd);
}

/*
 * conn/s over conns connections to the last service; -1 when three failed.
 * One failure is reported and tolerated: the round's rate then includes the
 * timeout, and the median over rounds decides.
 */
static double measure(enum dp dp, int n, int conns)
{
	char vip[INET_ADDRSTRLEN], tag[TAG_LEN];
	int i, fd, port, bad = 0;
	long t0, took;

	if (dp == DP_DIRECT) {
		snprintf(vip, sizeof(vip), "%s", backend_addr[0]);
		port = BACKEND_PORT;
	} else {
		service(n - 1, vip, &port);
	}
	if (ns_stay(cli_ns[dp]))
		return -1;
	t0 = now_ms();
	for (i = 0; i < conns && bad < 3; i++) {
		fd = tcp_open(cli_ns[dp], vip, port, 1000, tag);
		if (fd >= 0 && !strncmp(tag, "10.1.0.1", 8)) {
			close_rst(fd);
			continue;
		}
		bad++;
		printf("  bench: %s %s:%d: %s\n", dp_name[dp], vip, port,
		       fd < 0 ? strerror(-fd) : tag);
		if (fd >= 0)
			close_rst(fd);
	}
	took = now_ms() - t0;
	ns_stay(NS_ROOT);
	return bad >= 3 ? -1 : i * 1000.0 / (took ? took : 1);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Per size and datapath: median conn/s and median per-round ratios. */
static double rate[ARRAY_LEN(sizes)][DP_COUNT];
static double to_ipvs[ARRAY_LEN(sizes)][DP_COUNT];
static double to_direct[ARRAY_LEN(sizes)][DP_COUNT];
static double cvs_to_ipvs_ct[ARRAY_LEN(sizes)];

static int bench_size(int s, int rounds, int conns)
{
	double r_rate[DP_COUNT][MAX_ROUNDS], r_ipvs[DP_COUNT][MAX_ROUNDS];
	double r_direct[DP_COUNT][MAX_ROUNDS], r_ct[MAX_ROUNDS];
	int n = sizes[s], d, k, r, err, failed = 0;
	long t0;

	for (d = 0; d < DP_COUNT; d++) {
		t0 = now_ms();
		err = dp_load(d, n);
		printf("BENCH-LOAD %s %d %.2f\n", dp_name[d], n,
		       (now_ms() - t0) / 1000.0);
		if (err) {
			printf("FAIL bench_%s_%d: configuring: %s\n",
			       dp_name[d], n, strerror(-err));
			failed++;
		}
	}
	for (d = 0; !failed && d < DP_COUNT; d++)
		failed += measure(d, n, conns / 5 + 1) < 0;	/* warm up */
	for (r = 0; !failed && r < rounds; r++) {
		/* Rotate the order, so no datapath always follows another. */
		for (k = 0; k < DP_COUNT; k++) {
			d = (r + k) % DP_COUNT;
			r_rate[d][r] = measure(d, n, conns);
			printf("BENCH %s %d %d %.0f\n", dp_name[d], n, r + 1,
			       r_rate[d][r]);
			if (r_rate[d][r] < 0)
				failed++;
		}
		for (d = 0; d < DP_COUNT; d++) {
			r_ipvs[d][r] = r_rate[d][r] / r_rate[DP_IPVS][r];
			r_direct[d][r] = r_rate[d][r] / r_rate[DP_DIRECT][r];
		}
		r_ct[r] = r_rate[DP_CVS][r] / r_rate[DP_IPVS_CT][r];
	}
	for (d = 0; d < DP_COUNT; d++) {
		dp_unload(d);
		if (failed)
			continue;
		rate[s][d] = median(r_rate[d], rounds);
		to_ipvs[s][d] = median(r_ipvs[d], rounds);
		to_direct[s][d] = median(r_direct[d], rounds);
	}
	if (!failed)
		cvs_to_ipvs_ct[s] = median(r_ct, rounds);
	if (failed)
		printf("FAIL bench_%d: connections failed\n", n);
	return failed;
}

/* A line of the report, which scripts/bench-kmod copies to its file. */
static void report(const char *fmt, ...)
{
	va_list ap;

	printf("REPORT ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int bench_main(int rounds, int conns)
{
	struct utsname u;
	char line[256];
	int s, d, len, failed = 0;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	if (!uname(&u))
		printf("REPORT-KERNEL %s\n", u.release);
	if (topology()) {
		printf("FAIL bench_topology\n");
		goto out;
	}
	if (sh("insmod /lib/cvs/cvs.ko")) {
		printf("FAIL bench_insmod\n");
		goto out;
	}
	for (s = 0; s < (int)ARRAY_LEN(sizes); s++)
		failed += bench_size(s, rounds, conns);
	sh("rmmod cvs");
	if (failed)
		goto out;
	report("conn/s, median of %d rounds x %d connections; in brackets the median per-round ratio to ipvs.",
	       rounds, conns);
	report("");
	report("| services | direct | cvs.ko | ipvs | ipvs + conntrack | iptables | nftables vmap |");
	report("|---:|---:|---:|---:|---:|---:|---:|");
	for (s = 0; s < (int)ARRAY_LEN(sizes); s++) {
		len = snprintf(line, sizeof(line), "| %d", sizes[s]);
		for (d = 0; d < DP_COUNT; d++)
			len += snprintf(line + len, sizeof(line) - len,
					" | %.0f (%.2f)", rate[s][d],
					to_ipvs[s][d]);
		report("%s |", line);
	}
	report("");
	report("Ratio to direct (median per round); the last row divides the one at 10,000 services by the one at 10: 1.00 is flat.");
	report("");
	report("| services | cvs.ko | ipvs | ipvs + conntrack | iptables | nftables vmap |");
	report("|---:|---:|---:|---:|---:|---:|");
	for (s = 0; s <= (int)ARRAY_LEN(sizes); s++) {
		if (s < (int)ARRAY_LEN(sizes))
			len = snprintf(line, sizeof(line), "| %d", sizes[s]);
		else
			len = snprintf(line, sizeof(line), "| 10000 / 10");
		for (d = DP_CVS; d < DP_COUNT; d++)
			len += snprintf(line + len, sizeof(line) - len,
					" | %.2f",
					s < (int)ARRAY_LEN(sizes) ?
					to_direct[s][d] :
					to_direct[2][d] / to_direct[0][d]);
		report("%s |", line);
	}
	report("");
	report("cvs.ko against ipvs + conntrack (median per round): %.2f at 10 services, %.2f at 1,000, %.2f at 10,000.",
	       cvs_to_ipvs_ct[0], cvs_to_ipvs_ct[1], cvs_to_ipvs_ct[2]);
out:
	printf("SUMMARY %d passed, %d failed\n", failed ? 0 : 1, failed ? failed : 0);
	return failed ? 1 : 0;
}
