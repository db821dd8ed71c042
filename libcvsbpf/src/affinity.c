// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Session affinity seen from user space: how full cvs_aff_v1 is, and which
 * network namespace cookie a socket-LB client has, so that the control
 * plane can ask cvs_service_pick_flow() where that client goes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <bpf/bpf.h>

#include "internal.h"

#ifndef SO_NETNS_COOKIE
#define SO_NETNS_COOKIE 71
#endif

#define CVS_AFF_BATCH 1024

/* The current affinity timeout of service id in ns, 0 without affinity;
 * looked up once per id (timeouts[id] is 1 + seconds once known). */
static __u64 timeout_of(struct cvs_maps *m, __u32 id, __u32 *timeouts)
{
	struct cvs_policy pol;

	if (id >= m->meta.max_services)
		return 0;
	if (!timeouts[id]) {
		timeouts[id] = 1;
		if (!cvs_policy_read(m, id, cvs_word_load(m, id), &pol) &&
		    (pol.flags & CVS_POLICY_F_AFFINITY))
			timeouts[id] += pol.affinity_timeout;
	}
	return (timeouts[id] - 1) * 1000000000ull;
}

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

CVS_API int cvs_affinity_usage(struct cvs_maps *m,
			       struct cvs_affinity_usage *out)
{
	struct cvs_aff_key *keys = NULL, batch;
	struct cvs_aff *vals = NULL;
	__u32 *timeouts = NULL, count, i;
	__u64 now = now_ns(), limit;
	bool first = true;
	int err = 0;

	if (!m || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->capacity = m->meta2.affinity_entries;
	keys = calloc(CVS_AFF_BATCH, sizeof(*keys));
	vals = calloc(CVS_AFF_BATCH, sizeof(*vals));
	timeouts = calloc(m->meta.max_services, sizeof(*timeouts));
	if (!keys || !vals || !timeouts) {
		err = -ENOMEM;
		goto out;
	}
	/* A hash batch ends with -ENOENT, which may still carry entries. */
	while (!err) {
		count = CVS_AFF_BATCH;
		err = bpf_map_lookup_batch(m->fds[CVS_M_AFFINITY],
					   first ? NULL : &batch, &batch, keys,
					   vals, &count, NULL);
		first = false;
		if (err && err != -ENOENT)
			break;
		for (i = 0; i < count; i++) {
			out->entries++;
			limit = timeout_of(m, keys[i].svc_id, timeouts);
			if (limit && vals[i].last_used <= now &&
			    now - vals[i].last_used <= limit)
				out->fresh++;
		}
	}
	if (err == -ENOENT)
		err = 0;
out:
	free(keys);
	free(vals);
	free(timeouts);
	return err;
}

struct client_search {
	const struct cvs_netns_set *ns;
	int family;
	__be32 addr[4];
	__u64 cookie;
	int err;		/* -ENOENT until found */
};

/* Whether addr is local here: only a local address can be bound. */
static int cookie_here(const struct client_search *s, __u64 *cookie)
{
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	struct sockaddr_in a4 = { .sin_family = AF_INET };
	socklen_t len = sizeof(*cookie);
	int fd, err;

	fd = socket(s->family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	a4.sin_addr.s_addr = s->addr[0];
	memcpy(&a6.sin6_addr, s->addr, sizeof(a6.sin6_addr));
	err = s->family == AF_INET ?
	      bind(fd, (struct sockaddr *)&a4, sizeof(a4)) :
	      bind(fd, (struct sockaddr *)&a6, sizeof(a6));
	if (err)
		err = errno == EADDRNOTAVAIL ? -ENOENT : -errno;
	else if (getsockopt(fd, SOL_SOCKET, SO_NETNS_COOKIE, cookie, &len))
		err = -errno;
	close(fd);
	return err;
}

/* A thread of its own enters the namespaces; the caller's never moves. */
static void *search_all(void *arg)
{
	struct client_search *s = arg;
	__u32 i;
	int err;

	for (i = 0; i < s->ns->len && s->err == -ENOENT; i++) {
		if (setns(s->ns->fds[i], CLONE_NEWNET)) {
			cvs_log(CVS_LOG_WARN, "entering a network namespace: %s",
				strerror(errno));
			continue;
		}
		err = cookie_here(s, &s->cookie);
		if (err != -ENOENT)
			s->err = err;
	}
	return NULL;
}

CVS_API int cvs_client_netns(struct cvs_maps *m, const char *cgroup_path,
			     __u8 family, const __be32 addr[4], __u64 *cookie)
{
	struct client_search s = { .family = family, .err = -ENOENT };
	struct cvs_netns_set ns = {};
	char attached[PATH_MAX];
	pthread_t thread;
	int err;

	if (!m || !addr || !cookie)
		return -EINVAL;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	err = cvs_check_addr(family == AF_INET6, addr);
	if (err)
		return err;
	memcpy(s.addr, addr, sizeof(s.addr));
	if (!cgroup_path) {
		err = cvs_attached_cgroup(m, attached);
		if (!err)
			cgroup_path = attached;
		else if (err != -ENOENT)
			return err;
	}
	s.ns = &ns;
	err = cvs_netns_collect(cgroup_path, &ns) ?:
	      -pthread_create(&thread, NULL, search_all, &s);
	if (!err) {
		pthread_join(thread, NULL);
		err = s.err;
	}
	cvs_netns_free(&ns);
	if (!err)
		*cookie = s.cookie;
	return err;
}

/* old id -> new id + 1 (0: not carried), for ids below n. */
static __u32 *id_map(const __u32 *old, const __u32 *new_ids, __u32 pairs,
		     __u32 n)
{
	__u32 *map = calloc(n ?: 1, sizeof(*map)), k;

	for (k = 0; map && k < pairs; k++)
		if (old[k] < n)
			map[old[k]] = new_ids[k] + 1;
	return map;
}

/* Entries whose service or backend were carried, under their new ids. */
static __u32 remap(struct cvs_maps *to, struct cvs_aff_key *keys,
		   struct cvs_aff *vals, __u32 count, const __u32 *svc_map,
		   __u32 nsvc, const __u32 *be_map, __u32 nbe)
{
	__u32 i, kept = 0, svc, be;

	for (i = 0; i < count; i++) {
		svc = keys[i].svc_id < nsvc ? svc_map[keys[i].svc_id] : 0;
		be = vals[i].backend_id < nbe ? be_map[vals[i].backend_id] : 0;
		if (!svc || !be)
			continue;
		keys[kept] = keys[i];
		vals[kept] = vals[i];
		keys[kept].svc_id = svc - 1;
		vals[kept].backend_id = be - 1;
		vals[kept].gen = cvs_word_gen(to->svcs[svc - 1].word);
		kept++;
	}
	return kept;
}

int cvs_affinity_carry(struct cvs_maps *from, struct cvs_maps *to,
		       const __u32 *svc_old, const __u32 *svc_new, __u32 nsvc,
		       const __u32 *be_old, const __u32 *be_new, __u32 nbe,
		       __u32 *carried)
{
	__u32 nservices = from->meta.max_services;
	__u32 nbackends = from->meta.max_backends;
	__u32 *svc_map = id_map(svc_old, svc_new, nsvc, nservices);
	__u32 *be_map = id_map(be_old, be_new, nbe, nbackends);
	struct cvs_aff_key *keys = calloc(CVS_AFF_BATCH, sizeof(*keys)), batch;
	struct cvs_aff *vals = calloc(CVS_AFF_BATCH, sizeof(*vals));
	__u32 count, kept;
	bool first = true;
	int err = svc_map && be_map && keys && vals ? 0 : -ENOMEM;

	*carried = 0;
	while (!err) {
		count = CVS_AFF_BATCH;
		err = bpf_map_lookup_batch(from->fds[CVS_M_AFFINITY],
					   first ? NULL : &batch, &batch, keys,
					   vals, &count, NULL);
		first = false;
		if (err && err != -ENOENT)
			break;
		kept = remap(to, keys, vals, count, svc_map, nservices, be_map,
			     nbackends);
		if (kept) {
			int werr = bpf_map_update_batch(to->fds[CVS_M_AFFINITY],
							keys, vals, &kept,
							NULL);

			if (werr) {
				err = werr;
				break;
			}
		}
		*carried += kept;
	}
	if (err == -ENOENT)
		err = 0;
	free(svc_map);
	free(be_map);
	free(keys);
	free(vals);
	return err;
}
