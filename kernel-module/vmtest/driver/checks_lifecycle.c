// SPDX-License-Identifier: GPL-2.0-only
/*
 * The module's life around the daemon's: it serves when the writer is gone,
 * unloads under traffic, loads with the maps pinned and no daemon, hooks
 * every namespace on request, and leaves neither maps nor kernel complaints.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bpf/bpf.h>

#include "checks.h"

void check_serves_without_daemon(void)
{
	const char *name = "serves_without_daemon";
	static const char *const want[] = { "10.1.0.11:8080" };
	struct cvs_module_status st;
	struct tally host, cli;

	cvs_maps_close(maps);	/* the writer exits; pins stay */
	maps = NULL;
	tcp_many(NS_ROOT, "192.0.2.10", 80, 4, &host);
	tcp_many(NS_CLI, "192.0.2.10", 80, 4, &cli);
	if (!tally_only(&host, 4, want, 1) || !tally_only(&cli, 4, want, 1))
		return fail(name, "from host: %s; from client: %s",
			    tally_str(&host, s1), tally_str(&cli, s2));
	if (cvs_module_status(&st) || !st.bound || st.orphaned)
		return fail(name, "status bound %u orphaned %u", st.bound,
			    st.orphaned);
	pass(name);
}

/*
 * New connections go untranslated from the moment the hooks are gone.
 * The one connection in flight at that instant may fail: its reply can
 * come back after NAT stopped in this namespace.
 */
void check_rmmod_under_traffic(void)
{
	const char *name = "rmmod_under_traffic";
	struct cvs_module_status st;
	struct loop_result *r;
	char tag[TAG_LEN];
	int rc, err, fd, echo;
	pid_t child;

	/* Opened before: tells what unloading does to NATed connections. */
	fd = tcp_open(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	r = client_start(2500, &child);
	if (!r) {
		close(fd);
		return fail(name, "starting the client: %s", strerror(errno));
	}
	sleep_ms(800);
	rc = sh("rmmod cvs");
	waitpid(child, NULL, 0);
	err = cvs_module_status(&st);
	printf("  around rmmod: %d connections translated, then %d untouched; %d failed\n",
	       r->translated, r->untouched, r->errors);
	if (fd >= 0) {
		echo = tcp_echo(fd, 500);
		printf("  a connection to %s opened before rmmod: %s after it\n",
		       tag, echo ? strerror(-echo) : "echoes");
		close(fd);
	}
	if (rc)
		fail(name, "rmmod exited with %d", rc);
	else if (err != -ENODEV)
		fail(name, "status after rmmod: %s", strerror(-err));
	else if (!r->translated || !r->untouched || r->translated_after ||
		 r->errors > 1)
		fail(name, "translated %d, untouched %d (%d translated after), %d errors (%s)",
		     r->translated, r->untouched, r->translated_after,
		     r->errors, strerror(r->first_error));
	else
		pass(name);
	munmap(r, sizeof(*r));
}

/* Loaded again with the maps pinned and no daemon: idle until bound. */
void check_load_without_daemon(void)
{
	const char *name = "load_without_daemon";
	struct cvs_maps *ro = NULL;
	char tag[TAG_LEN];
	int err;

	cvs_maps_close(maps);
	maps = NULL;
	if (insmod(""))
		return fail(name, "insmod failed");
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "192.0.2.10:80"))
		return fail(name, "before binding: %s",
			    err ? strerror(-err) : tag);
	/* An operator's tool binds the pinned set through a reader. */
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, NULL, CVS_OPEN_READONLY,
			    &ro) ?: cvs_module_bind(ro);
	cvs_maps_close(ro);
	if (err)
		return fail(name, "binding read-only: %s", strerror(-err));
	err = tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound: %s", err ? strerror(-err) : tag);
	pass(name);
}

/* all_netns=1: the client's own LOCAL_OUT translates. */
void check_all_netns(void)
{
	const char *name = "all_netns";
	struct cvs_maps *ro = NULL;
	char tag[TAG_LEN], *cli;
	bool in_cli;
	int err;

	if (sh("rmmod cvs") || insmod("all_netns=1"))
		return fail(name, "reloading with all_netns=1 failed");
	err = cvs_maps_open(CVS_PIN_ROOT_DEFAULT, NULL, CVS_OPEN_READONLY,
			    &ro) ?: cvs_module_bind(ro) ?:
	      tcp_probe(NS_CLI, "192.0.2.10", 80, TIMEOUT_MS, tag);
	cvs_maps_close(ro);
	if (err || strcmp(tag, "10.1.0.14:8080"))
		return fail(name, "bound: %s", err ? strerror(-err) : tag);
	cli = read_file_in(NS_CLI, "/proc/net/nf_conntrack");
	in_cli = cli && strstr(cli, "dst=192.0.2.10 ");
	free(cli);
	if (!in_cli)
		return fail(name, "the client namespace did not DNAT");
	if (sh("rmmod cvs"))
		return fail(name, "rmmod failed");
	pass(name);
}

void check_no_leaked_maps(void)
{
	const char *name = "no_leaked_maps";
	__u32 id = 0;
	int err;

	err = cvs_maps_destroy(CVS_PIN_ROOT_DEFAULT);
	if (err)
		return fail(name, "destroying the set: %s", strerror(-err));
	if (!bpf_map_get_next_id(0, &id))
		return fail(name, "map %u still exists with no pin, no fd and no module",
			    id);
	pass(name);
}

bool show_dmesg;

/* Anything the kernel says when something went wrong. */
void check_dmesg_clean(void)
{
	const char *name = "dmesg_clean";
	static const char *const bad[] = {
		"WARNING:", "BUG:", "BUG ", "Oops", "general protection",
		"Call Trace", "refcount_t", "use-after-free", "kmemleak",
		"unreferenced object", "memory leak", "leaked",
		"unregister_netdevice: waiting", "rcu_preempt detected stall",
		"INFO: rcu", "INFO: task", "list_add corruption",
		"list_del corruption", "bad page", "table full",
	};
	char *log, *line, *next;
	int size, n, bad_line = 0;
	size_t i;

	size = klogctl(10, NULL, 0);	/* SYSLOG_ACTION_SIZE_BUFFER */
	log = size > 0 ? malloc(size + 1) : NULL;
	n = log ? klogctl(3, log, size) : -1;	/* SYSLOG_ACTION_READ_ALL */
	if (n < 0) {
		free(log);
		return fail(name, "cannot read the kernel log");
	}
	log[n] = '\0';
	for (line = log; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (show_dmesg)
			printf("  | %s\n", line);
		for (i = 0; i < ARRAY_LEN(bad); i++) {
			if (strstr(line, bad[i]) && !bad_line++)
				fail(name, "%s", line);
		}
	}
	free(log);
	if (!bad_line)
		pass(name);
}
