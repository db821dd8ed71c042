// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Growing a map set by live migration (cvs_maps_stage/switch/discard):
 * everything carried over, the pin root unchanged, the old maps gone, one
 * program per hook; real socket-LB traffic through three grows without a
 * failed connection or a lost count; a crash at every failpoint recovered
 * by the next writer open; 200,000 services. Runs in the socket-LB sandbox
 * (sandbox.h): its cgroup, client and backend namespaces, VIPs from
 * 192.0.2.0/24.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sandbox.h"
#include "test_util.h"

#define VIP_PORT 80

static struct sandbox sb;

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* ---- helpers ------------------------------------------------------------ */

/* The caller's part of a grow: every service of from, written into to. */
static void copy_services(struct cvs_maps *from, struct cvs_maps *to)
{
	struct cvs_backend_spec be[64];
	struct cvs_service_policy pol;
	struct cvs_service_info info;
	struct cvs_service_key *keys;
	struct cvs_usage u;
	__u32 n, i;

	assert_ok(cvs_maps_usage(from, &u));
	keys = calloc(u.max.max_services, sizeof(*keys));
	assert_non_null(keys);
	assert_ok(cvs_service_list(from, keys, u.max.max_services, &n));
	for (i = 0; i < n; i++) {
		assert_ok(cvs_service_get(from, &keys[i], &info, be, 64));
		assert_ok(cvs_service_policy_get(from, &keys[i], &pol));
		assert_ok(cvs_service_upsert_policy(to, &keys[i], &pol, be,
						    info.members));
	}
	free(keys);
}

/* Stage, fill, switch; f->m becomes the new set's writer. */
static void grow(struct fx *f, const struct cvs_capacity *cap)
{
	struct cvs_maps *next;

	assert_ok(cvs_maps_stage(f->m, cap, &next));
	copy_services(f->m, next);
	assert_ok(cvs_maps_switch(f->m, next));
	cvs_maps_close(f->m);
	f->m = next;
}

static int staged_path(const struct fx *f, char *out, size_t len)
{
	return snprintf(out, len, "%s_next", f->root);
}

static void assert_no_staged(const struct fx *f)
{
	char path[PATH_MAX + 16];
	struct dirent *de;
	DIR *d;

	staged_path(f, path, sizeof(path));
	if (path_exists(path))
		fail_msg("%s is left", path);
	d = opendir(f->base);
	assert_non_null(d);
	while ((de = readdir(d)))
		if (strstr(de->d_name, "next"))
			fail_msg("%s/%s is left", f->base, de->d_name);
	closedir(d);
}

/* Programs of one attach type on the sandbox cgroup. */
static __u32 progs_on_cgroup(enum bpf_attach_type type)
{
	__u32 cnt = 0;
	int fd = open(sb.cgroup, O_RDONLY | O_DIRECTORY);

	assert_true(fd >= 0);
	assert_ok(bpf_prog_query(fd, type, 0, NULL, NULL, &cnt));
	close(fd);
	return cnt;
}

static void assert_one_prog_per_hook(void)
{
	static const enum bpf_attach_type types[] = {
		BPF_CGROUP_INET4_CONNECT, BPF_CGROUP_UDP4_SENDMSG,
		BPF_CGROUP_UDP4_RECVMSG, BPF_CGROUP_INET4_GETPEERNAME,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		assert_int_equal(progs_on_cgroup(types[i]), 1);
}

/* Every attached link's program reads the maps pinned at the root. */
static void assert_links_on_root(struct fx *f)
{
	struct cvs_sock_status st;
	struct bpf_prog_info info;
	__u32 ids[RAW_NMAPS], map_ids[16], len, i, j;
	int p, fd, found;

	pin_map_ids(f->root, ids);
	assert_ok(cvs_sock_status(f->m, &st));
	assert_int_equal(st.attached, CVS_SOCK_PROGS);
	for (p = 0; p < CVS_SOCK_PROGS; p++) {
		fd = bpf_prog_get_fd_by_id(st.prog_ids[p]);
		assert_true(fd >= 0);
		memset(&info, 0, sizeof(info));
		info.nr_map_ids = 16;
		info.map_ids = (__u64)(unsigned long)map_ids;
		len = sizeof(info);
		assert_ok(bpf_obj_get_info_by_fd(fd, &info, &len));
		close(fd);
		found = 0;
		for (i = 0; i < info.nr_map_ids && i < 16; i++)
			for (j = 0; j < RAW_NMAPS; j++)
				found += map_ids[i] == ids[j];
		if (p == CVS_SOCK_CONNECT4 || p == CVS_SOCK_SENDMSG4)
			assert_true(found >= 4);  /* svc, gen, sel, be, ... */
		for (i = 0; i < info.nr_map_ids && i < 16; i++) {
			__u32 k;
			int ours = 0;

			for (k = 0; k < RAW_NMAPS; k++)
				ours |= map_ids[i] == ids[k];
			if (!ours) {
				/* only the socket tables may be outside the set */
				struct bpf_map_info mi = {};
				__u32 ml = sizeof(mi);
				int mfd = bpf_map_get_fd_by_id(map_ids[i]);

				assert_true(mfd >= 0);
				assert_ok(bpf_obj_get_info_by_fd(mfd, &mi, &ml));
				close(mfd);
				if (strcmp(mi.name, CVS_MAP_SOCK_NAT) &&
				    strcmp(mi.name, CVS_MAP_SOCK_NAT6) &&
				    strcmp(mi.name, CVS_MAP_SOCK_FLOW) &&
				    !strstr(mi.name, ".rodata"))
					fail_msg("hook %d runs on map %u (%s), not the root's",
						 p, map_ids[i],
						 mi.name);
			}
		}
	}
}

/* Map ids stop resolving once nothing holds them (freed after RCU). */
static void assert_maps_gone(const __u32 ids[RAW_NMAPS])
{
	int i, fd, tries;

	for (i = 0; i < RAW_NMAPS; i++) {
		for (tries = 0; tries < 200; tries++) {
			fd = bpf_map_get_fd_by_id(ids[i]);
			if (fd < 0)
				break;
			close(fd);
			usleep(10000);
		}
		if (tries == 200)
			fail_msg("old map %s (id %u) still exists",
				 raw_map_names[i], ids[i]);
	}
}

static void set_sandbox_backends(struct cvs_maps *m,
				 const struct cvs_service_key *key, int n)
{
	struct cvs_backend_spec b[SANDBOX_BACKENDS];
	int i;

	for (i = 0; i < n; i++)
		b[i] = bes(sandbox_backend_addr(i + 1), SANDBOX_PORT, i + 1);
	assert_ok(cvs_service_upsert(m, key, b, n));
}

/* ---- grow keeps everything ---------------------------------------------- */

struct seen_service {
	struct cvs_service_key key;
	struct cvs_service_info info;
	struct cvs_backend_spec be[TEST_MAX_MEMBERS];
	struct cvs_backend_counters ctr[TEST_MAX_MEMBERS];
	struct cvs_service_counters svc;
	__u32 n;
};

static void take(struct cvs_maps *m, struct seen_service *s, __u32 count)
{
	__u32 i, n;

	for (i = 0; i < count; i++) {
		assert_ok(cvs_service_get(m, &s[i].key, &s[i].info, s[i].be,
					  TEST_MAX_MEMBERS));
		assert_ok(cvs_service_counters(m, &s[i].key, &s[i].svc,
					       s[i].ctr, TEST_MAX_MEMBERS, &n));
		s[i].n = n;
	}
}

static void grow_keeps_everything(void **state)
{
	struct fx *f = *state;
	const struct cvs_capacity bigger = { .max_services = 32,
		.max_backends = 256, .max_members = 32, .table_slots = 128 };
	struct seen_service before[6], after[6];
	__u32 old_ids[RAW_NMAPS], new_ids[RAW_NMAPS], i, j;
	struct cvs_map_ids mids;
	struct cvs_backend_spec b[8];
	struct raw_maps raw;
	struct cvs_maps *next, *old;
	struct cvs_usage u;
	char staged[PATH_MAX + 16];

	for (i = 0; i < 6; i++) {
		before[i].key = vip(30 + i, VIP_PORT + i,
				    i & 1 ? IPPROTO_UDP : IPPROTO_TCP);
		for (j = 0; j <= i; j++)
			b[j] = bes(ip4(10, 0, i, j + 1), 8000 + j,
				   j == 1 ? 0 : j + 1);	/* one draining */
		assert_ok(cvs_service_upsert(f->m, &before[i].key, b, i + 1));
	}
	/* a flip, so generations differ from creation order */
	assert_ok(cvs_service_upsert(f->m, &before[2].key, b, 2));
	set_sandbox_backends(f->m, &before[0].key, 1);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	/* counters: what a datapath counted on the old set */
	assert_ok(raw_open(f->root, &raw));
	for (i = 0; i < 6; i++) {
		struct cvs_service_info info;
		struct cvs_backend_spec got[8];
		struct cvs_svc svc;
		__u32 ids[8], n;

		assert_ok(cvs_service_get(f->m, &before[i].key, &info, got, 8));
		assert_ok(raw_svc(&raw, &before[i].key, &svc));
		assert_ok(raw_member_ids(&raw, &before[i].key, ids, 8, &n));
		for (j = 0; j < n; j++) {
			struct cvs_backend_stats s;

			raw_write_bestat(&raw, ids[j], 100 * i + j + 1, &s);
		}
		{
			struct cvs_service_stats s;

			raw_write_svcstat(&raw, svc.id, i + 1, &s);
		}
	}
	raw_close(&raw);
	take(f->m, before, 6);
	pin_map_ids(f->root, old_ids);

	assert_ok(cvs_maps_stage(f->m, &bigger, &next));
	staged_path(f, staged, sizeof(staged));
	assert_true(path_exists(staged));
	/* a second stage while the first is held */
	{
		struct cvs_maps *again;

		assert_rc(cvs_maps_stage(f->m, &bigger, &again), -EEXIST);
	}
	copy_services(f->m, next);
	assert_ok(cvs_maps_switch(f->m, next));
	old = f->m;
	f->m = next;
	/* the retired handle refuses writes that nobody would read */
	assert_rc(cvs_service_upsert(old, &before[0].key, b, 1), -ESTALE);
	cvs_maps_close(old);

	for (i = 0; i < 6; i++)
		after[i].key = before[i].key;
	take(f->m, after, 6);
	for (i = 0; i < 6; i++) {
		assert_int_equal(after[i].info.members, before[i].info.members);
		assert_int_equal(after[i].info.slots, before[i].info.slots);
		assert_memory_equal(after[i].be, before[i].be,
				    before[i].info.members * sizeof(b[0]));
		assert_int_equal(after[i].n, before[i].n);
		assert_memory_equal(after[i].ctr, before[i].ctr,
				    before[i].n * sizeof(after[i].ctr[0]));
		assert_memory_equal(&after[i].svc, &before[i].svc,
				    sizeof(after[i].svc));
		/* generations stay unique: new ones are above every old one */
		for (j = 0; j < 6; j++)
			assert_true(after[i].info.gen > before[j].info.gen);
		for (j = 0; j < i; j++)
			assert_int_not_equal(after[i].info.gen,
					     after[j].info.gen);
	}
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.max.max_services, bigger.max_services);
	assert_int_equal(u.max.max_backends, bigger.max_backends);
	assert_int_equal(u.max.max_members, bigger.max_members);
	assert_int_equal(u.max.table_slots, bigger.table_slots);
	assert_int_equal(u.services, 6);
	/* the root is the new set, at the same path */
	assert_ok(cvs_maps_ids(f->m, &mids));
	map_ids_array(&mids, new_ids);
	{
		__u32 pinned[RAW_NMAPS];

		pin_map_ids(f->root, pinned);
		assert_memory_equal(pinned, new_ids, sizeof(pinned));
	}
	assert_no_staged(f);
	assert_one_prog_per_hook();
	assert_links_on_root(f);
	assert_maps_gone(old_ids);
	/* forwarding through the new set */
	assert_int_equal(tcp_hello(before[0].key.addr[0], VIP_PORT), 1);
	/* and the new set can grow again, and shrink */
	grow(f, &(struct cvs_capacity){ .max_services = 16, .max_backends = 64,
					.max_members = 16, .table_slots = 64 });
	assert_int_equal(tcp_hello(before[0].key.addr[0], VIP_PORT), 1);
	assert_one_prog_per_hook();
}

static void discard_leaves_the_root_alone(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key key = vip(40, VIP_PORT, IPPROTO_TCP);
	struct cvs_maps *next;
	__u32 before[RAW_NMAPS], after[RAW_NMAPS];

	set_sandbox_backends(f->m, &key, 2);
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	pin_map_ids(f->root, before);
	assert_rc(cvs_maps_stage(f->m, &(struct cvs_capacity){
		.max_members = 999, .table_slots = 8 }, &next), -EINVAL);
	assert_ok(cvs_maps_stage(f->m, NULL, &next));
	copy_services(f->m, next);
	assert_ok(cvs_maps_discard(next));
	assert_no_staged(f);
	pin_map_ids(f->root, after);
	assert_memory_equal(before, after, sizeof(before));
	assert_links_on_root(f);
	/* a leftover staged set nobody holds is replaced by the next stage */
	assert_ok(cvs_maps_stage(f->m, NULL, &next));
	cvs_maps_close(next);
	assert_ok(cvs_maps_stage(f->m, NULL, &next));
	assert_ok(cvs_maps_discard(next));
	assert_no_staged(f);
	assert_in_range(tcp_hello(key.addr[0], VIP_PORT), 1, 2);
}

/* ---- grow under traffic -------------------------------------------------- */

#define TRAFFIC_VIPS 50

struct grower {
	struct fx *f;
	atomic_int done;
	int err;
	double ms[3];
};

static void *grow_three_times(void *arg)
{
	struct grower *g = arg;
	struct cvs_capacity cap = { .max_services = 64, .max_backends = 256,
		.max_members = 4, .table_slots = 16 };
	struct cvs_maps *next;
	int k;

	usleep(200000);		/* traffic first */
	for (k = 0; k < 3 && !g->err; k++) {
		double t0 = now_ms();

		cap.max_services *= 2;
		cap.max_backends *= 2;
		g->err = cvs_maps_stage(g->f->m, &cap, &next);
		if (g->err)
			break;
		copy_services(g->f->m, next);
		g->err = cvs_maps_switch(g->f->m, next);
		if (g->err) {
			cvs_maps_discard(next);
			break;
		}
		cvs_maps_close(g->f->m);
		g->f->m = next;
		g->ms[k] = now_ms() - t0;
		usleep(200000);
	}
	atomic_store(&g->done, 1);
	return NULL;
}

static void grow_under_traffic(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[TRAFFIC_VIPS];
	static __u64 made[TRAFFIC_VIPS][SANDBOX_BACKENDS + 1];
	struct grower g = { .f = f };
	struct cvs_backend_counters ctr[SANDBOX_BACKENDS];
	struct cvs_service_counters svc;
	__u32 old_ids[3][RAW_NMAPS];
	pthread_t thread;
	double t0 = now_ms();
	int i, who, failed = 0, total = 0, grows = 0;
	__u32 n, j;

	/* start small: 64 services, 4 members, 16 slots */
	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_destroy(f->root));
	assert_ok(cvs_maps_open(f->root, &(struct cvs_capacity){
		.max_services = 64, .max_backends = 256, .max_members = 4,
		.table_slots = 16 }, 0, &f->m));
	memset(made, 0, sizeof(made));
	for (i = 0; i < TRAFFIC_VIPS; i++) {
		keys[i] = vip(100 + i, VIP_PORT, IPPROTO_TCP);
		set_sandbox_backends(f->m, &keys[i], SANDBOX_BACKENDS);
	}
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	pin_map_ids(f->root, old_ids[0]);
	assert_ok(pthread_create(&thread, NULL, grow_three_times, &g));
	/* bounded: 20,000 connections and 60 s */
	for (i = 0; total < 20000 && now_ms() - t0 < 60000; i++) {
		if (atomic_load(&g.done) && ++grows > 200)
			break;	/* some traffic after the last grow too */
		who = tcp_hello(keys[i % TRAFFIC_VIPS].addr[0], VIP_PORT);
		total++;
		if (who < 1 || who > SANDBOX_BACKENDS) {
			if (failed++ < 5)
				print_message("connection %d to %s failed: %d\n",
					      total, "a VIP", who);
			continue;
		}
		made[i % TRAFFIC_VIPS][who]++;
	}
	pthread_join(thread, NULL);
	print_message("%d connections through %d VIPs, 3 grows (stage+fill+switch %.1f / %.1f / %.1f ms), %d failed\n",
		      total, TRAFFIC_VIPS, g.ms[0], g.ms[1], g.ms[2], failed);
	assert_ok(g.err);
	assert_int_equal(failed, 0);
	for (i = 0; i < TRAFFIC_VIPS; i++) {
		assert_ok(cvs_service_counters(f->m, &keys[i], &svc, ctr,
					       SANDBOX_BACKENDS, &n));
		assert_int_equal(n, SANDBOX_BACKENDS);
		for (j = 0; j < n; j++) {
			int b;

			for (b = 1; b <= SANDBOX_BACKENDS; b++)
				if (sandbox_backend_addr(b) == ctr[j].addr[0])
					break;
			if (ctr[j].conns != made[i][b])
				fail_msg("VIP %d backend %d: %llu counted, %llu made",
					 i, b, (unsigned long long)ctr[j].conns,
					 (unsigned long long)made[i][b]);
		}
	}
	assert_one_prog_per_hook();
	assert_no_staged(f);
	assert_maps_gone(old_ids[0]);
}

/* ---- a crash at every failpoint ------------------------------------------ */

static const char *const failpoints[] = {
	"stage-built", "fill-started", "switch-start", "counters-copied",
	"link-updated-1", "links-updated", "module-rebound", "pins-moved-1",
	"pins-moved", "exchanged", "delta-added", "old-unpinned-1", "done",
};
#define NFAILPOINTS (sizeof(failpoints) / sizeof(failpoints[0]))
#define CRASH_VIPS 6

/* The daemon's part, in a child: no cmocka assertion may run here (it
 * would return into the parent's test runner), so errors are exit codes. */
static void crash_child(const char *root, const char *point,
			const struct cvs_capacity *cap)
{
	struct cvs_backend_spec be[SANDBOX_BACKENDS];
	struct cvs_service_info info;
	struct cvs_service_key keys[64];
	struct cvs_maps *m, *next;
	__u32 n, i;

	setenv("CVS_FAILPOINT", point, 1);
	cvs_set_log(NULL, NULL);
	if (cvs_maps_open(root, NULL, 0, &m))
		_exit(10);
	if (cvs_maps_stage(m, cap, &next))
		_exit(11);
	if (cvs_service_list(m, keys, 64, &n))
		_exit(12);
	for (i = 0; i < n; i++)
		if (cvs_service_get(m, &keys[i], &info, be, SANDBOX_BACKENDS) ||
		    cvs_service_upsert(next, &keys[i], be, info.members))
			_exit(13);
	if (cvs_maps_switch(m, next))
		_exit(14);
	_exit(0);
}

static void crash_at_every_failpoint(void **state)
{
	struct fx *f = *state;
	struct cvs_service_key keys[CRASH_VIPS];
	struct cvs_backend_spec want[SANDBOX_BACKENDS], got[SANDBOX_BACKENDS];
	struct cvs_service_info info;
	struct cvs_capacity cap = f->cap;
	__u32 p;
	int i, status;
	pid_t pid;

	for (i = 0; i < CRASH_VIPS; i++) {
		keys[i] = vip(60 + i, VIP_PORT, IPPROTO_TCP);
		set_sandbox_backends(f->m, &keys[i], 1 + i % SANDBOX_BACKENDS);
	}
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	for (p = 0; p < NFAILPOINTS; p++) {
		test_case = failpoints[p];
		cap.max_services += 4;		/* each crash is a grow */
		cap.max_backends += 16;
		cvs_maps_close(f->m);		/* the child takes the lock */
		f->m = NULL;
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			crash_child(f->root, failpoints[p], &cap);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			fail_msg("%s: the child was not killed (status 0x%x)",
				 failpoints[p], status);
		log_clear();
		assert_ok(cvs_maps_open(f->root, NULL, 0, &f->m));
		if (strcmp(failpoints[p], "done"))
			assert_int_equal(log_count("recovery:", CVS_LOG_INFO),
					 1);
		assert_no_staged(f);
		assert_links_on_root(f);
		assert_one_prog_per_hook();
		/* the caller writes its desired state again */
		for (i = 0; i < CRASH_VIPS; i++) {
			set_sandbox_backends(f->m, &keys[i],
					     1 + i % SANDBOX_BACKENDS);
			assert_ok(cvs_service_get(f->m, &keys[i], &info, got,
						  SANDBOX_BACKENDS));
			assert_int_equal(info.members, 1 + i % SANDBOX_BACKENDS);
			for (int j = 0; j < (int)info.members; j++)
				want[j] = bes(sandbox_backend_addr(j + 1),
					      SANDBOX_PORT, j + 1);
			assert_memory_equal(got, want,
					    info.members * sizeof(got[0]));
			assert_ok(cvs_service_verify(f->m, &keys[i]));
			assert_in_range(tcp_hello(keys[i].addr[0], VIP_PORT), 1,
					1 + i % SANDBOX_BACKENDS);
		}
		print_message("crash at %-16s recovered: %s\n", failpoints[p],
			      p < 4 ? "rolled back" :
			      p < 9 ? "finished" : "old set removed");
	}
	test_case = NULL;
}

/* ---- size ----------------------------------------------------------------- */

/* Kernel memory charged for the set's maps (fdinfo's memlock). */
static unsigned long long set_memlock(const char *root)
{
	unsigned long long total = 0, v;
	char path[PATH_MAX + 64], line[256];
	int i, fd;
	FILE *fp;

	for (i = 0; i < RAW_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, raw_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
		fp = fopen(path, "r");
		while (fp && fgets(line, sizeof(line), fp))
			if (sscanf(line, "memlock: %llu", &v) == 1)
				total += v;
		if (fp)
			fclose(fp);
		close(fd);
	}
	return total;
}

/* Service i of a big set: 192.0.2.(1 + i / 50000), port 1000 + i % 50000. */
static struct cvs_service_key big_key(__u32 i)
{
	return vip(1 + i / 50000, 1000 + i % 50000, IPPROTO_TCP);
}

static void fill_big(struct cvs_maps *m, __u32 from, __u32 to)
{
	struct cvs_backend_spec b = bes(ip4(10, 0, 0, 1), 8080, 1);
	struct cvs_service_key key;
	__u32 i;

	for (i = from; i < to; i++) {
		key = big_key(i);
		b.port = htons(1 + i % 60000);
		assert_ok(cvs_service_upsert(m, &key, &b, 1));
	}
}

/* Stage+fill+switch time at n services, the set grown by a quarter. */
static void time_grow(struct fx *f, __u32 n)
{
	struct cvs_capacity cap = { .max_services = n, .max_backends = n,
		.max_members = 8, .table_slots = 16 };
	struct cvs_pick pick;
	struct cvs_maps *next;
	struct cvs_service_key key;
	double t0, t1, t2;

	cvs_maps_close(f->m);
	f->m = NULL;
	cvs_maps_destroy(f->root);
	assert_ok(cvs_maps_open(f->root, &cap, 0, &f->m));
	fill_big(f->m, 0, n);
	cap.max_services = cap.max_backends = n + n / 4;
	t0 = now_ms();
	assert_ok(cvs_maps_stage(f->m, &cap, &next));
	t1 = now_ms();
	copy_services(f->m, next);
	t2 = now_ms();
	assert_ok(cvs_maps_switch(f->m, next));
	print_message("%6u services: stage %.1f ms, fill %.1f ms, switch %.1f ms\n",
		      n, t1 - t0, t2 - t1, now_ms() - t2);
	cvs_maps_close(f->m);
	f->m = next;
	key = big_key(n - 1);
	assert_ok(cvs_service_pick(f->m, &key, &pick));
}

static void grow_timings(void **state)
{
	struct fx *f = *state;

	/* 100,000 is scripts/bench-scale's: a benchmark, not a test */
	time_grow(f, 1000);
	time_grow(f, 10000);
}

#define BIG 200000

static void two_hundred_thousand_services(void **state)
{
	struct fx *f = *state;
	struct cvs_capacity cap = { .max_services = BIG + 1,
		.max_backends = BIG + 1, .max_members = 8, .table_slots = 16 };
	struct cvs_service_key key;
	struct cvs_pick pick;
	struct cvs_usage u;
	double t0;
	__u32 i;

	cvs_maps_close(f->m);
	f->m = NULL;
	assert_ok(cvs_maps_destroy(f->root));
	assert_ok(cvs_maps_open(f->root, &cap, 0, &f->m));
	t0 = now_ms();
	fill_big(f->m, 0, BIG);
	print_message("%u services filled in %.0f ms; the set's maps take %llu KiB of kernel memory\n",
		      BIG, now_ms() - t0, set_memlock(f->root) >> 10);
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, BIG);
	assert_int_equal(u.backends, BIG);
	/* ids above 65535 work everywhere: write, read back, pick, verify */
	for (i = 0; i < BIG; i += 997) {
		key = big_key(i);
		assert_ok(cvs_service_pick(f->m, &key, &pick));
		assert_int_equal(pick.port, htons(1 + i % 60000));
	}
	key = big_key(BIG - 1);
	assert_ok(cvs_service_verify(f->m, &key));
	assert_ok(cvs_service_pick(f->m, &key, &pick));
	assert_true(pick.svc_id >= 65536 || pick.backend_id >= 65536);
	/* and the socket-LB datapath forwards to a service with a high id */
	{
		struct cvs_service_key k = vip(250, VIP_PORT, IPPROTO_TCP);

		set_sandbox_backends(f->m, &k, 1);
		assert_ok(cvs_service_pick(f->m, &k, &pick));
		print_message("the extra service got service id %u, backend id %u\n",
			      pick.svc_id, pick.backend_id);
		assert_ok(cvs_sock_attach(f->m, sb.cgroup));
		assert_int_equal(tcp_hello(k.addr[0], VIP_PORT), 1);
	}
}

/* ---- affinity entries ---------------------------------------------------- */

/* An entry a datapath would have stored for client cookie. */
static void put_entry(const char *root, const struct cvs_service_key *k,
		      __u64 cookie, int backend)
{
	struct cvs_aff_key ak = { .netns_cookie = cookie, .family = AF_INET };
	struct cvs_aff v = { .last_used = raw_now_ns() };
	__u32 bids[SANDBOX_BACKENDS], n;
	struct raw_maps r;
	struct cvs_svc svc;
	__u64 word;

	assert_ok(raw_open(root, &r));
	assert_ok(raw_svc_word(&r, k, &svc, &word));
	assert_ok(raw_member_ids(&r, k, bids, SANDBOX_BACKENDS, &n));
	ak.svc_id = svc.id;
	v.backend_id = bids[backend - 1];
	v.gen = cvs_word_gen(word);
	assert_ok(bpf_map_update_elem(r.fd[RAW_AFF], &ak, &v, BPF_ANY));
	raw_close(&r);
}

static void grow_carries_affinity_entries(void **state)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_AFFINITY, .affinity_timeout = 60,
	};
	struct fx *f = *state;
	struct cvs_service_key a = vip(30, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key gone = vip(31, VIP_PORT, IPPROTO_TCP);
	struct cvs_service_key filler = vip(32, VIP_PORT, IPPROTO_TCP);
	struct cvs_capacity bigger = f->cap;
	struct cvs_backend_spec b[SANDBOX_BACKENDS], keep[SANDBOX_BACKENDS];
	struct cvs_affinity_usage u;
	struct cvs_maps *next;
	struct cvs_usage usage;
	int i, first, other, n = 0;

	for (i = 0; i < SANDBOX_BACKENDS; i++)
		b[i] = bes(sandbox_backend_addr(i + 1), SANDBOX_PORT, 1);
	assert_ok(cvs_service_upsert_policy(f->m, &a, &pol, b,
					    SANDBOX_BACKENDS));
	assert_ok(cvs_service_upsert_policy(f->m, &gone, &pol, b, 1));
	assert_ok(cvs_sock_attach(f->m, sb.cgroup));
	first = tcp_hello(a.addr[0], VIP_PORT);
	assert_true(first > 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(tcp_hello(a.addr[0], VIP_PORT), first);
	/* a client of a backend the new set lacks, one of a service it
	 * lacks: both dropped */
	other = first % SANDBOX_BACKENDS + 1;
	put_entry(f->root, &a, 777, other);
	put_entry(f->root, &gone, 778, 1);
	assert_ok(cvs_affinity_usage(f->m, &u));
	assert_int_equal(u.entries, 3);

	bigger.max_services *= 2;
	bigger.affinity_entries *= 2;
	assert_ok(cvs_maps_stage(f->m, &bigger, &next));
	/* other ids in the new set: a filler first, members reversed */
	assert_ok(cvs_service_upsert(next, &filler, b, 1));
	for (i = SANDBOX_BACKENDS; i-- > 0;)
		if (i + 1 != other)
			keep[n++] = b[i];
	assert_ok(cvs_service_upsert_policy(next, &a, &pol, keep, n));
	assert_ok(cvs_maps_switch(f->m, next));
	cvs_maps_close(f->m);
	f->m = next;
	assert_ok(cvs_maps_usage(f->m, &usage));
	assert_int_equal(usage.max.affinity_entries, bigger.affinity_entries);
	assert_ok(cvs_affinity_usage(f->m, &u));
	assert_int_equal(u.entries, 1);
	assert_int_equal(u.fresh, 1);
	assert_int_equal(u.capacity, bigger.affinity_entries);
	for (i = 0; i < 10; i++)
		assert_int_equal(tcp_hello(a.addr[0], VIP_PORT), first);
	assert_ok(cvs_service_verify(f->m, &a));
}

static int group_up(void **state)
{
	int err = group_setup(state);

	return err ?: sandbox_up(&sb);
}

static int group_down(void **state)
{
	sandbox_down(&sb);
	return group_teardown(state);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(grow_keeps_everything, fx_setup_open,
						fx_teardown_attached),
		cmocka_unit_test_setup_teardown(grow_carries_affinity_entries,
						fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(discard_leaves_the_root_alone,
						fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(grow_under_traffic, fx_setup_open,
						fx_teardown_attached),
		cmocka_unit_test_setup_teardown(crash_at_every_failpoint,
						fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(two_hundred_thousand_services,
						fx_setup_open, fx_teardown_attached),
		cmocka_unit_test_setup_teardown(grow_timings, fx_setup_open, fx_teardown_attached),
	};

	return cmocka_run_group_tests_name("grow", tests, group_up,
					   group_down);
}
