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

static int read_members(struct cvs_maps *m, const struct cvs_svc *svc,
			struct cvs_backend_spec *out)
{
	struct cvs_member mb;
	struct cvs_backend be;
	__u32 j, idx;
	int err;

	for (j = 0; j < svc->members; j++) {
		idx = cvs_mbr_index(m->meta.max_members, svc->id, svc->half, j);
		err = bpf_map_lookup_elem(m->fds[CVS_M_MEMBERS], &idx, &mb) ?:
		      bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS],
					  &mb.backend_id, &be);
		if (err)
			return err;
		out[j] = (struct cvs_backend_spec){ .addr = be.addr,
			.port = be.port, .weight = mb.weight };
	}
	return 0;
}

/* Lookup again: is svc still the current generation of key? */
static int still_current(struct cvs_maps *m, const struct cvs_svc_key *key,
			 const struct cvs_svc *svc)
{
	struct cvs_svc again;
	int err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICES], key, &again);

	if (err)
		return err;
	return again.gen == svc->gen ? 0 : -EAGAIN;
}

CVS_API int cvs_service_get(struct cvs_maps *m, const struct cvs_svc_key *key,
			    struct cvs_service_info *info,
			    struct cvs_backend_spec *backends, __u32 cap)
{
	struct cvs_svc svc;
	int err = -EAGAIN, attempt;

	if (!m || !info || (cap && !backends))
		return -EINVAL;
	err = cvs_check_key(key);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICES], key, &svc);
		if (err)
			break;
		*info = (struct cvs_service_info){ .id = svc.id, .gen = svc.gen,
			.slots = svc.slots, .members = svc.members };
		if (svc.members > cap) {
			err = -ENOBUFS;
			break;
		}
		err = read_members(m, &svc, backends) ?:
		      still_current(m, key, &svc);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_service_list(struct cvs_maps *m, struct cvs_svc_key *keys,
			     __u32 cap, __u32 *count)
{
	struct cvs_svc_key key, *prev = NULL;
	__u32 n = 0;
	int err;

	if (!m || !count || (cap && !keys))
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	while (!(err = bpf_map_get_next_key(m->fds[CVS_M_SERVICES], prev,
					    &key))) {
		if (n < cap)
			keys[n] = key;
		n++;
		prev = &key;
	}
	pthread_mutex_unlock(&m->lock);
	*count = n;
	if (err != -ENOENT)
		return err;
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

static int read_counters(struct cvs_maps *m, const struct cvs_svc *svc,
			 struct cvs_service_counters *svc_out,
			 struct cvs_backend_counters *out)
{
	struct cvs_backend_stats *per_cpu;
	struct cvs_member mb;
	struct cvs_backend be;
	__u32 j, idx;
	int err;

	per_cpu = calloc(m->ncpus, sizeof(*per_cpu));
	if (!per_cpu)
		return -ENOMEM;
	err = sum_service(m, svc->id, svc_out);
	for (j = 0; j < svc->members && !err; j++) {
		memset(&out[j], 0, sizeof(out[j]));
		if (m->readonly) {
			idx = cvs_mbr_index(m->meta.max_members, svc->id,
					    svc->half, j);
			err = bpf_map_lookup_elem(m->fds[CVS_M_MEMBERS], &idx,
						  &mb) ?:
			      bpf_map_lookup_elem(m->fds[CVS_M_BACKENDS],
						  &mb.backend_id, &be);
		} else {
			/* The only writer knows its members exactly. */
			mb = cvs_members_of(m, svc->id)[j];
			be = m->backends[mb.backend_id];
		}
		err = err ?: sum_backend(m, mb.backend_id, per_cpu, &out[j]);
		if (!err) {
			out[j].addr = be.addr;
			out[j].port = be.port;
		}
	}
	free(per_cpu);
	return err;
}

CVS_API int cvs_service_counters(struct cvs_maps *m,
				 const struct cvs_svc_key *key,
				 struct cvs_service_counters *svc_out,
				 struct cvs_backend_counters *backends,
				 __u32 cap, __u32 *count)
{
	struct cvs_svc svc;
	int err, attempt;

	if (!m || !svc_out || !count || (cap && !backends))
		return -EINVAL;
	err = cvs_check_key(key);
	if (err)
		return err;
	pthread_mutex_lock(&m->lock);
	for (attempt = 0; attempt < CVS_SELECT_ATTEMPTS; attempt++) {
		err = bpf_map_lookup_elem(m->fds[CVS_M_SERVICES], key, &svc);
		if (err)
			break;
		*count = svc.members;
		if (svc.members > cap) {
			err = -ENOBUFS;
			break;
		}
		err = read_counters(m, &svc, svc_out, backends) ?:
		      still_current(m, key, &svc);
		if (err != -EAGAIN)
			break;
	}
	pthread_mutex_unlock(&m->lock);
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
