// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writing services: the generation flip of cvs_abi.h. Everything is checked
 * before the first write, every write before the flip goes where no reader
 * of the current generation looks, and the caches change only after the
 * flip succeeded, so a failed call leaves maps and caches as they were.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

/* Generations are reserved in blocks so meta is written rarely. */
#define CVS_GEN_BLOCK 4096

struct endpoint {
	struct cvs_endpoint ep;	/* first: compared by cvs_endpoint_cmp */
	__u32 backend_id;
};

static int check_backends(const struct cvs_maps *m, bool v6,
			  const struct cvs_backend_spec *b, __u32 n)
{
	struct endpoint *sorted;
	__u32 i;
	int err = 0;

	if (n && !b)
		return -EINVAL;
	if (n > m->meta.max_members) {
		cvs_log(CVS_LOG_WARN, "%u backends, a service holds at most %u",
			n, m->meta.max_members);
		return -E2BIG;
	}
	for (i = 0; i < n; i++) {
		if (cvs_check_addr(v6, b[i].addr) || !b[i].port ||
		    (b[i].flags & ~CVS_MEMBER_F_DOWN))
			return -EINVAL;
		if (b[i].weight > CVS_WEIGHT_MAX)
			return -ERANGE;
	}
	sorted = malloc((n ?: 1) * sizeof(*sorted));
	if (!sorted)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		cvs_endpoint_of_spec(&b[i], &sorted[i].ep);
	qsort(sorted, n, sizeof(*sorted), cvs_endpoint_cmp);
	for (i = 1; i < n && !err; i++) {
		if (!cvs_endpoint_cmp(&sorted[i], &sorted[i - 1])) {
			cvs_log(CVS_LOG_WARN, "backend listed twice in one set");
			err = -EEXIST;
		}
	}
	free(sorted);
	return err;
}

/* A generation never handed out before, whose parity is half. */
static int next_gen(struct cvs_maps *m, __u32 half, __u32 *gen)
{
	struct cvs_meta meta;
	__u32 g = m->next_gen;
	int err;

	if ((g & 1) != half)
		g++;
	if (!g)			/* 0 is never a generation (wrapped) */
		g = 2;
	if (g >= m->meta.gen_reserved) {
		meta = m->meta;
		meta.gen_reserved = g + CVS_GEN_BLOCK;
		err = cvs_meta_write(m, &meta);
		if (err)
			return err;
	}
	*gen = g;
	m->next_gen = g + 1;
	return 0;
}

/* Members of the new generation: kept backends keep their ids. */
static int plan_members(struct cvs_maps *m, __u32 svc_id, bool v6,
			bool exists, const struct cvs_backend_spec *b, __u32 n,
			struct cvs_member *plan, __u32 *fresh)
{
	__u32 cur_n = exists ? m->svcs[svc_id].members : 0, i;
	const struct cvs_member *cur = cvs_members_of(m, svc_id);
	struct endpoint *known, probe, *hit;

	known = malloc((cur_n ?: 1) * sizeof(*known));
	if (!known)
		return -ENOMEM;
	for (i = 0; i < cur_n; i++) {
		__u32 id = cur[i].backend_id;
		char why[128];

		/* A record altered behind the writer's back (seen since a
		 * resync: another service's, another family's, or an IPv6
		 * record disagreeing with its cvs_be_v1 twin) matches
		 * nothing, so the backend gets a fresh id and whole new
		 * records; the bad id is freed after the flip. */
		if (!cvs_backend_bad(&m->backends[id], &m->backends6[id], svc_id,
				     v6, why, sizeof(why)))
			cvs_cached_endpoint(m, id, &known[i].ep);
		else
			memset(&known[i].ep, 0, sizeof(known[i].ep));
		known[i].backend_id = cur[i].backend_id;
	}
	qsort(known, cur_n, sizeof(*known), cvs_endpoint_cmp);
	*fresh = 0;
	for (i = 0; i < n; i++) {
		cvs_endpoint_of_spec(&b[i], &probe.ep);
		hit = bsearch(&probe, known, cur_n, sizeof(*known),
			      cvs_endpoint_cmp);
		plan[i].weight = b[i].weight;
		plan[i].flags = b[i].flags;
		if (hit) {
			plan[i].backend_id = hit->backend_id;
		} else if (*fresh < m->free_backends.len) {
			plan[i].backend_id =
				cvs_id_pool_peek(&m->free_backends, *fresh);
			(*fresh)++;
		} else {
			free(known);
			cvs_log(CVS_LOG_WARN, "no free backend id: %u of %u in use",
				m->meta.max_backends - m->free_backends.len,
				m->meta.max_backends);
			return -ENOSPC;
		}
	}
	free(known);
	return 0;
}

static int write_run(int fd, __u32 base, const void *values, __u32 n);

/* Step 1 of the flip for fresh ids: records, zeroed counters. An IPv6
 * backend's cvs_be6_v1 record is written before the cvs_be_v1 one that
 * sends readers to it. */
static int write_fresh_backends(struct cvs_maps *m, __u32 svc_id, bool v6,
				const struct cvs_backend_spec *b,
				const struct cvs_member *plan, __u32 n,
				__u32 fresh)
{
	size_t stat_size = m->ncpus * sizeof(struct cvs_backend_stats);
	struct cvs_backend6 *recs6;
	struct cvs_backend *recs;
	__u32 *keys, i, k = 0, count = fresh;
	void *zeros;
	int err;

	if (!fresh)
		return 0;
	keys = calloc(fresh, sizeof(*keys));
	recs = calloc(fresh, sizeof(*recs));
	recs6 = calloc(fresh, sizeof(*recs6));
	zeros = calloc(fresh, stat_size);
	err = keys && recs && recs6 && zeros ? 0 : -ENOMEM;
	for (i = 0; i < n && !err; i++) {
		if (m->backends[plan[i].backend_id].port)
			continue;	/* kept: its record stays as it is */
		keys[k] = plan[i].backend_id;
		cvs_records_of(v6, svc_id, &b[i], &recs[k], &recs6[k]);
		k++;
	}
	if (!err && v6)
		err = bpf_map_update_batch(m->fds[CVS_M_BACKENDS6], keys,
					   recs6, &count, NULL);
	count = fresh;
	if (!err)
		err = bpf_map_update_batch(m->fds[CVS_M_BACKENDS], keys, recs,
					   &count, NULL);
	count = fresh;
	if (!err)
		err = bpf_map_update_batch(m->fds[CVS_M_BACKEND_STATS], keys,
					   zeros, &count, NULL);
	free(keys);
	free(recs);
	free(recs6);
	free(zeros);
	return err;
}

/* The member list of a half, closed by CVS_MEMBER_END when not full. */
static int write_members(struct cvs_maps *m, __u32 svc_id, __u32 half,
			 const struct cvs_member *plan, __u32 n)
{
	struct cvs_member *list = malloc((n + 1) * sizeof(*list));
	int err;

	if (!list)
		return -ENOMEM;
	memcpy(list, plan, n * sizeof(*list));
	list[n] = (struct cvs_member){ .backend_id = CVS_MEMBER_END };
	err = write_run(m->fds[CVS_M_MEMBERS],
			cvs_mbr_index(m->meta.max_members, svc_id, half, 0),
			list, n < m->meta.max_members ? n + 1 : n);
	free(list);
	return err;
}

/* Write values[0..n) at consecutive indexes from base, in one syscall. */
static int write_run(int fd, __u32 base, const void *values, __u32 n)
{
	__u32 *keys, i, count = n;
	int err;

	if (!n)
		return 0;
	keys = malloc(n * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		keys[i] = base + i;
	err = bpf_map_update_batch(fd, keys, values, &count, NULL);
	free(keys);
	return err;
}

static int reset_service_stats(struct cvs_maps *m, __u32 svc_id)
{
	void *zeros = calloc(m->ncpus, sizeof(struct cvs_service_stats));
	int err;

	if (!zeros)
		return -ENOMEM;
	err = bpf_map_update_elem(m->fds[CVS_M_SERVICE_STATS], &svc_id, zeros,
				  BPF_ANY);
	free(zeros);
	return err;
}

/* The cache forgets the id's records ("port 0 = free"); it is reused last. */
static void free_backend(struct cvs_maps *m, __u32 id)
{
	memset(&m->backends[id], 0, sizeof(m->backends[id]));
	memset(&m->backends6[id], 0, sizeof(m->backends6[id]));
	cvs_id_pool_push(&m->free_backends, id);
}

/* After the flip: take the ids used, free the ids no longer used. */
static void commit(struct cvs_maps *m, __u32 svc_id, bool v6, bool exists,
		   const struct cvs_backend_spec *b,
		   const struct cvs_member *plan, __u32 n, __u32 fresh,
		   const struct cvs_policy *pol, __u64 word)
{
	const struct cvs_policy *old = &m->svcs[svc_id].policy;
	struct cvs_member *cur = cvs_members_of(m, svc_id);
	__u32 i, j, old_n = exists ? m->svcs[svc_id].members : 0;
	bool was_maglev = exists && (old->flags & CVS_POLICY_F_MAGLEV);

	if (!was_maglev && (pol->flags & CVS_POLICY_F_MAGLEV))
		cvs_id_pool_drop(&m->free_maglev, 1);
	else if (was_maglev && !(pol->flags & CVS_POLICY_F_MAGLEV))
		cvs_id_pool_push(&m->free_maglev, old->maglev_index);
	if (!exists)
		cvs_id_pool_drop(&m->free_svcs, 1);
	cvs_id_pool_drop(&m->free_backends, fresh);
	for (i = 0; i < old_n; i++) {
		for (j = 0; j < n; j++)
			if (plan[j].backend_id == cur[i].backend_id)
				break;
		if (j == n)
			free_backend(m, cur[i].backend_id);
	}
	for (i = 0; i < n; i++)
		cvs_records_of(v6, svc_id, &b[i],
			       &m->backends[plan[i].backend_id],
			       &m->backends6[plan[i].backend_id]);
	memcpy(cur, plan, n * sizeof(*plan));
	m->svcs[svc_id] = (struct cvs_svc_state){ .used = true, .word = word,
						  .members = n,
						  .policy = *pol };
}

/*
 * The Maglev region of a MAGLEV service: the one it holds, or the next
 * free one (taken by commit()).
 */
static int plan_region(struct cvs_maps *m, __u32 svc_id, bool exists,
		       struct cvs_policy *pol)
{
	const struct cvs_policy *old = &m->svcs[svc_id].policy;

	if (!(pol->flags & CVS_POLICY_F_MAGLEV))
		return 0;
	if (exists && (old->flags & CVS_POLICY_F_MAGLEV)) {
		pol->maglev_index = old->maglev_index;
		return 0;
	}
	if (!m->free_maglev.len) {
		cvs_log(CVS_LOG_WARN, "no free Maglev region: %u of %u in use",
			m->meta2.maglev_tables, m->meta2.maglev_tables);
		return -ENOSPC;
	}
	pol->maglev_index = cvs_id_pool_peek(&m->free_maglev, 0);
	return 0;
}

/*
 * Half `half` of everything the policy reads besides members and table:
 * the policy, each usable member's selectable generation, and for MAGLEV
 * its table, built from the members as they will be.
 */
/* The selectable marks of the usable members: gen, in one batch. */
static int write_selectable(struct cvs_maps *m, __u32 half, __u32 gen,
			    const struct cvs_member *plan, __u32 n)
{
	__u32 *keys = calloc(n ?: 1, sizeof(*keys));
	__u32 *gens = calloc(n ?: 1, sizeof(*gens));
	__u32 i, k = 0;
	int err = keys && gens ? 0 : -ENOMEM;

	for (i = 0; i < n && !err; i++) {
		if (!plan[i].weight || (plan[i].flags & CVS_MEMBER_F_DOWN))
			continue;
		keys[k] = cvs_besel_index(plan[i].backend_id, half);
		gens[k++] = gen;
	}
	if (!err && k)
		err = bpf_map_update_batch(m->fds[CVS_M_SELECTABLE], keys, gens,
					   &k, NULL);
	free(keys);
	free(gens);
	return err;
}

static int write_policy(struct cvs_maps *m, __u32 svc_id, bool v6,
			__u32 half, __u32 gen, const struct cvs_policy *pol,
			const struct cvs_backend_spec *b,
			const struct cvs_member *plan, __u32 n)
{
	struct cvs_endpoint *eps = NULL;
	__u32 *table = NULL, idx, i;
	int err;

	idx = cvs_pol_index(svc_id, half);
	err = bpf_map_update_elem(m->fds[CVS_M_POLICY], &idx, pol, BPF_ANY) ?:
	      write_selectable(m, half, gen, plan, n);
	if (err || !(pol->flags & CVS_POLICY_F_MAGLEV))
		return err;
	eps = calloc(n ?: 1, sizeof(*eps));
	table = calloc(pol->maglev_slots, sizeof(*table));
	err = eps && table ? 0 : -ENOMEM;
	for (i = 0; i < n && !err; i++)
		cvs_endpoint_of_spec(&b[i], &eps[i]);
	err = err ?: cvs_build_maglev(plan, eps, n, v6, pol->maglev_slots,
				      table) ?:
	      cvs_maglev_write(m, pol->maglev_index, half, table,
			       pol->maglev_slots);
	free(eps);
	free(table);
	return err;
}

static int upsert_locked(struct cvs_maps *m, const struct cvs_map_key *key,
			 struct cvs_policy *pol,
			 const struct cvs_backend_spec *b, __u32 n)
{
	const struct cvs_meta *meta = &m->meta;
	struct cvs_member *plan = NULL;
	__u32 *table = NULL, fresh, slots, id, half, gen;
	struct cvs_svc cur, entry = {};
	bool exists;
	__u64 word;
	int err;

	err = bpf_map_lookup_elem(m->fds[key->map], &key->u, &cur);
	if (err && err != -ENOENT)
		return err;
	exists = !err;
	if (exists && (cur.id >= meta->max_services || !m->svcs[cur.id].used)) {
		cvs_log(CVS_LOG_ERROR,
			"service entry with id %u was not written by this handle; cvs_maps_resync() adopts it if it is consistent",
			cur.id);
		return -EPROTO;
	}
	if (!exists && !m->free_svcs.len) {
		cvs_log(CVS_LOG_WARN, "no free service id: %u of %u in use",
			meta->max_services, meta->max_services);
		return -ENOSPC;
	}
	id = exists ? cur.id : cvs_id_pool_peek(&m->free_svcs, 0);
	half = exists ? !cvs_word_half(m->svcs[id].word) : 0;
	plan = calloc(n ?: 1, sizeof(*plan));
	table = calloc(meta->table_slots, sizeof(*table));
	if (!plan || !table) {
		err = -ENOMEM;
		goto out;
	}
	err = plan_members(m, id, key->v6, exists, b, n, plan, &fresh);
	if (!err && (pol->flags & CVS_POLICY_F_MAGLEV) &&
	    cvs_usable_members(plan, n) > pol->maglev_slots)
		err = -EDOM;
	/* The generation comes first: the selectable marks carry it. One
	 * taken by a call that fails later is only never used. */
	err = err ?: plan_region(m, id, exists, pol) ?:
	      cvs_build_table(plan, n, meta->table_slots, table, &slots) ?:
	      next_gen(m, half, &gen) ?:
	      write_fresh_backends(m, id, key->v6, b, plan, n, fresh) ?:
	      (exists ? 0 : reset_service_stats(m, id)) ?:
	      write_members(m, id, half, plan, n) ?:
	      write_run(m->fds[CVS_M_SELECT],
			cvs_sel_index(meta->table_slots, id, half, 0),
			table, slots) ?:
	      write_policy(m, id, key->v6, half, gen, pol, b, plan, n);
	if (err)
		goto out;
	/* The flip: one atomic store makes the new half current. */
	word = cvs_gen_word(gen, slots);
	__atomic_store_n(&m->words[id], word, __ATOMIC_RELEASE);
	if (!exists) {
		/* A word without an entry is unreachable, so harmless. */
		entry.id = id;
		err = bpf_map_update_elem(m->fds[key->map], &key->u, &entry,
					  BPF_NOEXIST);
	}
	if (!err)
		commit(m, id, key->v6, exists, b, plan, n, fresh, pol, word);
out:
	free(plan);
	free(table);
	return err;
}

CVS_API int cvs_service_upsert(struct cvs_maps *m,
			       const struct cvs_service_key *key,
			       const struct cvs_backend_spec *backends,
			       __u32 n)
{
	return cvs_service_upsert_policy(m, key, NULL, backends, n);
}

CVS_API int cvs_service_upsert_policy(struct cvs_maps *m,
				      const struct cvs_service_key *key,
				      const struct cvs_service_policy *policy,
				      const struct cvs_backend_spec *backends,
				      __u32 n)
{
	static const struct cvs_service_policy none;
	struct cvs_policy pol;
	struct cvs_map_key mk;
	int err;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	err = cvs_map_key(key, &mk) ?:
	      cvs_policy_of(m, policy ? policy : &none, &pol);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	/* A retired set is read by nobody: a write there would be lost. */
	err = m->switched ? -ESTALE : check_backends(m, mk.v6, backends, n) ?:
	      upsert_locked(m, &mk, &pol, backends, n);
	/* The second write into a staged set: a crash in the middle of its
	 * fill, which recovery must roll back. */
	if (!err && m->staged && ++m->staged_writes == 2)
		cvs_failpoint("fill-started");
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_service_delete(struct cvs_maps *m,
			       const struct cvs_service_key *key)
{
	struct cvs_member *cur;
	struct cvs_map_key mk;
	struct cvs_svc svc;
	__u32 i;
	int err;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	err = cvs_map_key(key, &mk);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE :
	      bpf_map_lookup_elem(m->fds[mk.map], &mk.u, &svc) ?:
	      bpf_map_delete_elem(m->fds[mk.map], &mk.u);
	if (err || svc.id >= m->meta.max_services || !m->svcs[svc.id].used)
		goto out;
	cur = cvs_members_of(m, svc.id);
	for (i = 0; i < m->svcs[svc.id].members; i++)
		free_backend(m, cur[i].backend_id);
	/* After the entry is gone, like the ids: readers retry on it. */
	if (m->svcs[svc.id].policy.flags & CVS_POLICY_F_MAGLEV)
		cvs_id_pool_push(&m->free_maglev,
				 m->svcs[svc.id].policy.maglev_index);
	m->svcs[svc.id] = (struct cvs_svc_state){};
	cvs_id_pool_push(&m->free_svcs, svc.id);
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}
