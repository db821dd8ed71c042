// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The client side of scripts/bench-flows: COUNT connected UDP sockets to a
 * VIP, held until each is ended by a flow sweep, and when that happened.
 *
 *   flows_hold VIP PORT COUNT LIMIT_MS
 *
 * Opens and connects the sockets (connect() is where the socket-LB picks the
 * backend, so the caller runs this in the attached cgroup), prints "ready"
 * and waits, with epoll, for an error on every socket: a
 * socket destroyed by bpf_sock_destroy() or SOCK_DESTROY reports
 * ECONNABORTED. Prints
 *   ended <n> first_ns <CLOCK_REALTIME> last_ns <CLOCK_REALTIME>
 * once all COUNT ended or LIMIT_MS passed (n < COUNT then). Realtime, so
 * the script can set it against the moment its API call was answered.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int parse(const char *vip, int port, struct sockaddr_storage *sa,
		 socklen_t *len)
{
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)sa;
	struct sockaddr_in *s4 = (struct sockaddr_in *)sa;

	memset(sa, 0, sizeof(*sa));
	if (inet_pton(AF_INET, vip, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		*len = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, vip, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		*len = sizeof(*s6);
		return 0;
	}
	return -1;
}

int main(int argc, char **argv)
{
	struct rlimit nofile = { .rlim_cur = 65536, .rlim_max = 65536 };
	long long first = 0, last = 0, deadline;
	struct epoll_event ev, evs[256];
	struct sockaddr_storage sa;
	int count, limit_ms, ep, i, n, ended = 0;
	socklen_t len;

	if (argc != 5 || parse(argv[1], atoi(argv[2]), &sa, &len) ||
	    (count = atoi(argv[3])) < 1 || (limit_ms = atoi(argv[4])) < 1) {
		fprintf(stderr, "usage: flows_hold VIP PORT COUNT LIMIT_MS\n");
		return 2;
	}
	setrlimit(RLIMIT_NOFILE, &nofile);
	ep = epoll_create1(EPOLL_CLOEXEC);
	for (i = 0; i < count; i++) {
		int fd = socket(sa.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		/* Connected, never used: a datagram to a backend that does not
		 * listen would come back as an ICMP error on the socket. */
		if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len)) {
			fprintf(stderr, "flows_hold: socket %d: %s\n", i,
				strerror(errno));
			return 1;
		}
		/* Only errors wake us: the backends' answers are not read. */
		ev = (struct epoll_event){ .events = EPOLLERR, .data.fd = fd };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			perror("flows_hold: epoll_ctl");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	/* The limit runs from when the script may act: now. */
	deadline = now_ns(CLOCK_MONOTONIC) + limit_ms * 1000000LL;
	while (ended < count) {
		long long left = (deadline - now_ns(CLOCK_MONOTONIC)) / 1000000;

		if (left <= 0)
			break;
		n = epoll_wait(ep, evs, 256, (int)left);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n; i++) {
			int err = 0;
			socklen_t elen = sizeof(err);

			getsockopt(evs[i].data.fd, SOL_SOCKET, SO_ERROR, &err,
				   &elen);
			epoll_ctl(ep, EPOLL_CTL_DEL, evs[i].data.fd, NULL);
			last = now_ns(CLOCK_REALTIME);
			if (!first)
				first = last;
			ended++;
		}
	}
	printf("ended %d first_ns %lld last_ns %lld\n", ended, first, last);
	return 0;
}
