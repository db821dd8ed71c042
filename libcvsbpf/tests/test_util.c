// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/* test_util.c - fixtures, raw map access and snapshots for the tests. */
#define _GNU_SOURCE
#include "test_util.h"

#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <bpf/libbpf.h>

#define BPFFS "/sys/fs/bpf"
#define BASE_PREFIX "cvs-test-c-"

const char *const raw_map_names[RAW_NMAPS] = {
	[RAW_META] = CVS_MAP_META,
	[RAW_SVC] = CVS_MAP_SERVICES,
	[RAW_GEN] = CVS_MAP_GEN,
	[RAW_SEL] = CVS_MAP_SELECT,
	[RAW_MBR] = CVS_MAP_MEMBERS,
	[RAW_BE] = CVS_MAP_BACKENDS,
	[RAW_BESTAT] = CVS_MAP_BACKEND_STATS,
	[RAW_SVCSTAT] = CVS_MAP_SERVICE_STATS,
	[RAW_SVC6] = CVS_MAP_SERVICES6,
	[RAW_BE6] = CVS_MAP_BACKENDS6,
	[RAW_META2] = CVS_MAP_META2,
	[RAW_POL] = CVS_MAP_POLICY,
	[RAW_BESEL] = CVS_MAP_SELECTABLE,
	[RAW_MAGLEV] = CVS_MAP_MAGLEV,
	[RAW_AFF] = CVS_MAP_AFFINITY,
};

const char *test_case;

const char *errno_name(int e)
{
	static __thread char buf[64];

	if (e == 0)
		return "ok";
	if (e < 0) {
		snprintf(buf, sizeof(buf), "positive %d", -e);
		return buf;
	}
	snprintf(buf, sizeof(buf), "%s: %s", strerrorname_np(e) ?: "?",
		 strerror(e));
	return buf;
}

/* ---- raw maps ----------------------------------------------------------- */

int raw_open(const char *root, struct raw_maps *r)
{
	long page = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX + 64];
	__u32 zero = 0;
	void *p;
	int i, err;

	r->words = NULL;
	r->words_len = 0;
	for (i = 0; i < RAW_NMAPS; i++)
		r->fd[i] = -1;
	for (i = 0; i < RAW_NMAPS; i++) {
		snprintf(path, sizeof(path), "%s/%s", root, raw_map_names[i]);
		r->fd[i] = bpf_obj_get(path);
		if (r->fd[i] < 0 && errno == ENOENT && i >= CVS_M_FIRST_ADDED) {
			r->fd[i] = -1;
			continue;
		}
		if (r->fd[i] < 0) {
			err = -errno;
			raw_close(r);
			return err;
		}
	}
	memset(&r->meta2, 0, sizeof(r->meta2));
	if (bpf_map_lookup_elem(r->fd[RAW_META], &zero, &r->meta) ||
	    (r->fd[RAW_META2] >= 0 &&
	     bpf_map_lookup_elem(r->fd[RAW_META2], &zero, &r->meta2))) {
		err = -errno;
		raw_close(r);
		return err;
	}
	/* What a datapath in user space does: map the words read-only. */
	r->words_len = ((size_t)r->meta.max_services * sizeof(__u64) + page -
			1) / page * page;
	p = mmap(NULL, r->words_len, PROT_READ, MAP_SHARED, r->fd[RAW_GEN], 0);
	if (p == MAP_FAILED) {
		err = -errno;
		r->words_len = 0;
		raw_close(r);
		return err;
	}
	r->words = p;
	return 0;
}

void raw_close(struct raw_maps *r)
{
	int i;

	if (r->words)
		munmap((void *)r->words, r->words_len);
	r->words = NULL;
	r->words_len = 0;
	for (i = 0; i < RAW_NMAPS; i++) {
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
	}
}

void raw_reader_init(struct raw_reader *rd, const struct raw_maps *r,
		     __u64 seed)
{
	memset(rd, 0, sizeof(*rd));
	rd->svc_fd = r->fd[RAW_SVC];
	rd->svc6_fd = r->fd[RAW_SVC6];
	rd->sel_fd = r->fd[RAW_SEL];
	rd->be_fd = r->fd[RAW_BE];
	rd->be6_fd = r->fd[RAW_BE6];
	rd->pol_fd = r->fd[RAW_POL];
	rd->besel_fd = r->fd[RAW_BESEL];
	rd->maglev_fd = r->fd[RAW_MAGLEV];
	rd->aff_fd = r->fd[RAW_AFF];
	rd->words = r->words;
	rd->max_services = r->meta.max_services;
	rd->rng = seed ? seed : 0x9E3779B97F4A7C15ULL;
}

int raw_svc(const struct raw_maps *r, const struct cvs_service_key *key,
	    struct cvs_svc *out)
{
	struct cvs_svc6_key k6 = map_key6(key);
	struct cvs_svc_key k4 = map_key4(key);

	if (key->family == AF_INET6)
		return bpf_map_lookup_elem(r->fd[RAW_SVC6], &k6, out) ?
		       -errno : 0;
	return bpf_map_lookup_elem(r->fd[RAW_SVC], &k4, out) ? -errno : 0;
}

__u64 raw_word(const struct raw_maps *r, __u32 id)
{
	if (id >= r->meta.max_services)
		fail_msg("raw_word: service id %u out of range (%u)", id,
			 r->meta.max_services);
	return __atomic_load_n(&r->words[id], __ATOMIC_ACQUIRE);
}

__u64 raw_word_syscall(const struct raw_maps *r, __u32 id)
{
	__u64 word;

	if (bpf_map_lookup_elem(r->fd[RAW_GEN], &id, &word))
		fail_msg("reading %s[%u]: %s", CVS_MAP_GEN, id,
			 strerror(errno));
	return word;
}

void raw_write_word(const struct raw_maps *r, __u32 id, __u64 word)
{
	if (bpf_map_update_elem(r->fd[RAW_GEN], &id, &word, BPF_ANY))
		fail_msg("writing %s[%u]: %s", CVS_MAP_GEN, id,
			 strerror(errno));
}

int raw_svc_word(const struct raw_maps *r, const struct cvs_service_key *key,
		 struct cvs_svc *svc, __u64 *word)
{
	int err = raw_svc(r, key, svc);

	if (err)
		return err;
	if (svc->id >= r->meta.max_services)
		return -EPROTO;
	*word = raw_word(r, svc->id);
	return 0;
}

int raw_members(const struct raw_maps *r, const struct cvs_service_key *key,
		struct cvs_member *mbr, __u32 cap, __u32 *n)
{
	struct cvs_member mb;
	struct cvs_svc svc;
	__u32 j, idx;
	__u64 word;
	int err;

	err = raw_svc_word(r, key, &svc, &word);
	if (err)
		return err;
	for (j = 0; j < r->meta.max_members; j++) {
		idx = cvs_mbr_index(r->meta.max_members, svc.id,
				    cvs_word_half(word), j);
		if (bpf_map_lookup_elem(r->fd[RAW_MBR], &idx, &mb))
			return -errno;
		if (mb.backend_id == CVS_MEMBER_END)
			break;
		if (mb.backend_id >= r->meta.max_backends)
			return -EPROTO;
		if (j >= cap)
			return -ENOBUFS;
		mbr[j] = mb;
	}
	*n = j;
	return 0;
}

int raw_member_ids(const struct raw_maps *r,
		   const struct cvs_service_key *key,
		   __u32 *ids, __u32 cap, __u32 *n)
{
	struct cvs_member mbr[256];
	__u32 j;
	int rc;

	rc = raw_members(r, key, mbr, cap < 256 ? cap : 256, n);
	for (j = 0; !rc && j < *n; j++)
		ids[j] = mbr[j].backend_id;
	return rc;
}

void raw_write_bestat(const struct raw_maps *r, __u32 id, __u64 c,
		      struct cvs_backend_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct cvs_backend_stats *v;
	int cpu;

	assert_true(ncpu > 0);
	v = calloc(ncpu, sizeof(*v));
	assert_non_null(v);
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++) {
		v[cpu].conns = c * (cpu + 1);
		v[cpu].packets = 10 * c * (cpu + 1);
		v[cpu].bytes = 100 * c * (cpu + 1);
		sum->conns += v[cpu].conns;
		sum->packets += v[cpu].packets;
		sum->bytes += v[cpu].bytes;
	}
	if (bpf_map_update_elem(r->fd[RAW_BESTAT], &id, v, BPF_ANY)) {
		free(v);
		fail_msg("writing %s[%u]: %s", CVS_MAP_BACKEND_STATS, id,
			 strerror(errno));
	}
	free(v);
}

void raw_write_svcstat(const struct raw_maps *r, __u32 id, __u64 c,
		       struct cvs_service_stats *sum)
{
	int ncpu = libbpf_num_possible_cpus();
	struct cvs_service_stats *v;
	int cpu;

	assert_true(ncpu > 0);
	v = calloc(ncpu, sizeof(*v));
	assert_non_null(v);
	memset(sum, 0, sizeof(*sum));
	for (cpu = 0; cpu < ncpu; cpu++) {
		v[cpu].refused = c * (cpu + 1);
		v[cpu].retried = 7 * c * (cpu + 1);
		sum->refused += v[cpu].refused;
		sum->retried += v[cpu].retried;
	}
	if (bpf_map_update_elem(r->fd[RAW_SVCSTAT], &id, v, BPF_ANY)) {
		free(v);
		fail_msg("writing %s[%u]: %s", CVS_MAP_SERVICE_STATS, id,
			 strerror(errno));
	}
	free(v);
}

void pin_map_ids(const char *root, __u32 ids[RAW_NMAPS])
{
	struct bpf_map_info info;
	char path[PATH_MAX + 64];
	__u32 len;
	int i, fd;

	for (i = 0; i < RAW_NMAPS; i++) {
		ids[i] = 0;
		snprintf(path, sizeof(path), "%s/%s", root, raw_map_names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		if (!bpf_obj_get_info_by_fd(fd, &info, &len))
			ids[i] = info.id;
		close(fd);
	}
}

void map_ids_array(const struct cvs_map_ids *in, __u32 ids[RAW_NMAPS])
{
	ids[RAW_META] = in->meta;
	ids[RAW_SVC] = in->services;
	ids[RAW_GEN] = in->gen;
	ids[RAW_SEL] = in->select;
	ids[RAW_MBR] = in->members;
	ids[RAW_BE] = in->backends;
	ids[RAW_BESTAT] = in->backend_stats;
	ids[RAW_SVCSTAT] = in->service_stats;
	ids[RAW_SVC6] = in->services6;
	ids[RAW_BE6] = in->backends6;
	ids[RAW_META2] = in->meta2;
	ids[RAW_POL] = in->policy;
	ids[RAW_BESEL] = in->selectable;
	ids[RAW_MAGLEV] = in->maglev;
	ids[RAW_AFF] = in->affinity;
}

/* ---- files ------------------------------------------------------------- */

static int rm_one(const char *path, const struct stat *st, int type,
		  struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path) ? -1 : 0;
}

int rm_tree(const char *path)
{
	if (!path_exists(path))
		return 0;
	nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	return path_exists(path) ? -1 : 0;
}

int path_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

void make_tmpdir(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/cvs-test-c-XXXXXX");
	if (!mkdtemp(buf))
		fail_msg("mkdtemp: %s", strerror(errno));
}

/* ---- log capture ----------------------------------------------------------- */

/* Loading the socket-LB's eight programs logs some 500 libbpf debug lines
 * (recovery does it before it says what it did): room for a few loads. */
#define LOG_MAX 4096

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int level;
	char msg[512];
} log_ring[LOG_MAX];
static int log_n;
static int log_verbose;

void log_capture(int level, const char *msg, void *ctx)
{
	(void)ctx;
	pthread_mutex_lock(&log_lock);
	if (log_n < LOG_MAX) {
		log_ring[log_n].level = level;
		snprintf(log_ring[log_n].msg, sizeof(log_ring[0].msg), "%s",
			 msg);
		log_n++;
	}
	pthread_mutex_unlock(&log_lock);
	if (log_verbose)
		fprintf(stderr, "    [cvs log %d] %s%s", level, msg,
			msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
}

void log_clear(void)
{
	pthread_mutex_lock(&log_lock);
	log_n = 0;
	pthread_mutex_unlock(&log_lock);
}

int log_count(const char *needle, int max_level)
{
	int i, n = 0;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < log_n; i++)
		if (log_ring[i].level <= max_level &&
		    strstr(log_ring[i].msg, needle))
			n++;
	pthread_mutex_unlock(&log_lock);
	return n;
}

void log_dump(void)
{
	int i;

	pthread_mutex_lock(&log_lock);
	for (i = 0; i < log_n; i++)
		fprintf(stderr, "    log[%d] level %d: %s\n", i,
			log_ring[i].level, log_ring[i].msg);
	pthread_mutex_unlock(&log_lock);
}

/* ---- fixtures ------------------------------------------------------------ */

/* Pin roots of test runs that were killed before their teardown ran. */
static void remove_stale_roots(void)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d;
	int pid;

	d = opendir(BPFFS);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (sscanf(de->d_name, BASE_PREFIX "%d-", &pid) != 1)
			continue;
		if (kill(pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), BPFFS "/%s", de->d_name);
		fprintf(stderr, "removing %s of a dead test run\n", path);
		rm_tree(path);
	}
	closedir(d);
}

int group_setup(void **state)
{
	struct statfs sfs;

	(void)state;
	if (statfs(BPFFS, &sfs) || sfs.f_type != BPF_FS_MAGIC) {
		if (mount("bpf", BPFFS, "bpf", 0, NULL)) {
			fprintf(stderr, "bpffs missing at %s and mount failed: %s\n",
				BPFFS, strerror(errno));
			return -1;
		}
	}
	remove_stale_roots();
	log_verbose = getenv("CVS_TEST_VERBOSE") != NULL;
	cvs_set_log(log_capture, NULL);
	return 0;
}

int group_teardown(void **state)
{
	char prefix[64], path[PATH_MAX];
	struct dirent *de;
	int left = 0;
	DIR *d;

	(void)state;
	snprintf(prefix, sizeof(prefix), BASE_PREFIX "%d-", getpid());
	d = opendir(BPFFS);
	if (!d)
		return 0;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, prefix, strlen(prefix)))
			continue;
		snprintf(path, sizeof(path), BPFFS "/%s", de->d_name);
		fprintf(stderr, "left behind: %s\n", path);
		rm_tree(path);
		left++;
	}
	closedir(d);
	cvs_set_log(NULL, NULL);
	return left ? -1 : 0;
}

/* A test that hangs (a deadlock in the library, say) is stopped after
 * CVS_TEST_TIMEOUT seconds (default 120) and its pin root removed on the
 * way out. */
static struct fx *current_fx;

static unsigned test_timeout(void)
{
	const char *v = getenv("CVS_TEST_TIMEOUT");

	return v && atoi(v) > 0 ? (unsigned)atoi(v) : 120;
}

static void watchdog_fired(int sig)
{
	static const char msg[] = "test timed out: removing its pins, exiting\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(3);
	if (current_fx) {
		rm_tree(current_fx->base);
		if (current_fx->tmpdir[0])
			rm_tree(current_fx->tmpdir);
	}
	_exit(3);
}

int fx_setup(void **state)
{
	static int counter;
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	snprintf(f->base, sizeof(f->base), BPFFS "/" BASE_PREFIX "%d-%d",
		 getpid(), ++counter);
	snprintf(f->root, sizeof(f->root), "%s/v1", f->base);
	f->cap.max_services = TEST_MAX_SERVICES;
	f->cap.max_backends = TEST_MAX_BACKENDS;
	f->cap.max_members = TEST_MAX_MEMBERS;
	f->cap.table_slots = TEST_TABLE_SLOTS;
	f->cap.affinity_entries = TEST_AFFINITY_ENTRIES;
	f->cap.maglev_tables = TEST_MAGLEV_TABLES;
	f->cap.maglev_slots = TEST_MAGLEV_SLOTS;
	rm_tree(f->base);
	log_clear();
	test_case = NULL;
	current_fx = f;
	signal(SIGALRM, watchdog_fired);
	alarm(test_timeout());
	*state = f;
	return 0;
}

int fx_setup_open(void **state)
{
	struct fx *f;
	int rc;

	if (fx_setup(state))
		return -1;
	f = *state;
	rc = cvs_maps_open(f->root, &f->cap, 0, &f->m);
	if (rc) {
		fprintf(stderr, "cvs_maps_open(%s): %d (%s)\n", f->root, rc,
			errno_name(-rc));
		log_dump();
		f->m = NULL;
		fx_teardown(state);
		return -1;
	}
	return 0;
}

int fx_teardown(void **state)
{
	struct fx *f = *state;
	int rc, bad = 0;

	if (!f)
		return 0;
	alarm(0);
	current_fx = NULL;
	cvs_set_log(log_capture, NULL);	/* a test may have set its own */
	cvs_maps_close(f->ro);
	cvs_maps_close(f->m);
	rc = cvs_maps_destroy(f->root);
	if (rc && rc != -ENOENT) {
		fprintf(stderr, "teardown: cvs_maps_destroy(%s): %d (%s)\n",
			f->root, rc, errno_name(-rc));
		bad = 1;
	} else if (rc == 0 && path_exists(f->root)) {
		fprintf(stderr, "teardown: %s still exists after destroy\n",
			f->root);
		bad = 1;
	}
	if (rm_tree(f->base)) {
		fprintf(stderr, "teardown: cannot remove %s\n", f->base);
		bad = 1;
	}
	if (f->tmpdir[0] && rm_tree(f->tmpdir)) {
		fprintf(stderr, "teardown: cannot remove %s\n", f->tmpdir);
		bad = 1;
	}
	free(f);
	*state = NULL;
	return bad ? -1 : 0;
}

#define CASE_PREFIX test_case ? test_case : "", test_case ? ": " : ""

/* ---- snapshots ------------------------------------------------------------- */

void snapshot_take(struct cvs_maps *m, struct snapshot *s)
{
	__u32 i;

	memset(s, 0, sizeof(*s));
	assert_ok(cvs_maps_usage(m, &s->usage));
	assert_ok(cvs_service_list(m, s->keys, SNAP_MAX, &s->n));
	for (i = 0; i < s->n; i++)
		assert_ok(cvs_service_get(m, &s->keys[i], &s->info[i], s->be[i],
					  TEST_MAX_MEMBERS + 1));
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cvs_service_key));
}

void snapshot_assert_same(struct cvs_maps *m, const struct snapshot *want)
{
	struct snapshot *got = calloc(1, sizeof(*got));
	struct cvs_service_key wk[SNAP_MAX], gk[SNAP_MAX];
	__u32 i, j;

	assert_non_null(got);
	snapshot_take(m, got);
	if (memcmp(&got->usage, &want->usage, sizeof(got->usage)))
		fail_msg("%s%susage changed: services %u -> %u, backends %u -> %u",
			 CASE_PREFIX, want->usage.services, got->usage.services,
			 want->usage.backends, got->usage.backends);
	if (got->n != want->n)
		fail_msg("%s%sservice count changed: %u -> %u", CASE_PREFIX,
			 want->n, got->n);
	memcpy(wk, want->keys, sizeof(wk));
	memcpy(gk, got->keys, sizeof(gk));
	qsort(wk, want->n, sizeof(wk[0]), key_cmp);
	qsort(gk, got->n, sizeof(gk[0]), key_cmp);
	if (memcmp(wk, gk, want->n * sizeof(wk[0])))
		fail_msg("%s%sthe set of service keys changed", CASE_PREFIX);
	for (i = 0; i < want->n; i++) {
		for (j = 0; j < got->n; j++)
			if (!memcmp(&got->keys[j], &want->keys[i],
				    sizeof(want->keys[i])))
				break;
		if (memcmp(&got->info[j], &want->info[i], sizeof(got->info[j])))
			fail_msg("%s%sservice %u changed: gen %u -> %u, slots %u -> %u, members %u -> %u",
				 CASE_PREFIX, want->info[i].id, want->info[i].gen,
				 got->info[j].gen, want->info[i].slots,
				 got->info[j].slots, want->info[i].members,
				 got->info[j].members);
		if (memcmp(got->be[j], want->be[i],
			   want->info[i].members * sizeof(want->be[i][0])))
			fail_msg("%s%sservice %u: backend set changed",
				 CASE_PREFIX, want->info[i].id);
	}
	free(got);
}

void raw_table_counts(const struct raw_maps *r,
			 const struct cvs_service_key *key, __u32 *count,
			 __u32 *slots)
{
	struct cvs_member mbr[TEST_MAX_MEMBERS];
	struct cvs_svc svc;
	__u32 n, i, j, id, idx;
	__u64 word;

	assert_ok(raw_svc_word(r, key, &svc, &word));
	assert_ok(raw_members(r, key, mbr, TEST_MAX_MEMBERS, &n));
	assert_true(cvs_word_slots(word) <= r->meta.table_slots);
	memset(count, 0, n * sizeof(*count));
	for (i = 0; i < cvs_word_slots(word); i++) {
		idx = cvs_sel_index(r->meta.table_slots, svc.id,
				    cvs_word_half(word), i);
		assert_ok(bpf_map_lookup_elem(r->fd[RAW_SEL], &idx, &id));
		for (j = 0; j < n; j++)
			if (mbr[j].backend_id == id)
				break;
		if (j == n)
			fail_msg("slot %u holds backend id %u, not a member", i,
				 id);
		if (mbr[j].weight == 0)
			fail_msg("slot %u holds draining member %u", i, j);
		count[j]++;
	}
	*slots = cvs_word_slots(word);
}

int fx_teardown_attached(void **state)
{
	struct fx *f = *state;

	if (f && f->m)
		cvs_sock_detach(f->m);
	return fx_teardown(state);
}
