// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading services back from the maps themselves, not from the writer's
 * caches: this is what a reconciler compares against, and it works on
 * read-only handles beside a writer. Multi-lookup reads are validated like
 * a datapath's: re-read the service and retry if its generation moved.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "internal.h"

/* One service as a reader sees it: id, then the word of that id. */
struct view {
	__u32 id;
	__u64 word;
};

static int view_service(struct cvs_maps *m, const struct cvs_map_key *key,
			struct view *v)
{
	struct cvs_svc svc;
	int err = bpf_map_lookup_elem(m->fds[key->map], &key->u, &svc);

	if (err)
		return err;
	if (svc.id >= m->meta.max_services)
		return -EPROTO;
	v->id = svc.id;
	v->word = cvs_word_load(m, svc.id);
	return 0;
}

/* Is the view still current? Key still names id, whose word is unchanged. */
static int still_current(struct cvs_maps *m, const struct cvs_map_key *key,
			 const struct view *v)
{
	struct view now;
	int err = view_service(m, key, &now);

	if (err)
		return err;
	return now.id == v->id && now.word == v->word ? 0 : -EAGAIN;
}

int cvs_read_members(struct cvs_maps *m, __u32 id, __u64 word,
		     struct cvs_member *out, __u32 cap, __u32 *n)
{
	struct cvs_member mb;
	__u32 j, idx;
	int err;

	for (j = 0; j < m->meta.max_members; j++) {
		idx = cvs_mbr_index(m->meta.max_members, id,
				    cvs_word_half(word), j);
		err = bpf_map_lookup_elem(m->fds[CVS_M_MEMBERS], &idx, &mb);
		if (err)
			return err;
		if (mb.backend_id == CVS_MEMBER_END)
			break;
		if (j < cap)
			out[j] = mb;
	}
	*n = j;
	return 0;
}

static int read_backends(struct cvs_maps *m, const struct cvs_member *mb,
			 __u32 n, struct cvs_backend_spec *out)
{
	struct cvs_endpoint ep;
	struct cvs_backend6 be6;
	struct cvs_backend be;
	__u32 j;
	int err;

	for (j = 0; j < n; j++) {
		err = cvs_backend_lookup(m, mb[j].backend_id, &be, &be6);
		if (err)
			return err;
		cvs_endpoint_of(&be, &be6, &ep);
		out[j] = (struct cvs_backend_spec){ .port = ep.port,
			.flags = mb[j].flags, .weight = mb[j].weight };
		memcpy(out[j].addr, ep.addr, sizeof(out[j].addr));
	}
	return 0;
}

static int get_once(struct cvs_maps *m, const struct cvs_map_key *key,
		    struct cvs_service_info *info, struct cvs_member *mb,
		    struct cvs_backend_spec *backends, __u32 cap)
{
	struct view v;
	__u32 n;
	int err;

	err = view_service(m, key, &v) ?:
	      cvs_read_members(m, v.id, v.word, mb, m->meta.max_members, &n);
	if (err)
		return err;
	*info = (struct cvs_service_info){ .id = v.id,
		.gen = cvs_word_gen(v.word), .slots = cvs_word_slots(v.word),
		.members = n };
	if (n > cap)
		return -ENOBUFS;
	return read_backends(m, mb, n, backends) ?: still_current(m, key, &v);
}

CVS_API int cvs_service_get(struct cvs_maps *m,
			    const struct cvs_service_key *key,
			    struct cvs_service_info *info,
			    struct cvs_backend_spec *backends, __u32 cap)
{
	struct cvs_member *mb;
	struct cvs_map_key mk;
	int err, attempt;

	if (!m || !info || (cap && !backends))
		return -EINVAL;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	mb = calloc(m->meta.max_members, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = get_once(m, &mk, info, mb, backends, cap);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	free(mb);
	return err;
}

static int policy_once(struct cvs_maps *m, const struct cvs_map_key *key,
		       struct cvs_policy *pol)
{
	struct view v;
	__u32 idx;
	int err;

	err = view_service(m, key, &v);
	if (err)
		return err;
	idx = cvs_pol_index(v.id, cvs_word_half(v.word));
	return bpf_map_lookup_elem(m->fds[CVS_M_POLICY], &idx, pol) ?:
	       still_current(m, key, &v);
}

CVS_API int cvs_service_policy_get(struct cvs_maps *m,
				   const struct cvs_service_key *key,
				   struct cvs_service_policy *out)
{
	struct cvs_policy pol;
	struct cvs_map_key mk;
	int err, attempt;

	if (!m || !out)
		return -EINVAL;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = policy_once(m, &mk, &pol);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	if (!err)
		*out = (struct cvs_service_policy){
			.flags = pol.flags,
			.affinity_timeout = pol.affinity_timeout,
			.maglev_slots = pol.maglev_slots,
		};
	return err;
}

/* Both service maps, each walked in batches (cvs_services_read). */
CVS_API int cvs_service_list(struct cvs_maps *m, struct cvs_service_key *keys,
			     __u32 cap, __u32 *count)
{
	struct cvs_service_key *all;
	struct cvs_svc *vals;
	__u32 n;
	int err;

	if (!m || !count || (cap && !keys))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	err = cvs_services_read(m, &all, &vals, &n);
	pthread_mutex_unlock(&m->lock);
	if (err)
		return err;
	*count = n;
	memcpy(keys, all, (n < cap ? n : cap) * sizeof(*all));
	free(all);
	free(vals);
	return n > cap ? -ENOBUFS : 0;
}

static int sum_backend(struct cvs_maps *m, __u32 id,
		       struct cvs_backend_stats *per_cpu,
		       struct cvs_backend_counters *out)
{
	int err, cpu;

	err = bpf_map_lookup_elem(m->fds[CVS_M_BACKEND_STATS], &id, per_cpu);
	if (err)
		return err;
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		out->conns += per_cpu[cpu].conns;
		out->packets += per_cpu[cpu].packets;
		out->bytes += per_cpu[cpu].bytes;
	}
	return 0;
}

static int sum_service(struct cvs_maps *m, __u32 id,
		       struct cvs_service_counters *out)
{
	struct cvs_service_stats *per_cpu;
	int err, cpu;

	per_cpu = calloc(m->ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICE_STATS], &id, per_cpu);
	memset(out, 0, sizeof(*out));
	for (cpu = 0; !err && cpu < m->ncpus; cpu++) {
		out->refused += per_cpu[cpu].refused;
		out->retried += per_cpu[cpu].retried;
	}
	free(per_cpu);
	return err;
}

/* The members of a view: the only writer knows them; readers read them. */
static int view_members(struct cvs_maps *m, const struct view *v,
			struct cvs_member *mb, __u32 *n)
{
	if (m->readonly)
		return cvs_read_members(m, v->id, v->word, mb,
					m->meta.max_members, n);
	*n = m->svcs[v->id].members;
	memcpy(mb, cvs_members_of(m, v->id), *n * sizeof(*mb));
	return 0;
}

static int endpoint_of(struct cvs_maps *m, __u32 id, struct cvs_endpoint *ep)
{
	struct cvs_backend6 be6;
	struct cvs_backend be;
	int err;

	if (!m->readonly) {
		cvs_cached_endpoint(m, id, ep);
		return 0;
	}
	err = cvs_backend_lookup(m, id, &be, &be6);
	if (!err)
		cvs_endpoint_of(&be, &be6, ep);
	return err;
}

static int counters_once(struct cvs_maps *m, const struct cvs_map_key *key,
			 struct cvs_service_counters *svc_out,
			 struct cvs_backend_counters *out, __u32 cap,
			 __u32 *count, struct cvs_member *mb,
			 struct cvs_backend_stats *per_cpu)
{
	struct cvs_endpoint ep;
	struct view v;
	__u32 j, n;
	int err;

	err = view_service(m, key, &v) ?: view_members(m, &v, mb, &n);
	if (err)
		return err;
	*count = n;
	if (n > cap)
		return -ENOBUFS;
	err = sum_service(m, v.id, svc_out);
	for (j = 0; j < n && !err; j++) {
		memset(&out[j], 0, sizeof(out[j]));
		err = endpoint_of(m, mb[j].backend_id, &ep) ?:
		      sum_backend(m, mb[j].backend_id, per_cpu, &out[j]);
		if (!err) {
			memcpy(out[j].addr, ep.addr, sizeof(out[j].addr));
			out[j].port = ep.port;
		}
	}
	return err ?: still_current(m, key, &v);
}

CVS_API int cvs_service_counters(struct cvs_maps *m,
				 const struct cvs_service_key *key,
				 struct cvs_service_counters *svc_out,
				 struct cvs_backend_counters *backends,
				 __u32 cap, __u32 *count)
{
	struct cvs_backend_stats *per_cpu;
	struct cvs_member *mb;
	struct cvs_map_key mk;
	int err, attempt;

	if (!m || !svc_out || !count || (cap && !backends))
		return -EINVAL;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	per_cpu = calloc(m->ncpus, sizeof(*per_cpu));
	mb = calloc(m->meta.max_members, sizeof(*mb));
	if (!per_cpu || !mb) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = counters_once(m, &mk, svc_out, backends, cap, count, mb,
				    per_cpu);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
out:
	free(per_cpu);
	free(mb);
	return err;
}

/*
 * Verifying a service: the current generation, as a datapath finds it, must
 * be what the writer writes for that member list. Built from the maps alone,
 * so it sees what a writer's caches cannot: changes behind its back.
 */

static int verify_buf_init(struct cvs_maps *m)
{
	struct cvs_verify_buf *vb = &m->verify;
	const struct cvs_meta *meta = &m->meta;
	__u32 run = meta->table_slots > meta->max_members ?
		    meta->table_slots : meta->max_members;

	if (vb->members)
		return 0;
	vb->members = calloc(meta->max_members, sizeof(*vb->members));
	vb->keys = calloc(run, sizeof(*vb->keys));
	vb->held = calloc(meta->table_slots, sizeof(*vb->held));
	vb->want = calloc(meta->table_slots, sizeof(*vb->want));
	vb->seen = calloc((meta->max_backends + 63) / 64, sizeof(*vb->seen));
	if (vb->members && vb->keys && vb->held && vb->want && vb->seen)
		return 0;
	free(vb->members);
	free(vb->keys);
	free(vb->held);
	free(vb->want);
	free(vb->seen);
	memset(vb, 0, sizeof(*vb));
	return -ENOMEM;
}

/* Values at the consecutive indexes [base, base + n) of an array map. */
static int read_run(int fd, __u32 base, void *values, size_t size, __u32 n,
		    __u32 *keys)
{
	__u32 prev = base - 1, next, count = n, i, idx;
	int err;

	if (!n)
		return 0;
	/*
	 * In one syscall: an array's batch position is the last index
	 * copied, so the run starts after base - 1. The indexes copied are
	 * checked all the same; anything else is read one by one.
	 */
	err = bpf_map_lookup_batch(fd, base ? &prev : NULL, &next, keys,
				   values, &count, NULL);
	for (i = 0; (!err || err == -ENOENT) && count == n && i < n; i++)
		if (keys[i] != base + i)
			break;
	if (i == n)
		return 0;
	for (i = 0; i < n; i++) {
		idx = base + i;
		err = bpf_map_lookup_elem(fd, &idx, (char *)values + i * size);
		if (err)
			return err;
	}
	return 0;
}

static int check_member(struct cvs_maps *m, __u32 svc_id, bool v6, __u32 j,
			__u32 id, char *bad, size_t len)
{
	__u64 *seen = &m->verify.seen[id / 64], bit = 1ULL << (id % 64);
	struct cvs_backend6 be6;
	struct cvs_backend be;
	char why[96];
	int err;

	if (id >= m->meta.max_backends) {
		snprintf(bad, len, "member %u names backend id %u, beyond %u",
			 j, id, m->meta.max_backends);
		return 0;
	}
	if (*seen & bit) {
		snprintf(bad, len,
			 "member %u names backend id %u, as an earlier member does",
			 j, id);
		return 0;
	}
	*seen |= bit;
	err = cvs_backend_lookup(m, id, &be, &be6);
	if (err)
		return err;
	if (cvs_backend_bad(&be, &be6, svc_id, v6, why, sizeof(why)))
		snprintf(bad, len, "member %u names backend id %u, %s", j, id,
			 why);
	return 0;
}

/*
 * The member list in m->verify.members up to its end marker, or max_members
 * long: each backend id in range, named once, its record this service's,
 * with an address and a port, and no flag the writer does not write.
 * *n = members in the list.
 */
static int check_members(struct cvs_maps *m, __u32 svc_id, bool v6, __u32 *n,
			 char *bad, size_t len)
{
	const struct cvs_member *mb = m->verify.members;
	__u32 j, id;
	int err = 0;

	for (j = 0; j < m->meta.max_members; j++) {
		if (mb[j].backend_id == CVS_MEMBER_END)
			break;
		if (!bad[0] && (mb[j].flags & ~CVS_MEMBER_F_DOWN))
			snprintf(bad, len, "member %u has unknown flags %#x", j,
				 mb[j].flags);
		if (!err && !bad[0])
			err = check_member(m, svc_id, v6, j, mb[j].backend_id,
					   bad, len);
	}
	*n = j;
	for (j = 0; j < *n; j++) {
		id = mb[j].backend_id;
		if (id < m->meta.max_backends)
			m->verify.seen[id / 64] &= ~(1ULL << (id % 64));
	}
	return err;
}

/* The selection table of the word's half: what cvs_build_table() builds
 * from the n members' weights, slot for slot. */
static int check_table(struct cvs_maps *m, const struct view *v, __u32 n,
		       char *bad, size_t len)
{
	struct cvs_verify_buf *vb = &m->verify;
	__u32 slots, i, first = 0, differ = 0;
	int err;

	err = cvs_build_table(vb->members, n, m->meta.table_slots, vb->want,
			      &slots);
	if (err)
		return err;
	if (slots != cvs_word_slots(v->word)) {
		snprintf(bad, len, "its word has %u slots, the weights give %u",
			 cvs_word_slots(v->word), slots);
		return 0;
	}
	err = read_run(m->fds[CVS_M_SELECT],
		       cvs_sel_index(m->meta.table_slots, v->id,
				     cvs_word_half(v->word), 0),
		       vb->held, sizeof(*vb->held), slots, vb->keys);
	if (err)
		return err;
	for (i = 0; i < slots; i++)
		if (vb->held[i] != vb->want[i] && !differ++)
			first = i;
	if (differ)
		snprintf(bad, len,
			 "slot %u names backend id %u, expected %u (%u of %u slots differ)",
			 first, vb->held[first], vb->want[first], differ, slots);
	return 0;
}

/* One validated look; what is wrong goes to bad, "" when nothing is. */
static int verify_once(struct cvs_maps *m, const struct cvs_map_key *key,
		       char *bad, size_t len)
{
	const struct cvs_meta *meta = &m->meta;
	struct cvs_policy pol;
	struct view v;
	__u32 n;
	int err;

	bad[0] = '\0';
	err = view_service(m, key, &v);
	if (err == -EPROTO) {
		/* entries are never replaced: no generation to validate */
		snprintf(bad, len, "its entry names a service id beyond %u",
			 meta->max_services);
		return 0;
	}
	if (err)
		return err;
	if (!cvs_word_gen(v.word) ||
	    cvs_word_slots(v.word) > meta->table_slots) {
		snprintf(bad, len,
			 "service id %u has word 0x%llx: generation 0 or more than %u slots",
			 v.id, (unsigned long long)v.word, meta->table_slots);
		return still_current(m, key, &v);
	}
	err = read_run(m->fds[CVS_M_MEMBERS],
		       cvs_mbr_index(meta->max_members, v.id,
				     cvs_word_half(v.word), 0),
		       m->verify.members, sizeof(*m->verify.members),
		       meta->max_members, m->verify.keys) ?:
	      check_members(m, v.id, key->v6, &n, bad, len);
	if (!err && !bad[0])
		err = check_table(m, &v, n, bad, len);
	if (!err && !bad[0])
		err = cvs_policy_read(m, v.id, v.word, &pol) ?:
		      cvs_policy_verify(m, key->v6, v.word, m->verify.members,
					n, &pol, bad, len);
	return err ?: still_current(m, key, &v);
}

static int verify_locked(struct cvs_maps *m, const struct cvs_map_key *key,
			 char *bad, size_t len)
{
	int err, attempt;

	err = verify_buf_init(m);
	if (err)
		return err;
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = verify_once(m, key, bad, len);
		if (err != -EAGAIN)
			break;
	}
	return err;
}

CVS_API int cvs_service_verify(struct cvs_maps *m,
			       const struct cvs_service_key *key)
{
	char bad[200], addr[INET6_ADDRSTRLEN];
	struct cvs_map_key mk;
	int err;

	if (!m)
		return -EINVAL;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	err = verify_locked(m, &mk, bad, sizeof(bad));
	pthread_mutex_unlock(&m->lock);
	if (err || !bad[0])
		return err;
	inet_ntop(key->family, key->addr, addr, sizeof(addr));
	cvs_log(CVS_LOG_WARN, "service %s%s%s:%u/%s is inconsistent: %s",
		mk.v6 ? "[" : "", addr, mk.v6 ? "]" : "", ntohs(key->port),
		key->proto == IPPROTO_TCP ? "tcp" : "udp", bad);
	return -EBADMSG;
}

/* xorshift64*: cheap, per thread, seeded once from the kernel. */
static __u32 cvs_random(void)
{
	static __thread __u64 state;

	if (!state) {
		if (getrandom(&state, sizeof(state), 0) != sizeof(state) ||
		    !state)
			state = (__u64)(unsigned long)&state | 1;
	}
	state ^= state >> 12;
	state ^= state << 25;
	state ^= state >> 27;
	return (state * 0x2545F4914F6CDD1DULL) >> 32;
}

/* What bpf_ktime_get_ns() and ktime_get_ns() read. */
static __u64 cvs_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

#define CVS_READER_CTX struct cvs_maps *
#define CVS_LOOKUP_SVC(m, key, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SERVICES], key, out)
#define CVS_LOOKUP_SVC6(m, key, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SERVICES6], key, out)
#define CVS_LOAD_WORD(m, id, out) \
	(*(id) < (m)->meta.max_services ? \
	 (*(out) = cvs_word_load(m, *(id)), 0) : -ENOENT)
#define CVS_LOOKUP_SEL(m, idx, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SELECT], idx, out)
#define CVS_LOOKUP_BE(m, id, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_BACKENDS], id, out)
#define CVS_LOOKUP_BE6(m, id, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_BACKENDS6], id, out)
#define CVS_RANDOM(m) cvs_random()
#define CVS_LOOKUP_POLICY(m, idx, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_POLICY], idx, out)
#define CVS_LOOKUP_MAGLEV(m, idx, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_MAGLEV], idx, out)
#define CVS_LOOKUP_BESEL(m, idx, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SELECTABLE], idx, out)
/* A lookup through bpf(2) does not mark an LRU entry used. */
#define CVS_LOOKUP_AFF(m, key, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_AFFINITY], key, out)
#define CVS_STORE_AFF(m, key, val) ((void)(key), (void)(val))
#define CVS_NOW_NS(m) cvs_now_ns()
#include "cvs_select.h"

CVS_API int cvs_service_pick(struct cvs_maps *m,
			     const struct cvs_service_key *key,
			     struct cvs_pick *pick)
{
	return cvs_service_pick_flow(m, key, NULL, pick);
}

CVS_API int cvs_service_pick_flow(struct cvs_maps *m,
				  const struct cvs_service_key *key,
				  const struct cvs_flow *flow,
				  struct cvs_pick *pick)
{
	static const struct cvs_flow anyone;
	struct cvs_map_key mk;
	int err, rc;

	if (!m || !pick)
		return -EINVAL;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	if (!flow)
		flow = &anyone;
	memset(pick, 0, sizeof(*pick));
	/* No lock: fds and the slot counts never change after open. */
	rc = mk.v6 ? cvs_select6(m, &mk.u.v6, m->table_slots,
				 m->meta2.maglev_slots, flow, pick) :
		     cvs_select(m, &mk.u.v4, m->table_slots,
				m->meta2.maglev_slots, flow, pick);
	switch (rc) {
	case CVS_PICK_OK:
		return 0;
	case CVS_PICK_NOT_SERVICE:
		return -ENOENT;
	case CVS_PICK_NO_BACKEND:
		return -ECONNREFUSED;
	default:
		return -EAGAIN;
	}
}
