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

struct cvs_svc_key svc_key(const char *vip, int port, int proto);
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
/* n connections from ns to vip:port, tallied in t. */
void tcp_many(enum ns ns, const char *vip, int port, int n,
	      struct tally *t);
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

/* checks_traffic.c */
void check_tcp(const char *name, enum ns ns);
void check_tcp_pre_routing(void);
void check_udp(const char *name, enum ns ns);
void check_port_translation(void);
void check_weights_and_counters(void);
void check_refused(const char *name, enum ns ns);
void check_unknown_vip_untouched(void);
void check_draining(void);
void check_removed(void);
void check_flips_under_traffic(void);

/* checks_grow.c */
void check_grow_under_traffic(void);

/* checks_lifecycle.c */
extern bool show_dmesg;	/* argument "dmesg": print the kernel log */

void check_serves_without_daemon(void);
void check_rmmod_under_traffic(void);
void check_load_without_daemon(void);
void check_all_netns(void);
void check_no_leaked_maps(void);
void check_dmesg_clean(void);

#endif /* CVS_CHECKS_H */
