// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * How long a backend change of a MAGLEV service takes in the control plane:
 * one cvs_service_upsert_policy() of a service of 100 backends, which
 * rebuilds its Maglev table (M slots) into the idle half and flips. Each
 * round changes one backend's weight, so every upsert builds a new table.
 * No traffic: the map set is its own, under a pin root of its own on bpffs,
 * removed at the end (also when interrupted).
 *
 *   maglev_flip [--flips N] [--slots M] [--backends B]
 *
 * prints one line:
 *   maglev-flip <backends> <slots> <flips> <p50_us> <p99_us> <max_us>
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cvsbpf.h"

#define BACKENDS_MAX 256	/* the default max_members */

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *root, long flips, __u32 slots, int nb)
{
	const struct cvs_service_policy pol = {
		.flags = CVS_POLICY_F_MAGLEV, .maglev_slots = slots,
	};
	const struct cvs_capacity cap = { .maglev_slots = slots,
					  .maglev_tables = 1 };
	struct cvs_service_key key = {
		.addr = { htonl(0xc0000201) },	/* 192.0.2.1 */
		.port = htons(80), .proto = IPPROTO_TCP, .family = AF_INET,
	};
	struct cvs_backend_spec b[BACKENDS_MAX];
	struct cvs_maps *m;
	double *us, t0;
	long i, done = 0;
	int err;

	us = calloc(flips, sizeof(*us));
	if (!us)
		return -ENOMEM;
	/* 10.100.0.1 .. */
	for (i = 0; i < nb; i++)
		b[i] = (struct cvs_backend_spec){
			.addr = { htonl(0x0a640000 + i + 1) },
			.port = htons(8080), .weight = 10 };
	err = cvs_maps_open(root, &cap, 0, &m);
	if (err)
		goto out;
	err = cvs_service_upsert_policy(m, &key, &pol, b, nb);
	for (i = 0; i < flips && !err && !stop; i++) {
		b[i % nb].weight = b[i % nb].weight == 10 ? 11 : 10;
		t0 = now_us();
		err = cvs_service_upsert_policy(m, &key, &pol, b, nb);
		us[done++] = now_us() - t0;
	}
	err = err ?: cvs_service_verify(m, &key);
	cvs_maps_close(m);
	cvs_maps_destroy(root);
	if (!err && done) {
		qsort(us, done, sizeof(*us), by_value);
		printf("maglev-flip %d %u %ld %.0f %.0f %.0f\n", nb, slots, done,
		       us[done / 2], us[done * 99 / 100], us[done - 1]);
	}
out:
	free(us);
	return err ?: stop ? -EINTR : 0;
}

int main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "flips", required_argument, NULL, 'f' },
		{ "slots", required_argument, NULL, 'm' },
		{ "backends", required_argument, NULL, 'b' },
		{}
	};
	struct sigaction sa = { .sa_handler = on_signal };
	long flips = 1000, slots = 16381, nb = 100;
	char root[64];
	int c, err;

	while ((c = getopt_long(argc, argv, "", longs, NULL)) != -1) {
		if (c == 'f')
			flips = atol(optarg);
		else if (c == 'm')
			slots = atol(optarg);
		else if (c == 'b')
			nb = atol(optarg);
		else
			goto usage;
	}
	if (optind != argc || flips < 1 || flips > 1000000 || nb < 1 ||
	    nb > BACKENDS_MAX || slots < nb || slots > CVS_MAGLEV_SLOTS_MAX)
		goto usage;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	snprintf(root, sizeof(root), "/sys/fs/bpf/cvsbench-maglev-%d",
		 getpid());
	err = run(root, flips, slots, nb);
	if (err) {
		fprintf(stderr, "maglev_flip: %s\n", strerror(-err));
		return 1;
	}
	return 0;
usage:
	fprintf(stderr, "usage: %s [--flips N] [--slots M] [--backends B]\n",
		argv[0]);
	return 2;
}
