// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * test_flip.c - the generation flip under concurrent readers and writers.
 *
 * A writer replaces a service's backend set FLIPS times, alternating between
 * a set of 3 backends and a set of 5 (other addresses, other weights, so
 * other slot counts), and logs the generation each upsert published.
 * Meanwhile readers pick in a tight loop:
 *   - a raw reader runs cvs_select.h's cvs_select() over map fds opened from
 *     the pins and cvs_gen_v1 mmapped read-only, the datapath's own steps,
 *     and keeps the cvs_svc copies and generation words it validated with;
 *   - pickers call cvs_service_pick() on the writer's handle and on a
 *     read-only handle.
 * Every result must be a backend of one of the service's two sets. For the
 * raw reader it must also belong to the set of the generation it validated:
 * the word it loaded first and the one it validated with must be equal, its
 * slots must be that set's, and after the run the writer's log must say that
 * generation published that set. A reader never
 * gets NO_BACKEND or NOT_SERVICE (the service always exists and always has
 * slots) and never runs out of attempts (CONTENDED).
 *
 * A read-only handle's cvs_service_get() must return one whole set, and its
 * cvs_service_list() every key exactly once.
 *
 * A MAGLEV service flipping the same way must give each flow the backend
 * that its validated generation's table gives that flow.
 *
 * Variants: two services flipping at once (a freed backend id is soon reused
 * by the other service), delete + re-create, and every service of the set
 * flipping at once (services then share hash buckets). Last, several threads
 * write through one shared handle and the end state must be the last writes.
 *
 * Threads never call cmocka assertions: they count and describe what went
 * wrong, and the test asserts after joining them.
 */
#define _GNU_SOURCE
#include "test_util.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define FLIPS 10000
#define TIME_LIMIT_NS (60ULL * 1000000000ULL)
#define GEN_RECORDS (1 << 18)
#define MAX_FLIPPED TEST_MAX_SERVICES

struct bset {
	char name[24];
	struct cvs_backend_spec b[8];
	__u32 n;
	__u32 slots;	/* sum of the weights, which are coprime */
};

/* One service being flipped between two sets. */
struct flipped {
	struct cvs_service_key key;
	struct bset set[2];
	/* writer's log: the generation each upsert published, and its set */
	__u32 *log_gen;
	__u8 *log_set;
	__u32 log_n;
};

struct gen_record {
	__u32 gen;
	__u16 svc;
	__u16 set;
};

enum read_kind {
	READ_SELECT,	/* cvs_select() over raw map fds */
	READ_PICK,	/* cvs_service_pick() */
	READ_GET,	/* cvs_service_get(): one whole set, exactly */
	READ_LIST,	/* cvs_service_list(): every key, once */
};

struct reader {
	pthread_t thread;
	const char *name;
	enum read_kind kind;
	struct flipped *svc;		/* the services it reads, in turn */
	int nsvc;
	struct raw_maps *raw;		/* READ_SELECT */
	struct cvs_maps *handle;	/* the others */
	int allow_missing;		/* NOT_SERVICE is expected here */
	atomic_int *stop;
	atomic_int *ready;
	__u64 seed;
	/* results */
	__u64 reads, retries, ok, not_service, no_backend, contended, wrong;
	__u64 seen[2];
	char first_error[256];
	struct gen_record *rec;
	__u32 nrec;
	int rec_overflow;
	__u32 last_gen[MAX_FLIPPED];
};

static const __u32 weights3[] = { 1, 2, 3 };
static const __u32 weights5[] = { 5, 1, 1, 2, 3 };
static const __u32 weights4[] = { 1, 1, 1, 1 };
static const __u32 weights6[] = { 1, 2, 1, 2, 1, 2 };

/* Backends 10.net.sub.1 .. 10.net.sub.n on port, with these weights. */
static void make_set(struct bset *s, unsigned net, unsigned sub, __u16 port,
		     const __u32 *w, __u32 n)
{
	__u32 j;

	snprintf(s->name, sizeof(s->name), "10.%u.%u.0/24", net, sub);
	s->n = n;
	s->slots = 0;
	for (j = 0; j < n; j++) {
		s->b[j] = bes(ip4(10, net, sub, j + 1), port, w[j]);
		s->slots += w[j];
	}
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int which_set(const struct flipped *s, __be32 addr, __be16 port)
{
	__u32 k, j;

	for (k = 0; k < 2; k++)
		for (j = 0; j < s->set[k].n; j++)
			if (s->set[k].b[j].addr[0] == addr &&
			    s->set[k].b[j].port == port)
				return k;
	return -1;
}

static void reader_error(struct reader *rd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reader_error(struct reader *rd, const char *fmt, ...)
{
	va_list ap;

	rd->wrong++;
	if (rd->first_error[0])
		return;
	va_start(ap, fmt);
	vsnprintf(rd->first_error, sizeof(rd->first_error), fmt, ap);
	va_end(ap);
}

static void record_gen(struct reader *rd, int svc, __u32 gen, int set)
{
	if (rd->last_gen[svc] == gen)
		return;
	rd->last_gen[svc] = gen;
	if (rd->nrec == GEN_RECORDS) {
		rd->rec_overflow = 1;
		return;
	}
	rd->rec[rd->nrec].gen = gen;
	rd->rec[rd->nrec].svc = svc;
	rd->rec[rd->nrec].set = set;
	rd->nrec++;
}

/* Counts the result of one read (enum cvs_pick_result, or -errno for a
 * call that failed); 0 when it returned a backend. */
static int count_result(struct reader *rd, int rc)
{
	rd->reads++;
	switch (rc) {
	case CVS_PICK_OK:
		rd->ok++;
		return 0;
	case CVS_PICK_NOT_SERVICE:
		rd->not_service++;
		break;
	case CVS_PICK_NO_BACKEND:
		rd->no_backend++;
		break;
	case CVS_PICK_CONTENDED:
		rd->contended++;
		break;
	default:
		if (rc < 0)
			reader_error(rd, "call failed: %d (%s)", rc,
				     errno_name(-rc));
		else
			reader_error(rd, "unexpected result %d", rc);
	}
	return -1;
}

/* One raw cvs_select(); checks what can be checked on the spot. */
static void raw_read_once(struct reader *rd, struct raw_reader *ctx)
{
	int i = rd->reads % rd->nsvc, set;
	struct flipped *s = &rd->svc[i];
	__u64 loads = ctx->words_loaded;
	struct cvs_pick pick = { 0 };
	const struct bset *bs;

	if (count_result(rd, raw_select(ctx, &s->key,
					rd->raw->meta.table_slots, &pick)))
		return;
	rd->retries += pick.attempts - 1;
	/* every attempt loads the word; the one that succeeds loads it again */
	loads = ctx->words_loaded - loads;
	if (loads < (__u64)pick.attempts + 1) {
		reader_error(rd, "service %d: %llu word loads for %u attempts: the word was not re-loaded to validate",
			     i, (unsigned long long)loads, pick.attempts);
		return;
	}
	set = which_set(s, pick.addr[0], pick.port);
	if (set < 0) {
		reader_error(rd, "service %d: backend id %u is %08x:%u, in neither of its sets",
			     i, pick.backend_id, ntohl(pick.addr[0]),
			     ntohs(pick.port));
		return;
	}
	rd->seen[set]++;
	/* ctx->prev/prev_word are the attempt's first copy and load,
	 * ctx->last/last_word the validating ones */
	bs = &s->set[set];
	if (ctx->prev.id != ctx->last.id || ctx->prev.id != pick.svc_id) {
		reader_error(rd, "service %d: picked under id %u, validated with id %u, pick says %u",
			     i, ctx->prev.id, ctx->last.id, pick.svc_id);
		return;
	}
	if (ctx->prev_word != ctx->last_word ||
	    cvs_word_slots(ctx->prev_word) != bs->slots) {
		reader_error(rd,
			     "service %d: word gen %u (slots %u), validated with gen %u (slots %u), gave a backend of %s (slots %u)",
			     i, cvs_word_gen(ctx->prev_word),
			     cvs_word_slots(ctx->prev_word),
			     cvs_word_gen(ctx->last_word),
			     cvs_word_slots(ctx->last_word), bs->name,
			     bs->slots);
		return;
	}
	record_gen(rd, i, cvs_word_gen(ctx->prev_word), set);
}

static void pick_once(struct reader *rd)
{
	int i = rd->reads % rd->nsvc, rc, set;
	struct flipped *s = &rd->svc[i];
	struct cvs_pick pick = { 0 };

	rc = cvs_service_pick(rd->handle, &s->key, &pick);
	rc = rc == 0 ? CVS_PICK_OK :
	     rc == -ENOENT ? CVS_PICK_NOT_SERVICE :
	     rc == -ECONNREFUSED ? CVS_PICK_NO_BACKEND :
	     rc == -EAGAIN ? CVS_PICK_CONTENDED : rc;
	if (count_result(rd, rc))
		return;
	if (pick.attempts < 1 || pick.attempts > CVS_SELECT_ATTEMPTS)
		reader_error(rd, "pick took %u attempts", pick.attempts);
	rd->retries += pick.attempts - 1;
	set = which_set(s, pick.addr[0], pick.port);
	if (set < 0) {
		reader_error(rd, "service %d: picked backend id %u = %08x:%u, in neither of its sets",
			     i, pick.backend_id, ntohl(pick.addr[0]),
			     ntohs(pick.port));
		return;
	}
	rd->seen[set]++;
}

/* cvs_service_get() must return exactly one of the two sets. */
static void get_once(struct reader *rd)
{
	int i = rd->reads % rd->nsvc, rc, k;
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct flipped *s = &rd->svc[i];
	struct cvs_service_info info;

	rc = cvs_service_get(rd->handle, &s->key, &info, got, TEST_MAX_MEMBERS);
	/* -EAGAIN: every attempt saw the word move, so get refused to answer
	 * rather than mix two sets; contended, as a pick that gave up is. */
	rc = rc == -ENOENT ? CVS_PICK_NOT_SERVICE :
	     rc == -EAGAIN ? CVS_PICK_CONTENDED : rc;
	if (count_result(rd, rc))
		return;
	for (k = 0; k < 2; k++)
		if (info.members == s->set[k].n &&
		    info.slots == s->set[k].slots &&
		    !memcmp(got, s->set[k].b, info.members * sizeof(got[0])))
			break;
	if (k == 2) {
		reader_error(rd, "service %d: get returned gen %u with %u members, %u slots, first %08x:%u: neither set",
			     i, info.gen, info.members, info.slots,
			     ntohl(got[0].addr[0]), ntohs(got[0].port));
		return;
	}
	rd->seen[k]++;
	record_gen(rd, i, info.gen, k);
}

/* cvs_service_list() must return every key exactly once. */
static void list_once(struct reader *rd)
{
	struct cvs_service_key keys[2 * MAX_FLIPPED];
	__u32 n = 0, j;
	int i, hits[MAX_FLIPPED] = { 0 }, rc;

	rc = cvs_service_list(rd->handle, keys, 2 * MAX_FLIPPED, &n);
	if (count_result(rd, rc))
		return;
	for (j = 0; j < n; j++) {
		for (i = 0; i < rd->nsvc; i++)
			if (!memcmp(&keys[j], &rd->svc[i].key, sizeof(keys[j])))
				break;
		if (i == rd->nsvc) {
			reader_error(rd, "list returned an unknown key");
			return;
		}
		hits[i]++;
	}
	for (i = 0; i < rd->nsvc; i++) {
		if (hits[i] != 1) {
			reader_error(rd, "list of %u keys has service %d %d times",
				     n, i, hits[i]);
			return;
		}
	}
	rd->seen[0]++;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct raw_reader ctx;
	int announced = 0;

	if (rd->raw)
		raw_reader_init(&ctx, rd->raw, rd->seed);
	while (!atomic_load_explicit(rd->stop, memory_order_relaxed)) {
		switch (rd->kind) {
		case READ_SELECT:
			raw_read_once(rd, &ctx);
			break;
		case READ_PICK:
			pick_once(rd);
			break;
		case READ_GET:
			get_once(rd);
			break;
		case READ_LIST:
			list_once(rd);
			break;
		}
		if (!announced) {
			atomic_fetch_add(rd->ready, 1);
			announced = 1;
		}
	}
	if (!announced)
		atomic_fetch_add(rd->ready, 1);
	return NULL;
}

/* Writer's log lookup: generations increase, so binary search. */
static int logged_set(const struct flipped *s, __u32 gen)
{
	__u32 lo = 0, hi = s->log_n;

	while (lo < hi) {
		__u32 mid = lo + (hi - lo) / 2;

		if (s->log_gen[mid] == gen)
			return s->log_set[mid];
		if (s->log_gen[mid] < gen)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static int publish(struct cvs_maps *m, struct flipped *s, int set,
		   char *err, size_t errlen)
{
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	struct cvs_service_info info;
	const struct bset *bs = &s->set[set];
	int rc;

	rc = cvs_service_upsert(m, &s->key, bs->b, bs->n);
	if (!rc)
		rc = cvs_service_get(m, &s->key, &info, got, TEST_MAX_MEMBERS);
	if (rc) {
		snprintf(err, errlen, "upsert/get of %s: %d (%s)", bs->name,
			 rc, errno_name(-rc));
		return rc;
	}
	if (info.members != bs->n || info.slots != bs->slots) {
		snprintf(err, errlen, "%s read back with %u members, %u slots",
			 bs->name, info.members, info.slots);
		return -1;
	}
	if (s->log_n && info.gen <= s->log_gen[s->log_n - 1]) {
		snprintf(err, errlen, "generation went from %u to %u",
			 s->log_gen[s->log_n - 1], info.gen);
		return -1;
	}
	s->log_gen[s->log_n] = info.gen;
	s->log_set[s->log_n] = set;
	s->log_n++;
	return 0;
}

struct run {
	struct flipped svc[MAX_FLIPPED];
	int nsvc;
	int flips;		/* how many times each service flips */
	int delete_between;	/* delete the service before each re-create */
	struct reader rd[6];
	int nrd;
};

static struct run *run_new(void)
{
	struct run *run = calloc(1, sizeof(*run));

	assert_non_null(run);
	run->flips = FLIPS;
	return run;
}

static struct flipped *add_service(struct run *run, struct cvs_service_key key)
{
	struct flipped *s = &run->svc[run->nsvc++];

	s->key = key;
	s->log_gen = calloc(2 * FLIPS + 1, sizeof(*s->log_gen));
	s->log_set = calloc(2 * FLIPS + 1, sizeof(*s->log_set));
	assert_non_null(s->log_gen);
	assert_non_null(s->log_set);
	return s;
}

/* A reader of services first .. first+n-1 through raw (READ_SELECT) or
 * handle (the other kinds). */
static struct reader *add_reader(struct run *run, const char *name,
				 enum read_kind kind, int first, int n,
				 struct raw_maps *raw, struct cvs_maps *handle)
{
	struct reader *rd = &run->rd[run->nrd];

	rd->name = name;
	rd->kind = kind;
	rd->svc = &run->svc[first];
	rd->nsvc = n;
	rd->raw = raw;
	rd->handle = handle;
	rd->allow_missing = run->delete_between;
	rd->seed = 0x1234567ULL * (run->nrd + 1);
	rd->rec = calloc(GEN_RECORDS, sizeof(*rd->rec));
	assert_non_null(rd->rec);
	run->nrd++;
	return rd;
}

static void print_reader(const struct reader *rd)
{
	print_message("%-12s %9llu reads, %6llu retries, sets %llu / %llu, not-service %llu, contended %llu\n",
		      rd->name, (unsigned long long)rd->reads,
		      (unsigned long long)rd->retries,
		      (unsigned long long)rd->seen[0],
		      (unsigned long long)rd->seen[1],
		      (unsigned long long)rd->not_service,
		      (unsigned long long)rd->contended);
	if (rd->wrong)
		print_message("%-12s %9llu wrong, first: %s\n", rd->name,
			      (unsigned long long)rd->wrong, rd->first_error);
	if (rd->rec_overflow)
		print_message("%-12s only the first %d generations were checked against the writer's log\n",
			      rd->name, GEN_RECORDS);
}

static void check_reader(const struct reader *rd)
{
	const struct flipped *s;
	__u32 i;
	int set;

	if (rd->wrong)
		fail_msg("%s: %llu wrong results; first: %s", rd->name,
			 (unsigned long long)rd->wrong, rd->first_error);
	/* A pick (one lookup per attempt, as the datapaths do) must always
	 * converge. A get reads every member per attempt, so against a writer
	 * flipping this one service every ~80 us it may run out of attempts
	 * now and then (0.1-0.3% seen on a loaded machine); it then refuses
	 * rather than mix two sets, which "wrong" above checks strictly. */
	if (rd->contended &&
	    !(rd->kind == READ_GET && rd->contended * 100 <= rd->reads))
		fail_msg("%s: %llu reads ran out of %d attempts", rd->name,
			 (unsigned long long)rd->contended,
			 CVS_SELECT_ATTEMPTS);
	if (rd->no_backend)
		fail_msg("%s: %llu picks found no backend", rd->name,
			 (unsigned long long)rd->no_backend);
	if (rd->not_service && !rd->allow_missing)
		fail_msg("%s: %llu of %llu picks found no service, which exists all along",
			 rd->name, (unsigned long long)rd->not_service,
			 (unsigned long long)rd->reads);
	if (rd->ok == 0 || rd->reads < 1000)
		fail_msg("%s: only %llu reads, %llu picks", rd->name,
			 (unsigned long long)rd->reads,
			 (unsigned long long)rd->ok);
	for (i = 0; i < rd->nrec; i++) {
		s = &rd->svc[rd->rec[i].svc];
		set = logged_set(s, rd->rec[i].gen);
		if (set != rd->rec[i].set)
			fail_msg("%s: validated gen %u and got a backend of %s, but the writer published %s in it",
				 rd->name, rd->rec[i].gen,
				 s->set[rd->rec[i].set].name,
				 set < 0 ? "nothing" : s->set[set].name);
	}
}

static void run_flips(struct fx *f, struct run *run)
{
	atomic_int stop = 0, ready = 0;
	char err[256] = "";
	__u64 start, elapsed = 0;
	int i, s, flips = 0, rc = 0;

	for (s = 0; s < run->nsvc; s++)
		if (publish(f->m, &run->svc[s], 0, err, sizeof(err)))
			fail_msg("first upsert: %s", err);
	for (i = 0; i < run->nrd; i++) {
		run->rd[i].stop = &stop;
		run->rd[i].ready = &ready;
		assert_int_equal(pthread_create(&run->rd[i].thread, NULL,
						reader_main, &run->rd[i]), 0);
	}
	start = now_ns();
	while (atomic_load(&ready) < run->nrd &&
	       now_ns() - start < 5000000000ULL)
		sched_yield();

	/* No cmocka assertion until the readers are joined. */
	start = now_ns();
	while (flips < run->flips && !rc) {
		flips++;
		for (s = 0; s < run->nsvc && !rc; s++) {
			if (run->delete_between) {
				rc = cvs_service_delete(f->m, &run->svc[s].key);
				if (rc)
					snprintf(err, sizeof(err),
						 "delete: %d (%s)", rc,
						 errno_name(-rc));
			}
			if (!rc)
				rc = publish(f->m, &run->svc[s], flips & 1, err,
					     sizeof(err));
		}
		elapsed = now_ns() - start;
		if (!rc && elapsed > TIME_LIMIT_NS) {
			snprintf(err, sizeof(err), "only %d flips in 60 s",
				 flips);
			rc = -1;
		}
	}
	atomic_store(&stop, 1);
	for (i = 0; i < run->nrd; i++)
		pthread_join(run->rd[i].thread, NULL);

	print_message("%d flips of %d service(s) in %.2f s (%.0f upserts/s)\n",
		      flips, run->nsvc, elapsed / 1e9,
		      flips * run->nsvc / (elapsed / 1e9));
	if (rc)
		fail_msg("writer: %s", err);
	for (i = 0; i < run->nrd; i++)
		print_reader(&run->rd[i]);
	for (i = 0; i < run->nrd; i++)
		check_reader(&run->rd[i]);
}

static void run_free(struct run *run)
{
	int i;

	for (i = 0; i < run->nsvc; i++) {
		free(run->svc[i].log_gen);
		free(run->svc[i].log_set);
	}
	for (i = 0; i < run->nrd; i++)
		free(run->rd[i].rec);
	free(run);
}

/* Set A: 10.0.0.1-3 weights 1:2:3; set B: 10.0.1.1-5 weights 5:1:1:2:3. */
static void add_ab_service(struct run *run)
{
	struct flipped *s = add_service(run, vip(1, 80, IPPROTO_TCP));

	make_set(&s->set[0], 0, 0, 8080, weights3, 3);
	make_set(&s->set[1], 0, 1, 9090, weights5, 5);
}

static void test_readers_see_one_whole_generation(void **state)
{
	struct fx *f = *state;
	struct run *run = run_new();
	struct raw_maps raw;

	add_ab_service(run);
	assert_ok(raw_open(f->root, &raw));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	add_reader(run, "raw select", READ_SELECT, 0, 1, &raw, NULL);
	add_reader(run, "pick writer", READ_PICK, 0, 1, NULL, f->m);
	add_reader(run, "pick ro", READ_PICK, 0, 1, NULL, f->ro);
	add_reader(run, "get ro", READ_GET, 0, 1, NULL, f->ro);
	run_flips(f, run);
	raw_close(&raw);
	run_free(run);
}

/* Two services flipping at once: ids one frees are soon reused by the
 * other with other addresses, so a stale read would show a foreign one.
 * NOT_SERVICE is tolerated here: test_flipping_services_never_go_missing
 * owns that check, reliably. */
static void test_ids_reused_across_services_never_leak(void **state)
{
	struct fx *f = *state;
	struct run *run = run_new();
	struct flipped *s;
	struct raw_maps raw;
	int i;

	add_ab_service(run);
	s = add_service(run, vip(2, 53, IPPROTO_UDP));
	make_set(&s->set[0], 0, 2, 7070, weights4, 4);
	make_set(&s->set[1], 0, 3, 6060, weights6, 6);
	assert_ok(raw_open(f->root, &raw));
	add_reader(run, "raw select", READ_SELECT, 0, 2, &raw, NULL);
	add_reader(run, "pick", READ_PICK, 0, 2, NULL, f->m);
	for (i = 0; i < run->nrd; i++)
		run->rd[i].allow_missing = 1;
	run_flips(f, run);
	raw_close(&raw);
	run_free(run);
}

/* Delete and re-create: a reader may find no service, never a wrong one. */
static void test_delete_and_recreate_never_mixes(void **state)
{
	struct fx *f = *state;
	struct run *run = run_new();
	struct raw_maps raw;

	run->delete_between = 1;
	add_ab_service(run);
	assert_ok(raw_open(f->root, &raw));
	add_reader(run, "raw select", READ_SELECT, 0, 1, &raw, NULL);
	add_reader(run, "pick writer", READ_PICK, 0, 1, NULL, f->m);
	run_flips(f, run);
	raw_close(&raw);
	run_free(run);
}

/* Every service id in use and flipping; with 8 keys in the service hash
 * map some share a bucket. */
static struct run *all_services_flipping(void)
{
	struct run *run = run_new();
	struct flipped *s;
	int i;

	for (i = 0; i < TEST_MAX_SERVICES; i++) {
		s = add_service(run, vip(10 + i, 80, IPPROTO_TCP));
		make_set(&s->set[0], 10 + i, 0, 8080, weights3, 3);
		make_set(&s->set[1], 10 + i, 1, 9090, weights5, 5);
	}
	return run;
}

/* A service never looks absent while it flips: its hash entry is never
 * replaced, only its word (cvs_abi.h, "Why a word"). */
static void test_flipping_services_never_go_missing(void **state)
{
	struct fx *f = *state;
	struct run *run = all_services_flipping();
	struct raw_maps raw;

	run->flips = 2 * FLIPS;	/* a miss takes a rare interleaving */
	assert_ok(raw_open(f->root, &raw));
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	add_reader(run, "raw select", READ_SELECT, 0, TEST_MAX_SERVICES, &raw,
		   NULL);
	add_reader(run, "pick", READ_PICK, 0, TEST_MAX_SERVICES, NULL, f->m);
	add_reader(run, "get ro", READ_GET, 0, TEST_MAX_SERVICES, NULL, f->ro);
	run_flips(f, run);
	raw_close(&raw);
	run_free(run);
}

/* A list from a read-only handle beside the writer is a snapshot too. */
static void test_list_beside_a_writer_has_every_service(void **state)
{
	struct fx *f = *state;
	struct run *run = all_services_flipping();

	run->flips = FLIPS / 5;
	assert_ok(cvs_maps_open(f->root, NULL, CVS_OPEN_READONLY, &f->ro));
	add_reader(run, "list ro", READ_LIST, 0, TEST_MAX_SERVICES, NULL,
		   f->ro);
	run_flips(f, run);
	run_free(run);
}

/* ---- writers sharing one handle ---------------------------------------- */

#define WRITERS 4
#define ROUNDS 500

struct writer {
	pthread_t thread;
	struct cvs_maps *m;
	int idx;
	char error[256];
	/* what each of its two services should read back at the end */
	int exists[2];
	struct cvs_backend_spec last[2][4];
	__u32 last_n[2];
};

static struct cvs_service_key writer_key(int idx, int s)
{
	return vip(10 + idx * 2 + s, 80, s ? IPPROTO_UDP : IPPROTO_TCP);
}

static void *writer_main(void *arg)
{
	struct writer *w = arg;
	struct cvs_backend_spec b[4];
	struct cvs_service_key k;
	__u32 r, s, j, n;
	int rc;

	for (r = 0; r < ROUNDS && !w->error[0]; r++) {
		for (s = 0; s < 2 && !w->error[0]; s++) {
			k = writer_key(w->idx, s);
			if ((r + s) % 7 == 6) {
				rc = cvs_service_delete(w->m, &k);
				if (rc && !(rc == -ENOENT && !w->exists[s]))
					snprintf(w->error, sizeof(w->error),
						 "delete: %d (%s)", rc,
						 errno_name(-rc));
				w->exists[s] = 0;
				continue;
			}
			n = 1 + (r + s) % 4;
			for (j = 0; j < n; j++)
				b[j] = bes(ip4(10, w->idx, s, 1 + (r + j) % 6),
					   1000 + s, (r + j) % 3);
			rc = cvs_service_upsert(w->m, &k, b, n);
			if (rc) {
				snprintf(w->error, sizeof(w->error),
					 "upsert: %d (%s)", rc, errno_name(-rc));
				break;
			}
			memcpy(w->last[s], b, sizeof(b));
			w->last_n[s] = n;
			w->exists[s] = 1;
		}
	}
	return NULL;
}

static void test_writers_sharing_a_handle_stay_consistent(void **state)
{
	struct fx *f = *state;
	struct writer *w = calloc(WRITERS, sizeof(*w));
	struct cvs_backend_spec got[TEST_MAX_MEMBERS];
	__u32 ids[WRITERS * 2 * 4], nids = 0, n, a, b, svc_ids[WRITERS * 2];
	__u32 services = 0, backends = 0, nsvc = 0;
	struct cvs_service_info info;
	struct cvs_service_key k;
	struct cvs_usage u;
	struct raw_maps r;
	int i, s;

	assert_non_null(w);
	for (i = 0; i < WRITERS; i++) {
		w[i].m = f->m;
		w[i].idx = i;
		assert_int_equal(pthread_create(&w[i].thread, NULL,
						writer_main, &w[i]), 0);
	}
	for (i = 0; i < WRITERS; i++)
		pthread_join(w[i].thread, NULL);
	for (i = 0; i < WRITERS; i++)
		if (w[i].error[0])
			fail_msg("writer %d: %s", i, w[i].error);

	assert_ok(raw_open(f->root, &r));
	for (i = 0; i < WRITERS; i++) {
		for (s = 0; s < 2; s++) {
			k = writer_key(i, s);
			if (!w[i].exists[s]) {
				assert_rc(cvs_service_get(f->m, &k, &info, got,
							  TEST_MAX_MEMBERS),
					  -ENOENT);
				continue;
			}
			assert_ok(cvs_service_get(f->m, &k, &info, got,
						  TEST_MAX_MEMBERS));
			assert_int_equal(info.members, w[i].last_n[s]);
			assert_memory_equal(got, w[i].last[s],
					    w[i].last_n[s] * sizeof(got[0]));
			assert_ok(raw_member_ids(&r, &k, ids + nids, 4, &n));
			nids += n;
			svc_ids[nsvc++] = info.id;
			services++;
			backends += w[i].last_n[s];
		}
	}
	raw_close(&r);
	for (a = 0; a < nids; a++)
		for (b = 0; b < a; b++)
			if (ids[a] == ids[b])
				fail_msg("backend id %u is used twice", ids[a]);
	for (a = 0; a < nsvc; a++)
		for (b = 0; b < a; b++)
			assert_int_not_equal(svc_ids[a], svc_ids[b]);
	assert_ok(cvs_maps_usage(f->m, &u));
	assert_int_equal(u.services, services);
	assert_int_equal(u.backends, backends);
	print_message("%d writers x %d rounds x 2 services on one handle: %u services, %u backends at the end\n",
		      WRITERS, ROUNDS, services, backends);
	free(w);
}

/*
 * Maglev under flips: a MAGLEV service flips between two backend sets while
 * raw readers pick for fixed flows. The table is a function of the set, so
 * each flow's backend in each set is known beforehand; a validated pick
 * must be the one of the set its word's slots name, for that flow.
 */
#define MAGLEV_FLOWS 512
#define MAGLEV_FLIPS 4000

struct maglev_reader {
	pthread_t thread;
	struct raw_maps *raw;
	const struct cvs_service_key *key;
	const __be32 (*want)[MAGLEV_FLOWS];	/* by set, by flow */
	const struct bset *set;
	atomic_int *stop;
	__u64 reads, seen[2], wrong;
	char first_error[200];
};

static struct cvs_flow maglev_flow(__u32 i)
{
	struct cvs_flow fl = { .saddr = { ip4(172, 20, i >> 8, i & 0xff) },
			       .sport = htons(20000 + i) };
	return fl;
}

static void *maglev_reader_main(void *arg)
{
	struct maglev_reader *rd = arg;
	struct raw_reader ctx;
	struct cvs_pick pick;
	struct cvs_flow fl;
	__u32 i, slots;
	int set;

	raw_reader_init(&ctx, rd->raw, 0x5eed);
	while (!atomic_load_explicit(rd->stop, memory_order_relaxed)) {
		i = rd->reads++ % MAGLEV_FLOWS;
		fl = maglev_flow(i);
		if (raw_select_flow(&ctx, rd->key, rd->raw->meta.table_slots,
				    rd->raw->meta2.maglev_slots, &fl,
				    &pick) != CVS_PICK_OK ||
		    pick.reason != CVS_REASON_MAGLEV) {
			rd->wrong++;
			snprintf(rd->first_error, sizeof(rd->first_error),
				 "flow %u: no Maglev pick (reason %u)", i,
				 pick.reason);
			continue;
		}
		slots = cvs_word_slots(ctx.last_word);
		set = slots == rd->set[0].slots ? 0 :
		      slots == rd->set[1].slots ? 1 : -1;
		if (ctx.prev_word != ctx.last_word || set < 0 ||
		    pick.addr[0] != rd->want[set][i]) {
			if (!rd->wrong++)
				snprintf(rd->first_error,
					 sizeof(rd->first_error),
					 "flow %u: %08x in a generation of %u slots, whose table says %08x",
					 i, ntohl(pick.addr[0]), slots,
					 set < 0 ? 0 : ntohl(rd->want[set][i]));
			continue;
		}
		rd->seen[set]++;
	}
	return NULL;
}

static void test_maglev_flips_give_each_flow_its_generations_backend(
	void **state)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = TEST_MAGLEV_SLOTS,
	};
	struct fx *f = *state;
	struct cvs_service_key key = vip(40, 80, IPPROTO_TCP);
	static __be32 want[2][MAGLEV_FLOWS];
	struct maglev_reader rd[2] = {};
	struct bset set[2];
	struct cvs_pick pick;
	struct cvs_flow fl;
	struct raw_maps raw;
	atomic_int stop = 0;
	__u64 t0 = now_ns();
	int k, r, flips;
	__u32 i;

	make_set(&set[0], 41, 1, 8080, weights3, 3);
	make_set(&set[1], 41, 2, 8080, weights5, 5);
	for (k = 0; k < 2; k++) {
		assert_ok(cvs_service_upsert_policy(f->m, &key, &pol, set[k].b,
						    set[k].n));
		for (i = 0; i < MAGLEV_FLOWS; i++) {
			fl = maglev_flow(i);
			assert_ok(cvs_service_pick_flow(f->m, &key, &fl, &pick));
			want[k][i] = pick.addr[0];
		}
	}
	assert_ok(raw_open(f->root, &raw));
	for (r = 0; r < 2; r++) {
		rd[r] = (struct maglev_reader){ .raw = &raw, .key = &key,
			.want = (const __be32 (*)[MAGLEV_FLOWS])want,
			.set = set, .stop = &stop };
		assert_int_equal(pthread_create(&rd[r].thread, NULL,
						maglev_reader_main, &rd[r]), 0);
	}
	for (flips = 0; flips < MAGLEV_FLIPS &&
	     now_ns() - t0 < TIME_LIMIT_NS; flips++)
		assert_ok(cvs_service_upsert_policy(f->m, &key, &pol,
						    set[flips % 2].b,
						    set[flips % 2].n));
	atomic_store(&stop, 1);
	for (r = 0; r < 2; r++) {
		pthread_join(rd[r].thread, NULL);
		print_message("maglev reader %d: %llu picks, sets %llu / %llu\n",
			      r, (unsigned long long)rd[r].reads,
			      (unsigned long long)rd[r].seen[0],
			      (unsigned long long)rd[r].seen[1]);
		if (rd[r].wrong)
			fail_msg("%llu wrong picks, first: %s",
				 (unsigned long long)rd[r].wrong,
				 rd[r].first_error);
		assert_true(rd[r].seen[0] > 0 && rd[r].seen[1] > 0);
	}
	raw_close(&raw);
	assert_ok(cvs_service_verify(f->m, &key));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readers_see_one_whole_generation, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_ids_reused_across_services_never_leak, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_delete_and_recreate_never_mixes, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_flipping_services_never_go_missing, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_list_beside_a_writer_has_every_service, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_writers_sharing_a_handle_stay_consistent, fx_setup_open, fx_teardown),
		cmocka_unit_test_setup_teardown(test_maglev_flips_give_each_flow_its_generations_backend, fx_setup_open, fx_teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown) ? 1 : 0;
}
