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
 * The conntrack sweep (cvs_sweep.c) reads it the same way.
 */
#ifndef CVS_KMOD_H
#define CVS_KMOD_H

#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/rcupdate.h>
#include <linux/skbuff.h>
#include <linux/netfilter.h>
#include <net/netfilter/nf_conntrack.h>

#include "cvs_abi.h"

/* One bound map set, indexed by enum cvs_map_index; immutable once
 * published. */
struct cvs_binding {
	struct bpf_map *maps[CVS_M_COUNT];	/* one reference each */
	u32 ids[CVS_M_COUNT];
	u32 table_slots;			/* from cvs_meta_v1 */
	u32 max_members;			/* from cvs_meta_v1 */
	u32 maglev_slots;			/* from cvs_meta2_v1 */
};

/* Module-wide event counters, shown under /sys/kernel/cvs. */
struct cvs_counters {
	atomic64_t binds;		/* binds and rebinds that succeeded */
	atomic64_t bind_errors;		/* bind requests refused */
	atomic64_t lookup_errors;	/* picks refused: the maps kept moving
					 * or held an inconsistent entry */
	atomic64_t nat_errors;		/* nf_nat_setup_info() failures */
	atomic64_t sweeps;		/* conntrack sweeps done */
	atomic64_t sweep_deleted;	/* entries they deleted */
	atomic64_t sweep_deferred;	/* stale entries they left to the
					 * next sweep (see cvs_sweep.c) */
};

extern struct cvs_counters cvs_counters;
extern struct cvs_binding __rcu *cvs_bound;

/*
 * Copy the value, so the decision rests on what was read (cvs_select.h).
 * map_lookup_elem is what the BPF helper calls; the caller is inside
 * rcu_read_lock(), which hash lookups need.
 */
static __always_inline int cvs_copy(struct bpf_map *map, const void *key,
				    void *out, size_t size)
{
	void *value = map->ops->map_lookup_elem(map, (void *)key);

	if (!value)
		return -ENOENT;
	memcpy(out, value, size);
	return 0;
}

/*
 * One 8-byte load of the word. The barrier orders the loads of the
 * selection slot and the backend before the validating load; the acquire
 * orders the first load before them.
 */
static __always_inline int cvs_load_word(const struct cvs_binding *b,
					 const u32 *id, u64 *out)
{
	struct bpf_map *map = b->maps[CVS_M_GEN];
	u64 *word = map->ops->map_lookup_elem(map, (void *)id);

	if (!word)
		return -ENOENT;
	smp_rmb();
	*out = smp_load_acquire(word);
	return 0;
}

/*
 * The sweep file, /sys/kernel/cvs/sweep (cvs_sweep.c): binary records,
 * addresses and ports in network byte order, everything else in host order.
 *
 * A write at offset 0 is one request: a struct cvs_sweep_request followed by
 * n_reset struct cvs_sweep_key, at most CVS_SWEEP_REQUEST_MAX bytes in all.
 * The write returns when the sweep is done. Reading from offset 0 then gives
 * a struct cvs_sweep_result followed by count struct cvs_sweep_count: the
 * last sweep's, whoever asked for it, so the result names the ticket of its
 * request. A key has the layout of libcvsbpf's struct cvs_service_key.
 */
#define CVS_SWEEP_REQUEST_MAX 4096

struct cvs_sweep_key {
	__be32 addr[4];		/* IPv4 in addr[0], the rest zero */
	__be16 port;
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;		/* AF_INET or AF_INET6 */
};

struct cvs_sweep_request {
	__u64 ticket;		/* the caller's; the result repeats it */
	__u32 n_reset;		/* TCP services whose stale entries go too */
	__u32 flags;		/* zero */
	struct cvs_sweep_key reset_tcp[];
};

struct cvs_sweep_result {
	__u64 ticket;		/* the request's */
	__u32 count;		/* struct cvs_sweep_count records that follow */
	__u32 deferred;		/* stale entries left for another sweep */
};

/* What the sweep deleted of one (service, backend) pair. */
struct cvs_sweep_count {
	struct cvs_sweep_key service;
	__be32 backend[4];	/* in the service's family */
	__be16 backend_port;
	__u16 pad;
	__u32 tcp;		/* TCP entries deleted */
	__u32 udp;		/* UDP entries deleted */
	__u32 pad2;
};

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

/* cvs_sweep.c */
int cvs_sweep_net_init(struct net *net);
void cvs_sweep_net_exit(struct net *net);
/* Mark ct, which the hook just DNATed, as cvs.ko's. */
void cvs_sweep_mark(struct nf_conn *ct);
ssize_t cvs_sweep_write(const char *buf, loff_t off, size_t count);
ssize_t cvs_sweep_read(char *buf, loff_t off, size_t count);
int cvs_sweep_init(void);
void cvs_sweep_exit(void);

/* cvs_sysfs.c */
int cvs_sysfs_init(void);
void cvs_sysfs_exit(void);

#endif /* CVS_KMOD_H */
