// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic through a bound module: TCP and UDP from the host and through it,
 * port translation, weights and counters, refusals, VIPs it must leave
 * alone, and established connections kept while the writer changes the set.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

static const char *const web_tags[] = {
	"10.1.0.11:8080", "10.1.0.12:8080", "10.1.0.13:8080",
};
static const char *const dns_tags[] = { "10.1.0.11:5353", "10.1.0.12:5353" };

static int tally_of(const struct tally *t, const char *tag)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->tag[i], tag))
			return t->count[i];
	return 0;
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

void check_tcp(const char *name, enum ns ns)
{
	struct tally t;

	tcp_many(ns, "192.0.2.10", 80, 24, &t);
	if (!tally_only(&t, 24, web_tags, ARRAY_LEN(web_tags)))
		return fail(name, "24 connections to 192.0.2.10:80: %s",
			    tally_str(&t, s1));
	pass(name);
}

/* Which namespace's conntrack did the DNAT: the routed path is root's. */
void check_tcp_pre_routing(void)
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

void check_udp(const char *name, enum ns ns)
{
	struct tally t;

	udp_many(ns, "192.0.2.10", 53, 16, &t);
	if (!tally_only(&t, 16, dns_tags, ARRAY_LEN(dns_tags)) ||
	    t.n != 2)
		return fail(name, "16 datagrams to 192.0.2.10:53: %s",
			    tally_str(&t, s1));
	pass(name);
}

void check_port_translation(void)
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

void check_weights_and_counters(void)
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

void check_refused(const char *name, enum ns ns)
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

void check_unknown_vip_untouched(void)
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

void check_draining(void)
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

void check_removed(void)
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

/*
 * The writer flips the service between two backend sets as fast as it can
 * while a client connects: every connection reaches a backend of one of
 * the sets (the reader never mixes generations or sees a half-written
 * table).
 */
void check_flips_under_traffic(void)
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
