/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cvs_abi.h - the cvs map ABI, version 1.
 *
 * This header is the specification of the pinned maps that the control plane
 * (libcvsbpf) writes and the datapaths (the eBPF socket-LB programs and the
 * cvs.ko netfilter module) read. It is included unchanged by all three, so it
 * depends on <linux/types.h> only. Every field is fixed-width; addresses and
 * ports are in network byte order (__be32/__be16), everything else in host
 * order.
 *
 * Pin layout
 * ----------
 * All maps of one map set are pinned in one directory, the pin root, by default
 * CVS_PIN_ROOT_DEFAULT. The "v1" in the path and in every map name is the ABI
 * version: a later, incompatible layout lives beside this one under ".../v2"
 * so that a host can migrate without flushing. Each map is pinned under its
 * map name (CVS_MAP_*). A map set appears atomically: it is built in a
 * sibling directory and renamed into place, and cvs_meta_v1 records the
 * layout and the capacity chosen at creation. A bigger set replaces it the
 * same way: staged at "<root>_next" (bpffs allows no dot in a name), then
 * exchanged with the root in one rename once every reader uses it
 * (cvs_maps_switch in cvsbpf.h), so the pin root's path never changes.
 *
 * Data model
 * ----------
 * (CVS_MAPS, at the end of this header, is the same list as code: names,
 * types, key and value types, and entries as a function of the capacity.)
 *   cvs_svc_v1     hash   struct cvs_svc_key -> struct cvs_svc
 *                  One entry per service (VIP, port, protocol), naming its
 *                  service id. Written once when the service is created,
 *                  never replaced while it exists (see "Why a word").
 *   cvs_gen_v1     array (mmapable)  service id -> __u64 generation word
 *                  The service's current generation and selection-table
 *                  length, published by one aligned 8-byte store.
 *   cvs_sel_v1     array  selection index -> backend id (__u32)
 *                  The selection table: each usable backend appears in
 *                  proportion to its weight, so a uniform random index picks
 *                  a backend by weight in O(1).
 *   cvs_mbr_v1     array  member index -> struct cvs_member
 *                  All configured backends of a service with their weights,
 *                  draining ones too, in configured order. Read by the
 *                  control plane only.
 *   cvs_be_v1      array  backend id -> struct cvs_backend
 *   cvs_bestat_v1  per-CPU array  backend id -> struct cvs_backend_stats
 *   cvs_svcstat_v1 per-CPU array  service id -> struct cvs_service_stats
 *   cvs_meta_v1    array  0 -> struct cvs_meta
 *
 * Service ids (0 .. max_services-1) and backend ids (0 .. max_backends-1) are
 * allocated by the control plane. A backend keeps its id for as long as its
 * (address, port) stays in its service, so its counters survive weight
 * changes and set changes that do not remove it.
 *
 * Each service owns two regions ("halves") in cvs_sel_v1 and cvs_mbr_v1:
 *   selection slot i of half h: cvs_sel_index(table_slots, id, h, i)
 *   member j of half h:         cvs_mbr_index(max_members, id, h, j)
 * where table_slots and max_members come from cvs_meta_v1; a reader reads
 * them once when it binds to the map set.
 *
 * The generation word (cvs_gen_word()) packs the generation in its low 32
 * bits and the selection table length ("slots") in its high 32 bits. The
 * generation's parity is the half its tables use. Generations are unique
 * across the whole map set (cvs_meta_v1.gen_reserved keeps them unique
 * across restarts of the writer) and never 0, so a service deleted and
 * re-created under the same id never repeats a word a reader may hold.
 *
 * Generation flip (the writer's protocol)
 * ----------------------------------------
 * A backend-set change for a service whose word uses half h:
 *   1. write cvs_be_v1 records (and zero the counters) of backends that
 *      are new to the service, under ids no current generation references;
 *   2. write the member list and the selection table into half !h;
 *   3. store the new word (a fresh generation of parity !h) with one atomic
 *      8-byte release store through the mmapped cvs_gen_v1: this is the
 *      instant the change becomes visible;
 *   4. only after 3, return the ids of removed backends to the free pool.
 * A new service does 1-3 for an unused id, then inserts its cvs_svc_v1
 * entry; deleting removes the entry first, then frees the ids.
 * Nothing a reader of the current generation can reach is written in place,
 * so a failure before step 3 leaves the service exactly as it was. Half h is
 * overwritten by the change after next, which is why readers validate.
 *
 * Reading (every datapath's protocol; cvs_select.h implements it)
 * ----------------------------------------------------------------
 *   1. look up the service; copy its id. Not found: not a VIP, leave the
 *      connection alone.
 *   2. load the word of id (one 8-byte load). slots == 0: refuse.
 *   3. i = random % slots; read backend id b from half (gen & 1) of
 *      cvs_sel_v1, then the cvs_backend record of b.
 *   4. load the word again and look the service up again. If the word
 *      changed, or the key is gone or names another id (its hash element was
 *      recycled under the first lookup), start again (bounded by
 *      CVS_SELECT_ATTEMPTS; when exhausted, refuse).
 * A reader therefore never returns a backend outside the set that was current
 * at some instant of its lookup, and never mixes two generations.
 *
 * Why a word
 * ----------
 * Replacing an existing key in a kernel hash map links the new element at
 * the bucket head and then unlinks the old one; a lookup of that key already
 * past the head misses both (measured: a few misses per million lookups
 * under constant flips). A VIP that looks absent for an instant would let a
 * connect() through untranslated, so service entries are never replaced
 * while they exist, and a flip stores one word instead. Inserting or
 * deleting other keys does not hide a key from a lookup.
 *
 * Weight 0 means draining: the backend stays a member (and keeps its id and
 * counters) but has no selection slot, so no new connection picks it;
 * established connections are the datapath's and are untouched. A service
 * with no members, or only draining ones, is valid and has slots == 0.
 * A member list shorter than max_members ends with an entry whose
 * backend_id is CVS_MEMBER_END.
 *
 * Datapath-owned maps
 * -------------------
 * Pinned beside the map set by the datapath that owns them, not by the
 * control plane, and not part of the set's layout check:
 *   cvs_sknat_v1   LRU hash  struct cvs_sknat_key -> struct cvs_sknat
 *                  Socket-LB only: which VIP a socket addressed when it was
 *                  sent to a backend, so recvmsg and getpeername can show the
 *                  VIP again. LRU: an entry lost to eviction only means an
 *                  old socket sees the backend's address as its peer.
 *
 * IPv6
 * ----
 * A service has one address family: an IPv6 VIP takes IPv6 backends. IPv6
 * services and backends live in twins of the two maps that hold addresses,
 * and share everything else (the id spaces, the words, the selection and
 * member tables, the counters), so there is one reader protocol:
 *   cvs_svc6_v1    hash   struct cvs_svc6_key -> struct cvs_svc
 *                  The IPv6 services. A service id is in this map or in
 *                  cvs_svc_v1, never both.
 *   cvs_be6_v1     array  backend id -> struct cvs_backend6
 *                  The record of an IPv6 backend. Its id's cvs_be_v1
 *                  record is written too, with addr 0 and
 *                  CVS_BACKEND_F_INET6 in flags, so that what is the same for
 *                  both families (port, owner, the id being in use) is read
 *                  from one map; a datapath reads the backend of an IPv6
 *                  service from cvs_be6_v1 only.
 *   cvs_sknat6_v1  socket-LB's own, as cvs_sknat_v1, for IPv6 sockets sent
 *                  to IPv6 backends. An IPv6 socket addressing an IPv4 VIP
 *                  as ::ffff:a.b.c.d is served by the IPv4 service and
 *                  remembered in cvs_sknat_v1.
 *
 * Additions in place
 * ------------------
 * The twins are the last rows of CVS_MAPS, from CVS_M_FIRST_ADDED on. A map
 * set made before they existed has the rows before them, with the same
 * shapes, and cvs_meta_v1 does not tell the two apart: the pins do. A writer
 * that opens such a set pins the missing maps beside the others, empty, and
 * only then moves its readers to programs that know them; the maps that
 * serve IPv4 are never replaced, so forwarding goes on throughout. Readers
 * must therefore not assume a row exists until a writer added it.
 *
 * Selection policies: scheduler and session affinity
 * --------------------------------------------------
 * A service's policy is part of its generation, like its members: the
 * writer writes it into half !h with the member list and the flip makes it
 * visible. The maps (rows from CVS_M_META2 on, added in place like the IPv6
 * twins; an older set's services read as all-zero policies: RANDOM, no
 * affinity, exactly what they were):
 *   cvs_meta2_v1   array  0 -> struct cvs_meta2
 *                  The capacity of the maps below, which struct cvs_meta
 *                  has no room for. Written when the rows are added.
 *   cvs_pol_v1     array  id * 2 + half -> struct cvs_policy
 *                  The service's scheduler and affinity in that half.
 *   cvs_besel_v1   array  backend id * 2 + half -> __u32 generation
 *                  The generation in which the backend is selectable
 *                  (a member with weight > 0, not down) in that half: the
 *                  writer stores the new generation for each usable member
 *                  before the flip. An affinity entry is honoured only
 *                  while its backend's value equals the word's generation,
 *                  one lookup instead of a scan of the members; nothing is
 *                  ever cleared, because generations are never reused.
 *   cvs_maglev_v1  array  cvs_maglev_index(...) -> backend id (__u32)
 *                  Maglev lookup tables: maglev_tables regions of two
 *                  halves of maglev_slots entries each. A MAGLEV service
 *                  holds region cvs_policy.maglev_index (allocated by the
 *                  writer, stable while the service stays MAGLEV) and uses
 *                  the first cvs_policy.maglev_slots entries (a prime M) of
 *                  its half. Memory: 8 * maglev_slots bytes per region.
 *   cvs_aff_v1     LRU hash  struct cvs_aff_key -> struct cvs_aff
 *                  Session affinity entries, written by the datapaths
 *                  (never by the control plane, except when a switch
 *                  carries them to a new set), bounded by
 *                  affinity_entries; the least recently used goes first.
 *
 * A MAGLEV service keeps an ordinary weighted selection table in cvs_sel_v1
 * too, and its word's slots mean what they always did (0 = refuse): a
 * reader that predates the policies reads it and selects by weighted
 * random, which is correct, only not consistent.
 *
 * Reading with a policy (cvs_select.h): after step 2, read the policy of
 * the word's half. With CVS_POLICY_F_AFFINITY, look up the client's entry;
 * use its backend when the entry was used within affinity_timeout seconds
 * and cvs_besel_v1 says the backend is selectable in the word's
 * generation. Otherwise select by the scheduler: a random index into
 * cvs_sel_v1 (RANDOM) or the flow hash modulo maglev_slots into the
 * service's Maglev half (MAGLEV). Step 4 validates all of it; only a
 * validated pick stores (or, lazily, refreshes) the affinity entry.
 *
 * An LRU hash recycles an updated element at once, without waiting for
 * readers, so a reader's copy of an affinity entry may belong to another
 * client. That is why the entry is trusted only through cvs_besel_v1: the
 * worst a torn copy can do is send a client to another backend that is
 * selectable in the service's current generation.
 */
#ifndef CVS_ABI_H
#define CVS_ABI_H

#include <linux/types.h>

#define CVS_ABI_VERSION		1
#define CVS_META_MAGIC		0x31535643	/* "CVS1" read as bytes */
#define CVS_PIN_ROOT_DEFAULT	"/sys/fs/bpf/cvs/v1"

/*
 * Map names, which are also the pin file names under the pin root: the name
 * column of CVS_MAPS (below) as strings, and the socket-LB's own map.
 */
#define CVS_MAP_META		"cvs_meta_v1"
#define CVS_MAP_SERVICES	"cvs_svc_v1"
#define CVS_MAP_GEN		"cvs_gen_v1"
#define CVS_MAP_SELECT		"cvs_sel_v1"
#define CVS_MAP_MEMBERS		"cvs_mbr_v1"
#define CVS_MAP_BACKENDS	"cvs_be_v1"
#define CVS_MAP_BACKEND_STATS	"cvs_bestat_v1"
#define CVS_MAP_SERVICE_STATS	"cvs_svcstat_v1"
#define CVS_MAP_SERVICES6	"cvs_svc6_v1"
#define CVS_MAP_BACKENDS6	"cvs_be6_v1"
#define CVS_MAP_META2		"cvs_meta2_v1"
#define CVS_MAP_POLICY		"cvs_pol_v1"
#define CVS_MAP_SELECTABLE	"cvs_besel_v1"
#define CVS_MAP_MAGLEV		"cvs_maglev_v1"
#define CVS_MAP_AFFINITY	"cvs_aff_v1"
#define CVS_MAP_SOCK_NAT	"cvs_sknat_v1"	/* socket-LB's own */
#define CVS_MAP_SOCK_NAT6	"cvs_sknat6_v1"	/* socket-LB's own */
#define CVS_MAP_SOCK_FLOW	"cvs_sklb_v1"	/* socket-LB's own */

enum {
	CVS_WEIGHT_MAX = 65535,		/* largest backend weight */
	CVS_MEMBERS_LIMIT = 65535,	/* cvs_service_info and Java keep it small */
	CVS_SELECT_ATTEMPTS = 32,	/* reader retries before it refuses */
	CVS_SOCK_NAT_ENTRIES = 65536,	/* sockets whose VIP is remembered */
	CVS_AFFINITY_TIMEOUT_MAX = 86400, /* seconds, as Kubernetes allows */
	CVS_MAGLEV_SLOTS_MIN = 7,	/* smallest Maglev table (a prime) */
	CVS_MAGLEV_SLOTS_MAX = 1048573,	/* largest (a prime below 2^20) */
};

#define CVS_MEMBER_END 0xffffffffu	/* backend_id ending a member list */

/* Key of cvs_svc_v1. pad must be zero: the whole struct is hashed. */
struct cvs_svc_key {
	__be32 addr;		/* VIP, IPv4 */
	__be16 port;		/* service port, never 0 */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;		/* zero */
};

/* Key of cvs_svc6_v1. pad must be zero: the whole struct is hashed. */
struct cvs_svc6_key {
	__be32 addr[4];		/* VIP, IPv6 */
	__be16 port;		/* service port, never 0 */
	__u8 proto;		/* IPPROTO_TCP or IPPROTO_UDP */
	__u8 pad;		/* zero */
};

/* Value of cvs_svc_v1 and cvs_svc6_v1; constant while the service exists. */
struct cvs_svc {
	__u32 id;		/* service id: its word, regions, stats slot */
	__u32 flags;		/* reserved, zero */
};

/* The generation word of cvs_gen_v1: gen in the low half, slots above. */
static inline __u64 cvs_gen_word(__u32 gen, __u32 slots)
{
	return (__u64)slots << 32 | gen;
}

static inline __u32 cvs_word_gen(__u64 word)
{
	return (__u32)word;
}

/* Selection table length; 0 = refuse new connections. */
static inline __u32 cvs_word_slots(__u64 word)
{
	return (__u32)(word >> 32);
}

/* The half (0 or 1) whose regions this generation uses. */
static inline __u32 cvs_word_half(__u64 word)
{
	return (__u32)word & 1;
}

/*
 * Value of cvs_be_v1, indexed by backend id. Written once when the id is
 * allocated and never changed while the id is in use; weight lives in the
 * (double-buffered) member list instead, so a weight change is a flip too.
 */
struct cvs_backend {
	__be32 addr;		/* backend IPv4 address */
	__be16 port;		/* backend port: the datapath rewrites to it */
	__u16 pad;		/* zero */
	__u32 svc_id;		/* owning service id */
	__u32 flags;		/* CVS_BACKEND_F_*; others zero */
};

/* cvs_backend.flags: an IPv6 backend, whose address is in cvs_be6_v1. */
#define CVS_BACKEND_F_INET6	(1u << 0)

/* Value of cvs_be6_v1, indexed by backend id; as struct cvs_backend. */
struct cvs_backend6 {
	__be32 addr[4];		/* backend IPv6 address */
	__be16 port;		/* backend port */
	__u16 pad;		/* zero */
	__u32 svc_id;		/* owning service id */
	__u32 flags;		/* CVS_BACKEND_F_INET6 */
};

/* Value of cvs_mbr_v1: one configured backend of one generation. */
struct cvs_member {
	__u32 backend_id;	/* index into cvs_be_v1 */
	__u16 weight;		/* configured weight; 0 = draining */
	__u16 flags;		/* CVS_MEMBER_F_*; others zero */
};

/*
 * cvs_member.flags: taken out by health checks. A down member has no
 * selection slot whatever its weight, like a draining one, but unlike a
 * draining one its flows are not kept: the flow sweeps (cvsbpf.h) end the
 * connected UDP sockets and conntrack entries still sent to it, as they do
 * for a backend that is no longer a member at all.
 */
#define CVS_MEMBER_F_DOWN	(1u << 0)

/*
 * Value of cvs_bestat_v1 (per CPU), indexed by backend id. The socket-LB
 * datapath counts a connection per connect() and a packet per UDP datagram
 * it translates; it sees no bytes. cvs.ko counts the first packet of each
 * new connection and its bytes.
 */
struct cvs_backend_stats {
	__u64 conns;		/* new connections sent to this backend */
	__u64 packets;		/* packets translated towards it */
	__u64 bytes;		/* bytes of those packets, where seen */
};

/* Value of cvs_svcstat_v1 (per CPU), indexed by service id. */
struct cvs_service_stats {
	__u64 refused;		/* new connections refused: no usable backend */
	__u64 retried;		/* reader restarts caused by a concurrent flip */
};

/* Key of cvs_sknat_v1. */
struct cvs_sknat_key {
	__u64 cookie;		/* socket cookie (bpf_get_socket_cookie) */
	__be32 addr;		/* backend address the socket was sent to */
	__be16 port;		/* backend port */
	__u16 pad;		/* zero */
};

/* Value of cvs_sknat_v1: the address the application asked for. */
struct cvs_sknat {
	__be32 vip;
	__be16 vip_port;
	__u16 pad;
};

/*
 * Value of cvs_sklb_v1 (BPF_MAP_TYPE_SK_STORAGE, the socket-LB's own, pinned
 * beside the set like cvs_sknat_v1): what the socket-LB did to a socket,
 * kept with the socket and freed with it, so nothing is evicted. Written by
 * connect4/6 (connected: TCP and connected UDP) and sendmsg4/6 (the last
 * datagram's translation, unless a connect4/6 record is there: that one
 * describes the socket while it stays connected). recvmsg and getpeername read it first and the
 * LRU socket tables only for an unconnected socket's other destinations;
 * the flow sweeps read it to find sockets sent to a backend that is gone.
 * Addresses are in the service's family (IPv4 in [0]); a socket that
 * addressed an IPv4 VIP as ::ffff:a.b.c.d holds the IPv4 service.
 */
struct cvs_sock_flow {
	__be32 vip[4];
	__be16 vip_port;
	__u8 proto;
	__u8 family;		/* AF_INET or AF_INET6: the service's */
	__be32 backend[4];
	__be16 backend_port;
	__u16 flags;		/* CVS_SOCK_FLOW_* */
	__u32 backend_id;	/* the id picked: a hint, checked against the
				 * record before it is trusted */
	__u32 svc_id;		/* likewise */
};

#define CVS_SOCK_FLOW_CONNECTED	(1u << 0)	/* set by connect4/6 */
#define CVS_SOCK_FLOW_MAPPED	(1u << 1)	/* IPv6 socket, IPv4 VIP */

/* Key of cvs_sknat6_v1. */
struct cvs_sknat6_key {
	__u64 cookie;		/* socket cookie */
	__be32 addr[4];		/* backend address the socket was sent to */
	__be16 port;		/* backend port */
	__u16 pad;		/* zero */
	__u32 pad2;		/* zero */
};

/* Value of cvs_sknat6_v1. */
struct cvs_sknat6 {
	__be32 vip[4];
	__be16 vip_port;
	__u16 pad;
};

/* Value of cvs_meta_v1[0]: what the map set was created with. */
struct cvs_meta {
	__u32 magic;		/* CVS_META_MAGIC */
	__u32 abi_version;	/* CVS_ABI_VERSION */
	__u32 max_services;	/* service ids 0 .. max_services-1 */
	__u32 max_backends;	/* backend ids 0 .. max_backends-1 */
	__u32 max_members;	/* backends per service, <= table_slots */
	__u32 table_slots;	/* selection slots per service and half */
	__u32 gen_reserved;	/* every generation handed out is below this */
	__u32 flags;		/* reserved, zero */
};

static inline __u32 cvs_sel_index(__u32 table_slots, __u32 id, __u32 half,
				  __u32 slot)
{
	return (id * 2 + half) * table_slots + slot;
}

static inline __u32 cvs_mbr_index(__u32 max_members, __u32 id, __u32 half,
				  __u32 member)
{
	return (id * 2 + half) * max_members + member;
}

/*
 * Value of cvs_meta2_v1[0]: the capacity of the policy maps. A set made
 * before them gets the defaults of cvsbpf.h when a writer adds them.
 */
struct cvs_meta2 {
	__u32 affinity_entries;	/* entries of cvs_aff_v1 */
	__u32 maglev_tables;	/* regions of cvs_maglev_v1 */
	__u32 maglev_slots;	/* entries per region and half: the largest
				 * Maglev table a service may have */
	__u32 flags;		/* reserved, zero */
};

/* Value of cvs_pol_v1, per service and half. All zero: RANDOM, no affinity. */
struct cvs_policy {
	__u32 flags;		/* CVS_POLICY_F_*; others zero */
	__u32 affinity_timeout;	/* seconds, 1..CVS_AFFINITY_TIMEOUT_MAX with
				 * CVS_POLICY_F_AFFINITY, else 0 */
	__u32 maglev_index;	/* region in cvs_maglev_v1 with
				 * CVS_POLICY_F_MAGLEV, else 0 */
	__u32 maglev_slots;	/* its table size M, a prime <=
				 * cvs_meta2.maglev_slots; else 0 */
};

/* Select by the flow hash in the service's Maglev table, not at random. */
#define CVS_POLICY_F_MAGLEV	(1u << 0)
/* Send a client back to the backend it last got, within the timeout. */
#define CVS_POLICY_F_AFFINITY	(1u << 1)

/*
 * Key of cvs_aff_v1: who the client is, per service. The socket-LB knows
 * the client's network namespace (bpf_get_netns_cookie) and, only for a
 * socket bound before connect(), its address; cvs.ko knows the packet's
 * source address and sets netns_cookie 0. Zero fields are part of the key.
 */
struct cvs_aff_key {
	__u64 netns_cookie;	/* socket-LB: the client's netns; cvs.ko: 0 */
	__be32 client[4];	/* source address (IPv4 in [0]), or 0 */
	__u32 svc_id;		/* the service, in this map set */
	__u8 family;		/* AF_INET or AF_INET6: the service's */
	__u8 pad[3];		/* zero */
};

/* Value of cvs_aff_v1. */
struct cvs_aff {
	__u64 last_used;	/* CLOCK_MONOTONIC ns of the last pick (what
				 * bpf_ktime_get_ns() and ktime_get_ns() read) */
	__u32 backend_id;	/* the backend the client gets */
	__u32 gen;		/* the service's generation when stored: for
				 * diagnostics; validity is cvs_besel_v1's */
};

static inline __u32 cvs_pol_index(__u32 id, __u32 half)
{
	return id * 2 + half;
}

static inline __u32 cvs_besel_index(__u32 backend_id, __u32 half)
{
	return backend_id * 2 + half;
}

static inline __u32 cvs_maglev_index(__u32 maglev_slots, __u32 region,
				     __u32 half, __u32 slot)
{
	return (region * 2 + half) * maglev_slots + slot;
}

/*
 * Every capacity field CVS_MAPS reads, from struct cvs_meta and struct
 * cvs_meta2 together (struct cvs_capacity in cvsbpf.h has the same names).
 */
struct cvs_layout {
	__u32 max_services;
	__u32 max_backends;
	__u32 max_members;
	__u32 table_slots;
	__u32 affinity_entries;
	__u32 maglev_tables;
	__u32 maglev_slots;
	__u32 pad;
};

static inline struct cvs_layout cvs_layout_of(const struct cvs_meta *m,
					      const struct cvs_meta2 *m2)
{
	struct cvs_layout l = {
		.max_services = m->max_services,
		.max_backends = m->max_backends,
		.max_members = m->max_members,
		.table_slots = m->table_slots,
		.affinity_entries = m2->affinity_entries,
		.maglev_tables = m2->maglev_tables,
		.maglev_slots = m2->maglev_slots,
	};
	return l;
}

/*
 * The map set as one table
 * ------------------------
 * CVS_MAPS(X, c) calls X once for each map of the set, in the set's order:
 * the order of struct cvs_map_ids, of the ids written to cvs.ko and of
 * every other list of the maps. All of those are expansions of this table
 * (the CVS_M_* indexes below, the shapes libcvsbpf creates and checks, the
 * shapes cvs.ko checks when it binds, the BPF map definitions, the members
 * of struct cvs_map_ids), so none of them can drift from the others.
 * A row is
 *   X(ID, field, name, type, flags, key, value, entries)
 * where
 *   ID       the map's index is CVS_M_<ID>, its name string CVS_MAP_<ID>
 *   field    its member of struct cvs_map_ids
 *   name     its map name and pin name, as an identifier
 *   type     its BPF_MAP_TYPE_*
 *   flags    the map_flags the layout fixes (CVS_SHAPE_FLAGS says which)
 *   key      the key's type
 *   value    the value's type
 *   entries  max_entries, computed from the capacity c: a struct
 *            cvs_layout, or anything else with its seven capacity
 *            fields (struct cvs_capacity). In __u64, so
 *            that no capacity, however bogus, wraps around to the entries
 *            of a real map.
 * c is not evaluated when X ignores entries. The BPF_* names are those of
 * <linux/bpf.h>, which this header does not include: only code that
 * includes it can expand the type and flags columns.
 */
#define CVS_MAPS(X, c)							\
	X(META, meta, cvs_meta_v1,					\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_meta,					\
	  1)								\
	X(SERVICES, services, cvs_svc_v1,				\
	  BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC,				\
	  struct cvs_svc_key, struct cvs_svc,				\
	  (__u64)(c).max_services)					\
	X(GEN, gen, cvs_gen_v1,						\
	  BPF_MAP_TYPE_ARRAY, BPF_F_MMAPABLE,				\
	  __u32, __u64,							\
	  (__u64)(c).max_services)					\
	X(SELECT, select, cvs_sel_v1,					\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, __u32,							\
	  (__u64)(c).max_services * 2 * (c).table_slots)		\
	X(MEMBERS, members, cvs_mbr_v1,					\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_member,					\
	  (__u64)(c).max_services * 2 * (c).max_members)		\
	X(BACKENDS, backends, cvs_be_v1,				\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_backend,					\
	  (__u64)(c).max_backends)					\
	X(BACKEND_STATS, backend_stats, cvs_bestat_v1,			\
	  BPF_MAP_TYPE_PERCPU_ARRAY, 0,					\
	  __u32, struct cvs_backend_stats,				\
	  (__u64)(c).max_backends)					\
	X(SERVICE_STATS, service_stats, cvs_svcstat_v1,			\
	  BPF_MAP_TYPE_PERCPU_ARRAY, 0,					\
	  __u32, struct cvs_service_stats,				\
	  (__u64)(c).max_services)					\
	X(SERVICES6, services6, cvs_svc6_v1,				\
	  BPF_MAP_TYPE_HASH, BPF_F_NO_PREALLOC,				\
	  struct cvs_svc6_key, struct cvs_svc,				\
	  (__u64)(c).max_services)					\
	X(BACKENDS6, backends6, cvs_be6_v1,				\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_backend6,					\
	  (__u64)(c).max_backends)					\
	X(META2, meta2, cvs_meta2_v1,					\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_meta2,					\
	  1)								\
	X(POLICY, policy, cvs_pol_v1,					\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, struct cvs_policy,					\
	  (__u64)(c).max_services * 2)					\
	X(SELECTABLE, selectable, cvs_besel_v1,				\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, __u32,							\
	  (__u64)(c).max_backends * 2)					\
	X(MAGLEV, maglev, cvs_maglev_v1,				\
	  BPF_MAP_TYPE_ARRAY, 0,					\
	  __u32, __u32,							\
	  (__u64)(c).maglev_tables * 2 * (c).maglev_slots)		\
	X(AFFINITY, affinity, cvs_aff_v1,				\
	  BPF_MAP_TYPE_LRU_HASH, 0,					\
	  struct cvs_aff_key, struct cvs_aff,				\
	  (__u64)(c).affinity_entries)

/* The index of each map in the set's order; CVS_M_COUNT maps in all. */
#define CVS_M_INDEX(ID, ...) CVS_M_##ID,
enum cvs_map_index {
	CVS_MAPS(CVS_M_INDEX, _)
	CVS_M_COUNT,
	/* The first row a set made before IPv6 lacks ("Additions in place"). */
	CVS_M_FIRST_ADDED = CVS_M_SERVICES6,
	/* The first row a set made before the policies lacks. */
	CVS_M_FIRST_POLICY = CVS_M_META2,
};
#undef CVS_M_INDEX

/*
 * What a map of the set must be, for a reader that checks the maps it was
 * given: one row of CVS_MAPS with its sizes and entries evaluated. Fill an
 * array with the expected shapes of a set of capacity c by
 *   struct cvs_map_shape s[CVS_M_COUNT] = { CVS_MAPS(CVS_MAP_SHAPE, c) };
 * and compare a map's map_flags masked with CVS_SHAPE_FLAGS to flags.
 */
struct cvs_map_shape {
	__u32 type;		/* enum bpf_map_type */
	__u32 key_size;
	__u32 value_size;
	__u32 flags;
	__u64 max_entries;
};

#define CVS_MAP_SHAPE(ID, field, name, type, flags, key, value, entries) \
	[CVS_M_##ID] = { type, sizeof(key), sizeof(value), flags, entries },

/* The map_flags the layout fixes; the others are the creator's choice. */
#define CVS_SHAPE_FLAGS (BPF_F_NO_PREALLOC | BPF_F_MMAPABLE)

/*
 * The owner record: which journal fed this map set
 * -------------------------------------------------
 * Not a row of CVS_MAPS (cvs.ko binds those by id, and no datapath reads
 * this): an auxiliary pinned map beside them, read and written by the
 * control plane only.
 *   cvs_owner_v1   array  0 -> struct cvs_owner
 * A writer's open pins it, all zero, where it is missing (a set made by a
 * version before it, or a fresh one); a live grow carries its value to the
 * new set. A daemon writes the id of its journal and the sequence number of
 * the last journal record it applied, once per batch of records and on
 * every reconcile, and compares them with its journal at start: a record
 * naming another journal, or a sequence number beyond the journal's last,
 * means the journal is not the one the maps were built from (lost,
 * restored from an old copy, another directory), and removing what the
 * journal lacks would remove live services. All zero: no record yet.
 */
#define CVS_OWNER_MAP_NAME "cvs_owner_v1"

struct cvs_owner {
	__u8 journal_id[16];	/* the journal's random 128-bit id */
	__u64 applied_seq;	/* last journal record applied to the maps */
	__u64 updated_ns;	/* CLOCK_REALTIME of the write, nanoseconds */
	__u32 flags;		/* CVS_OWNER_F_*; others zero */
	__u32 pad;		/* zero */
};

/* The record was written (all zero: a set no daemon claimed yet). */
#define CVS_OWNER_F_SET		(1u << 0)

#endif /* CVS_ABI_H */
