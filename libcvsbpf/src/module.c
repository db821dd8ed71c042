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

/* Placeholder until the module's sweep lands: linkable, never sweeps. */
CVS_API int cvs_module_sweep(struct cvs_maps *m,
			     const struct cvs_service_key *reset_tcp,
			     __u32 n_reset, struct cvs_flow_count *out,
			     __u32 cap, __u32 *count)
{
	(void)m;
	(void)reset_tcp;
	(void)n_reset;
	(void)out;
	(void)cap;
	if (count)
		*count = 0;
	return -ENODEV;
}
