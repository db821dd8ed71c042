// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Upsert and counter-read throughput from C, beside the raw map-update floor
 * for the same number of map writes, all in one run. Output, one line each:
 *   c <what> <ops_per_s> <us_per_op> [<extra>]
 * Usage: bench PIN_ROOT [ITERATIONS]   (root; PIN_ROOT is created, removed)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "cvsbpf.h"

#define BACKENDS 16

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void report(const char *what, double us, long ops)
{
	printf("c %s %.0f %.3f\n", what, ops / (us / 1e6), us / ops);
}

/* One upsert that flips: backend 0's weight alternates 1 and 2. */
static int upsert(struct cvs_maps *m, const struct cvs_service_key *key,
		  struct cvs_backend_spec *b, long i)
{
	b[0].weight = 1 + (i & 1);
	return cvs_service_upsert(m, key, b, BACKENDS);
}

/*
 * Map element writes one flipping upsert needs when no backend is new: the
 * member list of the new half with its end marker, its selection table, and
 * the generation word (a store through mmap, counted like a map write).
 */
static int report_writes(struct cvs_maps *m, const struct cvs_service_key *key)
{
	struct cvs_backend_spec b[BACKENDS];
	struct cvs_service_info info;
	int err = cvs_service_get(m, key, &info, b, BACKENDS);

	if (!err)
		printf("c writes-per-upsert16 %u\n",
		       info.members + 1 + info.slots + 1);
	return err;
}

static int floor_writes(const char *what, enum bpf_map_type type,
			long iterations)
{
	__u32 key = 0, value = 7;
	double t0;
	long i;
	int fd = bpf_map_create(type, "cvs_bench", 4, 4, 4096, NULL);

	if (fd < 0)
		return fd;
	t0 = now_us();
	for (i = 0; i < iterations; i++) {
		key = i & 4095;
		if (bpf_map_update_elem(fd, &key, &value, BPF_ANY))
			return -1;
	}
	report(what, now_us() - t0, iterations);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct cvs_service_key key = { .addr = { inet_addr("192.0.2.10") },
				       .port = htons(80), .proto = IPPROTO_TCP,
				       .family = AF_INET };
	struct cvs_backend_spec b[BACKENDS];
	struct cvs_backend_counters counters[BACKENDS];
	struct cvs_service_counters svc;
	struct cvs_maps *m;
	long iterations = argc > 2 ? atol(argv[2]) : 20000, i;
	__u32 count;
	double t0;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PIN_ROOT [ITERATIONS]\n", argv[0]);
		return 2;
	}
	for (i = 0; i < BACKENDS; i++)
		b[i] = (struct cvs_backend_spec){
			.addr = { htonl(0x0a000001 + i) }, .port = htons(8080),
			.weight = 1 };
	err = cvs_maps_open(argv[1], NULL, 0, &m);
	if (err) {
		fprintf(stderr, "open %s: %d\n", argv[1], err);
		return 1;
	}
	for (i = 0; i < iterations / 10 && !err; i++)	/* warm up */
		err = upsert(m, &key, b, i);
	t0 = now_us();
	for (i = 0; i < iterations && !err; i++)
		err = upsert(m, &key, b, i);
	if (!err)
		report("upsert16", now_us() - t0, iterations);
	t0 = now_us();
	for (i = 0; i < iterations && !err; i++)
		err = cvs_service_counters(m, &key, &svc, counters, BACKENDS,
					   &count);
	if (!err)
		report("counters16", now_us() - t0, iterations);
	if (!err)
		err = report_writes(m, &key);
	cvs_maps_close(m);
	cvs_maps_destroy(argv[1]);
	if (err) {
		fprintf(stderr, "bench: %d\n", err);
		return 1;
	}
	/* The floor: one bpf_map_update_elem per element, no batching. */
	if (floor_writes("floor-array-update", BPF_MAP_TYPE_ARRAY,
			 iterations * 10) ||
	    floor_writes("floor-hash-update", BPF_MAP_TYPE_HASH,
			 iterations * 10))
		return 1;
	return 0;
}
