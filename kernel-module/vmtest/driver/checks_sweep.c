// SPDX-License-Identifier: GPL-2.0-only
/*
 * The conntrack sweep (cvs_module_sweep): a routed UDP client keeps one
 * flow to a VIP while the writer takes its backend away; the sweep deletes
 * the flow's conntrack entry and the client's next datagram reaches a live
 * backend, with nothing done by the client. A removed, a down and a
 * deleted service's backend are swept, a draining one is kept; TCP only for
 * the services the caller lists. Each check has a VIP of its own
 * (192.0.2.20-24, 2001:db8::20-24), so that no check's flows are stale in
 * another's sweep.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "checks.h"

#define FLOW_REPLIES 256
#define FLOW_INTERVAL_MS 50
#define SWITCH_MS 1000	/* the client reaches a live backend within it */
#define AFTER_MS 300	/* and watched this long for the old one after */

/* One UDP flow from the client, its replies in shared memory. */
struct udp_flow {
	int stop;
	int n;
	struct {
		long t;
		char tag[TAG_LEN];
	} reply[FLOW_REPLIES];
};

static int next_flow_port = 21000;	/* one source port per flow */

/* The VIP of a sweep check: host part last of f's sweep range. */
/* Send a datagram every FLOW_INTERVAL_MS until told to stop. */
static void flow_run(struct udp_flow *fl, int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	long next = 0, wait;
	char tag[TAG_LEN];
	ssize_t len;
	int n;

	while (!__atomic_load_n(&fl->stop, __ATOMIC_ACQUIRE)) {
		if (now_ms() >= next) {
			send(fd, "?", 1, 0);
			next = now_ms() + FLOW_INTERVAL_MS;
		}
		wait = next - now_ms();
		if (poll(&p, 1, wait > 0 ? (int)wait : 0) <= 0)
			continue;
		len = recv(fd, tag, TAG_LEN - 1, 0);
		n = fl->n;
		if (len <= 0 || n == FLOW_REPLIES)
			continue;
		tag[len] = '\0';
		fl->reply[n].t = now_ms();
		memcpy(fl->reply[n].tag, tag, len + 1);
		__atomic_store_n(&fl->n, n + 1, __ATOMIC_RELEASE);
	}
}

/* A client in the client namespace sending to vip:53 from one port. */
static struct udp_flow *flow_start(const char *vip, pid_t *pid)
{
	struct sockaddr_storage to = {}, from = {};
	struct sockaddr_in6 *to6 = (void *)&to, *from6 = (void *)&from;
	struct sockaddr_in *to4 = (void *)&to, *from4 = (void *)&from;
	int family = strchr(vip, ':') ? AF_INET6 : AF_INET;
	socklen_t len = family == AF_INET6 ? sizeof(*to6) : sizeof(*to4);
	struct udp_flow *fl;
	int fd;

	if (family == AF_INET6) {
		to6->sin6_family = from6->sin6_family = AF_INET6;
		to6->sin6_port = htons(53);
		from6->sin6_port = htons(next_flow_port++);
		inet_pton(AF_INET6, vip, &to6->sin6_addr);
	} else {
		to4->sin_family = from4->sin_family = AF_INET;
		to4->sin_port = htons(53);
		from4->sin_port = htons(next_flow_port++);
		inet_pton(AF_INET, vip, &to4->sin_addr);
	}
	fd = socket_in(NS_CLI, family, SOCK_DGRAM);
	if (fd < 0)
		return NULL;
	if (bind(fd, (struct sockaddr *)&from, len) ||
	    connect(fd, (struct sockaddr *)&to, len)) {
		close(fd);
		return NULL;
	}
	fl = mmap(NULL, sizeof(*fl), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (fl == MAP_FAILED) {
		close(fd);
		return NULL;
	}
	memset(fl, 0, sizeof(*fl));
	*pid = fork();
	if (*pid == 0) {
		flow_run(fl, fd);
		_exit(0);
	}
	close(fd);
	if (*pid < 0) {
		munmap(fl, sizeof(*fl));
		return NULL;
	}
	return fl;
}

static void flow_stop(struct udp_flow *fl, pid_t pid)
{
	__atomic_store_n(&fl->stop, 1, __ATOMIC_RELEASE);
	waitpid(pid, NULL, 0);
	munmap(fl, sizeof(*fl));
}

static int flow_replies(const struct udp_flow *fl)
{
	return __atomic_load_n(&fl->n, __ATOMIC_ACQUIRE);
}

/* The tag of the flow's first reply, waiting for it; NULL when none. */
static const char *flow_backend(const struct udp_flow *fl)
{
	long end = now_ms() + TIMEOUT_MS;

	while (!flow_replies(fl) && now_ms() < end)
		sleep_ms(10);
	return flow_replies(fl) ? fl->reply[0].tag : NULL;
}

/* The first reply from tag at or after t0; -1 when none (yet). */
static int flow_first(const struct udp_flow *fl, long t0, const char *tag)
{
	int i, n = flow_replies(fl);

	for (i = 0; i < n; i++)
		if (fl->reply[i].t >= t0 && !strcmp(fl->reply[i].tag, tag))
			return i;
	return -1;
}

/* The replies at or after t0; in *from, how many of them came from tag. */
static int flow_since(const struct udp_flow *fl, long t0, const char *tag,
		      int *from)
{
	int i, n = flow_replies(fl), total = 0;

	*from = 0;
	for (i = 0; i < n; i++) {
		if (fl->reply[i].t < t0)
			continue;
		total++;
		*from += !strcmp(fl->reply[i].tag, tag);
	}
	return total;
}

/* Replies from tag after reply i. */
static int flow_count_after(const struct udp_flow *fl, int i, const char *tag)
{
	int n = flow_replies(fl), late = 0;

	while (++i < n)
		late += !strcmp(fl->reply[i].tag, tag);
	return late;
}

/*
 * Wait for the flow to reach tag after t0, then watch it AFTER_MS more.
 * The delay, or -1 when it did not within SWITCH_MS; in *late the replies
 * from old after the switch.
 */
static long flow_switch(const struct udp_flow *fl, long t0, const char *tag,
			const char *old, int *late)
{
	int i;

	while ((i = flow_first(fl, t0, tag)) < 0 && now_ms() < t0 + SWITCH_MS)
		sleep_ms(10);
	*late = 0;
	if (i < 0)
		return -1;
	sleep_ms(AFTER_MS);
	*late = flow_count_after(fl, i, old);
	return fl->reply[i].t - t0;
}

static int sweep(const struct cvs_service_key *reset, __u32 n,
		 struct cvs_flow_count *out, __u32 *count)
{
	return cvs_module_sweep(maps, reset, n, out, 8, count);
}

static long sysfs_counter(const char *file)
{
	char path[96], *text;
	long v;

	snprintf(path, sizeof(path), CVS_MODULE_SYSFS "/%s", file);
	text = read_file_in(NS_ROOT, path);
	v = text ? strtol(text, NULL, 10) : -1;
	free(text);
	return v;
}

/* Which of f's two dns backends tag is: 0 or 1, -1 for neither. */
enum change { REMOVE, DOWN, DRAIN, DELETE };

/*
 * A flow to a service of f's two dns backends; the writer changes the one
 * it reached as change says and sweeps. Removed, down, deleted: the flow
 * moves within SWITCH_MS (to the other backend; to the VIP itself, which
 * srv answers, once the service is gone) and the counts are the one pair.
 * Drained: nothing is deleted and the flow stays.
 */
static void check_sweep_udp(const struct fam *f, const char *base, int last,
			    enum change change)
{
	const struct cvs_backend_spec both[] = {
		backend(f->be[0], 5353, 1),
		backend(f->be[1], 5353, 1),
	};
	struct cvs_backend_spec changed[2];
	char name[NAME_LEN], vip[64], why[TALLY_STR], tag[TAG_LEN];
	char old[TAG_LEN], want[TAG_LEN];
	struct cvs_flow_count out[8];
	struct cvs_service_key key;
	struct udp_flow *fl;
	long t0, delay, deleted;
	int which, late, total, err;
	__u32 count;
	pid_t pid;

	check_name(name, base, f);
	flow_vip(f, last, vip);
	key = svc_key(vip, 53, IPPROTO_UDP);
	err = upsert(vip, 53, IPPROTO_UDP, both, 2);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	fl = flow_start(vip, &pid);
	if (!fl)
		return fail(name, "starting the client: %s", strerror(errno));
	which = dns_index(f, flow_backend(fl));
	if (which < 0) {
		fail(name, "the flow reached %s",
		     flow_replies(fl) ? fl->reply[0].tag : "nothing");
		return flow_stop(fl, pid);
	}
	snprintf(old, sizeof(old), "%s", f->dns[which]);
	memcpy(changed, both, sizeof(both));
	if (change == DOWN)
		changed[which].flags = CVS_MEMBER_F_DOWN;
	else if (change == DRAIN)
		changed[which].weight = 0;
	else if (change == REMOVE)
		changed[0] = both[!which];
	deleted = sysfs_counter("sweep_deleted");
	t0 = now_ms();
	err = change == DELETE ? cvs_service_delete(maps, &key) :
	      upsert(vip, 53, IPPROTO_UDP, changed, change == REMOVE ? 1 : 2);
	err = err ?: sweep(NULL, 0, out, &count);
	if (err) {
		fail(name, "writing or sweeping: %s", strerror(-err));
		return flow_stop(fl, pid);
	}
	if (change == DRAIN) {
		sleep_ms(SWITCH_MS);
		total = flow_since(fl, t0, old, &late);
		flow_stop(fl, pid);
		if (count || total < 5 || late != total)
			return fail(name, "drained %s: %u pairs deleted; %d of %d replies after the sweep from it",
				    old, count, late, total);
		printf("  drained %s: nothing deleted, all %d replies after the sweep from it\n",
		       old, total);
		return pass(name);
	}
	if (change == DELETE)
		tag_of(want, vip, 53);
	else
		snprintf(want, sizeof(want), "%s", f->dns[!which]);
	delay = flow_switch(fl, t0, want, old, &late);
	flow_stop(fl, pid);
	if (delay < 0)
		return fail(name, "the flow stayed on %s: no reply from %s within %d ms of the sweep",
			    old, want, SWITCH_MS);
	if (late)
		return fail(name, "%d replies from %s after the flow reached %s",
			    late, old, want);
	if (!counted_one(out, count, &key, f->be[which], 5353, 0, 1, why))
		return fail(name, "%s", why);
	if (sysfs_counter("sweep_deleted") != deleted + 1)
		return fail(name, CVS_MODULE_SYSFS "/sweep_deleted moved from %ld to %ld",
			    deleted, sysfs_counter("sweep_deleted"));
	printf("  %s: the flow went from %s to %s in %ld ms\n", vip, old, want,
	       delay);
	pass(name);

	if (change != REMOVE)
		return;
	check_start();
	check_name(name, "sweep_again_deletes_nothing", f);
	err = sweep(NULL, 0, out, &count);
	if (err || count)
		return fail(name, "second sweep: %s, %u pairs", strerror(-err),
			    count);
	/* The client's fresh entry is not stale: nothing else is. */
	err = udp_probe(NS_CLI, vip, 53, TIMEOUT_MS, tag);
	if (err || strcmp(tag, want))
		return fail(name, "after it: %s", err ? strerror(-err) : tag);
	pass(name);
}

void check_sweep_removed(const struct fam *f)
{
	check_sweep_udp(f, "sweep_udp_removed", 20, REMOVE);
}

void check_sweep_down(const struct fam *f)
{
	check_sweep_udp(f, "sweep_udp_down", 21, DOWN);
}

void check_sweep_draining(const struct fam *f)
{
	check_sweep_udp(f, "sweep_udp_draining_kept", 22, DRAIN);
}

void check_sweep_deleted(const struct fam *f)
{
	check_sweep_udp(f, "sweep_udp_deleted_service", 23, DELETE);
}

/*
 * An established connection to a removed backend survives a sweep that
 * does not list its service; one that does deletes its entry, so its next
 * segment is translated to a live backend, which knows no such connection
 * and resets it.
 */
void check_sweep_tcp(const struct fam *f)
{
	const struct cvs_backend_spec both[] = {
		backend(f->be[0], 8080, 1),
		backend(f->be[1], 8080, 1),
	};
	char name[NAME_LEN], vip[64], tag[TAG_LEN], why[TALLY_STR];
	struct cvs_flow_count out[8];
	struct cvs_service_key key;
	int fd, which, err, echo;
	__u32 count;

	check_name(name, "sweep_tcp_only_listed", f);
	flow_vip(f, 24, vip);
	key = svc_key(vip, 80, IPPROTO_TCP);
	err = upsert(vip, 80, IPPROTO_TCP, both, 2);
	if (err)
		return fail(name, "upsert: %s", strerror(-err));
	fd = tcp_open(NS_CLI, vip, 80, TIMEOUT_MS, tag);
	if (fd < 0)
		return fail(name, "connecting: %s", strerror(-fd));
	which = !strcmp(tag, f->web[1]);
	if (!which && strcmp(tag, f->web[0])) {
		close(fd);
		return fail(name, "the connection reached %s", tag);
	}
	err = upsert(vip, 80, IPPROTO_TCP, &both[!which], 1) ?:
	      sweep(NULL, 0, out, &count);
	echo = err ?: tcp_echo(fd, TIMEOUT_MS);
	if (err || count || echo) {
		close(fd);
		return fail(name, "unlisted: %s, %u pairs deleted, echo %s",
			    strerror(-err), count, strerror(-echo));
	}
	err = sweep(&key, 1, out, &count);
	echo = err ?: tcp_echo(fd, TIMEOUT_MS);
	close(fd);
	if (err)
		return fail(name, "listed: %s", strerror(-err));
	if (!counted_one(out, count, &key, f->be[which], 8080, 1, 0, why))
		return fail(name, "listed: %s", why);
	if (!echo)
		return fail(name, "listed: the connection to %s still echoes",
			    tag);
	printf("  %s: kept by a sweep without it, then %s\n", tag,
	       strerror(-echo));
	err = sweep(&key, 1, out, &count);
	if (err || count)
		return fail(name, "sweeping again: %s, %u pairs",
			    strerror(-err), count);
	pass(name);
}
