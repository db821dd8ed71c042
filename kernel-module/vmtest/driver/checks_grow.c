// SPDX-License-Identifier: GPL-2.0-only
/*
 * Growing the map set while cvs.ko serves it (cvs_maps_stage/switch): the
 * module is rebound to the new set with no failed connection, counters
 * carried, the pin root the same and the old maps freed. It also shows
 * that Debian 12's 6.1 bpffs exchanges two directories (RENAME_EXCHANGE),
 * which the switch relies on.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "checks.h"

static __u64 conns_of(struct cvs_maps *m, const struct cvs_service_key *k)
{
	struct cvs_backend_counters be[8];
	struct cvs_service_counters svc;
	__u64 sum = 0;
	__u32 n, i;

	if (cvs_service_counters(m, k, &svc, be, 8, &n))
		return ~0ULL;
	for (i = 0; i < n; i++)
		sum += be[i].conns;
	return sum;
}

/*
 * The caller's part of a grow: every service written into next, with its
 * policy (the switch carries the affinity entries).
 */
static int copy_services(struct cvs_maps *from, struct cvs_maps *next)
{
	struct cvs_backend_spec be[16];
	struct cvs_service_policy pol;
	struct cvs_service_info info;
	struct cvs_service_key keys[64];
	__u32 n, i;
	int err;

	err = cvs_service_list(from, keys, 64, &n);
	for (i = 0; !err && i < n; i++)
		err = cvs_service_get(from, &keys[i], &info, be, 16) ?:
		      cvs_service_policy_get(from, &keys[i], &pol) ?:
		      cvs_service_upsert_policy(next, &keys[i], &pol, be,
						info.members);
	return err;
}

int grow_once(__u32 services)
{
	struct cvs_capacity cap = { .max_services = services };
	struct cvs_maps *next;
	int err;

	err = cvs_maps_stage(maps, &cap, &next);
	if (err)
		return err;
	err = copy_services(maps, next) ?: cvs_maps_switch(maps, next);
	if (err) {
		cvs_maps_discard(next);
		return err;
	}
	cvs_maps_close(maps);
	maps = next;
	return 0;
}

void check_grow_under_traffic(void)
{
	const char *name = "grow_under_traffic";
	struct cvs_service_key k = svc_key("192.0.2.10", 80, IPPROTO_TCP);
	struct cvs_module_status st;
	struct cvs_map_ids old, now;
	struct cvs_usage u;
	struct loop_result *r;
	__u64 before, after;
	int err = 0, grows = 0, fd, i;
	pid_t child;

	if (cvs_maps_usage(maps, &u) || cvs_maps_ids(maps, &old))
		return fail(name, "reading the set");
	before = conns_of(maps, &k);
	r = client_start(3000, &child);
	if (!r)
		return fail(name, "starting the client: %s", strerror(errno));
	usleep(300000);
	while (!err && grows < 3) {
		err = grow_once(u.max.max_services << (grows + 1));
		grows++;
		usleep(300000);
	}
	waitpid(child, NULL, 0);
	after = conns_of(maps, &k);
	printf("  %d grows to %u services under %d connections; %llu counted\n",
	       grows, u.max.max_services << grows, r->translated + r->errors,
	       (unsigned long long)(after - before));
	if (err) {
		fail(name, "grow %d: %s", grows, strerror(-err));
	} else if (r->errors || r->untouched || r->translated < 10) {
		fail(name, "%d connections, %d untouched, %d errors (%s)",
		     r->translated, r->untouched, r->errors,
		     strerror(r->first_error));
	} else if (after - before != (__u64)r->translated) {
		fail(name, "%d connections made, %llu counted", r->translated,
		     (unsigned long long)(after - before));
	} else if (cvs_module_status(&st) || cvs_maps_ids(maps, &now) ||
		   memcmp(&st.ids, &now, sizeof(now))) {
		fail(name, "cvs.ko is not bound to the set at the pin root");
	} else if (!access(CVS_PIN_ROOT_DEFAULT "_next", F_OK)) {
		fail(name, "the staged directory is left");
	} else {
		/* The old maps go with the module's last reference. */
		for (i = 0; i < 100; i++) {
			fd = bpf_map_get_fd_by_id(old.meta);
			if (fd < 0)
				break;
			close(fd);
			usleep(20000);
		}
		if (i == 100)
			fail(name, "the first set's meta map %u still exists",
			     old.meta);
		else
			pass(name);
	}
	munmap(r, sizeof(*r));
}
