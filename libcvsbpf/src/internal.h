/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* State of an open map set, shared by the files of libcvsbpf. */
#ifndef CVS_INTERNAL_H
#define CVS_INTERNAL_H

#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/types.h>

#include <bpf/bpf.h>

#include "cvsbpf.h"

#define CVS_API __attribute__((visibility("default")))

/* pinset.c: the name column of CVS_MAPS, by enum cvs_map_index. */
extern const char *const cvs_map_names[CVS_M_COUNT];

/* The members of *ids by enum cvs_map_index. */
static inline void cvs_map_id_slots(struct cvs_map_ids *ids,
				    __u32 *slots[CVS_M_COUNT])
{
#define CVS_ID_SLOT(ID, field, ...) slots[CVS_M_##ID] = &ids->field;
	CVS_MAPS(CVS_ID_SLOT, _)
#undef CVS_ID_SLOT
}

/* First-in first-out pool of free ids: reuse an id as late as possible. */
struct cvs_id_pool {
	__u32 *ids;
	__u32 cap;
	__u32 head;
	__u32 len;
};

struct cvs_maglev_half;

/* What the writer remembers of a service between its calls. */
struct cvs_svc_state {
	bool used;
	__u64 word;		/* as last stored */
	__u32 members;		/* entries in the handle's member cache */
	struct cvs_policy policy;	/* of the word's half */
};

struct cvs_maps {
	pthread_mutex_t lock;
	char root[PATH_MAX];	/* pin root */
	bool readonly;
	int dir_fd;		/* pin root; flocked by a writer */
	int fds[CVS_M_COUNT];
	int owner_fd;		/* cvs_owner_v1; -1: not pinned (read-only) */
	__u64 *words;		/* writer: cvs_gen_v1 mmapped, atomic access */
	size_t words_len;
	struct cvs_meta meta;	/* gen_reserved changes under lock */
	struct cvs_meta2 meta2;	/* constant after open */
	__u32 table_slots;	/* copy of meta's, for lock-free pick */
	int ncpus;
	bool switched;		/* cvs_maps_switch() retired this handle */
	__u32 staged_writes;	/* upserts while staged; 0 once switched to */
	bool staged;		/* cvs_maps_stage() made it, not yet switched to */

	/* Writer-only caches, derived from the maps at open. */
	__u32 next_gen;
	struct cvs_svc_state *svcs;	/* by service id */
	struct cvs_member *members;	/* max_members per service id */
	struct cvs_backend *backends;	/* by backend id; port 0 = free */
	struct cvs_backend6 *backends6;	/* by backend id; read only where
					 * backends[id] is F_INET6 */
	struct cvs_id_pool free_svcs;
	struct cvs_id_pool free_backends;
	struct cvs_id_pool free_maglev;	/* Maglev regions */
	struct cvs_maglev_half **maglev_cache;	/* maglev_write.c's */

	/* cvs_service_verify()'s buffers, allocated by its first call. */
	struct cvs_verify_buf {
		struct cvs_member *members;	/* max_members */
		__u32 *keys;	/* indexes of a run: the longer of both */
		__u32 *held;	/* table_slots: the table in the map */
		__u32 *want;	/* table_slots: what the weights give */
		__u64 *seen;	/* a bit per backend id, kept zero */
		__u32 *maglev;	/* maglev_slots: the Maglev table held */
	} verify;
};

/* Pins cvs may leave in a pin root besides the map set: sock.c's. */
#define CVS_SOCK_NATS 3		/* the socket tables: IPv4, IPv6, and the
				 * socket-local storage (cvs_sklb_v1) */
#define CVS_SOCK_PINS (CVS_SOCK_PROGS + CVS_SOCK_NATS)	/* links, tables */
extern const char *const cvs_sock_pins[CVS_SOCK_PINS];

/* pinset.c: unlink dir/name for each name; absent ones are fine. */
int cvs_unlink_pins(const char *dir, const char *const *names, int count);

/* maps.c: cvs_maps_open() without the recovery of an interrupted switch;
 * the staged set is opened through it. */
int cvs_maps_open_at(const char *root, const struct cvs_capacity *cap,
		     __u32 flags, struct cvs_maps **out);

/* sock.c: the socket-LB programs loaded on m's maps, not attached, with
 * each socket table reused where it is pinned, in staged (may be NULL) or
 * else in root, and created in root when it is in neither.
 * prog_fds by enum cvs_sock_prog; *obj is released by cvs_sock_unload(). */
int cvs_sock_load(struct cvs_maps *m, const char *root, const char *staged,
		  void **obj, int prog_fds[CVS_SOCK_PROGS]);
void cvs_sock_unload(void *obj);
/* sock.c: whether sock_addr programs can use socket-local storage here. */
bool cvs_sock_storage_ok(void);
/* flows_diag.c: the sweep over sock_diag in the calling thread's network
 * namespace, adding to out's counts (*n pairs, at most cap stored); and
 * whether SOCK_DESTROY works on this kernel. */
int cvs_flows_diag_sweep(struct cvs_maps *m, int sklb_fd,
			 const struct cvs_service_key *reset_tcp, __u32 n_reset,
			 struct cvs_flow_count *out, __u32 cap, __u32 *n);
bool cvs_flows_diag_works(void);
/* drift.c: whether map i's pin is the map this handle holds: 0, -ENOENT
 * when nothing is pinned there (or the root is gone), -ESTALE when another
 * map is. */
int cvs_pin_state(struct cvs_maps *m, int i);
/* sock.c: whether fd is a BPF link (bpf_obj_get opens whatever is pinned). */
bool cvs_is_link(int fd);

/*
 * grow.c: the name of the staged set beside root, "<root>_next". Not
 * ".next": bpffs refuses a name with a dot (EPERM, dots are reserved for
 * its own extensions), as it does any lookup of one.
 */
#define CVS_STAGED_SUFFIX "_next"
int cvs_staged_root(const char *root, char *out);
/* recover.c: finish or roll back a switch a crash interrupted at root.
 * Takes root's writer lock for the time it runs; 0 when another writer
 * holds it (that writer recovered already, and the open will say -EBUSY). */
int cvs_recover(const char *root);
/* recover.c: map ids of the set pinned in dir by enum cvs_map_index, 0
 * where a pin is missing. */
void cvs_pinned_ids(const char *dir, __u32 ids[CVS_M_COUNT]);
/* recover.c: whether program prog_id uses any non-zero id of ids. */
bool cvs_prog_uses(__u32 prog_id, const __u32 ids[CVS_M_COUNT]);
/* recover.c: the same for n ids (0 entries match nothing). */
bool cvs_prog_uses_any(__u32 prog_id, const __u32 *ids, int n);
/* recover.c: whether a reader runs on a map of ids: a link pinned at root
 * or at its staged root whose program uses one, or cvs.ko bound to one. */
bool cvs_readers_use(const char *root, const __u32 ids[CVS_M_COUNT]);
/* grow.c: unlink the set's map pins in dir, then remove dir. */
int cvs_unpin_set(const char *dir);
/* grow.c: what recovery does forward: move every reader of the set at root
 * to the writer `to` at the staged root, exchange the two directories and
 * remove the old set; like cvs_maps_switch() without the counters. */
int cvs_finish_switch(const char *root, struct cvs_maps *to);

/* owner.c: open cvs_owner_v1 at m's root into m->owner_fd, pinning it
 * (all zero) for a writer where it is missing. */
int cvs_owner_open(struct cvs_maps *m);
/* owner.c: copy from's record to to (nothing when from has none). */
int cvs_owner_carry(struct cvs_maps *from, struct cvs_maps *to);
/* Pins of a set's root that are not rows of CVS_MAPS: owner.c's. */
extern const char *const cvs_aux_pins[1];

/* failpoint.c: raise(SIGKILL) when CVS_FAILPOINT names this point. */
void cvs_failpoint(const char *name);

/* log.c */
void cvs_log(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* id_pool.c */
int cvs_id_pool_init(struct cvs_id_pool *p, __u32 cap);
void cvs_id_pool_free(struct cvs_id_pool *p);
void cvs_id_pool_push(struct cvs_id_pool *p, __u32 id);
/* The k-th id that pop would return, without taking it. */
__u32 cvs_id_pool_peek(const struct cvs_id_pool *p, __u32 k);
void cvs_id_pool_drop(struct cvs_id_pool *p, __u32 n);

/* table.c: fill table (backend ids) from member weights. */
int cvs_build_table(const struct cvs_member *members, __u32 n,
		    __u32 table_slots, __u32 *table, __u32 *slots);

/* pinset.c: create, verify and load the pinned maps. */
int cvs_pinset_open(struct cvs_maps *m, const char *root,
		    const struct cvs_capacity *cap, __u32 flags);
/* A new set's meta and meta2 from a request (zero fields: defaults),
 * checked. */
int cvs_capacity_to_create(const struct cvs_capacity *req,
			   struct cvs_meta *meta, struct cvs_meta2 *meta2);
/* Build a complete set at root (tmp dir + rename, meta written last). */
int cvs_create_set(const char *root, const struct cvs_meta *meta,
		   const struct cvs_meta2 *meta2);
/* mkdir -p of root's parent directories (not root itself), 0755. */
int cvs_mkdir_parents(const char *root);
/* out = dir "/" name, -ENAMETOOLONG past PATH_MAX. */
int cvs_path_join(char *out, const char *dir, const char *name);
int cvs_pinset_load_state(struct cvs_maps *m);
int cvs_meta_write(struct cvs_maps *m, const struct cvs_meta *meta);

/*
 * The writer loads words from its mapping. A read-only fd cannot be mapped
 * shared, so read-only handles copy the word through bpf(2) instead; their
 * reads are validated by loading the word again, as every reader's are.
 */
static inline __u64 cvs_word_load(const struct cvs_maps *m, __u32 id)
{
	__u64 word = 0;

	if (m->words)
		return __atomic_load_n(&m->words[id], __ATOMIC_ACQUIRE);
	bpf_map_lookup_elem(m->fds[CVS_M_GEN], &id, &word);
	return word;
}

/* read.c: members of id's generation word, up to the end marker; stores
 * at most cap, counts all in *n. */
int cvs_read_members(struct cvs_maps *m, __u32 id, __u64 word,
		     struct cvs_member *out, __u32 cap, __u32 *n);

/*
 * family.c: the one place an API key (struct cvs_service_key) becomes the
 * key of its family's service map, and the endpoints of backends are
 * compared the same way for both families.
 */
struct cvs_map_key {
	int map;		/* CVS_M_SERVICES or CVS_M_SERVICES6 */
	bool v6;
	union {
		struct cvs_svc_key v4;
		struct cvs_svc6_key v6;
	} u;			/* pass &u to the map of index map */
};

/* Check key (-EINVAL, -EAFNOSUPPORT, -EPROTONOSUPPORT) and map it. */
int cvs_map_key(const struct cvs_service_key *key, struct cvs_map_key *out);
/* The API key of an entry of cvs_svc_v1 or cvs_svc6_v1. */
void cvs_key_of4(const struct cvs_svc_key *k, struct cvs_service_key *out);
void cvs_key_of6(const struct cvs_svc6_key *k, struct cvs_service_key *out);
/* 0 when addr is a usable address of the family (v6 or IPv4), else
 * -EINVAL: all zero, IPv4 with addr[1..3] set, IPv6 IPv4-mapped. */
int cvs_check_addr(bool v6, const __be32 addr[4]);

/* A backend's identity within its service: (address, port). */
struct cvs_endpoint {
	__be32 addr[4];		/* IPv4 in addr[0], the rest zero */
	__be16 port;
	__u16 pad;		/* zero: endpoints compare with memcmp */
};

int cvs_endpoint_cmp(const void *a, const void *b);
/* The endpoint of a backend's records; be6 is read only if be is F_INET6. */
void cvs_endpoint_of(const struct cvs_backend *be,
		     const struct cvs_backend6 *be6, struct cvs_endpoint *out);
void cvs_endpoint_of_spec(const struct cvs_backend_spec *b,
			  struct cvs_endpoint *out);
/* The records the maps hold for backend b of service svc_id: for IPv6
 * (v6), an F_INET6 cvs_be_v1 record without address and the cvs_be6_v1
 * one; for IPv4, *be6 zeroed. */
void cvs_records_of(bool v6, __u32 svc_id, const struct cvs_backend_spec *b,
		    struct cvs_backend *be, struct cvs_backend6 *be6);
/* The records of backend id in the maps; *be6 is zeroed unless the
 * cvs_be_v1 record is F_INET6. */
int cvs_backend_lookup(struct cvs_maps *m, __u32 id, struct cvs_backend *be,
		       struct cvs_backend6 *be6);
/* Whether records be/be6 are not a backend of service svc_id of the
 * family (v6); if so, why ("whose record ...") in why. */
bool cvs_backend_bad(const struct cvs_backend *be,
		     const struct cvs_backend6 *be6, __u32 svc_id, bool v6,
		     char *why, size_t len);

static inline void cvs_cached_endpoint(const struct cvs_maps *m, __u32 id,
				       struct cvs_endpoint *out)
{
	cvs_endpoint_of(&m->backends[id], &m->backends6[id], out);
}

/* bulk.c: values of the consecutive indexes [base, base + n) of an array
 * map (size bytes each; per-CPU arrays: ncpus values) in batches, one at a
 * time where the kernel cannot batch. */
int cvs_array_read(int fd, __u32 base, void *values, size_t size, __u32 n);
/* bulk.c: every entry of cvs_svc_v1, then of cvs_svc6_v1, in batches, as
 * API keys; the caller frees both. */
int cvs_services_read(struct cvs_maps *m, struct cvs_service_key **keys,
		      struct cvs_svc **vals, __u32 *count);

static inline struct cvs_member *cvs_members_of(struct cvs_maps *m, __u32 id)
{
	return m->members + (size_t)id * m->meta.max_members;
}

/*
 * maglev.c: the weighted Maglev table of size M (a prime) from the usable
 * members (weight > 0, not down) of a service of family v6, whose
 * endpoints are eps[i] (member i's); table gets M backend ids. -EDOM when
 * M is below the number of usable members.
 */
int cvs_build_maglev(const struct cvs_member *members,
		     const struct cvs_endpoint *eps, __u32 n, bool v6,
		     __u32 M, __u32 *table);
/* maglev_write.c: write table (M ids) into half of region, only the slots
 * that differ from what this handle wrote there last. */
int cvs_maglev_write(struct cvs_maps *m, __u32 region, __u32 half,
		     const __u32 *table, __u32 M);
/* maglev_write.c: forget what was written (the maps may differ now), in
 * every region or in one. */
void cvs_maglev_forget(struct cvs_maps *m);
void cvs_maglev_forget_region(struct cvs_maps *m, __u32 region);
/* maglev.c: whether n is a prime. */
bool cvs_is_prime(__u32 n);
/* table.c: a member's weight, 0 when it is down. */
__u32 cvs_usable_weight(const struct cvs_member *mb);
/* table.c: greatest common divisor; gcd(a, 0) = a. */
__u32 cvs_gcd(__u32 a, __u32 b);
/* maglev.c: members with weight > 0 and not down. */
__u32 cvs_usable_members(const struct cvs_member *members, __u32 n);
/* policy.c: a cvs_service_policy as the maps hold it (region not set);
 * -EINVAL/-EFBIG as cvs_service_upsert_policy() says. */
int cvs_policy_of(const struct cvs_maps *m,
		  const struct cvs_service_policy *p, struct cvs_policy *out);
/* policy.c: whether held is not want (NULL: all zero). */
bool cvs_policy_differs(const struct cvs_policy *held,
			const struct cvs_service_policy *want);
/* policy.c: the policy of service svc_id in word's half. */
int cvs_policy_read(struct cvs_maps *m, __u32 svc_id, __u64 word,
		    struct cvs_policy *out);
/* policy.c: pol (of word's half) is one a writer writes and, for MAGLEV,
 * its table is what cvs_build_maglev() gives from the n members and their
 * records in the maps; what is wrong goes to bad, "" when nothing is. */
int cvs_policy_verify(struct cvs_maps *m, bool v6, __u64 word,
		      const struct cvs_member *members, __u32 n,
		      const struct cvs_policy *pol, char *bad, size_t len);

/* netns.c: network namespaces, each open once. */
struct cvs_netns_set {
	int *fds;
	dev_t *devs;
	ino_t *inos;
	__u32 len, cap;
};

/* netns.c: the caller's namespace, then those of the processes below
 * cgroup_path (NULL: the caller's only), into s. */
int cvs_netns_collect(const char *cgroup_path, struct cvs_netns_set *s);
void cvs_netns_free(struct cvs_netns_set *s);
/* netns.c: the cgroup the socket-LB's links are attached to; -ENOENT if
 * none. */
int cvs_attached_cgroup(struct cvs_maps *m, char *path);

/* affinity.c: copy from's affinity entries into to, each under the new
 * ids of its service and backend (the pairs svc_old[k] -> svc_new[k] and
 * be_old[k] -> be_new[k]); an entry of a service or backend without a
 * pair is dropped. *carried: entries written. */
int cvs_affinity_carry(struct cvs_maps *from, struct cvs_maps *to,
		       const __u32 *svc_old, const __u32 *svc_new, __u32 nsvc,
		       const __u32 *be_old, const __u32 *be_new, __u32 nbe,
		       __u32 *carried);

#endif /* CVS_INTERNAL_H */
