// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The writer's caches are derived from the maps, never the other way round:
 * at open they are rebuilt from the current generation of every service, so
 * a restart (or a crash in the middle of an upsert, which leaves only
 * unreferenced records behind) continues exactly where the maps are.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

/* The member list of the word's half, up to its end marker. */
static int load_members(struct cvs_maps *m, __u32 svc_id, __u64 word,
			bool *backend_used, __u32 *n)
{
	struct cvs_member *mb = cvs_members_of(m, svc_id);
	__u32 j, idx, id;
	int err;

	for (j = 0; j < m->meta.max_members; j++) {
		idx = cvs_mbr_index(m->meta.max_members, svc_id,
				    cvs_word_half(word), j);
		err = bpf_map_lookup_elem(m->fds[CVS_M_MEMBERS], &idx, &mb[j]);
		if (err)
			return err;
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
		err = bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS], &id,
					  &m->backends[id]);
		if (err)
			return err;
	}
	*n = j;
	return 0;
}

static int load_services(struct cvs_maps *m, bool *backend_used,
			 __u32 *max_gen)
{
	struct cvs_svc_key key, *prev = NULL;
	struct cvs_svc svc;
	__u32 members;
	__u64 word;
	int err;

	while (!(err = bpf_map_get_next_key(m->fds[CVS_M_SERVICES], prev,
					    &key))) {
		prev = &key;
		err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICES], &key, &svc);
		if (err == -ENOENT)
			continue;
		if (err)
			return err;
		word = svc.id < m->meta.max_services ?
		       cvs_word_load(m, svc.id) : 0;
		if (!cvs_word_gen(word) || m->svcs[svc.id].used ||
		    cvs_word_slots(word) > m->meta.table_slots) {
			cvs_log(CVS_LOG_ERROR,
				"service entry with id %u (word 0x%llx) is inconsistent with the map set",
				svc.id, (unsigned long long)word);
			return -EPROTO;
		}
		err = load_members(m, svc.id, word, backend_used, &members);
		if (err)
			return err;
		m->svcs[svc.id] = (struct cvs_svc_state){
			.used = true, .word = word, .members = members };
		if (cvs_word_gen(word) > *max_gen)
			*max_gen = cvs_word_gen(word);
	}
	return err == -ENOENT ? 0 : err;
}

int cvs_pinset_load_state(struct cvs_maps *m)
{
	const struct cvs_meta *meta = &m->meta;
	__u32 max_gen = 0, id;
	bool *backend_used;
	int err;

	m->svcs = calloc(meta->max_services, sizeof(*m->svcs));
	m->members = calloc((size_t)meta->max_services * meta->max_members,
			    sizeof(*m->members));
	m->backends = calloc(meta->max_backends, sizeof(*m->backends));
	backend_used = calloc(meta->max_backends, sizeof(*backend_used));
	if (!m->svcs || !m->members || !m->backends || !backend_used) {
		err = -ENOMEM;
		goto out;
	}
	err = cvs_id_pool_init(&m->free_svcs, meta->max_services) ?:
	      cvs_id_pool_init(&m->free_backends, meta->max_backends) ?:
	      load_services(m, backend_used, &max_gen);
	if (err)
		goto out;
	for (id = 0; id < meta->max_services; id++)
		if (!m->svcs[id].used)
			cvs_id_pool_push(&m->free_svcs, id);
	for (id = 0; id < meta->max_backends; id++)
		if (!backend_used[id])
			cvs_id_pool_push(&m->free_backends, id);
	/* Every generation handed out before is below gen_reserved. */
	m->next_gen = meta->gen_reserved;
	if (max_gen >= m->next_gen)
		m->next_gen = max_gen + 1;
	if (!m->next_gen)
		m->next_gen = 1;
out:
	free(backend_used);
	return err;
}
