/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cvsbpf.h - libcvsbpf, the control plane's access to the cvs map set.
 *
 * One call per service change: cvs_service_upsert() writes a service with its
 * complete backend set following the generation flip of cvs_abi.h, so readers
 * see the old set or the new one, never a mix, and a failed call changes
 * nothing a reader can see.
 *
 * Conventions (libbpf 1.0 style): every int-returning function returns 0 on
 * success or a negative errno; nothing is printed; diagnostics go to the
 * callback set with cvs_set_log().
 *
 * Errors shared by the calls below:
 *   -EINVAL           malformed argument: NULL, address or port 0, non-zero
 *                     pad, unknown flags, pin root not on bpffs; an IPv4
 *                     address with addr[1..3] not zero; an IPv6 address
 *                     that is IPv4-mapped (::ffff:0:0/96)
 *   -EAFNOSUPPORT     family other than AF_INET or AF_INET6
 *   -EPROTONOSUPPORT  protocol other than IPPROTO_TCP or IPPROTO_UDP
 *   -ERANGE           weight above CVS_WEIGHT_MAX
 *   -EEXIST           the same backend (address, port) twice in one set;
 *                     on open: pinned map set has another capacity
 *   -E2BIG            more backends than max_members for one service
 *   -ENOSPC           no free service id or backend id left in the maps
 *   -ENOBUFS          the caller's output array is too small
 *   -ENOENT           no such service; on open with CVS_OPEN_NO_CREATE or
 *                     CVS_OPEN_READONLY: no map set pinned
 *   -EPROTO           pinned maps have another layout (ABI version, map
 *                     type, key or value size, or an incomplete set)
 *   -EBUSY            another writer holds this map set
 *   -EROFS            handle opened read-only, or pin root mounted read-only
 *   -EACCES           pin root not writable
 *   -ENOTEMPTY        (destroy) the pin root holds files cvs did not pin
 *   -EBADMSG          (verify) the maps are inconsistent for the service
 *
 * Thread-safety: a handle is safe to share between threads; its calls are
 * serialised by a mutex inside it. Only one writable handle per map set can
 * exist on a host at a time (an exclusive flock on the pin root); read-only
 * handles may be opened beside it and read consistent generations.
 */
#ifndef CVSBPF_H
#define CVSBPF_H

#include <stddef.h>
#include <linux/types.h>

#include "cvs_abi.h"
#include "cvs_select.h"

#ifdef __cplusplus
extern "C" {
#endif

struct cvs_maps;

/*
 * Capacity of a map set, fixed when it is created. On open, a zero field
 * means "whatever is pinned" (or the default, when the set is created here);
 * a non-zero field must equal the pinned value.
 */
struct cvs_capacity {
	__u32 max_services;	/* default 1024 */
	__u32 max_backends;	/* default 16384, across all services */
	__u32 max_members;	/* backends per service; default 256 */
	__u32 table_slots;	/* selection slots per service; default 1024 */
	__u32 affinity_entries;	/* session affinity entries (an LRU: the
				 * least recently used goes when full);
				 * default 65536 */
	__u32 maglev_tables;	/* services that can be MAGLEV at once;
				 * default 16 */
	__u32 maglev_slots;	/* largest Maglev table size (a prime);
				 * default 16381. Each region costs
				 * 8 * maglev_slots bytes */
	__u32 pad;		/* zero */
};

struct cvs_usage {
	struct cvs_capacity max;
	__u32 services;		/* service ids in use */
	__u32 backends;		/* backend ids in use */
	__u32 maglev_tables;	/* Maglev regions in use */
	__u32 pad;
};

/*
 * Map ids of the set, for bpftool and for binding cvs.ko: one __u32 for
 * each row of CVS_MAPS (cvs_abi.h), named by its field column, in the set's
 * order (meta, services, gen, select, members, backends, backend_stats,
 * service_stats, services6, backends6, meta2, policy, selectable, maglev,
 * affinity).
 */
#define CVS_MAP_ID_FIELD(ID, field, ...) __u32 field;
struct cvs_map_ids {
	CVS_MAPS(CVS_MAP_ID_FIELD, _)
};
#undef CVS_MAP_ID_FIELD

/*
 * A service as the calls name it: a VIP of either family, port, protocol.
 * The maps key IPv4 services by struct cvs_svc_key and IPv6 ones by struct
 * cvs_svc6_key (cvs_abi.h); the library converts. A service has one
 * family: its backends are addresses of the same family.
 */
struct cvs_service_key {
	__be32 addr[4];		/* AF_INET: addr[0], the rest zero */
	__be16 port;		/* service port, not 0 */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 family;		/* AF_INET or AF_INET6 */
};

/* One backend as the control plane configures it, in its service's family. */
struct cvs_backend_spec {
	__be32 addr[4];		/* AF_INET: addr[0], the rest zero; not 0 */
	__be16 port;		/* backend port, not 0 */
	__u16 flags;		/* CVS_MEMBER_F_DOWN (cvs_abi.h); others zero.
				 * Was pad: zero means what it always did */
	__u32 weight;		/* 0 (draining) .. CVS_WEIGHT_MAX */
};

struct cvs_service_info {
	__u32 id;		/* service id */
	__u32 gen;		/* current generation */
	__u32 slots;		/* selection slots in use; 0 = refusing */
	__u32 members;		/* configured backends */
};

/* Counters of one member, summed over CPUs, in member order. */
struct cvs_backend_counters {
	__u64 conns;
	__u64 packets;
	__u64 bytes;
	__be32 addr[4];		/* as in struct cvs_backend_spec */
	__be16 port;
	__u16 pad;
	__u32 pad2;
};

struct cvs_service_counters {
	__u64 refused;
	__u64 retried;
};

enum cvs_open_flags {
	CVS_OPEN_READONLY = (1 << 0),	/* no lock, no create, no writes */
	CVS_OPEN_NO_CREATE = (1 << 1),	/* -ENOENT instead of creating */
};

enum cvs_log_level {
	CVS_LOG_ERROR = 0,
	CVS_LOG_WARN = 1,
	CVS_LOG_INFO = 2,
	CVS_LOG_DEBUG = 3,
};

typedef void (*cvs_log_fn)(int level, const char *msg, void *ctx);

/* Process-wide; also receives libbpf's own messages. NULL silences. */
void cvs_set_log(cvs_log_fn fn, void *ctx);

/*
 * Open the map set pinned at pin_root (NULL: CVS_PIN_ROOT_DEFAULT), creating
 * it, with parent directories on bpffs, when it does not exist. cap may be
 * NULL (all fields zero). Existing pins are reused as they are: their
 * entries are never flushed. A writer that finds a set made before the
 * IPv6 maps existed adds them in place (cvs_abi.h, "Additions in place");
 * a read-only open of such a set fails with -EPROTO until a writer did.
 */
int cvs_maps_open(const char *pin_root, const struct cvs_capacity *cap,
		  __u32 flags, struct cvs_maps **out);
void cvs_maps_close(struct cvs_maps *m);

int cvs_maps_usage(struct cvs_maps *m, struct cvs_usage *out);
int cvs_maps_ids(struct cvs_maps *m, struct cvs_map_ids *out);

/*
 * Rebuild a writer's caches from the maps, exactly as cvs_maps_open() builds
 * them, for changes made behind its back (a service entry deleted or a
 * record altered with bpftool): ids that no service references any more go
 * back to the free pools (last in line), cvs_maps_usage() counts what the
 * maps hold, and the next cvs_service_upsert() diffs against the backend
 * records the maps hold. Generations keep increasing. Writes nothing.
 *
 * On failure the handle's caches stay as they were: -EROFS on a read-only
 * handle (it keeps no caches); -EPROTO when the maps hold what open would
 * refuse too, such as a member naming a backend id out of range or another
 * member's (logged; rewrite the services cvs_service_verify() rejects, then
 * resync again).
 *
 * Takes the handle's lock like the other calls, so it runs between their
 * calls, never inside one; cvs_service_pick() on the same handle does not
 * wait for it. Reads in batches: the service hash, each service's member
 * half, the backend records up to the highest id in use.
 */
int cvs_maps_resync(struct cvs_maps *m);

/*
 * Drift: what changed behind the writer's back
 * ---------------------------------------------
 * A writer holds an fd of every map of its set, so removing the pins (rm of
 * a pin, rm -r of the pin root) does not free the maps: the datapaths that
 * hold them go on reading them. What stops is everything that opens the set
 * by path: cvs.ko's bind, bpftool, a read-only open, a restart (which would
 * build an empty set), and the socket-LB, whose links live only in their
 * pins (an unpinned link is released: its program leaves the cgroup at once).
 *
 * cvs_maps_drift() tells, cheaply enough to run every few seconds, whether
 * the maps and pins still are what this writer made them: one batched read
 * of the service hashes, the generation words from the writer's mapping,
 * a look at each pin. cvs_maps_repin() puts the set's pins back from the
 * fds the handle holds; cvs_sock_attach() then re-creates missing links.
 */

/* What cvs_maps_drift() found; all zero fields but the counts of held and
 * expected services, backends, Maglev tables and links mean no drift. */
struct cvs_drift {
	__u32 services;		/* service entries the maps hold (v4 + v6) */
	__u32 expected;		/* services this writer wrote and holds */
	__u32 missing;		/* of expected, no entry in the maps names
				 * their id any more (deleted by hand) */
	__u32 foreign;		/* entries naming an id this writer did not
				 * give out, or an id another entry names:
				 * written behind its back */
	__u32 differing;	/* entries whose generation word is not the
				 * one this writer stored for their id */
	__u32 backends;		/* members of the services held: exact, as
				 * cvs_maps_usage() would count them after
				 * cvs_maps_resync() */
	__u32 maglev_tables;	/* held services that are MAGLEV */
	__u32 pins_missing;	/* map pins of the set absent from the pin
				 * root, the owner record's included
				 * (CVS_M_COUNT + 1 when the root is gone) */
	__u32 pins_foreign;	/* map pins that hold another map than the
				 * one this handle holds at that name */
	__u32 sock_links;	/* socket-LB links pinned at the root, on a
				 * live cgroup, whose program reads this
				 * set's maps (recvmsg, getpeername: the
				 * socket tables pinned beside them):
				 * CVS_SOCK_PROGS when attached */
};

/*
 * Compare the maps with what this writer wrote (see above). Holds the
 * handle's lock for the time it takes: at 10,000 services about a
 * millisecond (daemon/bench/RESULTS-drift.md). Backend
 * records, selection tables and policies are not compared: a full
 * cvs_services_check_policy() does that. -EROFS on a read-only handle (it
 * remembers no writes), -ESTALE on one retired by cvs_maps_switch().
 */
int cvs_maps_drift(struct cvs_maps *m, struct cvs_drift *out);

/*
 * Put back the pins of the set that are missing: the pin root (and its
 * parents, on bpffs) when it is gone, each missing map pin from the fd this
 * handle holds (bpf_obj_pin), meta last. Returns how many maps it pinned
 * (0: nothing was missing) or -errno. A name that holds another map is never
 * overwritten: -ESTALE, and nothing is pinned. When the root directory was
 * replaced (rm -r), the writer's flock moves to the new one; -EBUSY, with
 * nothing pinned, if another writer took it meanwhile. The socket-LB's
 * links and socket tables are not maps of the set: cvs_sock_attach() puts
 * them back.
 */
int cvs_maps_repin(struct cvs_maps *m);

/*
 * Remove a map set's pins and directory. Refused with -EBUSY while a writer
 * holds it. Forwarding through programs that still hold the maps continues
 * until they are detached; this is for tests and for uninstalling.
 */
int cvs_maps_destroy(const char *pin_root);

/*
 * Growing a map set: live migration to a new set
 * ------------------------------------------------
 * A set's capacity is fixed (cvs_abi.h indexes its arrays by it), so a set
 * grows by migrating: a new set is built beside the serving one, the caller
 * fills it, and every reader moves to it at once; the old set goes only
 * afterwards. The new set may have any capacity; the same steps will carry
 * a set to a later ABI version.
 *
 *   cvs_maps_stage(m, cap, &next)     build "<root>_next", open it
 *   cvs_service_upsert(next, ...)     for every service (desired state)
 *   cvs_maps_switch(m, next)          readers move; next is at the root
 *   cvs_maps_close(m)                 (cvs_maps_discard(next) instead of
 *                                      switching drops the staged set)
 *
 * The pin root keeps its path: bpftool, cvs.ko's bind by hand and every
 * open of the root see the new set after the switch. Read-only handles
 * opened before the switch keep reading the old maps: reopen them.
 *
 * Crash safety: a writer's cvs_maps_open() first recovers an interrupted
 * switch at its root, deciding by what the readers use (the pinned links'
 * programs' maps, cvs.ko's bound ids): if any reader uses the staged set the
 * switch is finished, otherwise the staged set is removed; it logs at
 * CVS_LOG_INFO what it did. A read-only open changes nothing. Counters made
 * on the old set after the copy are lost when a crash falls between
 * "counters-copied" and "delta-added"; nothing is ever counted twice.
 *
 * Crash tests: CVS_FAILPOINT=<name> in the environment (read once per
 * process) makes the library SIGKILL its process at that point:
 *   stage-built      the staged set is complete, not yet opened
 *   fill-started     the second cvs_service_upsert() into the staged set
 *                    returned: the caller's fill is under way
 *   switch-start     cvs_maps_switch() checked its arguments
 *   counters-copied  programs loaded on next, counters copied, no reader
 *                    moved
 *   link-updated-1   the first socket-LB link runs next's program
 *   links-updated    every link does
 *   module-rebound   cvs.ko serves next (if it served m; else reached too)
 *   pins-moved-1     the first link pin moved into next's directory
 *   pins-moved       every link pin and the socket table did
 *   exchanged        the directories are exchanged: next is at the root
 *   delta-added      the counts made meanwhile are carried
 *   old-unpinned-1   the first of the old set's pins is removed
 *   done             the old directory is removed
 * Each is reached whether or not the reader it names exists, so a test can
 * kill at every point on any host. Recovery rolls back at the first four
 * and finishes from "link-updated-1" on.
 */

/*
 * Build an empty, complete map set of capacity cap (zero fields, or cap
 * NULL: m's value) beside m's, pinned at "<m's root>_next", and open it as
 * its writer (locked). Generations continue from m's (gen_reserved). A
 * leftover staged set that no reader uses is removed first. Errors:
 * -EEXIST a staged set exists and is held or in use; -EINVAL bad capacity;
 * -EROFS m is read-only; -ESTALE m was switched away; others as
 * cvs_maps_open.
 */
int cvs_maps_stage(struct cvs_maps *m, const struct cvs_capacity *cap,
		   struct cvs_maps **next);
/*
 * next was filled by the caller (cvs_service_upsert for every service).
 * Carry counters (per service key; per backend by (addr, port) within the
 * same service key) from m to next, move every reader of m's set to next's
 * (the socket-LB links: bpf_link_update to programs bound to next's maps,
 * sharing the same socket table cvs_sknat_v1; cvs.ko: rebind if it serves
 * m's set), put next's maps at m's pin root (so users and bpftool keep the
 * same path), remove m's maps and pins. On success next's root is m's old
 * root and m must only be closed (its writes fail with -ESTALE). On failure
 * before the first reader moved: nothing changed, next still staged (caller
 * may cvs_maps_discard). On failure after (logged as such; rare: a rename
 * or an unlink on bpffs failing): close both handles; the next writer open
 * finishes the switch. -EINVAL: next is not m's staged set.
 *
 * Counters: the lost-update window is one lookup-update pair per backend
 * (and service) that counted on the old set between the copy and the move:
 * a count a reader makes on that element of next in between is lost.
 * Session affinity entries are carried with the counters, under the new
 * ids of their service (by key) and backend (by address and port within
 * it); entries of services or backends next lacks are dropped. Entries
 * made or refreshed on m's set between that copy and the move are lost:
 * those clients pick afresh once. A next with fewer affinity_entries keeps
 * the most recently copied.
 */
int cvs_maps_switch(struct cvs_maps *m, struct cvs_maps *next);
/* Remove a staged set that was not switched: unpin its maps, remove its
 * directory, close it. -EBUSY (nothing removed) when a reader uses it. */
int cvs_maps_discard(struct cvs_maps *next);

/* Create or replace key's service with exactly these n backends (policy:
 * RANDOM, no affinity; as cvs_service_upsert_policy() with NULL). */
int cvs_service_upsert(struct cvs_maps *m, const struct cvs_service_key *key,
		       const struct cvs_backend_spec *backends, __u32 n);

/*
 * How a service selects (cvs_abi.h, "Selection policies"). All zero: RANDOM
 * without affinity, what every service had before policies existed.
 */
struct cvs_service_policy {
	__u32 flags;		/* CVS_POLICY_F_MAGLEV | CVS_POLICY_F_AFFINITY */
	__u32 affinity_timeout;	/* seconds, 1..CVS_AFFINITY_TIMEOUT_MAX with
				 * CVS_POLICY_F_AFFINITY; else 0 */
	__u32 maglev_slots;	/* Maglev table size M with
				 * CVS_POLICY_F_MAGLEV: a prime,
				 * CVS_MAGLEV_SLOTS_MIN..capacity's
				 * maglev_slots; else 0 */
	__u32 pad;		/* zero */
};

/*
 * cvs_service_upsert() with a policy (NULL: all zero), in the same flip:
 * readers see the old backends with the old policy or the new with the
 * new. A MAGLEV service gets a Maglev region (kept while it stays MAGLEV,
 * freed after the flip that leaves MAGLEV) and its table is rebuilt from
 * the usable members (weight > 0, not down) on every upsert: weighted
 * Maglev, each backend's permutation from cvs_backend_hash() of its
 * address and port, backends taken in (family, address, port) order, so
 * the table is a function of the usable backends and M alone and every
 * host builds the same one. Each usable backend gets at least one entry,
 * and a share within max weight / gcd entries of M * weight / sum.
 * Errors, besides cvs_service_upsert()'s (nothing is changed):
 *   -EINVAL   unknown flag, non-zero pad, a timeout or a table size where
 *             its flag is absent, timeout 0 or above the maximum, table
 *             size not a prime or outside CVS_MAGLEV_SLOTS_MIN..MAX
 *   -EDOM     table size smaller than the number of usable backends
 *   -EFBIG    table size above the set's maglev_slots (grow the set)
 *   -ENOSPC   also: no free Maglev region (grow the set)
 */
int cvs_service_upsert_policy(struct cvs_maps *m,
			      const struct cvs_service_key *key,
			      const struct cvs_service_policy *policy,
			      const struct cvs_backend_spec *backends,
			      __u32 n);

/* The policy of key's service as the maps hold it (validated against the
 * word like cvs_service_get()). -ENOENT, -EAGAIN as cvs_service_get(). */
int cvs_service_policy_get(struct cvs_maps *m,
			   const struct cvs_service_key *key,
			   struct cvs_service_policy *out);
int cvs_service_delete(struct cvs_maps *m, const struct cvs_service_key *key);

/*
 * Read a service back from the maps (not from a cache): its info and up to
 * cap backends in configured order. -ENOBUFS when cap < info->members;
 * -EAGAIN when the service's word moved during each of CVS_SELECT_ATTEMPTS
 * reads (a writer flipping it faster than this reader reads it): nothing is
 * returned rather than a mix of two sets; try again.
 */
int cvs_service_get(struct cvs_maps *m, const struct cvs_service_key *key,
		    struct cvs_service_info *info,
		    struct cvs_backend_spec *backends, __u32 cap);

/*
 * All service keys, in map order, as one consistent snapshot. *count is the
 * number of services; -ENOBUFS (with *count set) when cap is too small.
 */
int cvs_service_list(struct cvs_maps *m, struct cvs_service_key *keys,
		     __u32 cap, __u32 *count);

/*
 * Check that the maps are consistent for key's service, reading its current
 * generation as readers do (validated against its word, retried while it
 * moves): the member list of the word's half ends with CVS_MEMBER_END (or
 * is max_members long); each member names a backend id in range, no other
 * member's, whose cvs_be_v1 record belongs to the service and has an
 * address and a port; and the word's slots and the selection table of that
 * half are exactly what the writer builds from the members' weights and
 * flags (0 slots when no member has weight or all are down); no member has
 * a flag other than CVS_MEMBER_F_DOWN; the half's policy is one a writer
 * writes (known flags, a timeout only with affinity, a Maglev region in
 * range and a prime size within the set's only with MAGLEV) and a MAGLEV
 * service's table is slot for slot what the Maglev builder gives from the
 * members' records, weights and flags and the policy's size. It cannot tell
 * whether those are the backends the service should have: compare
 * cvs_service_get() for that.
 *
 * Returns 0 when consistent; -ENOENT when there is no such service;
 * -EBADMSG when inconsistent, logging at CVS_LOG_WARN the first difference
 * ("slot 17 names backend id 5, expected 3 ..."); -EAGAIN when concurrent
 * flips outran every attempt; other -errno when reading failed.
 *
 * Rewriting the service with cvs_service_upsert() repairs it: the flip
 * writes a whole new half. When a backend record was altered, the writer
 * keeps using its cached copy until cvs_maps_resync(), so resync first.
 * A Maglev table is written as the slots that differ from what the writer
 * wrote there last; once a verify or check on the writer's handle has seen
 * a table altered behind its back (or after a resync) its halves are
 * written whole again.
 *
 * Works on read-only handles and writers alike and takes the handle's lock
 * like the other calls. Cheap enough to run for every service: a batched
 * read of the member list and of the table, a lookup per member, and no
 * allocation after the handle's first call.
 */
int cvs_service_verify(struct cvs_maps *m, const struct cvs_service_key *key);

/* Counters summed over CPUs, one entry per member in configured order. */
int cvs_service_counters(struct cvs_maps *m, const struct cvs_service_key *key,
			 struct cvs_service_counters *svc,
			 struct cvs_backend_counters *backends, __u32 cap,
			 __u32 *count);

/*
 * Pick a backend exactly as the datapaths do (cvs_select.h), from user
 * space: for diagnostics ("where would this go?") and for tests. Returns 0,
 * or -ENOENT (not a service), -ECONNREFUSED (no usable backend), -EAGAIN
 * (attempts exhausted by concurrent flips). Unlike the other calls it does
 * not take the handle's lock, so it can run beside a writer on the same
 * handle, as a datapath does.
 */
int cvs_service_pick(struct cvs_maps *m, const struct cvs_service_key *key,
		     struct cvs_pick *pick);

/*
 * cvs_service_pick() for a given client (flow NULL: all zero, which is what
 * cvs_service_pick() does): the backend a datapath would give that client
 * now, with pick->reason (affinity, Maglev, or one random sample) and, for
 * affinity, the entry's age. Reads the affinity entry but never stores
 * one. For a socket-LB client, flow->netns_cookie is the namespace's
 * (cvs_client_netns()); for cvs.ko's, it is 0 and saddr/sport are the
 * packet's.
 */
int cvs_service_pick_flow(struct cvs_maps *m,
			  const struct cvs_service_key *key,
			  const struct cvs_flow *flow, struct cvs_pick *pick);

/*
 * The network namespace cookie (SO_NETNS_COOKIE) of the namespace, among
 * those of the processes below cgroup_path (NULL: the cgroup the socket-LB
 * is attached to), that has addr (family's) on one of its interfaces: the
 * socket-LB's key for that client. Runs in a thread of its own that enters
 * each namespace, as cvs_flows_sweep() does. -ENOENT when none has it (the
 * client is not a socket-LB client of this host: ask with cookie 0, as
 * cvs.ko sees it); -EAFNOSUPPORT, -EINVAL as elsewhere.
 */
int cvs_client_netns(struct cvs_maps *m, const char *cgroup_path,
		     __u8 family, const __be32 addr[4], __u64 *cookie);

/* Session affinity entries in cvs_aff_v1. */
struct cvs_affinity_usage {
	__u32 entries;		/* entries the map holds */
	__u32 fresh;		/* of those, still serving: of a service
				 * that has affinity, and used within its
				 * current timeout (plus the lazy refresh's
				 * sixteenth, cvs_select.h) */
	__u32 capacity;		/* affinity_entries */
	__u32 pad;
};

/* Counts by a batched read of the map; for the metrics. */
int cvs_affinity_usage(struct cvs_maps *m, struct cvs_affinity_usage *out);

/*
 * The owner record (cvs_abi.h, "The owner record"): which journal fed the
 * maps and how far. cvs_owner_get() copies it into *out: -ENOENT when the
 * set holds none (no pin yet, as a read-only handle of a set made before
 * the record existed sees it, or a record never written: flags without
 * CVS_OWNER_F_SET). cvs_owner_set() writes *rec with CVS_OWNER_F_SET and
 * updated_ns set here, one bpf(2) update; -EINVAL for non-zero pad or
 * unknown flags, -EROFS on a read-only handle, -ESTALE after a switch. The
 * record is carried by cvs_maps_stage() and cvs_maps_switch().
 */
int cvs_owner_get(struct cvs_maps *m, struct cvs_owner *out);
int cvs_owner_set(struct cvs_maps *m, const struct cvs_owner *rec);

/*
 * The socket-LB datapath: eBPF programs on a cgroup v2 that translate
 * connect() and sendmsg() to a VIP (cvs_sock.bpf.c). Their links are pinned
 * under the pin root (sock_connect4, ..., sock_getpeername6), so forwarding
 * outlives the process that attached them; attaching again adopts the pinned
 * links, replacing their program in place, and never stacks a second copy.
 * A pin root attached by a version without IPv6 has the four IPv4 links:
 * attaching adopts them (atomically, bpf_link_update) and adds the four
 * IPv6 ones, so IPv4 forwarding never pauses.
 *
 * The IPv6 hooks serve IPv6 VIPs, and IPv4 VIPs addressed from IPv6
 * sockets as ::ffff:a.b.c.d (what dual-stack runtimes such as Java's do):
 * those are translated through the IPv4 service to ::ffff:<backend>, and
 * shown back as ::ffff:<VIP>.
 */
enum cvs_sock_prog {
	CVS_SOCK_CONNECT4,
	CVS_SOCK_SENDMSG4,
	CVS_SOCK_RECVMSG4,
	CVS_SOCK_GETPEERNAME4,
	CVS_SOCK_CONNECT6,	/* also IPv4 VIPs as ::ffff:a.b.c.d */
	CVS_SOCK_SENDMSG6,
	CVS_SOCK_RECVMSG6,
	CVS_SOCK_GETPEERNAME6,
	CVS_SOCK_PROGS,
};

struct cvs_sock_status {
	__u64 cgroup_id;			/* attached cgroup; 0 if none */
	__u32 attached;				/* programs attached */
	__u32 prog_ids[CVS_SOCK_PROGS];		/* 0 where not attached */
	__u32 link_ids[CVS_SOCK_PROGS];
	__u32 pad;
};

/*
 * The host's cgroup v2 root: /sys/fs/cgroup on unified hosts,
 * /sys/fs/cgroup/unified on hybrid ones. -ENOENT when neither is cgroup2.
 */
int cvs_cgroup_default(char *path, size_t len);

/*
 * Attach to the cgroup v2 directory at cgroup_path (NULL: the default).
 * -EINVAL: not a cgroup v2 directory; -ENOENT: it, or a pin of this map set,
 * is missing; -ESTALE: the pins are another map set than this handle's;
 * -EEXIST: attached to another cgroup (detach first); -EPROTO: something
 * other than a link is pinned at a link's name. Nothing new is
 * attached when the call fails; links it adopted may already run the new
 * program (equivalent code, so forwarding is unaffected). Map sets under
 * different pin roots are independent: attaching both to one cgroup stacks
 * two copies, each serving its own VIPs.
 */
int cvs_sock_attach(struct cvs_maps *m, const char *cgroup_path);
/* Detach and unpin; 0 when nothing was attached. Pins that are not links
 * are left alone (-EPROTO). */
int cvs_sock_detach(struct cvs_maps *m);
int cvs_sock_status(struct cvs_maps *m, struct cvs_sock_status *out);

/*
 * cvs.ko, the netfilter DNAT datapath (kernel-module/ in the source tree):
 * the module serves the one map set it is bound to, holding a reference to
 * each of its maps, so it keeps serving a set whose pins were removed until
 * it is bound to another one. It binds through CVS_MODULE_SYSFS.
 */
#define CVS_MODULE_SYSFS "/sys/kernel/cvs"

struct cvs_module_status {
	struct cvs_map_ids ids;	/* bound maps; all 0 when unbound */
	__u32 bound;		/* 1 when a map set is bound */
	__u32 orphaned;		/* 1 when a bound map is neither pinned nor
				 * open in user space any more: rebind */
	__u32 abi_version;	/* the module's CVS_ABI_VERSION */
	__u32 pad;
	__u32 pad2;		/* zero: with 15 map ids, what alignment
				 * would leave implicit before binds */
	__u64 binds;		/* binds that succeeded since it loaded */
	__u64 bind_errors;	/* bind requests it refused */
	__u64 lookup_errors;	/* new connections refused because the maps
				 * kept changing or held inconsistent data */
	__u64 nat_errors;	/* connections conntrack could not DNAT */
};

/*
 * Bind cvs.ko to m's map set (replacing the set it serves, if any). The
 * module resolves the map ids and checks every map's layout itself, so a
 * read-only handle is enough. Errors: -ENODEV the module is not loaded;
 * -EACCES not root (the file is root's); -EPERM no CAP_SYS_ADMIN (the
 * module opens the maps by id with the caller's rights); -ENOENT a map of
 * the set is gone; -EPROTO the module's ABI or a map's layout differs (its
 * reason is in the kernel log). On error the module keeps the set it had.
 */
int cvs_module_bind(struct cvs_maps *m);
/* Stop serving any set: VIPs pass untranslated. -ENODEV, -EACCES. */
int cvs_module_unbind(void);
/* What the module is bound to and its counters; needs no privilege.
 * -ENODEV when the module is not loaded. */
int cvs_module_status(struct cvs_module_status *out);

/*
 * The layout of the public structs (those of this header, cvs_select.h and
 * cvs_abi.h) and the order of the maps, for bindings in other languages to
 * check their own copies against when they load; the JNA binding does.
 * Structs are named without "struct " ("cvs_capacity"), fields as in C.
 */
/* sizeof the named struct; 0 if unknown. */
size_t cvs_sizeof(const char *type_name);
/* The name of the struct's field number index, in declaration order from
 * 0; NULL past its last field, or if the struct is unknown. */
const char *cvs_field_name(const char *type_name, __u32 index);
/* offsetof(struct type_name, field_name); -1 if either is unknown. */
long cvs_offsetof(const char *type_name, const char *field_name);
/* sizeof the field; 0 if either is unknown. */
size_t cvs_field_sizeof(const char *type_name, const char *field_name);
/* The name (and pin name) of map number index of the set, in the order of
 * CVS_MAPS and struct cvs_map_ids; NULL from CVS_M_COUNT on. */
const char *cvs_map_name(__u32 index);

/*
 * Bulk calls: many services in one call, for the first reconcile after a
 * restart and for a scrape of every service's counters, where a call per
 * service (and a syscall per member) was most of the time.
 */

/*
 * Whether the maps hold exactly want (n backends: addresses, ports, weights,
 * flags, in this order) for key's service, and are consistent for it as
 * cvs_service_verify() checks, read as readers read (validated against the
 * word, retried while it moves). Returns 0 when both hold; -ESTALE when the
 * maps hold other backends, weights, flags or order (whether or not they
 * are also inconsistent: an upsert repairs both); -EBADMSG when they hold want but
 * inconsistently; -ENOENT when there is no such service; -EAGAIN when
 * concurrent flips outran every attempt; other -errno when reading failed.
 * Logs nothing: cvs_service_verify() says what is inconsistent.
 */
int cvs_service_check(struct cvs_maps *m, const struct cvs_service_key *key,
		      const struct cvs_backend_spec *want, __u32 n);

/*
 * cvs_service_check() for n services in one call, under the handle's lock
 * once: service i is keys[i] with the counts[i] backends of want that follow
 * those of services 0..i-1; results[i] is what cvs_service_check() would
 * return for it. Returns 0 when every service was checked, whatever each
 * result, or -EINVAL / -ENOMEM before checking any.
 */
int cvs_services_check(struct cvs_maps *m, const struct cvs_service_key *keys,
		       const __u32 *counts,
		       const struct cvs_backend_spec *want, __u32 n,
		       __s32 *results);

/*
 * cvs_services_check() that also compares each service's policy with
 * policies[i] (NULL: all zero for every service): -ESTALE when it differs,
 * and -EBADMSG when a MAGLEV service's table is not the one its members
 * and table size give (cvs_service_verify() checks that too).
 */
int cvs_services_check_policy(struct cvs_maps *m,
			      const struct cvs_service_key *keys,
			      const struct cvs_service_policy *policies,
			      const __u32 *counts,
			      const struct cvs_backend_spec *want, __u32 n,
			      __s32 *results);

/*
 * Counters of every service the maps hold, in one call: keys[i], svcs[i]
 * and members[i] for each of *count services (in map order), and the
 * members' counters in member order, service after service, *be_count in
 * all, in backends. -ENOBUFS (with *count and *be_count set) when cap or
 * be_cap is too small; cvs_maps_usage()'s services and backends are enough
 * unless services were added since. The counter arrays are read in batches
 * over the ids in use. On a writer the member lists are its own (as for
 * cvs_service_counters()); a read-only handle reads them from the maps.
 */
int cvs_counters_all(struct cvs_maps *m, struct cvs_service_key *keys,
		     struct cvs_service_counters *svcs, __u32 *members,
		     __u32 cap, struct cvs_backend_counters *backends,
		     __u32 be_cap, __u32 *count, __u32 *be_count);

/*
 * Flow sweeps: ending the flows the datapaths sent to a backend that is no
 * longer selectable, so clients reconnect to a live one instead of talking to
 * a dead one until they time out.
 *
 * A flow is stale when its service is gone, or its backend is not a member
 * of the service's current generation, or is a member with
 * CVS_MEMBER_F_DOWN. A draining member (weight 0, not down) is not stale:
 * draining keeps established flows by definition. A sweep decides from the
 * maps alone, so it is idempotent and needs no memory of what changed: run
 * after every write that removed a backend, took one down or deleted a
 * service, and once after a restart, it ends exactly what such changes left
 * behind, and never anything else.
 *
 * UDP flows are always swept; TCP ones only of the services listed in
 * reset_tcp (their operators chose to reset rather than keep established
 * connections to a removed backend).
 *
 * Counts come back per (service, backend) in out: what was ended for it.
 * -ENOBUFS (with *count set, the sweep done) when cap is too small.
 */
struct cvs_flow_count {
	struct cvs_service_key service;
	__be32 backend[4];	/* in the service's family */
	__be16 backend_port;
	__u16 pad;
	__u32 tcp;		/* TCP flows ended */
	__u32 udp;		/* UDP flows ended */
	__u32 pad2;
};

enum cvs_flow_mechanism {
	CVS_FLOWS_NONE = 0,		/* sockets cannot be ended here */
	CVS_FLOWS_BPF_ITER = 1,		/* BPF socket iterators with
					 * bpf_sock_destroy() (Linux 6.5+) */
	CVS_FLOWS_NETLINK = 2,		/* sock_diag SOCK_DESTROY
					 * (CONFIG_INET_DIAG_DESTROY) */
};

enum cvs_reverse_mapping {
	CVS_REVERSE_LRU = 0,		/* only the LRU socket tables: an old
					 * socket may see the backend as its
					 * peer once many newer ones exist */
	CVS_REVERSE_SOCKET = 1,		/* socket-local storage (cvs_sklb_v1),
					 * freed with the socket */
};

struct cvs_flows_status {
	__u32 mechanism;	/* enum cvs_flow_mechanism */
	__u32 reverse;		/* enum cvs_reverse_mapping */
	__u32 module_sweep;	/* 1 when cvs.ko is loaded and can sweep */
	__u32 pad;
};

/* What this kernel offers; needs no privilege beyond opening m. */
int cvs_flows_status(struct cvs_maps *m, struct cvs_flows_status *out);

/*
 * Sweep the sockets the socket-LB translated, in every network namespace
 * of the processes below cgroup_path (NULL: the cgroup the programs are
 * attached to): stale connected UDP sockets, and TCP sockets of the
 * reset_tcp services, are destroyed (the application's next call fails
 * with ECONNABORTED, and a resolver reconnects). Runs in a thread of its
 * own, which enters each namespace; the caller's thread stays where it is.
 * With cgroup_path NULL and the programs not attached, only the caller's
 * namespace is swept. A socket's service is found by its VIP and its
 * backend by address and port (the ids it was given are those of the set
 * that translated it, which a grow replaces); a socket connected elsewhere
 * since is left alone.
 * -EOPNOTSUPP when the mechanism is CVS_FLOWS_NONE (before 6.5 the sweep is
 * sock_diag's SOCK_DESTROY, CVS_FLOWS_NETLINK, when the kernel has
 * CONFIG_INET_DIAG_DESTROY and the inet_diag, tcp_diag and udp_diag
 * modules load); -ESTALE on a handle retired by cvs_maps_switch().
 */
int cvs_flows_sweep(struct cvs_maps *m, const char *cgroup_path,
		    const struct cvs_service_key *reset_tcp, __u32 n_reset,
		    struct cvs_flow_count *out, __u32 cap, __u32 *count);

/*
 * The same for cvs.ko's conntrack entries in every network namespace: a
 * stale entry that the module DNATed is deleted, so the flow's next packet
 * is translated afresh to a live backend (UDP: the client notices nothing).
 * -ENODEV when the module is not loaded; -EPROTO when it is bound to
 * another map set than m's.
 */
int cvs_module_sweep(struct cvs_maps *m,
		     const struct cvs_service_key *reset_tcp, __u32 n_reset,
		     struct cvs_flow_count *out, __u32 cap, __u32 *count);

#ifdef __cplusplus
}
#endif

#endif /* CVSBPF_H */
