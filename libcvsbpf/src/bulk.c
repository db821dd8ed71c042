// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Many services in one call, and runs of array entries in one syscall.
 *
 * At 10,000 services a restart that looks up every member and every backend
 * record one by one, and a scrape or a reconcile that crosses from Java once
 * per service, spend their time in syscalls and crossings, not in work: a
 * lookup is about 0.5 us, a batch of a thousand entries a few microseconds
 * more than one (docs/map-abi.md, "Measured costs").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bpf/bpf.h>

#include "internal.h"

/* Entries per batch syscall: bounds the key buffer, not the work. */
#define CVS_BATCH 4096

int cvs_array_read(int fd, __u32 base, void *values, size_t size, __u32 n)
{
	__u32 keys[CVS_BATCH], done = 0, count, prev, next, i, idx;
	char *out = values;
	int err;

	while (done < n) {
		count = n - done < CVS_BATCH ? n - done : CVS_BATCH;
		/* an array's batch position is the last index copied */
		prev = base + done - 1;
		err = bpf_map_lookup_batch(fd, base + done ? &prev : NULL,
					   &next, keys, out + done * size,
					   &count, NULL);
		if (err && err != -ENOENT)
			goto one_by_one;
		/* the indexes are checked all the same: anything else, and a
		 * kernel without batch lookups, is read one at a time */
		for (i = 0; i < count; i++)
			if (keys[i] != base + done + i)
				goto one_by_one;
		if (!count)
			goto one_by_one;
		done += count;
	}
	return 0;
one_by_one:
	for (; done < n; done++) {
		idx = base + done;
		err = bpf_map_lookup_elem(fd, &idx, out + done * size);
		if (err)
			return err;
	}
	return 0;
}

/* Every entry of one service map: a bucket at a time under its lock, so
 * no key is skipped or repeated. At most max entries. */
static int read_hash(int fd, void *keys, struct cvs_svc *vals, __u32 max,
		     size_t key_size, __u32 *count)
{
	__u32 n = 0, got;
	__u64 token = 0;
	int err = 0;

	while (!err && n < max) {
		got = max - n;
		err = bpf_map_lookup_batch(fd, n ? &token : NULL, &token,
					   (char *)keys + n * key_size,
					   vals + n, &got, NULL);
		n += got;
	}
	*count = n;
	return err == -ENOENT ? 0 : err;
}

int cvs_services_read(struct cvs_maps *m, struct cvs_service_key **keys,
		      struct cvs_svc **vals, __u32 *count)
{
	__u32 max = m->meta.max_services, n4 = 0, n6 = 0, i;
	struct cvs_svc6_key *k6 = NULL;
	struct cvs_svc_key *k4 = NULL;
	int err;

	/* Both maps share the service ids, but a walk beside a writer may
	 * see an id leave one map and come back in the other: room for
	 * max in each. */
	*keys = calloc(2 * (size_t)max ?: 1, sizeof(**keys));
	*vals = calloc(2 * (size_t)max ?: 1, sizeof(**vals));
	k4 = calloc(max ?: 1, sizeof(*k4));
	k6 = calloc(max ?: 1, sizeof(*k6));
	err = *keys && *vals && k4 && k6 ? 0 : -ENOMEM;
	err = err ?: read_hash(m->fds[CVS_M_SERVICES], k4, *vals, max,
			       sizeof(*k4), &n4) ?:
	      read_hash(m->fds[CVS_M_SERVICES6], k6, *vals + n4, max,
			sizeof(*k6), &n6);
	for (i = 0; !err && i < n4; i++)
		cvs_key_of4(&k4[i], &(*keys)[i]);
	for (i = 0; !err && i < n6; i++)
		cvs_key_of6(&k6[i], &(*keys)[n4 + i]);
	free(k4);
	free(k6);
	if (err) {
		free(*keys);
		free(*vals);
		*keys = NULL;
		*vals = NULL;
		return err;
	}
	*count = n4 + n6;
	return 0;
}

/* What one check needs besides the maps; allocated once per call. */
struct check_buf {
	struct cvs_member *members;	/* max_members + 1 */
	__u32 *held;			/* table_slots */
	__u32 *want;			/* table_slots */
	__u64 *seen;			/* a bit per backend id, kept zero */
};

static void check_buf_free(struct check_buf *b)
{
	free(b->members);
	free(b->held);
	free(b->want);
	free(b->seen);
}

static int check_buf_init(struct cvs_maps *m, struct check_buf *b)
{
	const struct cvs_meta *meta = &m->meta;

	b->members = calloc(meta->max_members + 1, sizeof(*b->members));
	b->held = calloc(meta->table_slots, sizeof(*b->held));
	b->want = calloc(meta->table_slots, sizeof(*b->want));
	b->seen = calloc((meta->max_backends + 63) / 64, sizeof(*b->seen));
	if (b->members && b->held && b->want && b->seen)
		return 0;
	check_buf_free(b);
	return -ENOMEM;
}

/*
 * The member list of the word's half against want: -ESTALE when the
 * maps hold other backends, weights or flags, -EBADMSG when a member or its
 * record is inconsistent, 0 when they are exactly want. Each backend
 * record is looked up, since the check is of the maps, not of a cache.
 */
static int check_members(struct cvs_maps *m, struct check_buf *b, __u32 id,
			 bool v6, __u64 word,
			 const struct cvs_backend_spec *want, __u32 n)
{
	const struct cvs_meta *meta = &m->meta;
	/* one more than want: its end marker, unless the list is full */
	__u32 read = n < meta->max_members ? n + 1 : n, j, be_id;
	struct cvs_endpoint have, wanted;
	struct cvs_backend6 be6;
	struct cvs_backend be;
	char why[96];
	int err, verdict = 0;

	if (n > meta->max_members)
		return -ESTALE;
	err = cvs_array_read(m->fds[CVS_M_MEMBERS],
			     cvs_mbr_index(meta->max_members, id,
					   cvs_word_half(word), 0),
			     b->members, sizeof(*b->members), read);
	if (err)
		return err;
	if (read > n && b->members[n].backend_id != CVS_MEMBER_END)
		return -ESTALE;
	for (j = 0; j < n && !verdict; j++) {
		be_id = b->members[j].backend_id;
		if (be_id == CVS_MEMBER_END ||
		    b->members[j].weight != want[j].weight) {
			verdict = -ESTALE;
			break;
		}
		/* Unknown flags: no writer wrote them, whatever want says. */
		if (b->members[j].flags & ~CVS_MEMBER_F_DOWN) {
			verdict = -EBADMSG;
			break;
		}
		if (b->members[j].flags != want[j].flags) {
			verdict = -ESTALE;
			break;
		}
		if (be_id >= meta->max_backends ||
		    (b->seen[be_id / 64] & (1ULL << (be_id % 64)))) {
			verdict = -EBADMSG;
			break;
		}
		b->seen[be_id / 64] |= 1ULL << (be_id % 64);
		err = cvs_backend_lookup(m, be_id, &be, &be6);
		if (err) {
			verdict = err;
			break;
		}
		cvs_endpoint_of(&be, &be6, &have);
		cvs_endpoint_of_spec(&want[j], &wanted);
		if (!!(be.flags & CVS_BACKEND_F_INET6) != v6)
			verdict = -EBADMSG;
		else if (cvs_endpoint_cmp(&have, &wanted))
			verdict = -ESTALE;
		else if (cvs_backend_bad(&be, &be6, id, v6, why, sizeof(why)))
			verdict = -EBADMSG;
	}
	while (j--) {
		be_id = b->members[j].backend_id;
		if (be_id < meta->max_backends)
			b->seen[be_id / 64] &= ~(1ULL << (be_id % 64));
	}
	return verdict;
}

/* The word's slots and its half's table: what the weights give. */
static int check_table(struct cvs_maps *m, struct check_buf *b, __u32 id,
		       __u64 word, __u32 n)
{
	__u32 slots, i;
	int err;

	err = cvs_build_table(b->members, n, m->meta.table_slots, b->want,
			      &slots);
	if (err)
		return err;
	if (slots != cvs_word_slots(word))
		return -EBADMSG;
	err = cvs_array_read(m->fds[CVS_M_SELECT],
			     cvs_sel_index(m->meta.table_slots, id,
					   cvs_word_half(word), 0),
			     b->held, sizeof(*b->held), slots);
	if (err)
		return err;
	for (i = 0; i < slots; i++)
		if (b->held[i] != b->want[i])
			return -EBADMSG;
	return 0;
}

/* One look, validated as readers validate: -EAGAIN when the word moved. */
static int check_once(struct cvs_maps *m, struct check_buf *b,
		      const struct cvs_map_key *key,
		      const struct cvs_service_policy *want_pol,
		      const struct cvs_backend_spec *want, __u32 n)
{
	struct cvs_svc svc, again;
	struct cvs_policy pol;
	char bad[160];
	__u64 word;
	int verdict, err;

	err = bpf_map_lookup_elem(m->fds[key->map], &key->u, &svc);
	if (err)
		return err;
	if (svc.id >= m->meta.max_services)
		return -EBADMSG;	/* never replaced: nothing to retry */
	word = cvs_word_load(m, svc.id);
	if (!cvs_word_gen(word) || cvs_word_slots(word) > m->meta.table_slots)
		verdict = -EBADMSG;
	else
		verdict = check_members(m, b, svc.id, key->v6, word, want, n);
	if (!verdict)
		verdict = check_table(m, b, svc.id, word, n);
	/* Another policy is stale whatever else is wrong, like members. */
	err = cvs_policy_read(m, svc.id, word, &pol);
	if (err)
		return err;
	if (verdict != -ESTALE && cvs_policy_differs(&pol, want_pol))
		verdict = -ESTALE;
	if (!verdict) {
		err = cvs_policy_verify(m, key->v6, word, b->members, n, &pol,
					bad, sizeof(bad));
		if (err)
			return err;
		verdict = bad[0] ? -EBADMSG : 0;
	}
	err = bpf_map_lookup_elem(m->fds[key->map], &key->u, &again);
	if (err)
		return err;
	if (again.id != svc.id || cvs_word_load(m, svc.id) != word)
		return -EAGAIN;
	return verdict;
}

static int check_locked(struct cvs_maps *m, struct check_buf *b,
			const struct cvs_service_key *key,
			const struct cvs_service_policy *want_pol,
			const struct cvs_backend_spec *want, __u32 n)
{
	struct cvs_map_key mk;
	int err = cvs_map_key(key, &mk), attempt;

	if (err)
		return err;
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = check_once(m, b, &mk, want_pol, want, n);
		if (err != -EAGAIN)
			break;
	}
	return err;
}

CVS_API int cvs_service_check(struct cvs_maps *m,
			      const struct cvs_service_key *key,
			      const struct cvs_backend_spec *want, __u32 n)
{
	__u32 count = n;
	__s32 result;
	int err;

	err = cvs_services_check(m, key, &count, want, 1, &result);
	return err ?: result;
}

CVS_API int cvs_services_check(struct cvs_maps *m,
			       const struct cvs_service_key *keys,
			       const __u32 *counts,
			       const struct cvs_backend_spec *want, __u32 n,
			       __s32 *results)
{
	return cvs_services_check_policy(m, keys, NULL, counts, want, n,
					 results);
}

CVS_API int cvs_services_check_policy(struct cvs_maps *m,
				      const struct cvs_service_key *keys,
				      const struct cvs_service_policy *policies,
				      const __u32 *counts,
				      const struct cvs_backend_spec *want,
				      __u32 n, __s32 *results)
{
	struct check_buf b = {};
	__u64 at = 0;
	__u32 i;
	int err;

	if (!m || (n && (!keys || !counts || !results)))
		return -EINVAL;
	for (i = 0; i < n; i++)
		at += counts[i];
	if (at && !want)
		return -EINVAL;
	err = check_buf_init(m, &b);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	for (i = 0, at = 0; i < n; at += counts[i], i++)
		results[i] = check_locked(m, &b, &keys[i],
					  policies ? &policies[i] : NULL,
					  want + at, counts[i]);
	pthread_mutex_unlock(&m->lock);
	check_buf_free(&b);
	return 0;
}

/*
 * Counters of every service in one call. The per-CPU arrays are read in
 * batches over the ids in use, then summed per member: two passes over
 * memory instead of a syscall per service and per backend.
 */

struct member_ref {
	__u32 backend_id;
	struct cvs_endpoint ep;	/* from its records */
};

/* The members of service id and their records: the writer's caches, or,
 * on a read-only handle, the maps, read until the word held still. */
static int members_of(struct cvs_maps *m, __u32 id, struct cvs_member *mb,
		      struct member_ref *out, __u32 *n)
{
	struct cvs_backend6 be6;
	struct cvs_backend be;
	__u32 j, k = 0;
	__u64 word;
	int err, attempt;

	if (!m->readonly) {
		*n = m->svcs[id].members;
		for (j = 0; j < *n; j++) {
			out[j].backend_id = cvs_members_of(m, id)[j].backend_id;
			cvs_cached_endpoint(m, out[j].backend_id, &out[j].ep);
		}
		return 0;
	}
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		word = cvs_word_load(m, id);
		err = cvs_read_members(m, id, word, mb, m->meta.max_members,
				       &k);
		for (j = 0; !err && j < k; j++) {
			out[j].backend_id = mb[j].backend_id;
			err = out[j].backend_id >= m->meta.max_backends ?
			      -EBADMSG :
			      cvs_backend_lookup(m, out[j].backend_id, &be,
						 &be6);
			if (!err)
				cvs_endpoint_of(&be, &be6, &out[j].ep);
		}
		if (err)
			return err;
		if (cvs_word_load(m, id) == word) {
			*n = k;
			return 0;
		}
	}
	return -EAGAIN;
}

/* Per-CPU values of ids [0, n) of an array, summed later by the caller. */
static void *read_per_cpu(struct cvs_maps *m, int map, size_t size, __u32 n,
			  int *err)
{
	void *values = malloc((size_t)n * m->ncpus * size ?: 1);

	if (!values) {
		*err = -ENOMEM;
		return NULL;
	}
	*err = cvs_array_read(m->fds[map], 0, values, m->ncpus * size, n);
	if (*err) {
		free(values);
		return NULL;
	}
	return values;
}

static void sum_backend(const struct cvs_maps *m,
			const struct cvs_backend_stats *stats, __u32 id,
			struct cvs_backend_counters *out)
{
	const struct cvs_backend_stats *s = stats + (size_t)id * m->ncpus;
	int cpu;

	for (cpu = 0; cpu < m->ncpus; cpu++) {
		out->conns += s[cpu].conns;
		out->packets += s[cpu].packets;
		out->bytes += s[cpu].bytes;
	}
}

static void sum_service(const struct cvs_maps *m,
			const struct cvs_service_stats *stats, __u32 id,
			struct cvs_service_counters *out)
{
	const struct cvs_service_stats *s = stats + (size_t)id * m->ncpus;
	int cpu;

	memset(out, 0, sizeof(*out));
	for (cpu = 0; cpu < m->ncpus; cpu++) {
		out->refused += s[cpu].refused;
		out->retried += s[cpu].retried;
	}
}

/* The members of every listed service, and the highest backend id + 1. */
static int gather(struct cvs_maps *m, const struct cvs_svc *vals, __u32 n,
		  struct member_ref *refs, __u32 *members, __u32 *total,
		  __u32 *be_end)
{
	struct cvs_member *mb = NULL;
	__u32 i, j, k = 0, at = 0;
	int err = 0;

	if (m->readonly && !(mb = calloc(m->meta.max_members, sizeof(*mb))))
		return -ENOMEM;
	*be_end = 0;
	for (i = 0; i < n && !err; i++) {
		/* refs holds max_backends + max_members: room for one more */
		if (vals[i].id >= m->meta.max_services ||
		    at > m->meta.max_backends) {
			err = -EPROTO;
			break;
		}
		err = members_of(m, vals[i].id, mb, refs + at, &k);
		for (j = 0; !err && j < k; j++)
			if (refs[at + j].backend_id + 1 > *be_end)
				*be_end = refs[at + j].backend_id + 1;
		members[i] = k;
		at += k;
	}
	free(mb);
	*total = at;
	return err;
}

CVS_API int cvs_counters_all(struct cvs_maps *m,
			     struct cvs_service_key *keys,
			     struct cvs_service_counters *svcs,
			     __u32 *members, __u32 cap,
			     struct cvs_backend_counters *backends,
			     __u32 be_cap, __u32 *count, __u32 *be_count)
{
	struct cvs_service_stats *svc_stats = NULL;
	struct cvs_backend_stats *be_stats = NULL;
	struct member_ref *refs = NULL;
	struct cvs_service_key *all = NULL;
	struct cvs_svc *vals = NULL;
	__u32 n = 0, total = 0, be_end = 0, svc_end = 0, *per = NULL, i, j, at;
	int err;

	if (!m || !count || !be_count || (cap && (!keys || !svcs || !members)) ||
	    (be_cap && !backends))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	err = cvs_services_read(m, &all, &vals, &n);
	if (err)
		goto out;
	/* members are unique backend ids, so never more than max_backends;
	 * a member list longer than that is refused in gather() */
	refs = calloc((size_t)m->meta.max_backends + m->meta.max_members,
		      sizeof(*refs));
	per = calloc(n ?: 1, sizeof(*per));
	if (!refs || !per) {
		err = -ENOMEM;
		goto out;
	}
	err = gather(m, vals, n, refs, per, &total, &be_end);
	if (err)
		goto out;
	*count = n;
	*be_count = total;
	if (n > cap || total > be_cap) {
		err = -ENOBUFS;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (vals[i].id + 1 > svc_end)
			svc_end = vals[i].id + 1;
	svc_stats = read_per_cpu(m, CVS_M_SERVICE_STATS, sizeof(*svc_stats),
				 svc_end, &err);
	if (!err)
		be_stats = read_per_cpu(m, CVS_M_BACKEND_STATS,
					sizeof(*be_stats), be_end, &err);
	if (err)
		goto out;
	for (i = 0, at = 0; i < n; i++) {
		keys[i] = all[i];
		members[i] = per[i];
		sum_service(m, svc_stats, vals[i].id, &svcs[i]);
		for (j = 0; j < per[i]; j++, at++) {
			memset(&backends[at], 0, sizeof(backends[at]));
			memcpy(backends[at].addr, refs[at].ep.addr,
			       sizeof(backends[at].addr));
			backends[at].port = refs[at].ep.port;
			sum_backend(m, be_stats, refs[at].backend_id,
				    &backends[at]);
		}
	}
out:
	pthread_mutex_unlock(&m->lock);
	free(all);
	free(vals);
	free(refs);
	free(per);
	free(svc_stats);
	free(be_stats);
	return err;
}
