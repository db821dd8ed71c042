/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Moving this process between cgroup v2 directories, for the socket-LB tests
 * (sandbox.c) and the socket-LB benchmark, which both run themselves inside
 * a cgroup of their own and must go home afterwards.
 */
#ifndef CVS_CGROUP_UTIL_H
#define CVS_CGROUP_UTIL_H

#include <stddef.h>

/* The cgroup v2 directory this process is in, under root; -errno on error. */
int cgroup_util_current(const char *root, char *out, size_t len);

/* Move every thread of this process into dir; -errno on error. */
int cgroup_util_join(const char *dir);

#endif
