// SPDX-License-Identifier: GPL-2.0-only
/*
 * What the checks share: the writer's map set, services by address, the
 * tally of where connections went, and a client that connects in the
 * background while a check changes something under it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "checks.h"

#define MODULE_PATH "/lib/cvs/cvs.ko"

struct cvs_maps *maps;

const struct fam v4 = {
	.sfx = "",
	.vip = "192.0.2.10",
	.alt = "192.0.2.11",
	.refusing = "192.0.2.12",
	.unknown = "192.0.2.99",
	.be = { "10.1.0.11", "10.1.0.12", "10.1.0.13", "10.1.0.14" },
	.web = { "10.1.0.11:8080", "10.1.0.12:8080", "10.1.0.13:8080" },
	.dns = { "10.1.0.11:5353", "10.1.0.12:5353" },
	.alt_tag = "10.1.0.14:9090",
	.cli = { "10.2.0.2", "10.2.0.3" },
	.ct_routed = "src=10.2.0.2 dst=192.0.2.10 ",
	.ct_vip = "dst=192.0.2.10 ",
	.ip_header = 20,
	.routed_refusal_ms = 1000,
};

const struct fam v6 = {
	.sfx = "_v6",
	.vip = "2001:db8::10",
	.alt = "2001:db8::11",
	.refusing = "2001:db8::12",
	.unknown = "2001:db8::99",
	.be = { "fd00:1::11", "fd00:1::12", "fd00:1::13", "fd00:1::14" },
	.web = { "[fd00:1::11]:8080", "[fd00:1::12]:8080",
		 "[fd00:1::13]:8080" },
	.dns = { "[fd00:1::11]:5353", "[fd00:1::12]:5353" },
	.alt_tag = "[fd00:1::14]:9090",
	.cli = { "fd00:2::2", "fd00:2::3" },
	.ct_routed = "src=fd00:0002:0000:0000:0000:0000:0000:0002 "
		     "dst=2001:0db8:0000:0000:0000:0000:0000:0010 ",
	.ct_vip = "dst=2001:0db8:0000:0000:0000:0000:0000:0010 ",
	.ip_header = 40,
	.routed_refusal_ms = 1500,	/* one SYN retransmission */
};

const char *check_name(char buf[NAME_LEN], const char *base,
		       const struct fam *f)
{
	snprintf(buf, NAME_LEN, "%s%s", base, f->sfx);
	return buf;
}

/* addr in a[], the family its text names. */
int parse_addr(const char *addr, __be32 a[4])
{
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	memset(a, 0, 4 * sizeof(a[0]));
	inet_pton(family, addr, a);
	return family;
}

struct cvs_service_key svc_key(const char *vip, int port, int proto)
{
	struct cvs_service_key k = { .port = htons(port), .proto = proto };

	k.family = parse_addr(vip, k.addr);
	return k;
}

struct cvs_backend_spec backend(const char *addr, int port, int weight)
{
	struct cvs_backend_spec b = { .port = htons(port), .weight = weight };

	parse_addr(addr, b.addr);
	return b;
}

int upsert(const char *vip, int port, int proto,
	   const struct cvs_backend_spec *b, int n)
{
	struct cvs_service_key k = svc_key(vip, port, proto);

	return cvs_service_upsert(maps, &k, b, n);
}

int insmod(const char *args)
{
	return sh("insmod " MODULE_PATH " %s", args);
}

void tally_add(struct tally *t, const char *tag)
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

char s1[TALLY_STR], s2[TALLY_STR];

const char *tally_str(const struct tally *t, char buf[TALLY_STR])
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

void tcp_many(enum ns ns, const char *vip, int port, int n,
	      struct tally *t)
{
	tcp_many_from(ns, NULL, vip, port, n, t);
}

void tcp_many_from(enum ns ns, const char *src, const char *vip, int port,
		   int n, struct tally *t)
{
	char tag[TAG_LEN];
	int i, err;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < n; i++) {
		err = src ? tcp_probe_from(ns, src, 0, vip, port, TIMEOUT_MS,
					   tag) :
			    tcp_probe(ns, vip, port, TIMEOUT_MS, tag);
		if (!err) {
			tally_add(t, tag);
		} else if (!t->errors++) {
			t->first_error = -err;
		}
	}
}

bool tally_only(const struct tally *t, int n, const char *const *want,
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

struct loop_result *client_start(int ms, pid_t *pid)
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

/* The VIP of f numbered last: 192.0.2.<last> or 2001:db8::<last>. */
const char *flow_vip(const struct fam *f, int last, char buf[64])
{
	snprintf(buf, 64, f == &v6 ? "2001:db8::%d" : "192.0.2.%d", last);
	return buf;
}

/* Which of f's two dns backends tag names: 0, 1, or -1 for neither. */
int dns_index(const struct fam *f, const char *tag)
{
	return !tag ? -1 : !strcmp(tag, f->dns[0]) ? 0 :
	       !strcmp(tag, f->dns[1]) ? 1 : -1;
}

/* Whether a sweep's counts are the one pair given; why not in why. */
bool counted_one(const struct cvs_flow_count *out, __u32 count,
			const struct cvs_service_key *svc, const char *addr,
			int port, __u32 tcp, __u32 udp, char why[TALLY_STR])
{
	struct cvs_backend_spec be = backend(addr, port, 1);
	char got[TAG_LEN] = "";

	if (count)
		inet_ntop(out[0].service.family, out[0].backend, got,
			  sizeof(got));
	if (count == 1 && !memcmp(&out[0].service, svc, sizeof(*svc)) &&
	    !memcmp(out[0].backend, be.addr, sizeof(be.addr)) &&
	    out[0].backend_port == be.port && out[0].tcp == tcp &&
	    out[0].udp == udp)
		return true;
	snprintf(why, TALLY_STR,
		 "counts: %u pairs, the first %s port %d tcp %u udp %u; expected %s port %d tcp %u udp %u",
		 count, count ? got : "-",
		 count ? ntohs(out[0].backend_port) : 0, count ? out[0].tcp : 0,
		 count ? out[0].udp : 0, addr, port, tcp, udp);
	return false;
}
