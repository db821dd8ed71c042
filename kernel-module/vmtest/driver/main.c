// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvs-vmtest: the checks of cvs.ko, run as the VM's init's child. Each check
 * prints "PASS <name> (<ms> ms)" or "FAIL <name>: <why>"; the last line is
 * "SUMMARY <passed> passed, <failed> failed". Checks run in order and build
 * on each other's state (module loaded, maps bound, ...), as an operator
 * would go through them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/capability.h>
#include <bpf/bpf.h>

#include "cvsbpf.h"
#include "vmtest.h"

#define MODULE_PATH "/lib/cvs/cvs.ko"
#define TIMEOUT_MS 2000
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const struct cvs_capacity capacity = {
	.max_services = 64,
	.max_backends = 256,
	.max_members = 16,
	.table_slots = 64,
};

static struct cvs_maps *maps;	/* the "daemon": the set's writer */

/* ---- helpers ----------------------------------------------------------- */

static struct cvs_svc_key svc_key(const char *vip, int port, int proto)
{
	struct cvs_svc_key k = { .port = htons(port), .proto = proto };

	inet_pton(AF_INET, vip, &k.addr);
	return k;
}

static struct cvs_backend_spec backend(const char *addr, int port,
				       int weight)
{
	struct cvs_backend_spec b = { .port = htons(port), .weight = weight };

	inet_pton(AF_INET, addr, &b.addr);
	return b;
}

static int upsert(const char *vip, int port, int proto,
		  const struct cvs_backend_spec *b, int n)
{
	struct cvs_svc_key k = svc_key(vip, port, proto);

	return cvs_service_upsert(maps, &k, b, n);
}

/* The services every check starts from. */
static int configure(void)
{
	const struct cvs_backend_spec web[] = {
		backend("10.1.0.11", 8080, 1),
		backend("10.1.0.12", 8080, 2),
		backend("10.1.0.13", 8080, 5),
	};
	const struct cvs_backend_spec dns[] = {
		backend("10.1.0.11", 5353, 1),
		backend("10.1.0.12", 5353, 1),
	};
	const struct cvs_backend_spec alt[] = { backend("10.1.0.14", 9090, 1) };
	const struct cvs_backend_spec drained[] = {
		backend("10.1.0.11", 8080, 0),
	};

	return upsert("192.0.2.10", 80, IPPROTO_TCP, web, ARRAY_LEN(web)) ?:
	       upsert("192.0.2.10", 53, IPPROTO_UDP, dns, ARRAY_LEN(dns)) ?:
	       upsert("192.0.2.11", 80, IPPROTO_TCP, alt, ARRAY_LEN(alt)) ?:
	       upsert("192.0.2.12", 80, IPPROTO_TCP, drained,
		      ARRAY_LEN(drained)) ?:
	       upsert("192.0.2.12", 53, IPPROTO_UDP, NULL, 0);
}

static int insmod(const char *args)
{
	return sh("insmod " MODULE_PATH " %s", args);
}

static int write_maps_file(const char *line)
{
	int fd = open(CVS_MODULE_SYSFS "/maps", O_WRONLY | O_CLOEXEC);
	int err = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static bool same_ids(const struct cvs_map_ids *a, const struct cvs_map_ids *b)
{
	return !memcmp(a, b, sizeof(*a));
}

/* Where connections went, by tag. */
struct tally {
	char tag[8][TAG_LEN];
	int count[8];
	int n;
	int errors;
	int first_error;
};

static void tally_add(struct tally *t, const char *tag)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->tag[i], tag))
			break;
	if (i == t->n) {
		if (t->n == ARRAY_LEN(t->tag))
			return;
		snprintf(t->tag[t->n++], TAG_LEN, "%s", tag);
	}
	t->count[i]++;
}

static int tally_of(const struct tally *t, const char *tag)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->tag[i], tag))
			return t->count[i];
	return 0;
}

#define TALLY_STR 256

static char s1[TALLY_STR], s2[TALLY_STR];	/* for tally_str() */

/* "10.1.0.11:8080 x3, 2 errors (first ...)" in buf */
static const char *tally_str(const struct tally *t, char buf[TALLY_STR])
{
	size_t len = 0;
	int i;

	buf[0] = '\0';
	for (i = 0; i < t->n && len < TALLY_STR; i++)
		len += snprintf(buf + len, TALLY_STR - len, "%s%s x%d",
				i ? ", " : "", t->tag[i], t->count[i]);
	if (t->errors && len < TALLY_STR)
		snprintf(buf + len, TALLY_STR - len, "%s%d errors (first %s)",
			 t->n ? ", " : "", t->errors, strerror(t->first_error));
	return buf;
}

static void tcp_many(enum ns ns, const char *vip, int port, int n,
		     struct tally *t)
{
	char tag[TAG_LEN];
	int i, err;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		err = tcp_probe(ns, vip, port, TIMEOUT_MS, tag);
		if (!err) {
			tally_add(t, tag);
		} else if (!t->errors++) {
			t->first_error = -err;
		}
	}
}

static void udp_many(enum ns ns, const char *vip, int port, int n,
		     struct tally *t)
{
	char tag[TAG_LEN];
	int i, err;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		err = udp_probe(ns, vip, port, TIMEOUT_MS, tag);
		if (!err) {
			tally_add(t, tag);
		} else if (!t->errors++) {
			t->first_error = -err;
		}
	}
}

/* Every connection answered, and only by tags in want. */
static bool tally_only(const struct tally *t, int n, const char *const *want,
		       int nwant)
{
	int i, k, sum = 0;

	if (t->errors)
		return false;
	for (i = 0; i < t->n; i++) {
		for (k = 0; k < nwant; k++)
			if (!strcmp(t->tag[i], want[k]))
				break;
		if (k == nwant)
			return false;
		sum += t->count[i];
	}
	return sum == n;
}

static const char *const web_tags[] = {
	"10.1.0.11:8080", "10.1.0.12:8080", "10.1.0.13:8080",
};
static const char *const dns_tags[] = { "10.1.0.11:5353", "10.1.0.12:5353" };

/* ---- checks ------------------------------------------------------------ */

static void check_module_loads_before_maps(void)
{
	const char *name = "module_loads_before_maps";
	struct cvs_module_status st;
	char tag[TAG_LEN];
	int err;

	if (!access(CVS_PIN_ROOT_DEFAULT, F_OK))
		return fail(name, "a map set exists before the test made one");
	if (insmod(""))
		return fail(name, "insmod failed");
	err = cvs_module_status(&st);
	if (err)
		return fail(name, "cvs_module_status: %s", strerror(-err));
	if (st.bound || st.abi_version != CVS_ABI_VERSION || st.binds)
		return fail(name, "status bound %u abi %u binds %llu", st.bound,
			    st.abi_version, (unsigned long long)st.binds);
	err = tcp_probe(NS_ROOT, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "unbound module: VIP answered %s (%s)",
			    err ? "nothing" : tag, strerror(-err));
	pass(name);
}

static void check_bind_refuses_bad_ids(void)
{
	const char *name = "bind_refuses_bad_ids";
	struct cvs_module_status st;
	struct cvs_map_ids ids;
	char line[128];
	int err;

	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, &capacity, 0, &maps) ?:
	      configure() ?: cvs_maps_ids(maps, &ids);
	if (err)
		return fail(name, "creating the map set: %s", strerror(-err));
	err = write_maps_file("999991 999992 999993 999994 999995 999996 999997 999998\n");
	if (err != -ENOENT)
		return fail(name, "unknown ids gave %s, expected ENOENT",
			    strerror(-err));
	/* services and gen swapped: each map is real, its place is wrong */
	snprintf(line, sizeof(line), "%u %u %u %u %u %u %u %u\n", ids.meta,
		 ids.gen, ids.services, ids.select, ids.members, ids.backends,
		 ids.backend_stats, ids.service_stats);
	err = write_maps_file(line);
	if (err != -EPROTO)
		return fail(name, "swapped maps gave %s, expected EPROTO",
			    strerror(-err));
	err = write_maps_file("1 2 3\n");
	if (err != -EINVAL)
		return fail(name, "three ids gave %s, expected EINVAL",
			    strerror(-err));
	err = cvs_module_status(&st);
	if (err || st.bound || st.bind_errors != 3)
		return fail(name, "status after refusals: %s, bound %u, bind_errors %llu",
			    strerror(-err), st.bound,
			    (unsigned long long)st.bind_errors);
	pass(name);
}

static void check_bind(void)
{
	const char *name = "bind";
	struct cvs_module_status st;
	struct cvs_map_ids ids;
	int err;

	err = cvs_module_bind(maps);
	if (err)
		return fail(name, "cvs_module_bind: %s", strerror(-err));
	err = cvs_module_status(&st) ?: cvs_maps_ids(maps, &ids);
	if (err)
		return fail(name, "status: %s", strerror(-err));
	if (!st.bound || st.orphaned || st.binds != 1 ||
	    !same_ids(&st.ids, &ids))
		return fail(name, "status bound %u orphaned %u binds %llu, ids %s",
			    st.bound, st.orphaned,
			    (unsigned long long)st.binds,
			    same_ids(&st.ids, &ids) ? "same" : "differ");
	pass(name);
}

static int drop_cap_sys_admin(void)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
	};
	struct __user_cap_data_struct data[2];

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	data[0].effective &= ~(1u << CAP_SYS_ADMIN);
	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

/* Child's exit code: 0 when a privilege-less bind failed as documented. */
static int unprivileged_bind(int as_nobody)
{
	struct cvs_module_status st;
	int err;

	err = as_nobody ? (setuid(65534) ? -errno : 0) : drop_cap_sys_admin();
	if (err)
		return 2;
	err = cvs_module_bind(maps);
	if (err != (as_nobody ? -EACCES : -EPERM))
		return 3;
	/* Reading the status needs no privilege. */
	err = cvs_module_status(&st);
	if (err)
		printf("  status without privilege: %s\n", strerror(-err));
	return err || !st.bound ? 4 : 0;
}

static void check_bind_needs_privilege(void)
{
	const char *name = "bind_needs_privilege";
	int as_nobody, status;
	pid_t child;

	for (as_nobody = 0; as_nobody < 2; as_nobody++) {
		child = fork();
		if (child == 0)
			_exit(unprivileged_bind(as_nobody));
		if (child < 0 || waitpid(child, &status, 0) != child ||
		    !WIFEXITED(status) || WEXITSTATUS(status))
			return fail(name, "%s: step %d failed",
				    as_nobody ? "uid 65534" :
				    "root without CAP_SYS_ADMIN",
				    WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	}
	pass(name);
}

static void check_tcp(const char *name, enum ns ns)
{
	struct tally t;

	tcp_many(ns, "192.0.2.10", 80, 24, &t);
	if (!tally_only(&t, 24, web_tags, ARRAY_LEN(web_tags)))
		return fail(name, "24 connections to 192.0.2.10:80: %s",
			    tally_str(&t, s1));
	pass(name);
}

/* Which namespace's conntrack did the DNAT: the routed path is root's. */
static void check_tcp_pre_routing(void)
{
	const char *name = "tcp_pre_routing";
	char *root, *cli;
	bool in_root;

	check_tcp(name, NS_CLI);
	root = read_file_in(NS_ROOT, "/proc/net/nf_conntrack");
	cli = read_file_in(NS_CLI, "/proc/net/nf_conntrack");
	in_root = root && strstr(root, "src=10.2.0.2 dst=192.0.2.10 ");
	if (!in_root || !cli || strstr(cli, "dst=192.0.2.10 "))
		fail("dnat_in_root_namespace",
		     "root conntrack %s the client's VIP connections; the client's %s",
		     in_root ? "has" : "lacks",
		     !cli ? "is unreadable" :
		     strstr(cli, "dst=192.0.2.10 ") ? "has them too" : "not");
	else
		pass("dnat_in_root_namespace");
	free(root);
	free(cli);
}

static void check_udp(const char *name, enum ns ns)
{
	struct tally t;

	udp_many(ns, "192.0.2.10", 53, 16, &t);
	if (!tally_only(&t, 16, dns_tags, ARRAY_LEN(dns_tags)) ||
	    t.n != 2)
		return fail(name, "16 datagrams to 192.0.2.10:53: %s",
			    tally_str(&t, s1));
	pass(name);
}

static void check_port_translation(void)
{
	const char *name = "port_translation";
	static const char *const want[] = { "10.1.0.14:9090" };
	struct tally host, cli;

	tcp_many(NS_ROOT, "192.0.2.11", 80, 4, &host);
	tcp_many(NS_CLI, "192.0.2.11", 80, 4, &cli);
	if (!tally_only(&host, 4, want, 1) || !tally_only(&cli, 4, want, 1))
		return fail(name, "192.0.2.11:80 from host: %s; from client: %s",
			    tally_str(&host, s1), tally_str(&cli, s2));
	pass(name);
}

static int read_counters(const char *vip, int port, int proto,
			 struct cvs_service_counters *svc,
			 struct cvs_backend_counters *be, __u32 *n)
{
	struct cvs_svc_key k = svc_key(vip, port, proto);

	return cvs_service_counters(maps, &k, svc, be, 8, n);
}

static void check_weights_and_counters(void)
{
	const char *name = "weights_1_2_5";
	static const int weight[] = { 1, 2, 5 };
	struct cvs_backend_counters before[8], after[8];
	struct cvs_service_counters sb, sa;
	const int total = 2000;
	double chi2 = 0, expect;
	__u32 nb, na, i;
	struct tally t;
	int err;

	err = read_counters("192.0.2.10", 80, IPPROTO_TCP, &sb, before, &nb);
	if (err)
		return fail(name, "counters: %s", strerror(-err));
	tcp_many(NS_ROOT, "192.0.2.10", 80, total, &t);
	if (!tally_only(&t, total, web_tags, ARRAY_LEN(web_tags)))
		return fail(name, "%d connections: %s", total, tally_str(&t, s1));
	for (i = 0; i < 3; i++) {
		expect = total * weight[i] / 8.0;
		chi2 += pow(tally_of(&t, web_tags[i]) - expect, 2) / expect;
	}
	/* 2 degrees of freedom: P(chi2 > 13.82) = 0.001 */
	printf("  weights 1:2:5 over %d connections: %s; chi-square %.2f\n",
	       total, tally_str(&t, s1), chi2);
	if (chi2 > 13.82)
		fail(name, "chi-square %.2f > 13.82", chi2);
	else
		pass(name);

	name = "counters";
	check_start();
	err = read_counters("192.0.2.10", 80, IPPROTO_TCP, &sa, after, &na);
	if (err || na != nb || na != 3)
		return fail(name, "counters: %s, %u members", strerror(-err),
			    na);
	for (i = 0; i < na; i++) {
		__u64 conns = after[i].conns - before[i].conns;
		__u64 packets = after[i].packets - before[i].packets;
		__u64 bytes = after[i].bytes - before[i].bytes;
		__u64 want = tally_of(&t, web_tags[i]);

		/* The first packet is a SYN: 20 bytes of IP, 20-60 of TCP. */
		if (conns != want || packets != want || bytes < 40 * want ||
		    bytes > 80 * want)
			return fail(name, "%s: conns %llu packets %llu bytes %llu, %llu connections seen",
				    web_tags[i], (unsigned long long)conns,
				    (unsigned long long)packets,
				    (unsigned long long)bytes,
				    (unsigned long long)want);
	}
	if (sa.refused != sb.refused)
		return fail(name, "refused moved by %llu",
			    (unsigned long long)(sa.refused - sb.refused));
	pass(name);
}

static void check_refused(const char *name, enum ns ns)
{
	struct cvs_service_counters before, after;
	struct cvs_backend_counters be[8];
	char tag[TAG_LEN];
	int tcp, udp, err;
	long t0, took;
	__u32 n;

	err = read_counters("192.0.2.12", 80, IPPROTO_TCP, &before, be, &n);
	if (err)
		return fail(name, "counters: %s", strerror(-err));
	t0 = now_ms();
	tcp = tcp_probe(ns, "192.0.2.12", 80, TIMEOUT_MS, tag);
	udp = udp_probe(ns, "192.0.2.12", 53, TIMEOUT_MS, tag);
	took = now_ms() - t0;
	if (tcp != -ECONNREFUSED || udp != -ECONNREFUSED)
		return fail(name, "TCP %s, UDP %s; expected ECONNREFUSED",
			    strerror(-tcp), strerror(-udp));
	if (took > 1000)
		return fail(name, "refusals took %ld ms", took);
	err = read_counters("192.0.2.12", 80, IPPROTO_TCP, &after, be, &n);
	if (err || after.refused != before.refused + 1)
		return fail(name, "refused counter %llu -> %llu",
			    (unsigned long long)before.refused,
			    (unsigned long long)after.refused);
	pass(name);
}

static void check_unknown_vip_untouched(void)
{
	const char *name = "unknown_vip_untouched";
	static const struct {
		enum ns ns;
		int udp;
		const char *vip;
		int port;
		const char *want;
	} cases[] = {
		{ NS_ROOT, 0, "192.0.2.99", 80, "192.0.2.99:80" },
		{ NS_CLI, 0, "192.0.2.99", 80, "192.0.2.99:80" },
		{ NS_ROOT, 1, "192.0.2.99", 53, "192.0.2.99:53" },
		{ NS_CLI, 1, "192.0.2.99", 53, "192.0.2.99:53" },
		/* a VIP's address with another protocol is not its service */
		{ NS_CLI, 1, "192.0.2.11", 53, "192.0.2.11:53" },
		{ NS_ROOT, 1, "192.0.2.11", 53, "192.0.2.11:53" },
	};
	char tag[TAG_LEN];
	size_t i;
	int err;

	for (i = 0; i < ARRAY_LEN(cases); i++) {
		err = cases[i].udp ?
			udp_probe(cases[i].ns, cases[i].vip, cases[i].port,
				  TIMEOUT_MS, tag) :
			tcp_probe(cases[i].ns, cases[i].vip, cases[i].port,
				  TIMEOUT_MS, tag);
		if (err || strcmp(tag, cases[i].want))
			return fail(name, "%s %s:%d from %s: %s",
				    cases[i].udp ? "UDP" : "TCP", cases[i].vip,
				    cases[i].port,
				    cases[i].ns == NS_CLI ? "client" : "host",
				    err ? strerror(-err) : tag);
	}
	pass(name);
}

/* A connection to backend tag, opened through the VIP. */
static int open_to(enum ns ns, const char *want)
{
	char tag[TAG_LEN];
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = tcp_open(ns, "192.0.2.10", 80, TIMEOUT_MS, tag);
		if (fd < 0 || !strcmp(tag, want))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

static void check_draining(void)
{
	const char *name = "draining_keeps_established";
	const struct cvs_backend_spec web[] = {
		backend("10.1.0.11", 8080, 1),
		backend("10.1.0.12", 8080, 2),
		backend("10.1.0.13", 8080, 0),
	};
	static const char *const want[] = { "10.1.0.11:8080",
					    "10.1.0.12:8080" };
	struct tally t;
	int fd, err;

	fd = open_to(NS_CLI, "10.1.0.13:8080");
	if (fd < 0)
		return fail(name, "no connection to 10.1.0.13: %s",
			    strerror(-fd));
	err = upsert("192.0.2.10", 80, IPPROTO_TCP, web, ARRAY_LEN(web));
	if (err) {
		close(fd);
		return fail(name, "upsert: %s", strerror(-err));
	}
	tcp_many(NS_CLI, "192.0.2.10", 80, 100, &t);
	err = tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (!tally_only(&t, 100, want, 2))
		return fail(name, "after draining 10.1.0.13: %s",
			    tally_str(&t, s1));
	if (err)
		return fail(name, "established connection to the drained backend: %s",
			    strerror(-err));
	pass(name);
}

static void check_removed(void)
{
	const char *name = "removed_keeps_established";
	const struct cvs_backend_spec web[] = {
		backend("10.1.0.11", 8080, 1),
		backend("10.1.0.13", 8080, 0),
	};
	static const char *const want[] = { "10.1.0.11:8080" };
	struct tally t;
	int fd, err;

	fd = open_to(NS_ROOT, "10.1.0.12:8080");
	if (fd < 0)
		return fail(name, "no connection to 10.1.0.12: %s",
			    strerror(-fd));
	err = upsert("192.0.2.10", 80, IPPROTO_TCP, web, ARRAY_LEN(web));
	if (err) {
		close(fd);
		return fail(name, "upsert: %s", strerror(-err));
	}
	tcp_many(NS_ROOT, "192.0.2.10", 80, 50, &t);
	err = tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (!tally_only(&t, 50, want, 1))
		return fail(name, "after removing 10.1.0.12: %s",
			    tally_str(&t, s1));
	if (err)
		return fail(name, "established connection to the removed backend: %s",
			    strerror(-err));
	pass(name);
}

/* Shared with a forked client: where its connections went. */
struct loop_result {
	int translated;		/* answered by a backend */
	int untouched;		/* answered by the VIP itself */
	int errors;
	int first_error;
	int translated_after;	/* backend answers after an untouched one */
	char tags[4][TAG_LEN];	/* backends seen */
	int ntags;
};

static void loop_note(struct loop_result *r, const char *tag)
{
	int i;

	for (i = 0; i < r->ntags; i++)
		if (!strcmp(r->tags[i], tag))
			return;
	if (r->ntags < (int)ARRAY_LEN(r->tags))
		snprintf(r->tags[r->ntags++], TAG_LEN, "%s", tag);
}

/* Connect from the client to 192.0.2.10:80 for ms milliseconds. */
static void client_loop(struct loop_result *r, int ms)
{
	long end = now_ms() + ms;
	char tag[TAG_LEN];
	int err;

	while (now_ms() < end) {
		err = tcp_probe(NS_CLI, "192.0.2.10", 80, 500, tag);
		if (err) {
			if (!r->errors++)
				r->first_error = -err;
		} else if (!strcmp(tag, "192.0.2.10:80")) {
			r->untouched++;
		} else {
			r->translated++;
			if (r->untouched)
				r->translated_after++;
			loop_note(r, tag);
		}
	}
}

static struct loop_result *client_start(int ms, pid_t *pid)
{
	struct loop_result *r;

	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (r == MAP_FAILED)
		return NULL;
	memset(r, 0, sizeof(*r));
	*pid = fork();
	if (*pid == 0) {
		client_loop(r, ms);
		_exit(0);
	}
	if (*pid < 0) {
		munmap(r, sizeof(*r));
		return NULL;
	}
	return r;
}

/*
 * The writer flips the service between two backend sets as fast as it can
 * while a client connects: every connection reaches a backend of one of
 * the sets (the reader never mixes generations or sees a half-written
 * table).
 */
static void check_flips_under_traffic(void)
{
	const char *name = "flips_under_traffic";
	const struct cvs_backend_spec one[] = { backend("10.1.0.11", 8080, 1) };
	const struct cvs_backend_spec two[] = {
		backend("10.1.0.12", 8080, 1),
		backend("10.1.0.13", 8080, 3),
	};
	const struct cvs_backend_spec after[] = {
		backend("10.1.0.11", 8080, 1),
		backend("10.1.0.13", 8080, 0),
	};
	struct cvs_backend_counters be[8];
	struct cvs_service_counters svc;
	struct loop_result *r;
	int flips = 0, err = 0, i;
	pid_t child;
	__u32 n;

	r = client_start(1500, &child);
	if (!r)
		return fail(name, "starting the client: %s", strerror(errno));
	while (!err && waitpid(child, NULL, WNOHANG) == 0) {
		err = flips & 1 ?
			upsert("192.0.2.10", 80, IPPROTO_TCP, two, 2) :
			upsert("192.0.2.10", 80, IPPROTO_TCP, one, 1);
		flips++;
	}
	if (err)
		waitpid(child, NULL, 0);
	err = err ?: upsert("192.0.2.10", 80, IPPROTO_TCP, after, 2) ?:
	      read_counters("192.0.2.10", 80, IPPROTO_TCP, &svc, be, &n);
	printf("  %d flips under %d connections; %llu reader retries\n", flips,
	       r->translated + r->errors, (unsigned long long)svc.retried);
	if (err)
		fail(name, "writing: %s", strerror(-err));
	else if (r->errors || r->untouched || r->translated < 10 || flips < 10)
		fail(name, "%d connections, %d untouched, %d errors (%s), %d flips",
		     r->translated, r->untouched, r->errors,
		     strerror(r->first_error), flips);
	else
		pass(name);
	for (i = 0; i < r->ntags; i++)
		if (strcmp(r->tags[i], "10.1.0.11:8080") &&
		    strcmp(r->tags[i], "10.1.0.12:8080") &&
		    strcmp(r->tags[i], "10.1.0.13:8080"))
			fail(name, "a connection reached %s", r->tags[i]);
	munmap(r, sizeof(*r));
}

static void check_serves_without_daemon(void)
{
	const char *name = "serves_without_daemon";
	static const char *const want[] = { "10.1.0.11:8080" };
	struct cvs_module_status st;
	struct tally host, cli;

	cvs_maps_close(maps);	/* the writer exits; pins stay */
	maps = NULL;
	tcp_many(NS_ROOT, "192.0.2.10", 80, 4, &host);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &cli);
	if (!tally_only(&host, 4, want, 1) || !tally_only(&cli, 4, want, 1))
		return fail(name, "from host: %s; from client: %s",
			    tally_str(&host, s1), tally_str(&cli, s2));
	if (cvs_module_status(&st) || !st.bound || st.orphaned)
		return fail(name, "status bound %u orphaned %u", st.bound,
			    st.orphaned);
	pass(name);
}

static bool map_exists(__u32 id)
{
	int fd = bpf_map_get_fd_by_id(id);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static void check_rebind_recreated(void)
{
	const char *name = "rebind_recreated_maps";
	const struct cvs_backend_spec web[] = { backend("10.1.0.14", 8080, 1) };
	static const char *const old_tags[] = { "10.1.0.11:8080" };
	static const char *const new_tags[] = { "10.1.0.14:8080" };
	struct cvs_module_status st;
	struct cvs_map_ids old;
	struct tally t;
	__u32 *id;
	int err;

	err = cvs_maps_destroy(CVS_PIN_ROOT_DEFAULT) ?: cvs_module_status(&st);
	if (err)
		return fail(name, "destroying the set: %s", strerror(-err));
	old = st.ids;
	if (!st.bound || !st.orphaned)
		return fail(name, "after destroy: bound %u orphaned %u",
			    st.bound, st.orphaned);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &t);
	if (!tally_only(&t, 4, old_tags, 1))
		return fail(name, "orphaned set served %s", tally_str(&t, s1));
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, &capacity, 0, &maps) ?:
	      configure() ?:
	      upsert("192.0.2.10", 80, IPPROTO_TCP, web, 1) ?:
	      cvs_module_bind(maps) ?: cvs_module_status(&st);
	if (err)
		return fail(name, "re-creating and binding: %s",
			    strerror(-err));
	if (!st.bound || st.orphaned || st.binds != 2 ||
	    same_ids(&st.ids, &old))
		return fail(name, "after rebind: bound %u orphaned %u binds %llu",
			    st.bound, st.orphaned,
			    (unsigned long long)st.binds);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &t);
	if (!tally_only(&t, 4, new_tags, 1))
		return fail(name, "new set served %s", tally_str(&t, s1));
	/* The module's references were the last ones: the old maps are gone. */
	for (id = &old.meta; id <= &old.service_stats; id++)
		if (map_exists(*id))
			return fail(name, "old map %u still exists", *id);
	pass(name);
}

static void check_unbind(void)
{
	const char *name = "unbind";
	struct cvs_module_status st;
	char tag[TAG_LEN];
	int err;

	err = cvs_module_unbind() ?: cvs_module_status(&st);
	if (err || st.bound)
		return fail(name, "unbind: %s, bound %u", strerror(-err),
			    st.bound);
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "unbound: VIP answered %s",
			    err ? strerror(-err) : tag);
	err = cvs_module_bind(maps) ?:
	      tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound again: %s",
			    err ? strerror(-err) : tag);
	pass(name);
}

/*
 * New connections go untranslated from the moment the hooks are gone.
 * The one connection in flight at that instant may fail: its reply can
 * come back after NAT stopped in this namespace.
 */
static void check_rmmod_under_traffic(void)
{
	const char *name = "rmmod_under_traffic";
	struct cvs_module_status st;
	struct loop_result *r;
	char tag[TAG_LEN];
	int rc, err, fd, echo;
	pid_t child;

	/* Opened before: tells what unloading does to NATed connections. */
	fd = tcp_open(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	r = client_start(2500, &child);
	if (!r) {
		close(fd);
		return fail(name, "starting the client: %s", strerror(errno));
	}
	sleep_ms(800);
	rc = sh("rmmod cvs");
	waitpid(child, NULL, 0);
	err = cvs_module_status(&st);
	printf("  around rmmod: %d connections translated, then %d untouched; %d failed\n",
	       r->translated, r->untouched, r->errors);
	if (fd >= 0) {
		echo = tcp_echo(fd, 500);
		printf("  a connection to %s opened before rmmod: %s after it\n",
		       tag, echo ? strerror(-echo) : "echoes");
		close(fd);
	}
	if (rc)
		fail(name, "rmmod exited with %d", rc);
	else if (err != -ENODEV)
		fail(name, "status after rmmod: %s", strerror(-err));
	else if (!r->translated || !r->untouched || r->translated_after ||
		 r->errors > 1)
		fail(name, "translated %d, untouched %d (%d translated after), %d errors (%s)",
		     r->translated, r->untouched, r->translated_after,
		     r->errors, strerror(r->first_error));
	else
		pass(name);
	munmap(r, sizeof(*r));
}

/* Loaded again with the maps pinned and no daemon: idle until bound. */
static void check_load_without_daemon(void)
{
	const char *name = "load_without_daemon";
	struct cvs_maps *ro = NULL;
	char tag[TAG_LEN];
	int err;

	cvs_maps_close(maps);
	maps = NULL;
	if (insmod(""))
		return fail(name, "insmod failed");
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "before binding: %s",
			    err ? strerror(-err) : tag);
	/* An operator's tool binds the pinned set through a reader. */
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, NULL, CVS_OPEN_READONLY,
			    &ro) ?: cvs_module_bind(ro);
	cvs_maps_close(ro);
	if (err)
		return fail(name, "binding read-only: %s", strerror(-err));
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound: %s", err ? strerror(-err) : tag);
	pass(name);
}

/* all_netns=1: the client's own LOCAL_OUT translates. */
static void check_all_netns(void)
{
	const char *name = "all_netns";
	struct cvs_maps *ro = NULL;
	char tag[TAG_LEN], *cli;
	bool in_cli;
	int err;

	if (sh("rmmod cvs") || insmod("all_netns=1"))
		return fail(name, "reloading with all_netns=1 failed");
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, NULL, CVS_OPEN_READONLY,
			    &ro) ?: cvs_module_bind(ro) ?:
	      tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	cvs_maps_close(ro);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound: %s", err ? strerror(-err) : tag);
	cli = read_file_in(NS_CLI, "/proc/net/nf_conntrack");
	in_cli = cli && strstr(cli, "dst=192.0.2.10 ");
	free(cli);
	if (!in_cli)
		return fail(name, "the client namespace did not DNAT");
	if (sh("rmmod cvs"))
		return fail(name, "rmmod failed");
	pass(name);
}

static void check_no_leaked_maps(void)
{
	const char *name = "no_leaked_maps";
	__u32 id = 0;
	int err;

	err = cvs_maps_destroy(CVS_PIN_ROOT_DEFAULT);
	if (err)
		return fail(name, "destroying the set: %s", strerror(-err));
	if (!bpf_map_get_next_id(0, &id))
		return fail(name, "map %u still exists with no pin, no fd and no module",
			    id);
	pass(name);
}

static bool show_dmesg;	/* argument "dmesg": print the kernel log */

/* Anything the kernel says when something went wrong. */
static void check_dmesg_clean(void)
{
	const char *name = "dmesg_clean";
	static const char *const bad[] = {
		"WARNING:", "BUG:", "BUG ", "Oops", "general protection",
		"Call Trace", "refcount_t", "use-after-free", "kmemleak",
		"unreferenced object", "memory leak", "leaked",
		"unregister_netdevice: waiting", "rcu_preempt detected stall",
		"INFO: rcu", "INFO: task", "list_add corruption",
		"list_del corruption", "bad page",
	};
	char *log, *line, *next;
	int size, n, bad_line = 0;
	size_t i;

	size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	log = size > 0 ? malloc(size + 1) : NULL;
	n = log ? klogctl(3, log, size) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		free(log);
		return fail(name, "cannot read the kernel log");
	}
	log[n] = '\0';
	for (line = log; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (show_dmesg)
			printf("  | %s\n", line);
		for (i = 0; i < ARRAY_LEN(bad); i++) {
			if (strstr(line, bad[i]) && !bad_line++)
				fail(name, "%s", line);
		}
	}
	free(log);
	if (!bad_line)
		pass(name);
}

#define RUN(call) do { check_start(); call; } while (0)

/* Arguments (from the kernel command line's cvs.args=, split at commas):
 * "dmesg" prints the kernel log; "bench", "rounds=N", "conns=N" run the
 * benchmark instead of the checks. */
int main(int argc, char **argv)
{
	int i, err, rounds = 3, conns = 1000;
	bool bench = false;

	for (i = 1; i < argc; i++) {
		show_dmesg |= !strcmp(argv[i], "dmesg");
		bench |= !strcmp(argv[i], "bench");
		sscanf(argv[i], "rounds=%d", &rounds);
		sscanf(argv[i], "conns=%d", &conns);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_start();
	err = net_setup();
	if (err) {
		fail("setup", "%s", strerror(-err));
		goto out;
	}
	pass("setup");
	if (bench)
		return bench_main(rounds, conns);
	RUN(check_module_loads_before_maps());
	RUN(check_bind_refuses_bad_ids());
	RUN(check_bind());
	RUN(check_bind_needs_privilege());
	RUN(check_tcp("tcp_local_out", NS_ROOT));
	RUN(check_tcp_pre_routing());
	RUN(check_udp("udp_local_out", NS_ROOT));
	RUN(check_udp("udp_pre_routing", NS_CLI));
	RUN(check_port_translation());
	RUN(check_weights_and_counters());
	RUN(check_refused("refused_local_out", NS_ROOT));
	RUN(check_refused("refused_pre_routing", NS_CLI));
	RUN(check_unknown_vip_untouched());
	RUN(check_draining());
	RUN(check_removed());
	RUN(check_flips_under_traffic());
	RUN(check_serves_without_daemon());
	RUN(check_rebind_recreated());
	RUN(check_unbind());
	RUN(check_rmmod_under_traffic());
	RUN(check_load_without_daemon());
	RUN(check_all_netns());
	RUN(check_no_leaked_maps());
	net_teardown();
	RUN(check_dmesg_clean());
out:
	printf("SUMMARY %d passed, %d failed\n", passes(), failures());
	return failures() ? 1 : 0;
}
