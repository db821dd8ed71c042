/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * cvs.h - what the files of cvs.ko share.
 *
 * cvs.ko reads the map set of cvs_abi.h. User space binds it to one set by
 * writing the ids of its CVS_M_COUNT maps (in CVS_MAPS order, that of
 * struct cvs_map_ids) to /sys/kernel/cvs/maps; the module takes a reference
 * on each map, checks its shape against CVS_MAPS and publishes the set
 * under RCU. The NAT hooks (IPv4 and IPv6) read the published set, never a
 * path or an id, so no packet pays for a lookup of the maps themselves.
 */
#ifndef CVS_KMOD_H
#define CVS_KMOD_H

#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/netfilter.h>

#include "cvs_abi.h"

/* One bound map set, indexed by enum cvs_map_index; immutable once
 * published. */
struct cvs_binding {
	struct bpf_map *maps[CVS_M_COUNT];	/* one reference each */
	u32 ids[CVS_M_COUNT];
	u32 table_slots;			/* from cvs_meta_v1 */
};

/* Module-wide event counters, shown under /sys/kernel/cvs. */
struct cvs_counters {
	atomic64_t binds;		/* binds and rebinds that succeeded */
	atomic64_t bind_errors;		/* bind requests refused */
	atomic64_t lookup_errors;	/* picks refused: the maps kept moving
					 * or held an inconsistent entry */
	atomic64_t nat_errors;		/* nf_nat_setup_info() failures */
};

extern struct cvs_counters cvs_counters;
extern struct cvs_binding __rcu *cvs_bound;

/* cvs_bind.c */
int cvs_bind(const u32 ids[CVS_M_COUNT]);
void cvs_unbind(void);
/* Copy the bound ids (all 0 when unbound); true when the set is orphaned:
 * no pin and no descriptor in user space still holds its maps. */
bool cvs_bound_ids(u32 ids[CVS_M_COUNT]);

/* cvs_nat.c: the NAT core's DNAT callbacks for IPv4 and IPv6 */
unsigned int cvs_nat_hook4(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state);
unsigned int cvs_nat_hook6(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state);

/* cvs_sysfs.c */
int cvs_sysfs_init(void);
void cvs_sysfs_exit(void);

#endif /* CVS_KMOD_H */
