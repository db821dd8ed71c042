// SPDX-License-Identifier: GPL-2.0-only
/*
 * cvs.ko - the netfilter DNAT datapath of cvs.
 *
 * It serves the IPv4 and IPv6 VIPs of the pinned cvs map set to traffic the
 * socket-LB programs cannot see: packets routed through the host
 * (PRE_ROUTING), for example from containers whose processes are outside
 * the attached cgroup, and processes of the host itself (LOCAL_OUT) where
 * the operator prefers conntrack-based NAT. The first packet of each new
 * connection to a VIP picks a backend in O(1) from the same maps the
 * socket-LB reads; conntrack then NATs the rest of the connection, also
 * after this module is gone.
 *
 * Loading hooks the initial network namespace (or every namespace with
 * all_netns=1) and serves nothing until user space binds a map set through
 * /sys/kernel/cvs/maps (cvs_sysfs.c). User space asks through
 * /sys/kernel/cvs/sweep for the connections sent to backends that are gone
 * to be deleted from conntrack (cvs_sweep.c). See README.md next to this
 * file.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_nat.h>

#include "cvs.h"

static bool all_netns;
module_param(all_netns, bool, 0444);
MODULE_PARM_DESC(all_netns,
		 "Hook every network namespace, not only the initial one (default: no)");

struct cvs_counters cvs_counters;

/*
 * These are not hooks of their own: the NAT core calls them from its
 * conntrack-aware DNAT hooks (priority NF_IP_PRI_NAT_DST, after conntrack
 * at NF_IP_PRI_CONNTRACK; the IPv6 twins have the same values) for
 * connections that have no DNAT yet, in priority order among the iptables
 * and nftables nat chains of the same hook. One below the NAT core's puts
 * cvs first, so a VIP is decided in O(1) before any rule list is walked;
 * the first DNAT of a connection wins, so the maps alone decide their VIPs
 * and every other address passes on to those chains as if cvs were not
 * there.
 */
static const struct nf_hook_ops cvs_nat_ops[] = {
	{
		.hook = cvs_nat_hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook = cvs_nat_hook4,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_NAT_DST - 1,
	},
	{
		.hook = cvs_nat_hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = NF_IP6_PRI_NAT_DST - 1,
	},
	{
		.hook = cvs_nat_hook6,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_NAT_DST - 1,
	},
};

/* The NAT core keeps one list of such callbacks per family. */
static int cvs_nat_register(struct net *net, const struct nf_hook_ops *ops)
{
	if (ops->pf == NFPROTO_IPV6)
		return nf_nat_ipv6_register_fn(net, ops);
	return nf_nat_ipv4_register_fn(net, ops);
}

static void cvs_nat_unregister(struct net *net, const struct nf_hook_ops *ops)
{
	if (ops->pf == NFPROTO_IPV6)
		nf_nat_ipv6_unregister_fn(net, ops);
	else
		nf_nat_ipv4_unregister_fn(net, ops);
}

/* all_netns is read-only after load, so init and exit agree on it. */
static bool cvs_hooks_netns(const struct net *net)
{
	return all_netns || net_eq(net, &init_net);
}

static int __net_init cvs_net_init(struct net *net)
{
	int err, i;

	if (!cvs_hooks_netns(net))
		return 0;
	/*
	 * Conntrack registers its hooks in a namespace only on demand;
	 * NFPROTO_INET asks for both families'.
	 */
	err = nf_ct_netns_get(net, NFPROTO_INET);
	if (err)
		return err;
	/* Before the hooks: every connection they DNAT gets the label. */
	err = cvs_sweep_net_init(net);
	if (err)
		goto err_netns;
	for (i = 0; i < ARRAY_SIZE(cvs_nat_ops); i++) {
		err = cvs_nat_register(net, &cvs_nat_ops[i]);
		if (err)
			goto err_unregister;
	}
	return 0;

err_unregister:
	while (i--)
		cvs_nat_unregister(net, &cvs_nat_ops[i]);
	cvs_sweep_net_exit(net);
err_netns:
	nf_ct_netns_put(net, NFPROTO_INET);
	return err;
}

static void __net_exit cvs_net_exit(struct net *net)
{
	int i;

	if (!cvs_hooks_netns(net))
		return;
	for (i = ARRAY_SIZE(cvs_nat_ops) - 1; i >= 0; i--)
		cvs_nat_unregister(net, &cvs_nat_ops[i]);
	cvs_sweep_net_exit(net);
	nf_ct_netns_put(net, NFPROTO_INET);
}

static struct pernet_operations cvs_net_ops = {
	.init = cvs_net_init,
	.exit = cvs_net_exit,
};

static int __init cvs_init(void)
{
	int err;

	err = cvs_sweep_init();
	if (err)
		return err;
	err = register_pernet_subsys(&cvs_net_ops);
	if (err)
		goto err_sweep;
	err = cvs_sysfs_init();
	if (err)
		goto err_pernet;
	pr_info("loaded (%s); bind a map set through /sys/kernel/cvs/maps\n",
		all_netns ? "every network namespace" : "initial namespace");
	return 0;

err_pernet:
	unregister_pernet_subsys(&cvs_net_ops);
err_sweep:
	cvs_sweep_exit();
	return err;
}

/*
 * sysfs first, so that no bind or sweep can follow the final unbind; then
 * the hooks; then the maps, after the grace period that cvs_unbind() waits
 * for.
 */
static void __exit cvs_exit(void)
{
	cvs_sysfs_exit();
	unregister_pernet_subsys(&cvs_net_ops);
	cvs_unbind();
	cvs_sweep_exit();
	pr_info("unloaded\n");
}

module_init(cvs_init);
module_exit(cvs_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("cvs authors");
MODULE_DESCRIPTION("cvs: O(1) DNAT of new connections to VIPs in pinned BPF maps");
