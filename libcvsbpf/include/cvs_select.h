/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * cvs_select.h - the reader protocol of cvs_abi.h as one function, shared by
 * every datapath so that they cannot drift apart.
 *
 * The types below are for everyone. To get cvs_select() itself, the includer
 * defines, before including this file:
 *   CVS_READER_CTX                 type of the context passed through
 *   CVS_LOOKUP_SVC(ctx, key, out)  copy the struct cvs_svc of *key to *out
 *                                  (key: a struct cvs_svc_key)
 *   CVS_LOOKUP_SVC6(ctx, key, out) the same in cvs_svc6_v1
 *                                  (key: a struct cvs_svc6_key)
 *   CVS_LOAD_WORD(ctx, id, out)    load the __u64 word of service *id with
 *                                  one 8-byte load (never a byte copy)
 *   CVS_LOOKUP_SEL(ctx, idx, out)  copy the __u32 backend id at idx to *out
 *   CVS_LOOKUP_BE(ctx, id, out)    copy the struct cvs_backend of id to *out
 *   CVS_LOOKUP_BE6(ctx, id, out)   copy the struct cvs_backend6 of id
 *   CVS_RANDOM(ctx)                a uniformly random __u32
 * and, for the policies (cvs_abi.h, "Selection policies"):
 *   CVS_LOOKUP_POLICY(ctx, idx, out)  copy the struct cvs_policy at idx
 *   CVS_LOOKUP_MAGLEV(ctx, idx, out)  copy the __u32 backend id at idx
 *   CVS_LOOKUP_BESEL(ctx, idx, out)   copy the __u32 generation at idx
 *   CVS_LOOKUP_AFF(ctx, key, out)     copy the struct cvs_aff of *key
 *   CVS_STORE_AFF(ctx, key, val)      store *val under *key (any flags);
 *                                     its result is ignored. User space's
 *                                     pick defines it to do nothing: a
 *                                     pick never changes what it reads
 *   CVS_NOW_NS(ctx)                   CLOCK_MONOTONIC in ns, as __u64
 * Each lookup evaluates to 0 when found and non-zero otherwise. Copying (not
 * holding a pointer into the map) is what makes the final validation sound:
 * whatever the writer does afterwards, the reader decides on what it copied.
 *
 * cvs_select() serves IPv4 keys and cvs_select6() IPv6 keys; both expand
 * cvs_select_family() with a constant family, so each datapath hook compiles
 * only the lookups of its own family.
 *
 * The flow (struct cvs_flow) is who asks: cvs.ko fills the packet's source
 * address and port; the socket-LB fills the client's network namespace
 * cookie and, for a socket bound before connect(), its address and port
 * (an unbound socket has no source yet: the kernel chooses it after the
 * hook). The flow hash (cvs_flow_hash) covers it with the service's VIP,
 * port and protocol: the 5-tuple for cvs.ko, the client for the socket-LB.
 * It is the same function on every host, so hosts with the same backends
 * and the same Maglev table size map a flow to the same backend.
 */
#ifndef CVS_SELECT_H
#define CVS_SELECT_H

#include "cvs_abi.h"

#ifndef CVS_ALWAYS_INLINE
#define CVS_ALWAYS_INLINE inline __attribute__((always_inline))
#endif

enum cvs_pick_result {
	CVS_PICK_OK = 0,		/* *pick holds the chosen backend */
	CVS_PICK_NOT_SERVICE = 1,	/* not a configured VIP: leave it */
	CVS_PICK_NO_BACKEND = 2,	/* configured, nothing usable: refuse */
	CVS_PICK_CONTENDED = 3,		/* attempts exhausted by flips: refuse */
};

enum cvs_pick_reason {
	CVS_REASON_RANDOM = 0,		/* a weighted random slot: one sample */
	CVS_REASON_MAGLEV = 1,		/* the flow hash in the Maglev table */
	CVS_REASON_AFFINITY = 2,	/* the client's affinity entry */
};

/* Who asks for a backend; zero fields are "not known". */
struct cvs_flow {
	__u64 netns_cookie;	/* socket-LB: the client's netns; cvs.ko: 0 */
	__be32 saddr[4];	/* source address (IPv4 in [0]), or 0 */
	__be16 sport;		/* source port, or 0 */
	__u16 pad;		/* zero */
	__u32 pad2;		/* zero */
};

/* svc_id and attempts are also set when the pick is refused. */
struct cvs_pick {
	__u32 backend_id;	/* index into cvs_be_v1 and cvs_bestat_v1 */
	__u32 svc_id;		/* index into cvs_svcstat_v1 */
	__be32 addr[4];		/* backend address to rewrite to: IPv4 in
				 * addr[0] (the rest zero), or IPv6 */
	__be16 port;		/* backend port to rewrite to */
	__u16 attempts;		/* how many attempts it took, >= 1 */
	__u32 reason;		/* enum cvs_pick_reason */
	__u32 hash;		/* the flow hash (MAGLEV, and for the record) */
	__u32 pad;		/* zero; what alignment left implicit */
	__u64 affinity_age;	/* CVS_REASON_AFFINITY: ns since the entry's
				 * last use before this pick; else 0 */
};

/*
 * MurmurHash3's 32-bit mixing (Austin Appleby, public domain), over whole
 * words as they lie in memory: the same result in eBPF, in the kernel and
 * in user space on every little-endian host.
 */
static inline __u32 cvs_hash_rotl(__u32 x, __u32 r)
{
	return (x << r) | (x >> (32 - r));
}

static inline __u32 cvs_hash_word(__u32 h, __u32 k)
{
	k *= 0xcc9e2d51u;
	k = cvs_hash_rotl(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = cvs_hash_rotl(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline __u32 cvs_hash_final(__u32 h, __u32 words)
{
	h ^= words * 4;
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

#define CVS_FLOW_HASH_SEED	0x63767331u	/* "cvs1" */

/*
 * The flow hash: netns cookie (low word, high word), source address (four
 * words), VIP (four words; IPv4 in the first), source port | VIP port << 16
 * (as stored, network order), proto | family << 8.
 */
static inline __u32 cvs_flow_hash(const struct cvs_flow *f,
				  const __be32 vip[4], __be16 vport,
				  __u8 proto, __u8 family)
{
	__u32 h = CVS_FLOW_HASH_SEED;

	h = cvs_hash_word(h, (__u32)f->netns_cookie);
	h = cvs_hash_word(h, (__u32)(f->netns_cookie >> 32));
	h = cvs_hash_word(h, f->saddr[0]);
	h = cvs_hash_word(h, f->saddr[1]);
	h = cvs_hash_word(h, f->saddr[2]);
	h = cvs_hash_word(h, f->saddr[3]);
	h = cvs_hash_word(h, vip[0]);
	h = cvs_hash_word(h, vip[1]);
	h = cvs_hash_word(h, vip[2]);
	h = cvs_hash_word(h, vip[3]);
	h = cvs_hash_word(h, (__u32)f->sport | (__u32)vport << 16);
	h = cvs_hash_word(h, (__u32)proto | (__u32)family << 8);
	return cvs_hash_final(h, 12);
}

/*
 * A backend's hash for its Maglev permutation, from what it is (family,
 * address, port), never from its id, so that every host builds the same
 * table from the same backends. seed: CVS_MAGLEV_SEED_OFFSET or _SKIP.
 */
#define CVS_MAGLEV_SEED_OFFSET	0x6d676c31u	/* "mgl1" */
#define CVS_MAGLEV_SEED_SKIP	0x6d676c32u	/* "mgl2" */

static inline __u32 cvs_backend_hash(__u8 family, const __be32 addr[4],
				     __be16 port, __u32 seed)
{
	__u32 h = seed;

	h = cvs_hash_word(h, addr[0]);
	h = cvs_hash_word(h, addr[1]);
	h = cvs_hash_word(h, addr[2]);
	h = cvs_hash_word(h, addr[3]);
	h = cvs_hash_word(h, (__u32)port | (__u32)family << 16);
	return cvs_hash_final(h, 5);
}

#endif /* CVS_SELECT_H */

/* Outside the include guard: a file may see the types before the macros. */
#if defined(CVS_READER_CTX) && !defined(CVS_SELECT_DEFINED)
#define CVS_SELECT_DEFINED
/* Copy backend id's record of the family into pick; 0 when found. */
static CVS_ALWAYS_INLINE int cvs_select_backend(CVS_READER_CTX ctx, int v6,
						__u32 *id,
						struct cvs_pick *pick)
{
	struct cvs_backend6 be6;
	struct cvs_backend be;

	if (v6) {
		if (CVS_LOOKUP_BE6(ctx, id, &be6))
			return 1;
		pick->addr[0] = be6.addr[0];
		pick->addr[1] = be6.addr[1];
		pick->addr[2] = be6.addr[2];
		pick->addr[3] = be6.addr[3];
		pick->port = be6.port;
		return 0;
	}
	if (CVS_LOOKUP_BE(ctx, id, &be))
		return 1;
	pick->addr[0] = be.addr;
	pick->addr[1] = 0;
	pick->addr[2] = 0;
	pick->addr[3] = 0;
	pick->port = be.port;
	return 0;
}

/*
 * The affinity entry of flow for service svc_id, if the policy asks for one
 * and it is fresh and its backend selectable in word's generation: 0 and
 * *id, *age set; non-zero otherwise.
 */
static CVS_ALWAYS_INLINE int cvs_select_affinity(CVS_READER_CTX ctx,
						 const struct cvs_aff_key *ak,
						 const struct cvs_policy *pol,
						 __u64 word, __u64 now,
						 __u32 *id, __u64 *age)
{
	struct cvs_aff aff;
	__u32 idx, gen;

	if (CVS_LOOKUP_AFF(ctx, ak, &aff))
		return 1;
	*age = now > aff.last_used ? now - aff.last_used : 0;
	if (*age > (__u64)pol->affinity_timeout * 1000000000ull)
		return 1;
	idx = cvs_besel_index(aff.backend_id, cvs_word_half(word));
	if (CVS_LOOKUP_BESEL(ctx, &idx, &gen) || gen != cvs_word_gen(word))
		return 1;
	*id = aff.backend_id;
	return 0;
}

/* What the attempts of one pick share, set up by cvs_select_begin(). */
struct cvs_select_state {
	struct cvs_aff_key ak;	/* the client's affinity key; svc_id is
				 * set by each attempt */
	__u64 now;		/* CVS_NOW_NS, read once when first needed */
	__u32 table_slots;
	__u32 maglev_slots;
	__u32 attempt;		/* 1.., set by the caller of each one */
	__u32 pad;
};

/* cvs_select_attempt(): the service or its word moved; start again. */
#define CVS_SELECT_AGAIN (-1)

/* The client's key and the flow hash, once per pick. */
static CVS_ALWAYS_INLINE void cvs_select_begin(const void *key, int v6,
					       __u32 table_slots,
					       __u32 maglev_slots,
					       const struct cvs_flow *flow,
					       struct cvs_select_state *st,
					       struct cvs_pick *pick)
{
	const struct cvs_svc_key *k4 = key;
	const struct cvs_svc6_key *k6 = key;
	__be32 vip[4] = {};

	if (v6) {
		vip[0] = k6->addr[0];
		vip[1] = k6->addr[1];
		vip[2] = k6->addr[2];
		vip[3] = k6->addr[3];
	} else {
		vip[0] = k4->addr;
	}
	__builtin_memset(&st->ak, 0, sizeof(st->ak));
	/* AF_INET6 and AF_INET, which a BPF program has no header for. */
	st->ak.family = v6 ? 10 : 2;
	st->ak.netns_cookie = flow->netns_cookie;
	st->ak.client[0] = flow->saddr[0];
	st->ak.client[1] = flow->saddr[1];
	st->ak.client[2] = flow->saddr[2];
	st->ak.client[3] = flow->saddr[3];
	st->now = 0;
	st->table_slots = table_slots;
	st->maglev_slots = maglev_slots;
	st->attempt = 0;
	pick->hash = cvs_flow_hash(flow, vip, v6 ? k6->port : k4->port,
				   v6 ? k6->proto : k4->proto, st->ak.family);
}

/*
 * One attempt of the reader protocol (steps 1-4 of cvs_abi.h with the
 * policy): CVS_PICK_OK, CVS_PICK_NOT_SERVICE, CVS_PICK_NO_BACKEND, or
 * CVS_SELECT_AGAIN when it must start again. A function of its own so that
 * a BPF program can run each attempt out of line (cvs_sock.bpf.c: a global
 * function, which the verifier checks once, not once per attempt).
 */
static CVS_ALWAYS_INLINE int cvs_select_attempt(CVS_READER_CTX ctx,
						const void *key, int v6,
						struct cvs_select_state *st,
						struct cvs_pick *pick)
{
	struct cvs_policy pol;
	struct cvs_aff aff;
	struct cvs_svc svc, again;
	__u32 idx, id, slots;
	__u64 word, check, age;

	if (v6 ? CVS_LOOKUP_SVC6(ctx, key, &svc) :
		 CVS_LOOKUP_SVC(ctx, key, &svc))
		return CVS_PICK_NOT_SERVICE;
	pick->svc_id = svc.id;
	pick->attempts = st->attempt;
	if (CVS_LOAD_WORD(ctx, &svc.id, &word))
		return CVS_PICK_NO_BACKEND;
	slots = cvs_word_slots(word);
	if (slots == 0 || slots > st->table_slots)
		return CVS_PICK_NO_BACKEND;
	idx = cvs_pol_index(svc.id, cvs_word_half(word));
	if (CVS_LOOKUP_POLICY(ctx, &idx, &pol))
		return CVS_SELECT_AGAIN;
	pick->affinity_age = 0;
	st->ak.svc_id = svc.id;
	if (pol.flags & CVS_POLICY_F_AFFINITY) {
		if (!st->now)
			st->now = CVS_NOW_NS(ctx);
		if (!cvs_select_affinity(ctx, &st->ak, &pol, word, st->now,
					 &id, &age)) {
			pick->reason = CVS_REASON_AFFINITY;
			pick->affinity_age = age;
			goto chosen;
		}
	}
	if ((pol.flags & CVS_POLICY_F_MAGLEV) && pol.maglev_slots &&
	    pol.maglev_slots <= st->maglev_slots) {
		idx = cvs_maglev_index(st->maglev_slots, pol.maglev_index,
				       cvs_word_half(word),
				       pick->hash % pol.maglev_slots);
		if (CVS_LOOKUP_MAGLEV(ctx, &idx, &id))
			return CVS_SELECT_AGAIN;
		pick->reason = CVS_REASON_MAGLEV;
	} else {
		idx = cvs_sel_index(st->table_slots, svc.id,
				    cvs_word_half(word),
				    CVS_RANDOM(ctx) % slots);
		if (CVS_LOOKUP_SEL(ctx, &idx, &id))
			return CVS_SELECT_AGAIN;
		pick->reason = CVS_REASON_RANDOM;
	}
chosen:
	if (cvs_select_backend(ctx, v6, &id, pick))
		return CVS_SELECT_AGAIN;
	if (CVS_LOAD_WORD(ctx, &svc.id, &check) || check != word)
		return CVS_SELECT_AGAIN;
	if (v6 ? CVS_LOOKUP_SVC6(ctx, key, &again) :
		 CVS_LOOKUP_SVC(ctx, key, &again))
		return CVS_PICK_NOT_SERVICE;
	if (again.id != svc.id)
		return CVS_SELECT_AGAIN;
	pick->backend_id = id;
	if (pol.flags & CVS_POLICY_F_AFFINITY) {
		aff.last_used = st->now;
		aff.backend_id = id;
		aff.gen = cvs_word_gen(word);
		CVS_STORE_AFF(ctx, &st->ak, &aff);
	}
	return CVS_PICK_OK;
}

/*
 * key is a struct cvs_svc6_key when v6, else a struct cvs_svc_key. flow may
 * be all zero (then MAGLEV hashes the VIP alone and affinity keys on
 * nothing: one client). table_slots and maglev_slots are the set's
 * (struct cvs_meta, struct cvs_meta2), read when the reader bound to it.
 */
static CVS_ALWAYS_INLINE int cvs_select_family(CVS_READER_CTX ctx,
					       const void *key, int v6,
					       __u32 table_slots,
					       __u32 maglev_slots,
					       const struct cvs_flow *flow,
					       struct cvs_pick *pick)
{
	struct cvs_select_state st;
	int rc;

	cvs_select_begin(key, v6, table_slots, maglev_slots, flow, &st, pick);
	for (st.attempt = 1; st.attempt <= CVS_SELECT_ATTEMPTS; st.attempt++) {
		rc = cvs_select_attempt(ctx, key, v6, &st, pick);
		if (rc != CVS_SELECT_AGAIN)
			return rc;
	}
	return CVS_PICK_CONTENDED;
}

static CVS_ALWAYS_INLINE int cvs_select(CVS_READER_CTX ctx,
					const struct cvs_svc_key *key,
					__u32 table_slots, __u32 maglev_slots,
					const struct cvs_flow *flow,
					struct cvs_pick *pick)
{
	return cvs_select_family(ctx, key, 0, table_slots, maglev_slots,
				 flow, pick);
}

static CVS_ALWAYS_INLINE int cvs_select6(CVS_READER_CTX ctx,
					 const struct cvs_svc6_key *key,
					 __u32 table_slots, __u32 maglev_slots,
					 const struct cvs_flow *flow,
					 struct cvs_pick *pick)
{
	return cvs_select_family(ctx, key, 1, table_slots, maglev_slots,
				 flow, pick);
}
#endif /* CVS_READER_CTX */
