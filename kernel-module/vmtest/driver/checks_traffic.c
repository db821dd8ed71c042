// SPDX-License-Identifier: GPL-2.0-only
/*
 * Traffic through a bound module: TCP and UDP from the host and through it,
 * port translation, weights and counters, refusals, VIPs it must leave
 * alone, and established connections kept while the writer changes the set;
 * each in either family (struct fam), and both families on one port.
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

void check_tcp(const struct fam *f, const char *base, enum ns ns)
{
	char name[NAME_LEN];
	struct tally t;

	check_name(name, base, f);
	tcp_many(ns, f->vip, 80, 24, &t);
	if (!tally_only(&t, 24, f->web, ARRAY_LEN(f->web)))
		return fail(name, "24 connections to %s:80: %s", f->vip,
			    tally_str(&t, s1));
	pass(name);
}

/* Which namespace's conntrack did the DNAT: the routed path is root's. */
void check_tcp_pre_routing(const struct fam *f)
{
	char name[NAME_LEN], *root, *cli;
	bool in_root;

	check_tcp(f, "tcp_pre_routing", NS_CLI);
	check_start();
	check_name(name, "dnat_in_root_namespace", f);
	root = read_file_in(NS_ROOT, "/proc/net/nf_conntrack");
	cli = read_file_in(NS_CLI, "/proc/net/nf_conntrack");
	in_root = root && strstr(root, f->ct_routed);
	if (!in_root || !cli || strstr(cli, f->ct_vip))
		fail(name,
		     "root conntrack %s the client's VIP connections; the client's %s",
		     in_root ? "has" : "lacks",
		     !cli ? "is unreadable" :
		     strstr(cli, f->ct_vip) ? "has them too" : "not");
	else
		pass(name);
	free(root);
	free(cli);
}

void check_udp(const struct fam *f, const char *base, enum ns ns)
{
	char name[NAME_LEN];
	struct tally t;

	check_name(name, base, f);
	udp_many(ns, f->vip, 53, 16, &t);
	if (!tally_only(&t, 16, f->dns, ARRAY_LEN(f->dns)) || t.n != 2)
		return fail(name, "16 datagrams to %s:53: %s", f->vip,
			    tally_str(&t, s1));
	pass(name);
}

void check_port_translation(const struct fam *f)
{
	struct tally host, cli;
	char name[NAME_LEN];

	check_name(name, "port_translation", f);
	tcp_many(NS_ROOT, f->alt, 80, 4, &host);
	tcp_many(NS_CLI, f->alt, 80, 4, &cli);
	if (!tally_only(&host, 4, &f->alt_tag, 1) ||
	    !tally_only(&cli, 4, &f->alt_tag, 1))
		return fail(name, "%s:80 from host: %s; from client: %s",
			    f->alt, tally_str(&host, s1), tally_str(&cli, s2));
	pass(name);
}

static int read_counters(const char *vip, int port, int proto,
			 struct cvs_service_counters *svc,
			 struct cvs_backend_counters *be, __u32 *n)
{
	struct cvs_service_key k = svc_key(vip, port, proto);

	return cvs_service_counters(maps, &k, svc, be, 8, n);
}

/*
 * The counters of f's web service moved by what t saw: a connection, a
 * packet and a SYN's bytes (the IP header and 20-60 bytes of TCP) each.
 */
static int check_counted(const struct fam *f, const struct tally *t,
			 const struct cvs_backend_counters *before, __u32 nb,
			 char why[TALLY_STR])
{
	struct cvs_backend_counters after[8];
	struct cvs_service_counters svc;
	__u32 na, i;
	int err;

	err = read_counters(f->vip, 80, IPPROTO_TCP, &svc, after, &na);
	if (err || na != nb || na != 3) {
		snprintf(why, TALLY_STR, "counters: %s, %u members",
			 strerror(-err), na);
		return -1;
	}
	for (i = 0; i < na; i++) {
		__u64 conns = after[i].conns - before[i].conns;
		__u64 packets = after[i].packets - before[i].packets;
		__u64 bytes = after[i].bytes - before[i].bytes;
		__u64 want = tally_of(t, f->web[i]);

		if (conns != want || packets != want ||
		    bytes < (f->ip_header + 20) * want ||
		    bytes > (f->ip_header + 60) * want) {
			snprintf(why, TALLY_STR,
				 "%s: conns %llu packets %llu bytes %llu, %llu connections seen",
				 f->web[i], (unsigned long long)conns,
				 (unsigned long long)packets,
				 (unsigned long long)bytes,
				 (unsigned long long)want);
			return -1;
		}
	}
	return 0;
}

void check_weights_and_counters(const struct fam *f)
{
	static const int weight[] = { 1, 2, 5 };
	struct cvs_backend_counters before[8], be[8];
	struct cvs_service_counters sb, sa;
	const int total = 2000;
	double chi2 = 0, expect;
	char name[NAME_LEN], why[TALLY_STR];
	struct tally t;
	__u32 nb, n, i;
	int err;

	check_name(name, "weights_1_2_5", f);
	err = read_counters(f->vip, 80, IPPROTO_TCP, &sb, before, &nb);
	if (err)
		return fail(name, "counters: %s", strerror(-err));
	tcp_many(NS_ROOT, f->vip, 80, total, &t);
	if (!tally_only(&t, total, f->web, ARRAY_LEN(f->web)))
		return fail(name, "%d connections: %s", total,
			    tally_str(&t, s1));
	for (i = 0; i < 3; i++) {
		expect = total * weight[i] / 8.0;
		chi2 += pow(tally_of(&t, f->web[i]) - expect, 2) / expect;
	}
	/* 2 degrees of freedom: P(chi2 > 13.82) = 0.001 */
	printf("  weights 1:2:5 over %d connections to %s: %s; chi-square %.2f\n",
	       total, f->vip, tally_str(&t, s1), chi2);
	if (chi2 > 13.82)
		fail(name, "chi-square %.2f > 13.82", chi2);
	else
		pass(name);

	check_start();
	check_name(name, "counters", f);
	if (check_counted(f, &t, before, nb, why))
		return fail(name, "%s", why);
	err = read_counters(f->vip, 80, IPPROTO_TCP, &sa, be, &n);
	if (err || sa.refused != sb.refused)
		return fail(name, "refused moved by %llu (%s)",
			    (unsigned long long)(sa.refused - sb.refused),
			    strerror(-err));
	pass(name);
}

/* The TCPSynRetrans counter of ns (/proc/net/netstat); -1 if unread. */
static long syn_retransmissions(enum ns ns)
{
	char *text = read_file_in(ns, "/proc/net/netstat");
	char *names, *values, *name, *value, *np, *vp;
	long n = -1;

	names = text ? strstr(text, "TcpExt:") : NULL;
	values = names ? strstr(names, "\nTcpExt:") : NULL;
	if (!values) {
		free(text);
		return -1;
	}
	*values++ = '\0';
	name = strtok_r(names, " \n", &np);
	value = strtok_r(values, " \n", &vp);
	while (name && value && strcmp(name, "TCPSynRetrans")) {
		name = strtok_r(NULL, " \n", &np);
		value = strtok_r(NULL, " \n", &vp);
	}
	if (name && value)
		n = strtol(value, NULL, 10);
	free(text);
	return n;
}

/*
 * A process on the host is refused by its own send path, so at once; a
 * routed client by an ICMP error that comes back. The client here shares
 * the VM's CPUs: its SYN is routed, refused and answered in the softirq
 * that its own connect() runs, while that call holds the socket. TCP then
 * keeps the error as a soft one: IPv4 also queues it on the socket's error
 * queue, which wakes the caller, but IPv6 does that only for IPV6_RECVERR
 * sockets, so an IPv6 connect() learns of the refusal from the error to
 * its first SYN retransmission, a second later. UDP is refused at once in
 * both families.
 */
void check_refused(const struct fam *f, const char *base, enum ns ns)
{
	struct cvs_service_counters before, after;
	struct cvs_backend_counters be[8];
	int tcp, udp, err, limit = ns == NS_ROOT ? 10 : f->routed_refusal_ms;
	char name[NAME_LEN], tag[TAG_LEN];
	long t0, t_tcp, t_udp, syns;
	__u32 n;

	check_name(name, base, f);
	err = read_counters(f->refusing, 80, IPPROTO_TCP, &before, be, &n);
	if (err)
		return fail(name, "counters: %s", strerror(-err));
	syns = 1 - syn_retransmissions(ns);
	t0 = now_ms();
	tcp = tcp_probe(ns, f->refusing, 80, TIMEOUT_MS, tag);
	t_tcp = now_ms() - t0;
	syns += syn_retransmissions(ns);
	t0 = now_ms();
	udp = udp_probe(ns, f->refusing, 53, TIMEOUT_MS, tag);
	t_udp = now_ms() - t0;
	printf("  %s: refused from the %s: TCP in %ld ms (%ld SYN), UDP in %ld ms\n",
	       f->refusing, ns == NS_ROOT ? "host" : "client", t_tcp, syns,
	       t_udp);
	if (tcp != -ECONNREFUSED || udp != -ECONNREFUSED)
		return fail(name, "TCP %s, UDP %s; expected ECONNREFUSED",
			    strerror(-tcp), strerror(-udp));
	if (t_tcp >= limit || t_udp >= limit)
		return fail(name, "refusals took %ld and %ld ms, limit %d ms",
			    t_tcp, t_udp, limit);
	/* Each SYN is refused: the refusal dropped the one before's entry. */
	err = read_counters(f->refusing, 80, IPPROTO_TCP, &after, be, &n);
	if (err || after.refused != before.refused + syns)
		return fail(name, "refused counter %llu -> %llu for %ld SYN",
			    (unsigned long long)before.refused,
			    (unsigned long long)after.refused, syns);
	pass(name);
}

void check_unknown_vip_untouched(const struct fam *f)
{
	const struct {
		enum ns ns;
		int udp;
		const char *vip;
		int port;
	} cases[] = {
		{ NS_ROOT, 0, f->unknown, 80 },
		{ NS_CLI, 0, f->unknown, 80 },
		{ NS_ROOT, 1, f->unknown, 53 },
		{ NS_CLI, 1, f->unknown, 53 },
		/* a VIP's address with another protocol is not its service */
		{ NS_CLI, 1, f->alt, 53 },
		{ NS_ROOT, 1, f->alt, 53 },
	};
	char name[NAME_LEN], tag[TAG_LEN], want[TAG_LEN];
	size_t i;
	int err;

	check_name(name, "unknown_vip_untouched", f);
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		tag_of(want, cases[i].vip, cases[i].port);
		err = cases[i].udp ?
			udp_probe(cases[i].ns, cases[i].vip, cases[i].port,
				  TIMEOUT_MS, tag) :
			tcp_probe(cases[i].ns, cases[i].vip, cases[i].port,
				  TIMEOUT_MS, tag);
		if (err || strcmp(tag, want))
			return fail(name, "%s %s port %d from %s: %s",
				    cases[i].udp ? "UDP" : "TCP", cases[i].vip,
				    cases[i].port,
				    cases[i].ns == NS_CLI ? "client" : "host",
				    err ? strerror(-err) : tag);
	}
	pass(name);
}

/*
 * An IPv4 and an IPv6 service on the same port and protocol, used in turn:
 * each connection reaches its own family's backends, and each service
 * counts only its own.
 */
void check_dual_stack(void)
{
	const char *name = "dual_stack_same_port";
	const struct fam *fams[] = { &v4, &v6 };
	struct cvs_backend_counters before[2][8];
	struct tally tcp[2], udp[2], one;
	char why[TALLY_STR];
	__u32 nb[2];
	int i, k, err;

	for (k = 0; k < 2; k++) {
		struct cvs_service_counters svc;

		err = read_counters(fams[k]->vip, 80, IPPROTO_TCP, &svc,
				    before[k], &nb[k]);
		if (err)
			return fail(name, "counters: %s", strerror(-err));
		memset(&tcp[k], 0, sizeof(tcp[k]));
		memset(&udp[k], 0, sizeof(udp[k]));
	}
	for (i = 0; i < 40; i++) {
		k = i & 1;
		tcp_many(i & 2 ? NS_CLI : NS_ROOT, fams[k]->vip, 80, 1, &one);
		if (one.errors || one.n != 1)
			return fail(name, "TCP to %s:80: %s", fams[k]->vip,
				    tally_str(&one, s1));
		tally_add(&tcp[k], one.tag[0]);
		udp_many(i & 2 ? NS_CLI : NS_ROOT, fams[k]->vip, 53, 1, &one);
		if (one.errors || one.n != 1)
			return fail(name, "UDP to %s:53: %s", fams[k]->vip,
				    tally_str(&one, s1));
		tally_add(&udp[k], one.tag[0]);
	}
	for (k = 0; k < 2; k++) {
		if (!tally_only(&tcp[k], 20, fams[k]->web,
				ARRAY_LEN(fams[k]->web)) ||
		    !tally_only(&udp[k], 20, fams[k]->dns,
				ARRAY_LEN(fams[k]->dns)))
			return fail(name, "%s: TCP %s; UDP %s", fams[k]->vip,
				    tally_str(&tcp[k], s1),
				    tally_str(&udp[k], s2));
		if (check_counted(fams[k], &tcp[k], before[k], nb[k], why))
			return fail(name, "%s", why);
	}
	printf("  port 80 of %s: %s; of %s: %s\n", v4.vip,
	       tally_str(&tcp[0], s1), v6.vip, tally_str(&tcp[1], s2));
	pass(name);
}

/* A connection to backend tag, opened through f's VIP. */
static int open_to(const struct fam *f, enum ns ns, const char *want)
{
	char tag[TAG_LEN];
	int i, fd;

	for (i = 0; i < 100; i++) {
		fd = tcp_open(ns, f->vip, 80, TIMEOUT_MS, tag);
		if (fd < 0 || !strcmp(tag, want))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

void check_draining(const struct fam *f)
{
	const struct cvs_backend_spec web[] = {
		backend(f->be[0], 8080, 1),
		backend(f->be[1], 8080, 2),
		backend(f->be[2], 8080, 0),
	};
	char name[NAME_LEN];
	struct tally t;
	int fd, err;

	check_name(name, "draining_keeps_established", f);
	fd = open_to(f, NS_CLI, f->web[2]);
	if (fd < 0)
		return fail(name, "no connection to %s: %s", f->web[2],
			    strerror(-fd));
	err = upsert(f->vip, 80, IPPROTO_TCP, web, ARRAY_LEN(web));
	if (err) {
		close(fd);
		return fail(name, "upsert: %s", strerror(-err));
	}
	tcp_many(NS_CLI, f->vip, 80, 100, &t);
	err = tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (!tally_only(&t, 100, f->web, 2))
		return fail(name, "after draining %s: %s", f->web[2],
			    tally_str(&t, s1));
	if (err)
		return fail(name, "established connection to the drained backend: %s",
			    strerror(-err));
	pass(name);
}

void check_removed(const struct fam *f)
{
	const struct cvs_backend_spec web[] = {
		backend(f->be[0], 8080, 1),
		backend(f->be[2], 8080, 0),
	};
	char name[NAME_LEN];
	struct tally t;
	int fd, err;

	check_name(name, "removed_keeps_established", f);
	fd = open_to(f, NS_ROOT, f->web[1]);
	if (fd < 0)
		return fail(name, "no connection to %s: %s", f->web[1],
			    strerror(-fd));
	err = upsert(f->vip, 80, IPPROTO_TCP, web, ARRAY_LEN(web));
	if (err) {
		close(fd);
		return fail(name, "upsert: %s", strerror(-err));
	}
	tcp_many(NS_ROOT, f->vip, 80, 50, &t);
	err = tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (!tally_only(&t, 50, f->web, 1))
		return fail(name, "after removing %s: %s", f->web[1],
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
 * table). With policies, the second set is MAGLEV with affinity, so each
 * flip also changes the policy, a Maglev table and the selectable marks
 * that the reader validates with the rest, and the client's affinity entry
 * is written under it.
 */
void check_flips_under_traffic(bool policies)
{
	const char *name = policies ? "policy_flips_under_traffic" :
				      "flips_under_traffic";
	const struct cvs_service_key k = svc_key("192.0.2.10", 80, IPPROTO_TCP);
	const struct cvs_service_policy maglev = {
		.flags = CVS_POLICY_F_MAGLEV | CVS_POLICY_F_AFFINITY,
		.affinity_timeout = 1,
		.maglev_slots = 251,
	};
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
			cvs_service_upsert_policy(maps, &k,
						  policies ? &maglev : NULL,
						  two, 2) :
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
