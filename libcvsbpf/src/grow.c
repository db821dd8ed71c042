// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Live map-set migration: a new set ("staged", at "<root>_next") is built
 * beside the serving one, filled by the caller, and then every reader moves
 * to it at once; the old set is removed only afterwards. The capacity is
 * fixed per set (cvs_abi.h indexes arrays by it), so growing is migrating.
 *
 * The order of cvs_maps_switch(), and why:
 *   load     the socket-LB programs on the new maps (the verifier is the
 *            slow part: done before the counters are copied, so the
 *            interval whose counts must be carried later stays short)
 *   copy     counters old -> new while no reader uses the new set: plain
 *            writes, no race
 *   readers  bpf_link_update() of every pinned link (the cgroup keeps one
 *            program per hook: the link is replaced, not stacked), then
 *            cvs.ko rebound if it served the old set. A failure here puts
 *            back the links already moved: nothing changed
 *   pins     the links and the socket table move into the new directory,
 *            then renameat2(RENAME_EXCHANGE) swaps the two directories, so
 *            the pin root is the new set in one step and never missing
 *   delta    what readers counted on the old set between the copy and the
 *            move is added to the new set's counters (a read-modify-write
 *            of a live per-CPU value: a count made by a reader between the
 *            read and the write of that one element is lost)
 * Session affinity entries are copied with the counters, each under its
 * service's and backend's new ids (paired by service key, and by address
 * and port within the service); an entry whose service or backend was not
 * carried is dropped. Entries the datapaths make or refresh on the old set
 * between that copy and the move are not carried: those clients pick
 * afresh once, as after a timeout. There is no delta for them, since an
 * LRU map cannot say what changed.
 *   remove   the old maps' pins and directory (now "<root>_next")
 * A crash anywhere leaves a state cvs_maps_open() of a writer recognises by
 * what the readers use (recover.c): before the first reader moved, the
 * staged set is dropped; after, the switch is finished.
 *
 * Locks: the writer lock is an flock on the directory inode. The caller
 * holds the old set's (at the root) and the staged set's; after the
 * exchange the latter is the root's, so no second writer can open the root
 * at any moment, and the lock moves with the set it guards.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "internal.h"

int cvs_staged_root(const char *root, char *out)
{
	int n = snprintf(out, PATH_MAX, "%s" CVS_STAGED_SUFFIX, root);

	return n < 0 || n >= PATH_MAX ? -ENAMETOOLONG : 0;
}

int cvs_unpin_set(const char *dir)
{
	int err = cvs_unlink_pins(dir, cvs_aux_pins, 1) ?:
		  cvs_unlink_pins(dir, cvs_map_names, CVS_M_COUNT);

	if (!err && rmdir(dir) && errno != ENOENT) {
		err = -errno;
		cvs_log(CVS_LOG_ERROR, "removing %s: %s", dir, strerror(errno));
	}
	return err;
}

/* ---- moving the readers ------------------------------------------------- */

struct move {
	const char *root;
	char staged[PATH_MAX];
	struct cvs_maps *to;		/* writer of the set at staged */
	__u32 from_ids[CVS_M_COUNT];	/* the set at root */
	__u32 to_ids[CVS_M_COUNT];
	int link_fd[CVS_SOCK_PROGS];	/* -1: not pinned */
	int old_prog[CVS_SOCK_PROGS];	/* what the link ran; -1: to's */
	int prog_fd[CVS_SOCK_PROGS];	/* to's programs */
	void *obj;
	bool module_moves;
	int moved;			/* links updated */
};

static void move_release(struct move *mv)
{
	int i;

	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (mv->link_fd[i] >= 0)
			close(mv->link_fd[i]);
		if (mv->old_prog[i] >= 0)
			close(mv->old_prog[i]);
	}
	if (mv->obj)
		cvs_sock_unload(mv->obj);
}

/* The link of program i, pinned at root or (after a crash) at staged. */
static int find_link(struct move *mv, int i)
{
	const char *dirs[2] = { mv->root, mv->staged };
	struct bpf_link_info info;
	char path[PATH_MAX];
	__u32 len;
	int d, fd, err;

	for (d = 0; d < 2; d++) {
		err = cvs_path_join(path, dirs[d], cvs_sock_pins[i]);
		if (err)
			return err;
		fd = bpf_obj_get(path);
		if (fd < 0)
			continue;
		if (!cvs_is_link(fd)) {
			close(fd);
			cvs_log(CVS_LOG_ERROR, "%s is not a BPF link", path);
			return -EPROTO;
		}
		memset(&info, 0, sizeof(info));
		len = sizeof(info);
		err = bpf_obj_get_info_by_fd(fd, &info, &len);
		if (err) {
			close(fd);
			return err;
		}
		mv->link_fd[i] = fd;
		/* A link already on to's maps (a resumed switch) stays. */
		if (!cvs_prog_uses(info.prog_id, mv->to_ids)) {
			mv->old_prog[i] = bpf_prog_get_fd_by_id(info.prog_id);
			if (mv->old_prog[i] < 0)
				return mv->old_prog[i];
		}
		return 0;
	}
	return 0;
}

static bool ids_equal(const __u32 *a, const __u32 *b)
{
	return !memcmp(a, b, CVS_M_COUNT * sizeof(*a));
}

/* Everything the move needs, loaded before any reader moves. */
static int move_prepare(struct move *mv, const char *root,
			struct cvs_maps *to)
{
	struct cvs_module_status st;
	struct cvs_map_ids ids;
	__u32 *slot[CVS_M_COUNT];
	bool links = false;
	int i, err;

	memset(mv, 0, sizeof(*mv));
	mv->root = root;
	mv->to = to;
	for (i = 0; i < CVS_SOCK_PROGS; i++)
		mv->link_fd[i] = mv->old_prog[i] = mv->prog_fd[i] = -1;
	err = cvs_staged_root(root, mv->staged) ?: cvs_maps_ids(to, &ids);
	if (err)
		return err;
	cvs_map_id_slots(&ids, slot);
	for (i = 0; i < CVS_M_COUNT; i++)
		mv->to_ids[i] = *slot[i];
	cvs_pinned_ids(root, mv->from_ids);
	for (i = 0; i < CVS_SOCK_PROGS && !err; i++) {
		err = find_link(mv, i);
		links |= mv->link_fd[i] >= 0 && mv->old_prog[i] >= 0;
	}
	if (!err && links) {
		/* The socket tables go with the links: reuse each wherever
		 * it is, else create it at the root, whence it moves. */
		err = cvs_sock_load(to, root, mv->staged, &mv->obj,
				    mv->prog_fd);
	}
	/* cvs.ko moves only when it serves the set being replaced; absent,
	 * or serving another set, it is none of this switch's business. */
	if (!err && !cvs_module_status(&st) && st.bound) {
		__u32 bound[CVS_M_COUNT];

		cvs_map_id_slots(&st.ids, slot);
		for (i = 0; i < CVS_M_COUNT; i++)
			bound[i] = *slot[i];
		mv->module_moves = ids_equal(bound, mv->from_ids) &&
				   !ids_equal(bound, mv->to_ids);
	}
	return err;
}

/* Put back the links moved so far, for a failure before the pins move. */
static void move_back(struct move *mv)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE);
	int i;

	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (mv->link_fd[i] < 0 || mv->old_prog[i] < 0 ||
		    i >= mv->moved)
			continue;
		opts.old_prog_fd = mv->prog_fd[i];
		if (bpf_link_update(mv->link_fd[i], mv->old_prog[i], &opts))
			cvs_log(CVS_LOG_ERROR,
				"putting back %s: %s; the next writer open finishes the switch",
				cvs_sock_pins[i], strerror(errno));
	}
	mv->moved = 0;
}

static int move_readers(struct move *mv)
{
	LIBBPF_OPTS(bpf_link_update_opts, opts, .flags = BPF_F_REPLACE);
	int i, err = 0, updated = 0;

	for (i = 0; i < CVS_SOCK_PROGS; i++) {
		if (mv->link_fd[i] < 0 || mv->old_prog[i] < 0)
			continue;
		/* BPF_F_REPLACE: only if it still runs what we saw. */
		opts.old_prog_fd = mv->old_prog[i];
		err = bpf_link_update(mv->link_fd[i], mv->prog_fd[i], &opts);
		if (err) {
			cvs_log(CVS_LOG_ERROR, "moving %s: %s",
				cvs_sock_pins[i], strerror(-err));
			move_back(mv);
			return err;
		}
		mv->moved = i + 1;	/* move_back() puts back [0, moved) */
		if (++updated == 1)
			cvs_failpoint("link-updated-1");
	}
	cvs_failpoint("links-updated");
	if (mv->module_moves) {
		err = cvs_module_bind(mv->to);
		if (err) {
			move_back(mv);
			return err;
		}
	}
	cvs_failpoint("module-rebound");
	return 0;
}

/* Readers run on to's maps: move the pins, then swap the directories. */
static int move_pins(struct move *mv)
{
	char from[PATH_MAX], dest[PATH_MAX];
	int i, err, moved = 0;

	for (i = 0; i < CVS_SOCK_PINS; i++) {
		err = cvs_path_join(from, mv->root, cvs_sock_pins[i]) ?:
		      cvs_path_join(dest, mv->staged, cvs_sock_pins[i]);
		if (err)
			return err;
		if (rename(from, dest)) {
			if (errno == ENOENT)
				continue;
			err = -errno;
			cvs_log(CVS_LOG_ERROR, "moving pin %s: %s", from,
				strerror(errno));
			return err;
		}
		if (++moved == 1)
			cvs_failpoint("pins-moved-1");
	}
	cvs_failpoint("pins-moved");
	/* One step: the pin root is the old set, then the new one; any
	 * path lookup sees one of the two, never neither. */
	if (renameat2(AT_FDCWD, mv->root, AT_FDCWD, mv->staged,
		      RENAME_EXCHANGE)) {
		err = -errno;
		cvs_log(CVS_LOG_ERROR, "exchanging %s and %s: %s", mv->root,
			mv->staged, strerror(errno));
		return err;
	}
	strcpy(mv->to->root, mv->root);
	cvs_failpoint("exchanged");
	return 0;
}

/* The old set, at the staged path since the exchange. */
static int remove_old(const char *staged)
{
	char path[PATH_MAX];
	int i, err;

	for (i = 0; i < CVS_M_COUNT; i++) {
		err = cvs_path_join(path, staged, cvs_map_names[i]);
		if (err)
			return err;
		if (unlink(path) && errno != ENOENT)
			return -errno;
		if (i == 0)
			cvs_failpoint("old-unpinned-1");
	}
	return cvs_unpin_set(staged);
}

int cvs_finish_switch(const char *root, struct cvs_maps *to)
{
	struct move mv;
	int err;

	err = move_prepare(&mv, root, to) ?: move_readers(&mv) ?:
	      move_pins(&mv) ?: remove_old(mv.staged);
	move_release(&mv);
	return err;
}

/* ---- counters ----------------------------------------------------------- */

/*
 * Counters are carried by identity, not by id: the new set gave its own ids.
 * A service is its key; a backend is its (address, port) within the same
 * service key. Pairs (old id, new id) are found once, from both writers'
 * caches; values are per CPU.
 */
struct carry {
	struct cvs_maps *from, *to;
	__u32 nsvc, nbe, naff;
	__u32 *svc_old, *svc_new, *be_old, *be_new;
	__u64 *svc_base, *be_base;	/* old values at the copy */
};

#define BE_WORDS (sizeof(struct cvs_backend_stats) / sizeof(__u64))
#define SVC_WORDS (sizeof(struct cvs_service_stats) / sizeof(__u64))

static void carry_free(struct carry *c)
{
	free(c->svc_old);
	free(c->svc_new);
	free(c->be_old);
	free(c->be_new);
	free(c->svc_base);
	free(c->be_base);
}

/* The backends of one service that are members in both sets. */
static void pair_backends(struct carry *c, __u32 a, __u32 b)
{
	const struct cvs_member *ma = cvs_members_of(c->from, a);
	const struct cvs_member *mb = cvs_members_of(c->to, b);
	__u32 na = c->from->svcs[a].members, nb = c->to->svcs[b].members;
	__u32 i, j;

	struct cvs_endpoint want, have;

	for (i = 0; i < na; i++) {
		cvs_cached_endpoint(c->from, ma[i].backend_id, &want);
		for (j = 0; j < nb; j++) {
			cvs_cached_endpoint(c->to, mb[j].backend_id, &have);
			if (cvs_endpoint_cmp(&have, &want))
				continue;
			c->be_old[c->nbe] = ma[i].backend_id;
			c->be_new[c->nbe] = mb[j].backend_id;
			c->nbe++;
			break;
		}
	}
}

/* A service of the new set by its key (of either family). */
struct keyed {
	struct cvs_service_key key;
	__u32 id;
};

static int by_key(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct cvs_service_key));
}

static int carry_pairs(struct carry *c)
{
	__u32 max = c->from->meta.max_services, n, nt, i;
	__u32 tmax = c->to->meta.max_services;
	struct cvs_service_key *keys = NULL, *tkeys = NULL;
	struct cvs_svc *vals = NULL, *tvals = NULL;
	struct keyed *there = NULL, probe, *hit;
	int err;

	c->svc_old = calloc(max, sizeof(__u32));
	c->svc_new = calloc(max, sizeof(__u32));
	c->be_old = calloc(c->from->meta.max_backends, sizeof(__u32));
	c->be_new = calloc(c->from->meta.max_backends, sizeof(__u32));
	err = c->svc_old && c->svc_new && c->be_old && c->be_new ? 0 :
	      -ENOMEM;
	err = err ?: cvs_services_read(c->from, &keys, &vals, &n) ?:
	      cvs_services_read(c->to, &tkeys, &tvals, &nt);
	if (!err) {
		there = calloc(nt ?: 1, sizeof(*there));
		err = there ? 0 : -ENOMEM;
	}
	if (err)
		goto out;
	for (i = 0; i < nt; i++)
		there[i] = (struct keyed){ .key = tkeys[i], .id = tvals[i].id };
	qsort(there, nt, sizeof(*there), by_key);
	for (i = 0; i < n; i++) {
		if (vals[i].id >= max || !c->from->svcs[vals[i].id].used)
			continue;
		probe.key = keys[i];
		hit = bsearch(&probe, there, nt, sizeof(*there), by_key);
		if (!hit || hit->id >= tmax || !c->to->svcs[hit->id].used)
			continue;	/* not carried over by the caller */
		c->svc_old[c->nsvc] = vals[i].id;
		c->svc_new[c->nsvc] = hit->id;
		c->nsvc++;
		pair_backends(c, vals[i].id, hit->id);
	}
out:
	free(there);
	free(keys);
	free(vals);
	free(tkeys);
	free(tvals);
	return err;
}

/*
 * Every value of a per-CPU array, by id (one u64 words per CPU each), in
 * batches: a lookup per id costs about ten times as much at 100,000 ids.
 */
static __u64 *read_all(struct cvs_maps *m, int fd, __u32 entries,
		       size_t words, int *err)
{
	size_t one = words * m->ncpus;
	__u32 *keys = calloc(entries, sizeof(*keys));
	__u64 *vals = calloc((size_t)entries * one, sizeof(*vals));
	__u32 done = 0, batch = 0, n;

	*err = keys && vals ? 0 : -ENOMEM;
	while (!*err && done < entries) {
		n = entries - done;
		*err = bpf_map_lookup_batch(fd, done ? &batch : NULL, &batch,
					    keys + done, vals + done * one, &n,
					    NULL);
		done += n;
		if (*err == -ENOENT)
			*err = 0;
		else if (!*err && !n)
			break;
	}
	free(keys);
	if (*err) {
		free(vals);
		return NULL;
	}
	return vals;
}

/* out[k] = all[ids[k]]; one per-CPU value is `one` words. */
static void gather(const __u64 *all, const __u32 *ids, __u32 n, size_t one,
		   __u64 *out)
{
	__u32 k;

	for (k = 0; k < n; k++)
		memcpy(out + k * one, all + (size_t)ids[k] * one,
		       one * sizeof(*out));
}

/* Step "copy": the new set is read by nobody yet, so write it plainly. */
static int copy_one(struct carry *c, int from_fd, int to_fd, __u32 entries,
		    const __u32 *old, const __u32 *new_ids, __u32 n,
		    size_t words, __u64 **base)
{
	size_t one = words * c->from->ncpus;
	__u64 *all;
	int err;

	*base = calloc(n ?: 1, one * sizeof(__u64));
	if (!*base)
		return -ENOMEM;
	all = read_all(c->from, from_fd, entries, words, &err);
	if (!all)
		return err;
	gather(all, old, n, one, *base);
	free(all);
	return n ? bpf_map_update_batch(to_fd, new_ids, *base, &n, NULL) : 0;
}

static int carry_copy(struct carry *c)
{
	struct cvs_maps *f = c->from, *t = c->to;

	return copy_one(c, f->fds[CVS_M_BACKEND_STATS],
			t->fds[CVS_M_BACKEND_STATS], f->meta.max_backends,
			c->be_old, c->be_new, c->nbe, BE_WORDS, &c->be_base) ?:
	       copy_one(c, f->fds[CVS_M_SERVICE_STATS],
			t->fds[CVS_M_SERVICE_STATS], f->meta.max_services,
			c->svc_old, c->svc_new, c->nsvc, SVC_WORDS,
			&c->svc_base);
}

/* Add what old ids counted since the copy to the new ids' values. */
static int add_delta(struct carry *c, int from_fd, int to_fd,
		     __u32 entries, const __u32 *old, const __u32 *new_ids,
		     __u32 n, size_t words, const __u64 *base)
{
	size_t one = words * c->from->ncpus, w;
	const __u64 *now;
	__u64 *all, *cur;
	__u32 k, added = 0;
	int err = 0;
	bool any;

	all = read_all(c->from, from_fd, entries, words, &err);
	cur = calloc(one, sizeof(*cur));
	if (!all || !cur) {
		err = err ?: -ENOMEM;
		goto out;
	}
	for (k = 0; k < n && !err; k++) {
		now = all + (size_t)old[k] * one;
		any = false;
		for (w = 0; w < one; w++)
			any |= now[w] != base[k * one + w];
		if (!any)
			continue;
		/* The lost-update window: a reader's count on this element
		 * between this lookup and the update is overwritten. */
		err = bpf_map_lookup_elem(to_fd, &new_ids[k], cur);
		if (err)
			break;
		for (w = 0; w < one; w++)
			cur[w] += now[w] - base[k * one + w];
		err = bpf_map_update_elem(to_fd, &new_ids[k], cur, BPF_EXIST);
		added++;
	}
	if (added)
		cvs_log(CVS_LOG_DEBUG, "carried the counts of %u ids made during the switch",
			added);
out:
	free(all);
	free(cur);
	return err;
}

static int carry_delta(struct carry *c)
{
	struct cvs_maps *f = c->from, *t = c->to;

	return add_delta(c, f->fds[CVS_M_BACKEND_STATS],
			 t->fds[CVS_M_BACKEND_STATS], f->meta.max_backends,
			 c->be_old, c->be_new, c->nbe, BE_WORDS, c->be_base) ?:
	       add_delta(c, f->fds[CVS_M_SERVICE_STATS],
			 t->fds[CVS_M_SERVICE_STATS], f->meta.max_services,
			 c->svc_old, c->svc_new, c->nsvc, SVC_WORDS,
			 c->svc_base);
}

/* ---- the API ------------------------------------------------------------- */

/* A staged set left behind is removed unless someone holds or reads it. */
static int remove_leftover(const char *root, const char *staged)
{
	__u32 ids[CVS_M_COUNT];
	int fd, err;

	fd = open(staged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -errno;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		err = errno == EWOULDBLOCK ? -EEXIST : -errno;
		if (err == -EEXIST)
			cvs_log(CVS_LOG_ERROR,
				"%s is staged and held by a writer", staged);
		goto out;
	}
	cvs_pinned_ids(staged, ids);
	if (cvs_readers_use(root, ids)) {
		cvs_log(CVS_LOG_ERROR, "%s is staged and readers use it",
			staged);
		err = -EEXIST;
		goto out;
	}
	err = cvs_unlink_pins(staged, cvs_sock_pins, CVS_SOCK_PINS) ?:
	      cvs_unpin_set(staged);
	if (!err)
		cvs_log(CVS_LOG_INFO, "removed the left-over staged set %s",
			staged);
out:
	close(fd);
	return err;
}

CVS_API int cvs_maps_stage(struct cvs_maps *m, const struct cvs_capacity *cap,
			   struct cvs_maps **next)
{
	struct cvs_capacity req;
	char staged[PATH_MAX];
	struct cvs_meta2 meta2;
	struct cvs_meta meta;
	int err;

	if (!m || !next || (cap && cap->pad))
		return -EINVAL;
	*next = NULL;
	if (m->readonly)
		return -EROFS;
	pthread_mutex_lock(&m->lock);
	err = m->switched ? -ESTALE : 0;
	req = (struct cvs_capacity){
		.max_services = cap && cap->max_services ? cap->max_services :
			m->meta.max_services,
		.max_backends = cap && cap->max_backends ? cap->max_backends :
			m->meta.max_backends,
		.max_members = cap && cap->max_members ? cap->max_members :
			m->meta.max_members,
		.table_slots = cap && cap->table_slots ? cap->table_slots :
			m->meta.table_slots,
		.affinity_entries = cap && cap->affinity_entries ?
			cap->affinity_entries : m->meta2.affinity_entries,
		.maglev_tables = cap && cap->maglev_tables ?
			cap->maglev_tables : m->meta2.maglev_tables,
		.maglev_slots = cap && cap->maglev_slots ?
			cap->maglev_slots : m->meta2.maglev_slots,
	};
	err = err ?: cvs_capacity_to_create(&req, &meta, &meta2) ?:
	      cvs_staged_root(m->root, staged);
	if (err)
		goto out;
	/* Every generation m handed out is below its gen_reserved. */
	meta.gen_reserved = m->meta.gen_reserved > m->next_gen ?
			    m->meta.gen_reserved : m->next_gen;
	err = remove_leftover(m->root, staged) ?:
	      cvs_create_set(staged, &meta, &meta2);
	if (err)
		goto out;
	cvs_failpoint("stage-built");
	err = cvs_maps_open_at(staged, NULL, CVS_OPEN_NO_CREATE, next);
	if (err) {
		cvs_unpin_set(staged);
		goto out;
	}
	err = cvs_owner_carry(m, *next);
	if (err) {
		cvs_maps_close(*next);
		*next = NULL;
		cvs_unpin_set(staged);
		goto out;
	}
	(*next)->staged = true;
	cvs_log(CVS_LOG_INFO, "staged %s: %u services, %u backends, %u per service, %u slots",
		staged, meta.max_services, meta.max_backends,
		meta.max_members, meta.table_slots);
out:
	pthread_mutex_unlock(&m->lock);
	return err;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int switch_locked(struct cvs_maps *m, struct cvs_maps *next)
{
	struct carry c = { .from = m, .to = next };
	char staged[PATH_MAX], root[PATH_MAX];
	double t0 = now_ms();
	struct move mv;
	int err;

	err = cvs_staged_root(m->root, staged);
	if (err)
		return err;
	if (m->readonly || next->readonly || m->switched || next->switched ||
	    strcmp(next->root, staged)) {
		cvs_log(CVS_LOG_ERROR, "%s is not the set staged for %s",
			next->root, m->root);
		return -EINVAL;
	}
	strcpy(root, m->root);
	cvs_failpoint("switch-start");
	err = move_prepare(&mv, root, next) ?: carry_pairs(&c) ?:
	      carry_copy(&c) ?: cvs_owner_carry(m, next) ?:
	      cvs_affinity_carry(m, next, c.svc_old, c.svc_new, c.nsvc,
				 c.be_old, c.be_new, c.nbe, &c.naff);
	if (err)
		goto out;
	cvs_failpoint("counters-copied");
	err = move_readers(&mv);
	if (err)
		goto out;	/* put back: nothing changed */
	/* From here readers use next: a failure is left to recovery. */
	err = move_pins(&mv);
	if (err)
		goto moved;
	strcpy(m->root, staged);
	m->switched = true;
	next->staged = false;
	err = carry_delta(&c);
	if (err)
		cvs_log(CVS_LOG_WARN, "carrying the last counts over: %s",
			strerror(-err));
	cvs_failpoint("delta-added");
	err = remove_old(staged);
	if (err)
		goto moved;
	cvs_failpoint("done");
	cvs_log(CVS_LOG_INFO,
		"switched %s to %u services, %u backends, %u per service, %u slots in %.1f ms (%u services, %u backends, %u affinity entries carried)",
		root, next->meta.max_services, next->meta.max_backends,
		next->meta.max_members, next->meta.table_slots,
		now_ms() - t0, c.nsvc, c.nbe, c.naff);
	goto out;
moved:
	cvs_log(CVS_LOG_ERROR,
		"switching %s: %s after readers moved; close both handles, the next writer open finishes the switch",
		root, strerror(-err));
	m->switched = next->switched = true;
out:
	move_release(&mv);
	carry_free(&c);
	return err;
}

CVS_API int cvs_maps_switch(struct cvs_maps *m, struct cvs_maps *next)
{
	int err;

	if (!m || !next || m == next)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	pthread_mutex_lock(&next->lock);
	err = switch_locked(m, next);
	pthread_mutex_unlock(&next->lock);
	pthread_mutex_unlock(&m->lock);
	return err;
}

CVS_API int cvs_maps_discard(struct cvs_maps *next)
{
	const size_t sfx = strlen(CVS_STAGED_SUFFIX);
	char root[PATH_MAX];
	__u32 ids[CVS_M_COUNT];
	size_t len;
	int err;

	if (!next)
		return -EINVAL;
	if (next->readonly)
		return -EROFS;
	len = strlen(next->root);
	if (next->switched || len <= sfx + 1 ||
	    strcmp(next->root + len - sfx, CVS_STAGED_SUFFIX))
		return -EINVAL;
	memcpy(root, next->root, len - sfx);
	root[len - sfx] = '\0';
	pthread_mutex_lock(&next->lock);
	cvs_pinned_ids(next->root, ids);
	err = cvs_readers_use(root, ids) ? -EBUSY : cvs_unpin_set(next->root);
	pthread_mutex_unlock(&next->lock);
	if (!err)
		cvs_maps_close(next);
	return err;
}
