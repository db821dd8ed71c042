// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Reading services back from the maps themselves, not from the writer's
 * caches: this is what a reconciler compares against, and it works on
 * read-only handles beside a writer. Multi-lookup reads are validated like
 * a datapath's: re-read the service and retry if its generation moved.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <bpf/bpf.h>

#include "internal.h"

/* One service as a reader sees it: id, then the word of that id. */
struct view {
	__u32 id;
	__u64 word;
};

static int view_service(struct cvs_maps *m, const struct cvs_svc_key *key,
			struct view *v)
{
	struct cvs_svc svc;
	int err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICES], key, &svc);

	if (err)
		return err;
	if (svc.id >= m->meta.max_services)
		return -EPROTO;
	v->id = svc.id;
	v->word = cvs_word_load(m, svc.id);
	return 0;
}

/* Is the view still current? Key still names id, whose word is unchanged. */
static int still_current(struct cvs_maps *m, const struct cvs_svc_key *key,
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
	struct cvs_backend be;
	__u32 j;
	int err;

	for (j = 0; j < n; j++) {
		err = bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS],
					  &mb[j].backend_id, &be);
		if (err)
			return err;
		out[j] = (struct cvs_backend_spec){ .addr = be.addr,
			.port = be.port, .weight = mb[j].weight };
	}
	return 0;
}

static int get_once(struct cvs_maps *m, const struct cvs_svc_key *key,
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

CVS_API int cvs_service_get(struct cvs_maps *m, const struct cvs_svc_key *key,
			    struct cvs_service_info *info,
			    struct cvs_backend_spec *backends, __u32 cap)
{
	struct cvs_member *mb;
	int err, attempt;

	if (!m || !info || (cap && !backends))
		return -EINVAL;
	err = cvs_check_key(key);
	if (err)
		return err;
	mb = calloc(m->meta.max_members, sizeof(*mb));
	if (!mb)
		return -ENOMEM;
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = get_once(m, key, info, mb, backends, cap);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	free(mb);
	return err;
}

/*
 * Batch lookups copy the hash a bucket at a time under the bucket's lock,
 * so a concurrent insert or delete elsewhere cannot make the walk skip or
 * repeat keys, as a get_next_key walk can.
 */
CVS_API int cvs_service_list(struct cvs_maps *m, struct cvs_svc_key *keys,
			     __u32 cap, __u32 *count)
{
	__u32 max = 0, n = 0, got;
	struct cvs_svc_key *all;
	struct cvs_svc *vals;
	__u64 token = 0;
	int err = 0;

	if (!m || !count || (cap && !keys))
		return -EINVAL;
	max = m->meta.max_services;
	all = calloc(max, sizeof(*all));
	vals = calloc(max, sizeof(*vals));
	if (!all || !vals) {
		err = -ENOMEM;
		goto out;
	}
	pthread_mutex_lock(&m->lock);
	while (!err && n < max) {
		got = max - n;
		err = bpf_map_lookup_batch(m->fds[CVS_M_SERVICES],
					   n ? &token : NULL, &token, all + n,
					   vals + n, &got, NULL);
		n += got;
	}
	pthread_mutex_unlock(&m->lock);
	if (err == -ENOENT)
		err = 0;
	if (err)
		goto out;
	*count = n;
	memcpy(keys, all, (n < cap ? n : cap) * sizeof(*all));
	err = n > cap ? -ENOBUFS : 0;
out:
	free(all);
	free(vals);
	return err;
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

static int backend_of(struct cvs_maps *m, __u32 id, struct cvs_backend *be)
{
	if (m->readonly)
		return bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS], &id, be);
	*be = m->backends[id];
	return 0;
}

static int counters_once(struct cvs_maps *m, const struct cvs_svc_key *key,
			 struct cvs_service_counters *svc_out,
			 struct cvs_backend_counters *out, __u32 cap,
			 __u32 *count, struct cvs_member *mb,
			 struct cvs_backend_stats *per_cpu)
{
	struct cvs_backend be;
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
		err = backend_of(m, mb[j].backend_id, &be) ?:
		      sum_backend(m, mb[j].backend_id, per_cpu, &out[j]);
		if (!err) {
			out[j].addr = be.addr;
			out[j].port = be.port;
		}
	}
	return err ?: still_current(m, key, &v);
}

CVS_API int cvs_service_counters(struct cvs_maps *m,
				 const struct cvs_svc_key *key,
				 struct cvs_service_counters *svc_out,
				 struct cvs_backend_counters *backends,
				 __u32 cap, __u32 *count)
{
	struct cvs_backend_stats *per_cpu;
	struct cvs_member *mb;
	int err, attempt;

	if (!m || !svc_out || !count || (cap && !backends))
		return -EINVAL;
	err = cvs_check_key(key);
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
		err = counters_once(m, key, svc_out, backends, cap, count, mb,
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

#define CVS_READER_CTX struct cvs_maps *
#define CVS_LOOKUP_SVC(m, key, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SERVICES], key, out)
#define CVS_LOAD_WORD(m, id, out) \
	(*(id) < (m)->meta.max_services ? \
	 (*(out) = cvs_word_load(m, *(id)), 0) : -ENOENT)
#define CVS_LOOKUP_SEL(m, idx, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_SELECT], idx, out)
#define CVS_LOOKUP_BE(m, id, out) \
	bpf_map_lookup_elem((m)->fds[CVS_M_BACKENDS], id, out)
#define CVS_RANDOM(m) cvs_random()
#include "cvs_select.h"

CVS_API int cvs_service_pick(struct cvs_maps *m,
			     const struct cvs_svc_key *key,
			     struct cvs_pick *pick)
{
	int err;

	if (!m || !pick)
		return -EINVAL;
	err = cvs_check_key(key);
	if (err)
		return err;
	/* No lock: fds and table_slots never change after open. */
	switch (cvs_select(m, key, m->table_slots, pick)) {
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
