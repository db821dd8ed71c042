// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * cvs.ko's control files under CVS_MODULE_SYSFS (kernel-module/cvs_sysfs.c
 * describes them): bind, unbind, status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* A missing file means a missing module, whatever open() says. */
static int open_file(const char *name, int flags)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", CVS_MODULE_SYSFS, name);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	return fd;
}

/* One write: the module acts on a whole line or refuses it. */
static int write_maps(const char *line)
{
	size_t len = strlen(line);
	ssize_t n;
	int fd, err = 0;

	fd = open_file("maps", O_WRONLY);
	if (fd < 0)
		return fd;
	n = write(fd, line, len);
	if (n < 0)
		err = -errno;
	else if ((size_t)n != len)
		err = -EIO;
	close(fd);
	return err;
}

static int read_text(const char *name, char *buf, size_t len)
{
	ssize_t n;
	int fd, err = 0;

	fd = open_file(name, O_RDONLY);
	if (fd < 0)
		return fd;
	n = read(fd, buf, len - 1);
	if (n < 0)
		err = -errno;
	else
		buf[n] = '\0';
	close(fd);
	return err;
}

static int read_u64(const char *name, __u64 *out)
{
	char buf[32], *end;
	int err;

	err = read_text(name, buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	*out = strtoull(buf, &end, 10);
	if (errno || end == buf || (*end && *end != '\n'))
		return -EPROTO;
	return 0;
}

/* The ids as the module reads and writes them: decimal, in map order. */
#define CVS_IDS_LINE (CVS_M_COUNT * 11 + 1)

CVS_API int cvs_module_bind(struct cvs_maps *m)
{
	struct cvs_map_ids ids;
	char line[CVS_IDS_LINE];
	__u32 *id[CVS_M_COUNT];
	int err, i, n = 0;

	if (!m)
		return -EINVAL;
	err = cvs_maps_ids(m, &ids);
	if (err)
		return err;
	cvs_map_id_slots(&ids, id);
	for (i = 0; i < CVS_M_COUNT; i++)
		n += snprintf(line + n, sizeof(line) - n, "%u%s", *id[i],
			      i + 1 < CVS_M_COUNT ? " " : "\n");
	err = write_maps(line);
	if (err)
		cvs_log(CVS_LOG_ERROR, "binding cvs.ko to %s: %s%s", m->root,
			strerror(-err),
			err == -EPROTO ? " (see the kernel log)" : "");
	else
		cvs_log(CVS_LOG_INFO, "cvs.ko serves %s", m->root);
	return err;
}

CVS_API int cvs_module_unbind(void)
{
	return write_maps("\n");
}

CVS_API int cvs_module_status(struct cvs_module_status *out)
{
	__u32 *id[CVS_M_COUNT];
	__u64 orphaned, abi;
	char line[CVS_IDS_LINE], *at, *end = line;
	unsigned long v;
	int err, i;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	err = read_text("maps", line, sizeof(line));
	if (err)
		return err;
	cvs_map_id_slots(&out->ids, id);
	for (i = 0, at = line; i < CVS_M_COUNT; i++, at = end) {
		errno = 0;
		v = strtoul(at, &end, 10);
		if (errno || end == at || v > 0xffffffffu)
			return -EPROTO;
		*id[i] = v;
	}
	if (*end && *end != '\n')
		return -EPROTO;
	err = read_u64("orphaned", &orphaned) ?:
	      read_u64("abi_version", &abi) ?:
	      read_u64("binds", &out->binds) ?:
	      read_u64("bind_errors", &out->bind_errors) ?:
	      read_u64("lookup_errors", &out->lookup_errors) ?:
	      read_u64("nat_errors", &out->nat_errors);
	if (err)
		return err;
	out->bound = out->ids.meta != 0;
	out->orphaned = orphaned != 0;
	out->abi_version = (__u32)abi;
	return 0;
}

/*
 * The sweep file's records, as kernel-module/cvs.h defines them: a request
 * is a header and the TCP services to reset (a key is a struct
 * cvs_service_key), written at once; the result is a header and one
 * record per (service, backend) pair, laid out as struct cvs_flow_count,
 * read from offset 0. The result is the last sweep's, whoever asked: its
 * ticket says whose.
 */
#define SWEEP_REQUEST_MAX 4096
/* A deferred entry is retried by another pass; a few are plenty. */
#define SWEEP_PASSES 16

struct sweep_request {
	__u64 ticket;
	__u32 n_reset;
	__u32 flags;
};

struct sweep_result {
	__u64 ticket;
	__u32 count;
	__u32 deferred;
};

#define SWEEP_BATCH ((SWEEP_REQUEST_MAX - sizeof(struct sweep_request)) / \
		     sizeof(struct cvs_service_key))

_Static_assert(sizeof(struct cvs_service_key) == 20, "cvs.h's key");
_Static_assert(sizeof(struct cvs_flow_count) == 52 &&
	       offsetof(struct cvs_flow_count, tcp) == 40,
	       "cvs.h's struct cvs_sweep_count");

/* Where the pair's counts go in acc[0..*n), added if new; NULL: no memory. */
static struct cvs_flow_count *sweep_slot(struct cvs_flow_count **acc,
					 __u32 *n, __u32 *cap,
					 const struct cvs_flow_count *pair)
{
	struct cvs_flow_count *bigger;
	__u32 i;

	for (i = 0; i < *n; i++)
		if (!memcmp(&(*acc)[i], pair, offsetof(struct cvs_flow_count,
						       tcp)))
			return &(*acc)[i];
	if (*n == *cap) {
		bigger = realloc(*acc, (*cap ? *cap * 2 : 64) * sizeof(*pair));
		if (!bigger)
			return NULL;
		*acc = bigger;
		*cap = *cap ? *cap * 2 : 64;
	}
	(*acc)[*n] = *pair;
	(*acc)[*n].tcp = 0;
	(*acc)[*n].udp = 0;
	return &(*acc)[(*n)++];
}

/* The whole result of the sweep with this ticket, malloc'd in *out. */
static int sweep_read(int fd, __u64 ticket, struct sweep_result **out)
{
	struct sweep_result head, *r;
	size_t len, have = 0;
	ssize_t n;

	n = pread(fd, &head, sizeof(head), 0);
	if (n < 0)
		return -errno;
	if ((size_t)n != sizeof(head))
		return -EPROTO;
	if (head.ticket != ticket) {
		cvs_log(CVS_LOG_WARN, "cvs.ko sweep: another sweep overtook this one's result");
		return -EAGAIN;
	}
	len = sizeof(head) + (size_t)head.count * sizeof(struct cvs_flow_count);
	r = malloc(len);
	if (!r)
		return -ENOMEM;
	while (have < len) {
		n = pread(fd, (char *)r + have, len - have, have);
		if (n <= 0) {
			free(r);
			return n < 0 ? -errno : -EPROTO;
		}
		have += n;
	}
	/* Read in pages: only a sweep replaces the result, and it had
	 * another ticket, so one ticket at both ends means one result. */
	n = pread(fd, &head, sizeof(head), 0);
	if (n != sizeof(head) || head.ticket != ticket ||
	    r->ticket != ticket || r->count != head.count) {
		free(r);
		if (n < 0)
			return -errno;
		cvs_log(CVS_LOG_WARN, "cvs.ko sweep: another sweep overtook this one's result");
		return -EAGAIN;
	}
	*out = r;
	return 0;
}

/* One sweep with keys as the TCP services to reset; its counts into acc. */
static int sweep_once(int fd, const struct cvs_service_key *keys, __u32 n,
		      struct cvs_flow_count **acc, __u32 *n_acc,
		      __u32 *acc_cap, __u32 *deferred)
{
	static __u32 sweeps;
	char buf[SWEEP_REQUEST_MAX];
	struct sweep_request req = {
		.ticket = (__u64)getpid() << 32 |
			  __atomic_add_fetch(&sweeps, 1, __ATOMIC_RELAXED),
		.n_reset = n,
	};
	const struct cvs_flow_count *rec;
	struct cvs_flow_count *slot;
	struct sweep_result *r = NULL;
	size_t len = sizeof(req) + n * sizeof(*keys);
	ssize_t written;
	__u32 i;
	int err;

	memcpy(buf, &req, sizeof(req));
	if (n)
		memcpy(buf + sizeof(req), keys, n * sizeof(*keys));
	written = pwrite(fd, buf, len, 0);
	if (written < 0)
		return -errno;
	if ((size_t)written != len)
		return -EIO;
	err = sweep_read(fd, req.ticket, &r);
	if (err)
		return err;
	rec = (const struct cvs_flow_count *)(r + 1);
	for (i = 0; i < r->count; i++) {
		slot = sweep_slot(acc, n_acc, acc_cap, &rec[i]);
		if (!slot) {
			free(r);
			return -ENOMEM;
		}
		slot->tcp += rec[i].tcp;
		slot->udp += rec[i].udp;
	}
	*deferred = r->deferred;
	free(r);
	return 0;
}

/*
 * A request holds SWEEP_BATCH services to reset: more take one sweep per
 * batch, each of which deletes its own services' TCP entries (and the UDP
 * ones the batches before left, none unless new ones came), so their counts
 * add up. A batch is swept again while the module deferred entries.
 * Besides the contract's errors: -EAGAIN when entries were still deferred
 * after SWEEP_PASSES sweeps, or when another process's sweep replaced the
 * result before it was read (its entries are deleted all the same). The
 * counts so far are in out either way.
 */
CVS_API int cvs_module_sweep(struct cvs_maps *m,
			     const struct cvs_service_key *reset_tcp,
			     __u32 n_reset, struct cvs_flow_count *out,
			     __u32 cap, __u32 *count)
{
	struct cvs_flow_count *acc = NULL;
	struct cvs_module_status st;
	__u32 done = 0, n, n_acc = 0, acc_cap = 0, deferred = 0, pass;
	struct cvs_map_ids ids;
	int fd, err;

	if (!m || !count || (n_reset && !reset_tcp) || (cap && !out))
		return -EINVAL;
	*count = 0;
	err = cvs_module_status(&st) ?: cvs_maps_ids(m, &ids);
	if (err)
		return err;
	if (!st.bound || memcmp(&st.ids, &ids, sizeof(ids))) {
		cvs_log(CVS_LOG_ERROR, "cvs.ko serves another map set than %s: not sweeping",
			m->root);
		return -EPROTO;
	}
	fd = open_file("sweep", O_RDWR);
	if (fd < 0)
		return fd;
	do {
		n = n_reset - done < SWEEP_BATCH ? n_reset - done : SWEEP_BATCH;
		pass = 0;
		do {
			err = sweep_once(fd, reset_tcp + done, n, &acc, &n_acc,
					 &acc_cap, &deferred);
		} while (!err && deferred && ++pass < SWEEP_PASSES);
		if (!err && deferred) {
			cvs_log(CVS_LOG_WARN, "cvs.ko sweep: %u stale entries left after %u passes",
				deferred, pass);
			err = -EAGAIN;
		}
		done += n;
	} while (!err && done < n_reset);
	close(fd);
	*count = n_acc;
	if (n_acc && cap)
		memcpy(out, acc, (n_acc < cap ? n_acc : cap) * sizeof(*acc));
	if (!err && n_acc > cap)
		err = -ENOBUFS;
	free(acc);
	return err;
}
