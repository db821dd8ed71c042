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
 * Each evaluates to 0 when found and non-zero otherwise. Copying (not
 * holding a pointer into the map) is what makes the final validation sound:
 * whatever the writer does afterwards, the reader decides on what it copied.
 *
 * cvs_select() serves IPv4 keys and cvs_select6() IPv6 keys; both expand
 * cvs_select_family() with a constant family, so each datapath hook compiles
 * only the lookups of its own family.
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

/* svc_id and attempts are also set when the pick is refused. */
struct cvs_pick {
	__u32 backend_id;	/* index into cvs_be_v1 and cvs_bestat_v1 */
	__u32 svc_id;		/* index into cvs_svcstat_v1 */
	__be32 addr[4];		/* backend address to rewrite to: IPv4 in
				 * addr[0] (the rest zero), or IPv6 */
	__be16 port;		/* backend port to rewrite to */
	__u16 attempts;		/* how many attempts it took, >= 1 */
};

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

/* key is a struct cvs_svc6_key when v6, else a struct cvs_svc_key. */
static CVS_ALWAYS_INLINE int cvs_select_family(CVS_READER_CTX ctx,
					       const void *key, int v6,
					       __u32 table_slots,
					       struct cvs_pick *pick)
{
	struct cvs_svc svc, again;
	__u32 attempt, idx, id, slots;
	__u64 word, check;

	for (attempt = 1; attempt <= CVS_SELECT_ATTEMPTS; attempt++) {
		if (v6 ? CVS_LOOKUP_SVC6(ctx, key, &svc) :
			 CVS_LOOKUP_SVC(ctx, key, &svc))
			return CVS_PICK_NOT_SERVICE;
		pick->svc_id = svc.id;
		pick->attempts = attempt;
		if (CVS_LOAD_WORD(ctx, &svc.id, &word))
			return CVS_PICK_NO_BACKEND;
		slots = cvs_word_slots(word);
		if (slots == 0 || slots > table_slots)
			return CVS_PICK_NO_BACKEND;
		idx = cvs_sel_index(table_slots, svc.id, cvs_word_half(word),
				    CVS_RANDOM(ctx) % slots);
		if (CVS_LOOKUP_SEL(ctx, &idx, &id))
			continue;
		if (cvs_select_backend(ctx, v6, &id, pick))
			continue;
		if (CVS_LOAD_WORD(ctx, &svc.id, &check) || check != word)
			continue;
		if (v6 ? CVS_LOOKUP_SVC6(ctx, key, &again) :
			 CVS_LOOKUP_SVC(ctx, key, &again))
			return CVS_PICK_NOT_SERVICE;
		if (again.id != svc.id)
			continue;
		pick->backend_id = id;
		return CVS_PICK_OK;
	}
	return CVS_PICK_CONTENDED;
}

static CVS_ALWAYS_INLINE int cvs_select(CVS_READER_CTX ctx,
					const struct cvs_svc_key *key,
					__u32 table_slots,
					struct cvs_pick *pick)
{
	return cvs_select_family(ctx, key, 0, table_slots, pick);
}

static CVS_ALWAYS_INLINE int cvs_select6(CVS_READER_CTX ctx,
					 const struct cvs_svc6_key *key,
					 __u32 table_slots,
					 struct cvs_pick *pick)
{
	return cvs_select_family(ctx, key, 1, table_slots, pick);
}
#endif /* CVS_READER_CTX */
