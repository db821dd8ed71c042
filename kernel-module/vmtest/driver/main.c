// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvs-vmtest: the checks of cvs.ko, run as the VM's init's child. Each check
 * prints "PASS <name> (<ms> ms)" or "FAIL <name>: <why>"; the last line is
 * "SUMMARY <passed> passed, <failed> failed". Checks run in order and build
 * on each other's state (module loaded, maps bound, ...), as an operator
 * would go through them. main() holds that order; the checks themselves are
 * in checks_bind.c, checks_traffic.c, checks_policy.c, checks_sweep.c,
 * checks_socklb.c, checks_grow.c and checks_lifecycle.c (checks.h). The
 * traffic checks run in IPv4 and then in IPv6 (struct fam), the IPv6 ones
 * named with "_v6".
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "checks.h"

#define RUN(call) do { check_start(); call; } while (0)

/* Arguments (from the kernel command line's cvs.args=, split at commas):
 * "dmesg" prints the kernel log; "bench", "rounds=N", "conns=N", "max=N"
 * run the benchmark instead of the checks. */
int main(int argc, char **argv)
{
	static const struct fam *const fams[] = { &v4, &v6 };
	int i, err, rounds = 3, conns = 1000, max = 10000;
	bool bench = false;

	for (i = 1; i < argc; i++) {
		show_dmesg |= !strcmp(argv[i], "dmesg");
		bench |= !strcmp(argv[i], "bench");
		sscanf(argv[i], "rounds=%d", &rounds);
		sscanf(argv[i], "conns=%d", &conns);
		sscanf(argv[i], "max=%d", &max);
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	check_start();
	err = net_setup();
	if (err) {
		fail("setup", "%s", strerror(-err));
		goto out;
	}
	pass("setup");
	if (bench)
		return bench_main(rounds, conns, max);
	RUN(check_module_loads_before_maps());
	RUN(check_bind_refuses_bad_ids());
	RUN(check_bind());
	RUN(check_bind_needs_privilege());
	for (i = 0; i < (int)ARRAY_LEN(fams); i++) {
		RUN(check_tcp(fams[i], "tcp_local_out", NS_ROOT));
		RUN(check_tcp_pre_routing(fams[i]));
		RUN(check_udp(fams[i], "udp_local_out", NS_ROOT));
		RUN(check_udp(fams[i], "udp_pre_routing", NS_CLI));
		RUN(check_port_translation(fams[i]));
		RUN(check_weights_and_counters(fams[i]));
		RUN(check_refused(fams[i], "refused_local_out", NS_ROOT));
		RUN(check_refused(fams[i], "refused_pre_routing", NS_CLI));
		RUN(check_unknown_vip_untouched(fams[i]));
	}
	RUN(check_dual_stack());
	for (i = 0; i < (int)ARRAY_LEN(fams); i++) {
		RUN(check_affinity(fams[i]));
		RUN(check_affinity_timeout(fams[i]));
		RUN(check_affinity_drained(fams[i]));
		RUN(check_maglev(fams[i]));
	}
	for (i = 0; i < (int)ARRAY_LEN(fams); i++) {
		RUN(check_draining(fams[i]));
		RUN(check_removed(fams[i]));
	}
	for (i = 0; i < (int)ARRAY_LEN(fams); i++) {
		RUN(check_sweep_removed(fams[i]));
		RUN(check_sweep_down(fams[i]));
		RUN(check_sweep_draining(fams[i]));
		RUN(check_sweep_deleted(fams[i]));
		RUN(check_sweep_tcp(fams[i]));
	}
	RUN(check_socklb_attach());
	RUN(check_socklb_flows_status());
	for (i = 0; i < (int)ARRAY_LEN(fams); i++) {
		RUN(check_socklb_connect(fams[i]));
		RUN(check_socklb_sweep_removed(fams[i]));
		RUN(check_socklb_sweep_draining(fams[i]));
		RUN(check_socklb_sweep_tcp(fams[i]));
	}
	RUN(check_socklb_detach());
	RUN(check_flips_under_traffic(false));
	RUN(check_flips_under_traffic(true));
	RUN(check_grow_under_traffic());
	RUN(check_affinity_survives_grow());
	RUN(check_serves_without_daemon());
	RUN(check_rebind_recreated());
	RUN(check_unbind());
	RUN(check_rmmod_under_traffic());
	RUN(check_load_without_daemon());
	RUN(check_all_netns());
	RUN(check_no_leaked_maps());
	net_teardown();
	RUN(check_dmesg_clean());
out:
	printf("SUMMARY %d passed, %d failed\n", passes(), failures());
	return failures() ? 1 : 0;
}
