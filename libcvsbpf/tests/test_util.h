/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * test_util.h - shared fixtures for the libcvsbpf tests (cmocka).
 *
 * Every test gets its own pin root, /sys/fs/bpf/cvs-test-c-<pid>-<n>/v1, so
 * that the library also has to create a parent directory. The per-test
 * teardown closes the handles the fixture holds, calls cvs_maps_destroy() and
 * then removes whatever is left of /sys/fs/bpf/cvs-test-c-<pid>-<n>; it fails
 * the test if destroy left anything behind. It runs after a failed test too.
 * A test that hangs is killed by a watchdog (CVS_TEST_TIMEOUT seconds,
 * default 120) that removes its pins first, and each group's setup removes the
 * pin roots of test processes that no longer exist.
 *
 * The raw reader below is the datapath's reader (cvs_select.h) over map fds
 * opened from the pins: bpf_map_lookup_elem() copies the value, which is what
 * the CVS_LOOKUP_* macros ask for, and the generation words are loaded from
 * cvs_gen_v1 mmapped read-only, one 8-byte acquire load each
 * (CVS_LOAD_WORD).
 */
#ifndef CVS_TEST_UTIL_H
#define CVS_TEST_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "cvsbpf.h"

/* ---- the datapath's reader over raw map fds ---------------------------- */

struct raw_reader {
	int svc_fd;
	int svc6_fd;
	int sel_fd;
	int be_fd;
	int be6_fd;
	int pol_fd;
	int besel_fd;
	int maglev_fd;
	int aff_fd;
	const __u64 *words;	/* cvs_gen_v1, mmapped read-only */
	__u32 max_services;
	__u64 rng;
	/* The last two cvs_svc copies and the last two words loaded: on
	 * CVS_PICK_OK, prev/prev_word are the attempt's first lookup and
	 * load, last/last_word the validating ones. */
	struct cvs_svc prev;
	struct cvs_svc last;
	__u64 prev_word;
	__u64 last_word;
	__u64 words_loaded;
};

/* key is a struct cvs_svc_key in svc_fd or a struct cvs_svc6_key in
 * svc6_fd: fd says which. */
static inline int raw_lookup_svc(struct raw_reader *r, int fd, const void *key,
				 struct cvs_svc *out)
{
	if (bpf_map_lookup_elem(fd, key, out))
		return 1;
	r->prev = r->last;
	r->last = *out;
	return 0;
}

/* One 8-byte acquire load from the mapping, as cvs_select.h asks. */
static inline int raw_load_word(struct raw_reader *r, const __u32 *id,
				__u64 *out)
{
	if (*id >= r->max_services)
		return 1;
	*out = __atomic_load_n(&r->words[*id], __ATOMIC_ACQUIRE);
	r->prev_word = r->last_word;
	r->last_word = *out;
	r->words_loaded++;
	return 0;
}

static inline __u32 raw_random(struct raw_reader *r)
{
	/* xorshift64*: plenty for picking slots in a test */
	r->rng ^= r->rng >> 12;
	r->rng ^= r->rng << 25;
	r->rng ^= r->rng >> 27;
	return (__u32)((r->rng * 0x2545F4914F6CDD1DULL) >> 32);
}

#define CVS_READER_CTX struct raw_reader *
#define CVS_LOOKUP_SVC(ctx, key, out) \
	raw_lookup_svc((ctx), (ctx)->svc_fd, (key), (out))
#define CVS_LOOKUP_SVC6(ctx, key, out) \
	raw_lookup_svc((ctx), (ctx)->svc6_fd, (key), (out))
#define CVS_LOAD_WORD(ctx, id, out) raw_load_word((ctx), (id), (out))
#define CVS_LOOKUP_SEL(ctx, idx, out) \
	(bpf_map_lookup_elem((ctx)->sel_fd, (idx), (out)) != 0)
#define CVS_LOOKUP_BE(ctx, id, out) \
	(bpf_map_lookup_elem((ctx)->be_fd, (id), (out)) != 0)
#define CVS_LOOKUP_BE6(ctx, id, out) \
	(bpf_map_lookup_elem((ctx)->be6_fd, (id), (out)) != 0)
#define CVS_RANDOM(ctx) raw_random(ctx)
#define CVS_LOOKUP_POLICY(ctx, idx, out) \
	(bpf_map_lookup_elem((ctx)->pol_fd, (idx), (out)) != 0)
#define CVS_LOOKUP_MAGLEV(ctx, idx, out) \
	(bpf_map_lookup_elem((ctx)->maglev_fd, (idx), (out)) != 0)
#define CVS_LOOKUP_BESEL(ctx, idx, out) \
	(bpf_map_lookup_elem((ctx)->besel_fd, (idx), (out)) != 0)
#define CVS_LOOKUP_AFF(ctx, key, out) \
	(bpf_map_lookup_elem((ctx)->aff_fd, (key), (out)) != 0)
/* The tests' reader stores nothing: like the library's pick. */
#define CVS_STORE_AFF(ctx, key, val) ((void)(key), (void)(val))
#define CVS_NOW_NS(ctx) raw_now_ns()

static inline __u64 raw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#include "cvs_select.h"

/* The map keys of an API key, as the datapaths spell them (the tests' own
 * conversion, independent of the library's). */
static inline struct cvs_svc_key map_key4(const struct cvs_service_key *k)
{
	struct cvs_svc_key m = { .addr = k->addr[0], .port = k->port,
				 .proto = k->proto };
	return m;
}

static inline struct cvs_svc6_key map_key6(const struct cvs_service_key *k)
{
	struct cvs_svc6_key m = { .port = k->port, .proto = k->proto };

	memcpy(m.addr, k->addr, sizeof(m.addr));
	return m;
}

/* cvs_select() or cvs_select6(), by the key's family, for flow (NULL:
 * anyone) with the set's Maglev size maglev_slots. */
static inline int raw_select_flow(struct raw_reader *rd,
				  const struct cvs_service_key *key,
				  __u32 table_slots, __u32 maglev_slots,
				  const struct cvs_flow *flow,
				  struct cvs_pick *pick)
{
	static const struct cvs_flow anyone;
	struct cvs_svc6_key k6;
	struct cvs_svc_key k4;

	if (!flow)
		flow = &anyone;
	if (key->family == AF_INET6) {
		k6 = map_key6(key);
		return cvs_select6(rd, &k6, table_slots, maglev_slots, flow,
				   pick);
	}
	k4 = map_key4(key);
	return cvs_select(rd, &k4, table_slots, maglev_slots, flow, pick);
}

static inline int raw_select(struct raw_reader *rd,
			     const struct cvs_service_key *key,
			     __u32 table_slots, struct cvs_pick *pick)
{
	return raw_select_flow(rd, key, table_slots, 1, NULL, pick);
}

/* ---- raw access to the pinned maps ------------------------------------- */

/* The rows of CVS_MAPS, in its order. */
enum raw_map {
	RAW_META,
	RAW_SVC,
	RAW_GEN,
	RAW_SEL,
	RAW_MBR,
	RAW_BE,
	RAW_BESTAT,
	RAW_SVCSTAT,
	RAW_SVC6,
	RAW_BE6,
	RAW_META2,
	RAW_POL,
	RAW_BESEL,
	RAW_MAGLEV,
	RAW_AFF,
	RAW_NMAPS,
};

extern const char *const raw_map_names[RAW_NMAPS];

struct raw_maps {
	int fd[RAW_NMAPS];
	struct cvs_meta meta;
	struct cvs_meta2 meta2;	/* zero when the set has no policy maps */
	const __u64 *words;	/* cvs_gen_v1 mmapped PROT_READ, MAP_SHARED */
	size_t words_len;
};

/* bpf_obj_get() every pin under root, read cvs_meta_v1[0] (and
 * cvs_meta2_v1[0]) and mmap cvs_gen_v1 read-only; 0 or -errno. The rows
 * added in place may be missing (a set made before them): their fds are
 * -1 then. */
int raw_open(const char *root, struct raw_maps *r);
void raw_close(struct raw_maps *r);
/* Reader context over r's fds and words (not owned by the reader). */
void raw_reader_init(struct raw_reader *rd, const struct raw_maps *r,
		     __u64 seed);
/* The service entry of key (in its family's map), copied; 0 or -ENOENT. */
int raw_svc(const struct raw_maps *r, const struct cvs_service_key *key,
	    struct cvs_svc *out);
/* The generation word of service id, one atomic load from the mapping. */
__u64 raw_word(const struct raw_maps *r, __u32 id);
/* The same word through the bpf syscall (bpf_map_lookup_elem). */
__u64 raw_word_syscall(const struct raw_maps *r, __u32 id);
/* Store a word through the bpf syscall, as a crashed writer may leave it. */
void raw_write_word(const struct raw_maps *r, __u32 id, __u64 word);
/* The service entry of key and the word of its id; 0 or -ENOENT. */
int raw_svc_word(const struct raw_maps *r, const struct cvs_service_key *key,
		 struct cvs_svc *svc, __u64 *word);
/* Members of key's current generation, in member order: the list of the
 * word's half up to CVS_MEMBER_END (or max_members entries). -ENOBUFS when
 * more than cap, -EPROTO when an entry is neither a backend id nor the end. */
/* How often each member's backend id appears in key's current selection
 * table (count, in member order) and the table's length (*slots); fails
 * the test on a slot naming a non-member or a draining one. */
void raw_table_counts(const struct raw_maps *r,
		      const struct cvs_service_key *key, __u32 *count,
		      __u32 *slots);
int raw_members(const struct raw_maps *r, const struct cvs_service_key *key,
		struct cvs_member *mbr, __u32 cap, __u32 *n);
/* Backend ids of key's current generation, in member order. */
int raw_member_ids(const struct raw_maps *r,
		   const struct cvs_service_key *key,
		   __u32 *ids, __u32 cap, __u32 *n);
/* Per-CPU counters: write {conns, packets, bytes} = {c, 10c, 100c} * (cpu+1)
 * for backend id; *sum gets what the library must report. */
void raw_write_bestat(const struct raw_maps *r, __u32 id, __u64 c,
		      struct cvs_backend_stats *sum);
void raw_write_svcstat(const struct raw_maps *r, __u32 id, __u64 c,
		       struct cvs_service_stats *sum);
/* Map ids of the pins under root, in enum raw_map order; 0 where missing. */
void pin_map_ids(const char *root, __u32 ids[RAW_NMAPS]);
/* struct cvs_map_ids in enum raw_map order. */
void map_ids_array(const struct cvs_map_ids *in, __u32 ids[RAW_NMAPS]);

/* ---- fixture ----------------------------------------------------------- */

struct fx {
	char base[256];		/* /sys/fs/bpf/cvs-test-c-<pid>-<n> */
	char root[PATH_MAX];	/* base/v1: the pin root under test */
	char tmpdir[PATH_MAX];	/* optional non-bpffs dir, removed on teardown */
	struct cvs_capacity cap; /* the small capacity fx_setup_open uses */
	struct cvs_maps *m;	/* writer (fx_setup_open), closed on teardown */
	struct cvs_maps *ro;	/* optional read-only handle */
};

#define TEST_MAX_SERVICES 8
#define TEST_MAX_BACKENDS 64
#define TEST_MAX_MEMBERS 16
#define TEST_TABLE_SLOTS 64
#define TEST_AFFINITY_ENTRIES 1024
#define TEST_MAGLEV_TABLES 4
#define TEST_MAGLEV_SLOTS 251	/* a prime */

/* Per group: check bpffs, install the capturing log callback. */
int group_setup(void **state);
/* Per group: fail if any /sys/fs/bpf/cvs-test-c-<pid>-* is left. */
int group_teardown(void **state);
/* Unique paths, nothing opened. */
int fx_setup(void **state);
/* fx_setup + a writable handle with the small test capacity. */
int fx_setup_open(void **state);
int fx_teardown(void **state);
/* fx_teardown() after detaching the socket-LB programs the test attached. */
int fx_teardown_attached(void **state);

/* Remove a tree (pins, dirs, files); 0 when gone. */
int rm_tree(const char *path);
int path_exists(const char *path);
/* mkdtemp under /tmp into buf. */
void make_tmpdir(char *buf, size_t len);

/* ---- values ------------------------------------------------------------ */

/* Network byte order as constant expressions, for static initializers. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define IP4(a, b, c, d) \
	((__be32)__builtin_bswap32((__u32)(a) << 24 | (b) << 16 | (c) << 8 | (d)))
#define PORT(p) ((__be16)__builtin_bswap16(p))
#else
#define IP4(a, b, c, d) ((__be32)((__u32)(a) << 24 | (b) << 16 | (c) << 8 | (d)))
#define PORT(p) ((__be16)(p))
#endif
#define BE(a, b, c, d, p, w) \
	{ .addr = { IP4(a, b, c, d) }, .port = PORT(p), .weight = (w) }

static inline __be32 ip4(unsigned a, unsigned b, unsigned c, unsigned d)
{
	return htonl(a << 24 | b << 16 | c << 8 | d);
}

/* A VIP from the documentation range 192.0.2.0/24. */
static inline struct cvs_service_key vip(unsigned last, __u16 port,
					 __u8 proto)
{
	struct cvs_service_key k = {
		.addr = { ip4(192, 0, 2, last) },
		.port = htons(port),
		.proto = proto,
		.family = AF_INET,
	};
	return k;
}

/* A VIP from the IPv6 documentation range: 2001:db8::<last>. */
static inline struct cvs_service_key vip6(unsigned last, __u16 port,
					  __u8 proto)
{
	struct cvs_service_key k = {
		.addr = { htonl(0x20010db8), 0, 0, htonl(last) },
		.port = htons(port),
		.proto = proto,
		.family = AF_INET6,
	};
	return k;
}

static inline struct cvs_backend_spec bes(__be32 addr, __u16 port,
					  __u32 weight)
{
	struct cvs_backend_spec b = {
		.addr = { addr }, .port = htons(port), .weight = weight,
	};
	return b;
}

/* An IPv6 backend, fd00::<host>. */
static inline struct cvs_backend_spec bes6(__u32 host, __u16 port,
					   __u32 weight)
{
	struct cvs_backend_spec b = {
		.addr = { htonl(0xfd000000), 0, 0, htonl(host) },
		.port = htons(port), .weight = weight,
	};
	return b;
}

/* ---- state snapshots: "nothing half-written" ----------------------------- */

#define SNAP_MAX 16

struct snapshot {
	struct cvs_usage usage;
	__u32 n;
	struct cvs_service_key keys[SNAP_MAX];
	struct cvs_service_info info[SNAP_MAX];
	struct cvs_backend_spec be[SNAP_MAX][TEST_MAX_MEMBERS + 1];
};

void snapshot_take(struct cvs_maps *m, struct snapshot *s);
/* Fails the test (naming what differs) unless m reads back exactly s. */
void snapshot_assert_same(struct cvs_maps *m, const struct snapshot *s);

/* ---- log capture --------------------------------------------------------- */

void log_capture(int level, const char *msg, void *ctx);
void log_clear(void);
/* Number of captured messages at level <= max_level that contain needle. */
int log_count(const char *needle, int max_level);
void log_dump(void);

/* ---- assertions on -errno results ------------------------------------------ */

const char *errno_name(int e);

/* What a table-driven test is at, named by assert_rc on failure. */
extern const char *test_case;

#define assert_rc(expr, want) do {					\
	int rc_ = (expr);						\
	int want_ = (want);						\
	if (rc_ != want_)						\
		fail_msg("%s%s%s\n    returned %d (%s), expected %d (%s)", \
			 test_case ? test_case : "",			\
			 test_case ? ": " : "", #expr, rc_,		\
			 errno_name(-rc_), want_, errno_name(-want_));	\
} while (0)

#define assert_ok(expr) assert_rc(expr, 0)

/* Milliseconds on CLOCK_MONOTONIC since *t0. */
static inline double ms_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1e3 +
	       (t1.tv_nsec - t0->tv_nsec) / 1e6;
}

#endif /* CVS_TEST_UTIL_H */
