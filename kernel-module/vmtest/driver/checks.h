/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * checks.h - what main.c and the checks_*.c files share. Not in vmtest.h:
 * bench.c includes that one and keeps a writer of its own named maps.
 *
 * The checks run in main()'s order and build on each other's state (module
 * loaded, maps bound, ...): one file holds a concern, not a sequence.
 */
#ifndef CVS_CHECKS_H
#define CVS_CHECKS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cvsbpf.h"
#include "vmtest.h"

#define TIMEOUT_MS 2000
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* checks_common.c */

extern struct cvs_maps *maps;	/* the "daemon": the set's writer */

/*
 * One family's addresses. configure() (checks_bind.c) writes the same
 * services in each family:
 *   vip:80/TCP       web: be[0..2] port 8080, weights 1:2:5
 *   vip:53/UDP       dns: be[0..1] port 5353
 *   alt:80/TCP       be[3] port 9090 (port translation)
 *   refusing:80/TCP  be[0]:8080 draining; refusing:53/UDP no backend
 *   unknown          no service at all
 */
struct fam {
	const char *sfx;	/* appended to its checks' names */
	const char *vip, *alt, *refusing, *unknown;
	const char *be[4];	/* backend addresses in srv */
	const char *web[3];	/* the tags of web's backends */
	const char *dns[2];	/* the tags of dns's backends */
	const char *alt_tag;
	/* the client's address (its source unless a socket binds) and the
	 * second one of the affinity checks */
	const char *cli[2];
	/* /proc/net/nf_conntrack's text of routed connections to vip, and of
	 * any connection to vip (IPv6 is printed in full) */
	const char *ct_routed, *ct_vip;
	int ip_header;		/* bytes of a SYN's IP header */
	int routed_refusal_ms;	/* the client's limit (check_refused) */
};

extern const struct fam v4, v6;

#define NAME_LEN 48

/* The name of check base in f's family ("counters", "counters_v6"). */
const char *check_name(char buf[NAME_LEN], const char *base,
		       const struct fam *f);

/* Address arguments are IPv4 or IPv6 text; the family follows. */
int parse_addr(const char *addr, __be32 a[4]);
struct cvs_service_key svc_key(const char *vip, int port, int proto);
struct cvs_backend_spec backend(const char *addr, int port, int weight);
/* Write the service vip:port/proto with backends b[0..n) through maps. */
int upsert(const char *vip, int port, int proto,
	   const struct cvs_backend_spec *b, int n);
/* insmod cvs.ko with module parameters args; the exit status. */
int insmod(const char *args);

/* Where connections went, by tag. */
struct tally {
	char tag[8][TAG_LEN];
	int count[8];
	int n;
	int errors;
	int first_error;
};

#define TALLY_STR 256

extern char s1[TALLY_STR], s2[TALLY_STR];	/* for tally_str() */

void tally_add(struct tally *t, const char *tag);
/* "10.1.0.11:8080 x3, 2 errors (first ...)" in buf */
const char *tally_str(const struct tally *t, char buf[TALLY_STR]);

/* Shared by the sweep checks of cvs.ko and of the socket-LB. */
const char *flow_vip(const struct fam *f, int last, char buf[64]);
int dns_index(const struct fam *f, const char *tag);
bool counted_one(const struct cvs_flow_count *out, __u32 count,
		 const struct cvs_service_key *svc, const char *addr, int port,
		 __u32 tcp, __u32 udp, char why[TALLY_STR]);
/* n connections from ns to vip:port, tallied in t. */
void tcp_many(enum ns ns, const char *vip, int port, int n,
	      struct tally *t);
/* The same from ns's address src (any port), each closed with a reset. */
void tcp_many_from(enum ns ns, const char *src, const char *vip, int port,
		   int n, struct tally *t);
/* Every connection answered, and only by tags in want. */
bool tally_only(const struct tally *t, int n, const char *const *want,
		int nwant);

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

/*
 * Fork a client that connects to 192.0.2.10:80 for ms milliseconds; its
 * result in shared memory (munmap it), NULL on error.
 */
struct loop_result *client_start(int ms, pid_t *pid);

/* checks_bind.c */
void check_module_loads_before_maps(void);
void check_bind_refuses_bad_ids(void);
void check_bind(void);
void check_bind_needs_privilege(void);
void check_rebind_recreated(void);
void check_unbind(void);

/* checks_traffic.c: base names, each check in the family f */
void check_tcp(const struct fam *f, const char *base, enum ns ns);
void check_tcp_pre_routing(const struct fam *f);
void check_udp(const struct fam *f, const char *base, enum ns ns);
void check_port_translation(const struct fam *f);
void check_weights_and_counters(const struct fam *f);
void check_refused(const struct fam *f, const char *base, enum ns ns);
void check_unknown_vip_untouched(const struct fam *f);
void check_dual_stack(void);
void check_draining(const struct fam *f);
void check_removed(const struct fam *f);
void check_flips_under_traffic(bool policies);

/* checks_policy.c: each in the family f */
void check_affinity(const struct fam *f);
void check_affinity_timeout(const struct fam *f);
void check_affinity_drained(const struct fam *f);
void check_maglev(const struct fam *f);
void check_affinity_survives_grow(void);

/* checks_sweep.c: each in the family f */
void check_sweep_removed(const struct fam *f);
void check_sweep_down(const struct fam *f);
void check_sweep_draining(const struct fam *f);
void check_sweep_deleted(const struct fam *f);
void check_sweep_tcp(const struct fam *f);

/* checks_socklb.c: the socket-LB on a cgroup of its own, and its sweep */
void check_socklb_attach(void);
void check_socklb_flows_status(void);
void check_socklb_connect(const struct fam *f);
void check_socklb_sweep_removed(const struct fam *f);
void check_socklb_sweep_draining(const struct fam *f);
void check_socklb_sweep_tcp(const struct fam *f);
void check_socklb_detach(void);

/* checks_grow.c */
void check_grow_under_traffic(void);
/* Grow the set to services (its other capacity kept), cvs.ko rebound. */
int grow_once(__u32 services);

/* checks_lifecycle.c */
extern bool show_dmesg;	/* argument "dmesg": print the kernel log */

void check_serves_without_daemon(void);
void check_rmmod_under_traffic(void);
void check_load_without_daemon(void);
void check_all_netns(void);
void check_no_leaked_maps(void);
void check_dmesg_clean(void);

#endif /* CVS_CHECKS_H */
