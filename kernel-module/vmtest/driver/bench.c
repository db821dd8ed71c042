// SPDX-License-Identifier: GPL-2.0-only
/*
 * The connection-rate benchmark of cvs.ko, run in the VM with the argument
 * "bench" (scripts/bench-kmod). Each datapath has a load-balancer namespace
 * of its own between a client namespace and the backends in srv (but the
 * two of cvs.ko, which share the initial one), so all are configured at
 * once, none sees another's rules, and the rounds interleave them: the
 * host's load drifts (TCG on shared cores), and a ratio of two
 * measurements taken back to back is what survives it.
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
 *   cvs-maglev  cvs.ko with MAGLEV services (table size MAGLEV_SLOTS), on
 *             VIPs of their own in the same map set as cvs's: the module
 *             binds one set. It hashes the 5-tuple.
 *   ipvs-mh   as ipvs, with IPVS's Maglev scheduler and its mh-port flag,
 *             so that it hashes the source port too as cvs.ko does (its
 *             table size is the kernel's, 4093 in Debian's build)
 *
 * with 10, 1,000 and 10,000 services (those up to the argument "max=N"
 * only, for a quick run), three backends each. Every connection
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
#define MAGLEV_SLOTS	251	/* a prime well above the 3 backends */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const backend_addr[BACKENDS] = {
	"10.1.0.11", "10.1.0.12", "10.1.0.13",
};

enum dp {
	DP_DIRECT, DP_CVS, DP_IPVS, DP_IPVS_CT, DP_IPT, DP_NFT, DP_CVS_MH,
	DP_IPVS_MH, DP_COUNT
};
static const char *const dp_name[DP_COUNT] = {
	"direct", "cvs", "ipvs", "ipvs+ct", "iptables", "nft", "cvs-maglev",
	"ipvs-mh",
};
static const int sizes[] = { 10, 1000, 10000 };
static int nsizes = ARRAY_LEN(sizes);	/* those up to "max=N" */

/* The namespaces of each datapath: its load balancer and its client. */
static int lb_ns[DP_COUNT], cli_ns[DP_COUNT];

static bool dp_is_cvs(int dp)
{
	return dp == DP_CVS || dp == DP_CVS_MH;
}

/*
 * Datapath k but cvs's: client 10.(40+k).0.2 -> 10.(40+k).0.1 lb
 * 10.(50+k).0.1 -> 10.(50+k).0.2 srv, which owns the backend addresses.
 * cvs's are cli -> root (cvs.ko) -> srv.
 */
static int topology(void)
{
	char name[16];
	int k, err = 0;

	lb_ns[DP_CVS] = lb_ns[DP_CVS_MH] = NS_ROOT;
	cli_ns[DP_CVS] = cli_ns[DP_CVS_MH] = NS_CLI;
	err = sh("/sbin/ip -n cli route add 198.51.100.0/24 via 10.2.0.1 && "
		 "/sbin/ip route add 198.51.100.0/24 via 10.1.0.2 && "
		 "/sbin/ip -n cli route add 203.0.113.0/24 via 10.2.0.1 && "
		 "/sbin/ip route add 203.0.113.0/24 via 10.1.0.2");
	for (k = 0; !err && k < DP_COUNT; k++) {
		if (dp_is_cvs(k))
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

/*
 * Service i of dp: 198.51.100.(1 + i / 200), port 1000 + i % 200, TCP;
 * cvs-maglev's in 203.0.113.0/24 instead, beside cvs's in the same maps.
 */
static void service(enum dp dp, int i, char vip[INET_ADDRSTRLEN], int *port)
{
	snprintf(vip, INET_ADDRSTRLEN, "%s.%u",
		 dp == DP_CVS_MH ? "203.0.113" : "198.51.100",
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
		service(DP_IPT, i, vip, &port);
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
		service(DP_NFT, i, vip, &port);
		fprintf(f, "\t\t\t%s . tcp . %d : goto service-%d%s\n", vip,
			port, i, i + 1 < n ? "," : "");
	}
	fprintf(f, "\t\t}\n\t}\n\tchain services {\n\t\tip daddr . meta l4proto . th dport vmap @service-ips\n\t}\n"
		"\tchain nat-prerouting {\n\t\ttype nat hook prerouting priority -100; policy accept;\n\t\tjump services\n\t}\n}\n");
}

static void write_ipvs(FILE *f, enum dp dp, int n)
{
	char vip[INET_ADDRSTRLEN];
	int i, b, port;

	for (i = 0; i < n; i++) {
		service(dp, i, vip, &port);
		fprintf(f, "-A -t %s:%d %s\n", vip, port,
			dp == DP_IPVS_MH ? "-s mh -b mh-port" : "-s rr");
		for (b = 0; b < BACKENDS; b++)
			fprintf(f, "-a -t %s:%d -r %s:%d -m -w 1\n", vip, port,
				backend_addr[b], BACKEND_PORT);
	}
}

static struct cvs_maps *maps;

/*
 * n services of dp (cvs or cvs-maglev) in the set that cvs.ko binds: cvs,
 * first in dp order, creates and binds it, cvs-maglev adds its own.
 */
static int cvs_load(enum dp dp, int n)
{
	static const struct cvs_capacity cap = {
		.max_services = 2 * 10240,
		.max_backends = 2 * 10240 * BACKENDS,
		.max_members = 4,
		.table_slots = 4,
		.maglev_tables = 10240,
		.maglev_slots = MAGLEV_SLOTS,
	};
	const struct cvs_service_policy maglev = {
		.flags = CVS_POLICY_F_MAGLEV,
		.maglev_slots = MAGLEV_SLOTS,
	};
	const struct cvs_service_policy *policy =
		dp == DP_CVS_MH ? &maglev : NULL;
	struct cvs_backend_spec be[BACKENDS];
	char vip[INET_ADDRSTRLEN];
	struct cvs_service_key key;
	int i, b, port, err = 0;

	memset(be, 0, sizeof(be));
	for (b = 0; b < BACKENDS; b++) {
		inet_pton(AF_INET, backend_addr[b], &be[b].addr[0]);
		be[b].port = htons(BACKEND_PORT);
		be[b].weight = 1;
	}
	if (dp == DP_CVS)
		err = cvs_maps_open(PIN_ROOT, &cap, 0, &maps);
	else if (!maps)
		err = -ENODEV;
	for (i = 0; !err && i < n; i++) {
		service(dp, i, vip, &port);
		memset(&key, 0, sizeof(key));
		inet_pton(AF_INET, vip, &key.addr[0]);
		key.port = htons(port);
		key.proto = IPPROTO_TCP;
		key.family = AF_INET;
		err = cvs_service_upsert_policy(maps, &key, policy, be,
						BACKENDS);
	}
	return err ?: dp == DP_CVS ? cvs_module_bind(maps) : 0;
}

/* Configure n services in dp; 0 or -errno. */
static int dp_load(enum dp dp, int n)
{
	FILE *f;

	if (dp == DP_DIRECT)
		return 0;
	if (dp_is_cvs(dp))
		return cvs_load(dp, n);
	f = fopen(RULES, "w");
	if (!f)
		return -errno;
	if (dp == DP_IPT)
		write_iptables(f, n);
	else if (dp == DP_NFT)
		write_nft(f, n);
	else
		write_ipvs(f, dp, n);
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
	case DP_CVS_MH:
		break;	/* its services went with cvs's set */
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
	case DP_IPVS_MH:
		sh_in(lb_ns[dp], "ipvsadm -C && /sbin/ip route del local 198.51.100.0/24 dev lo");
		break;
	default:
		break;
	}
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
		service(dp, n - 1, vip, &port);
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

/*
 * Each datapath against its like, as a median of per-round ratios: cvs.ko
 * against IPVS as kube-proxy runs it (with conntrack), and cvs.ko's Maglev
 * against IPVS's.
 */
static const struct {
	enum dp dp, against;
	const char *what;
} pairs[] = {
	{ DP_CVS, DP_IPVS_CT, "cvs.ko against ipvs + conntrack" },
	{ DP_CVS_MH, DP_IPVS_MH, "cvs.ko maglev against ipvs mh" },
};

/* Per size and datapath: median conn/s and median per-round ratios. */
static double rate[ARRAY_LEN(sizes)][DP_COUNT];
static double to_ipvs[ARRAY_LEN(sizes)][DP_COUNT];
static double to_direct[ARRAY_LEN(sizes)][DP_COUNT];
static double pair_ratio[ARRAY_LEN(sizes)][ARRAY_LEN(pairs)];

static int bench_size(int s, int rounds, int conns)
{
	double r_rate[DP_COUNT][MAX_ROUNDS], r_ipvs[DP_COUNT][MAX_ROUNDS];
	double r_direct[DP_COUNT][MAX_ROUNDS];
	double r_pair[ARRAY_LEN(pairs)][MAX_ROUNDS];
	int n = sizes[s], d, k, r, err, failed = 0;
	size_t p;
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
		for (p = 0; p < ARRAY_LEN(pairs); p++)
			r_pair[p][r] = r_rate[pairs[p].dp][r] /
				       r_rate[pairs[p].against][r];
	}
	for (d = 0; d < DP_COUNT; d++) {
		dp_unload(d);
		if (failed)
			continue;
		rate[s][d] = median(r_rate[d], rounds);
		to_ipvs[s][d] = median(r_ipvs[d], rounds);
		to_direct[s][d] = median(r_direct[d], rounds);
	}
	for (p = 0; !failed && p < ARRAY_LEN(pairs); p++)
		pair_ratio[s][p] = median(r_pair[p], rounds);
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

/* The columns' titles, in dp order. */
static const char *const dp_title[DP_COUNT] = {
	"direct", "cvs.ko", "ipvs", "ipvs + conntrack", "iptables",
	"nftables vmap", "cvs.ko maglev", "ipvs mh",
};

/* A table's header for the datapaths from first on. */
static void report_header(enum dp first)
{
	char line[256], rule[64];
	int d, len, rlen;

	len = snprintf(line, sizeof(line), "| services");
	rlen = snprintf(rule, sizeof(rule), "|---:");
	for (d = first; d < DP_COUNT; d++) {
		len += snprintf(line + len, sizeof(line) - len, " | %s",
				dp_title[d]);
		rlen += snprintf(rule + rlen, sizeof(rule) - rlen, "|---:");
	}
	report("%s |", line);
	report("%s|", rule);
}

int bench_main(int rounds, int conns, int max_services)
{
	struct utsname u;
	char line[512];
	int s, d, len, failed = 0;
	size_t p;

	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	while (nsizes > 1 && sizes[nsizes - 1] > max_services)
		nsizes--;
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
	for (s = 0; s < nsizes; s++)
		failed += bench_size(s, rounds, conns);
	sh("rmmod cvs");
	if (failed)
		goto out;
	report("conn/s, median of %d rounds x %d connections; in brackets the median per-round ratio to ipvs.",
	       rounds, conns);
	report("");
	report_header(DP_DIRECT);
	for (s = 0; s < nsizes; s++) {
		len = snprintf(line, sizeof(line), "| %d", sizes[s]);
		for (d = 0; d < DP_COUNT; d++)
			len += snprintf(line + len, sizeof(line) - len,
					" | %.0f (%.2f)", rate[s][d],
					to_ipvs[s][d]);
		report("%s |", line);
	}
	report("");
	report("Ratio to direct (median per round); the last row divides the one at %d services by the one at %d: 1.00 is flat.",
	       sizes[nsizes - 1], sizes[0]);
	report("");
	report_header(DP_CVS);
	for (s = 0; s <= nsizes; s++) {
		if (s < nsizes)
			len = snprintf(line, sizeof(line), "| %d", sizes[s]);
		else
			len = snprintf(line, sizeof(line), "| %d / %d",
				       sizes[nsizes - 1], sizes[0]);
		for (d = DP_CVS; d < DP_COUNT; d++)
			len += snprintf(line + len, sizeof(line) - len,
					" | %.2f",
					s < nsizes ? to_direct[s][d] :
					to_direct[nsizes - 1][d] /
					to_direct[0][d]);
		report("%s |", line);
	}
	for (p = 0; p < ARRAY_LEN(pairs); p++) {
		len = snprintf(line, sizeof(line),
			       "%s (median per round):", pairs[p].what);
		for (s = 0; s < nsizes; s++)
			len += snprintf(line + len, sizeof(line) - len,
					" %.2f at %d services%s",
					pair_ratio[s][p], sizes[s],
					s + 1 < nsizes ? "," : ".");
		report("");
		report("%s", line);
	}
out:
	printf("SUMMARY %d passed, %d failed\n", failed ? 0 : 1, failed ? failed : 0);
	return failed ? 1 : 0;
}
