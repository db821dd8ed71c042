// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The writer's caches are derived from the maps, never the other way round:
 * at open they are rebuilt from the current generation of every service, so
 * a restart (or a crash in the middle of an upsert, which leaves only
 * unreferenced records behind) continues exactly where the maps are.
 * cvs_maps_resync() rebuilds them the same way on an open handle, for
 * changes made behind the writer's back (bpftool, another tool).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

/* The caches of struct cvs_maps, built aside and swapped in as one, so a
 * failed rebuild leaves the handle's caches as they were. */
struct caches {
	__u32 next_gen;
	struct cvs_svc_state *svcs;
	struct cvs_member *members;
	struct cvs_backend *backends;
	struct cvs_backend6 *backends6;
	struct cvs_id_pool free_svcs;
	struct cvs_id_pool free_backends;
	struct cvs_id_pool free_maglev;
};

/*
 * The member list of the word's half, up to its end marker, as one batched
 * read of the half (a lookup per member was most of a restart's time).
 * Records are read afterwards, all at once (load_backends).
 */
static int load_members(struct cvs_maps *m, struct caches *c, __u32 svc_id,
			__u64 word, bool *backend_used, __u32 *n)
{
	struct cvs_member *mb = c->members +
				(size_t)svc_id * m->meta.max_members;
	__u32 j, id;
	int err;

	err = cvs_array_read(m->fds[CVS_M_MEMBERS],
			     cvs_mbr_index(m->meta.max_members, svc_id,
					   cvs_word_half(word), 0),
			     mb, sizeof(*mb), m->meta.max_members);
	if (err)
		return err;
	for (j = 0; j < m->meta.max_members; j++) {
		id = mb[j].backend_id;
		if (id == CVS_MEMBER_END)
			break;
		if (id >= m->meta.max_backends || backend_used[id]) {
			cvs_log(CVS_LOG_ERROR,
				"service id %u member %u names backend id %u, which is out of range or shared",
				svc_id, j, id);
			return -EPROTO;
		}
		backend_used[id] = true;
	}
	/* as a lookup per member left it: the end marker, then zeros */
	if (j + 1 < m->meta.max_members)
		memset(mb + j + 1, 0,
		       (m->meta.max_members - j - 1) * sizeof(*mb));
	*n = j;
	return 0;
}

/* The records of the backend ids in use, in batches up to the last one;
 * the others stay zero (port 0 = free). IPv6 records are read only when
 * an IPv6 backend is in use, up to the last one. */
static int load_backends(struct cvs_maps *m, struct caches *c,
			 const bool *backend_used)
{
	__u32 end = m->meta.max_backends, end6 = 0, id;
	int err;

	while (end && !backend_used[end - 1])
		end--;
	err = cvs_array_read(m->fds[CVS_M_BACKENDS], 0, c->backends,
			     sizeof(*c->backends), end);
	if (err)
		return err;
	for (id = 0; id < end; id++) {
		if (!backend_used[id])
			memset(&c->backends[id], 0, sizeof(c->backends[id]));
		else if (c->backends[id].flags & CVS_BACKEND_F_INET6)
			end6 = id + 1;
	}
	err = cvs_array_read(m->fds[CVS_M_BACKENDS6], 0, c->backends6,
			     sizeof(*c->backends6), end6);
	if (err)
		return err;
	for (id = 0; id < end6; id++)
		if (!(c->backends[id].flags & CVS_BACKEND_F_INET6))
			memset(&c->backends6[id], 0,
			       sizeof(c->backends6[id]));
	return 0;
}

/*
 * The policy of the word's half. A MAGLEV service holds its region: in
 * range, of a size the set allows, and no other service's.
 */
static int load_policy(struct cvs_maps *m, struct caches *c, __u32 svc_id,
		       bool *region_used)
{
	struct cvs_policy *pol = &c->svcs[svc_id].policy;
	__u32 idx = cvs_pol_index(svc_id, cvs_word_half(c->svcs[svc_id].word));
	int err;

	err = bpf_map_lookup_elem(m->fds[CVS_M_POLICY], &idx, pol);
	if (err)
		return err;
	if (!(pol->flags & CVS_POLICY_F_MAGLEV))
		return 0;
	if (pol->maglev_index >= m->meta2.maglev_tables ||
	    region_used[pol->maglev_index] || !pol->maglev_slots ||
	    pol->maglev_slots > m->meta2.maglev_slots) {
		cvs_log(CVS_LOG_ERROR,
			"service id %u names Maglev region %u of %u slots, which is out of range or shared",
			svc_id, pol->maglev_index, pol->maglev_slots);
		return -EPROTO;
	}
	region_used[pol->maglev_index] = true;
	return 0;
}

static int load_services(struct cvs_maps *m, struct caches *c,
			 bool *backend_used, bool *region_used,
			 __u32 *max_gen)
{
	struct cvs_service_key *keys;
	struct cvs_svc *vals;
	__u32 members, i, n;
	__u64 word;
	int err;

	err = cvs_services_read(m, &keys, &vals, &n);
	if (err)
		return err;
	for (i = 0; i < n && !err; i++) {
		__u32 id = vals[i].id;

		word = id < m->meta.max_services ? cvs_word_load(m, id) : 0;
		if (!cvs_word_gen(word) || c->svcs[id].used ||
		    cvs_word_slots(word) > m->meta.table_slots) {
			cvs_log(CVS_LOG_ERROR,
				"service entry with id %u (word 0x%llx) is inconsistent with the map set",
				id, (unsigned long long)word);
			err = -EPROTO;
			break;
		}
		err = load_members(m, c, id, word, backend_used, &members);
		if (err)
			break;
		c->svcs[id] = (struct cvs_svc_state){
			.used = true, .word = word, .members = members };
		err = load_policy(m, c, id, region_used);
		if (err)
			break;
		if (cvs_word_gen(word) > *max_gen)
			*max_gen = cvs_word_gen(word);
	}
	free(keys);
	free(vals);
	return err ?: load_backends(m, c, backend_used);
}

/*
 * Free ids go into the pool in the order of the pool they replace, then the
 * others by id: an id that was free already keeps its place, and one freed
 * behind the writer's back waits longest, as if freed now (id_pool.c).
 */
static void fill_pool(struct cvs_id_pool *pool, const struct cvs_id_pool *old,
		      bool *taken, __u32 cap)
{
	__u32 k, id;

	for (k = 0; k < old->len; k++) {
		id = cvs_id_pool_peek(old, k);
		if (!taken[id]) {
			cvs_id_pool_push(pool, id);
			taken[id] = true;
		}
	}
	for (id = 0; id < cap; id++)
		if (!taken[id])
			cvs_id_pool_push(pool, id);
}

static void swap_caches(struct cvs_maps *m, struct caches *c)
{
	struct caches old = {
		.next_gen = m->next_gen,
		.svcs = m->svcs,
		.members = m->members,
		.backends = m->backends,
		.backends6 = m->backends6,
		.free_svcs = m->free_svcs,
		.free_backends = m->free_backends,
		.free_maglev = m->free_maglev,
	};

	m->next_gen = c->next_gen;
	m->svcs = c->svcs;
	m->members = c->members;
	m->backends = c->backends;
	m->backends6 = c->backends6;
	m->free_svcs = c->free_svcs;
	m->free_backends = c->free_backends;
	m->free_maglev = c->free_maglev;
	*c = old;
}

static void free_caches(struct caches *c)
{
	free(c->svcs);
	free(c->members);
	free(c->backends);
	free(c->backends6);
	cvs_id_pool_free(&c->free_svcs);
	cvs_id_pool_free(&c->free_backends);
	cvs_id_pool_free(&c->free_maglev);
}

/*
 * Rebuild the caches from the maps and replace the handle's with them. No
 * generation below gen_floor is handed out, nor any a word holds.
 */
static int rebuild(struct cvs_maps *m, __u32 gen_floor)
{
	const struct cvs_meta *meta = &m->meta;
	__u32 max_gen = 0, id;
	struct caches c = {};
	bool *taken, *regions;
	int err;

	c.svcs = calloc(meta->max_services, sizeof(*c.svcs));
	c.members = calloc((size_t)meta->max_services * meta->max_members,
			   sizeof(*c.members));
	c.backends = calloc(meta->max_backends, sizeof(*c.backends));
	/* pages are touched only where IPv6 backends are */
	c.backends6 = calloc(meta->max_backends, sizeof(*c.backends6));
	/* backend ids while loading, then service ids */
	taken = calloc(meta->max_backends > meta->max_services ?
		       meta->max_backends : meta->max_services,
		       sizeof(*taken));
	regions = calloc(m->meta2.maglev_tables ?: 1, sizeof(*regions));
	if (!c.svcs || !c.members || !c.backends || !c.backends6 || !taken ||
	    !regions) {
		err = -ENOMEM;
		goto out;
	}
	err = cvs_id_pool_init(&c.free_svcs, meta->max_services) ?:
	      cvs_id_pool_init(&c.free_backends, meta->max_backends) ?:
	      cvs_id_pool_init(&c.free_maglev, m->meta2.maglev_tables) ?:
	      load_services(m, &c, taken, regions, &max_gen);
	if (err)
		goto out;
	fill_pool(&c.free_maglev, &m->free_maglev, regions,
		  m->meta2.maglev_tables);
	fill_pool(&c.free_backends, &m->free_backends, taken,
		  meta->max_backends);
	for (id = 0; id < meta->max_services; id++)
		taken[id] = c.svcs[id].used;
	fill_pool(&c.free_svcs, &m->free_svcs, taken, meta->max_services);
	c.next_gen = max_gen >= gen_floor ? max_gen + 1 : gen_floor;
	if (!c.next_gen)
		c.next_gen = 1;
	swap_caches(m, &c);	/* c holds the old caches now */
	/* Tables may have been written behind our back: write them whole. */
	cvs_maglev_forget(m);
out:
	free_caches(&c);
	free(taken);
	free(regions);
	return err;
}

int cvs_pinset_load_state(struct cvs_maps *m)
{
	/* Every generation handed out before is below gen_reserved. */
	return rebuild(m, m->meta.gen_reserved);
}

CVS_API int cvs_maps_resync(struct cvs_maps *m)
{
	__u32 svcs, backends;
	int err;

	if (!m)
		return -EINVAL;
	if (m->readonly)
		return -EROFS;
	pthread_mutex_lock(&m->lock);
	svcs = m->free_svcs.len;
	backends = m->free_backends.len;
	/*
	 * This handle handed out every generation below next_gen; the words
	 * show any stored by someone else. Starting from gen_reserved, as
	 * open does, would skip a whole reserved block at every resync.
	 */
	err = rebuild(m, m->next_gen);
	if (!err && (svcs != m->free_svcs.len ||
		     backends != m->free_backends.len))
		cvs_log(CVS_LOG_INFO,
			"resync: service ids in use %u -> %u, backend ids in use %u -> %u",
			m->meta.max_services - svcs,
			m->meta.max_services - m->free_svcs.len,
			m->meta.max_backends - backends,
			m->meta.max_backends - m->free_backends.len);
	pthread_mutex_unlock(&m->lock);
	return err;
}
