// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weighted Maglev (Eisenbud et al., NSDI 2016): each backend walks its own
 * permutation of the M slots (offset + k * skip mod M, M prime, so every
 * slot comes once) and takes its next free preferred slot, in turns, until
 * the table is full. Removing one backend moves only its slots and the few
 * that the turns shift; a flow hash modulo M then names the same backend
 * for nearly every flow before and after.
 *
 * Weights: a round gives every backend weight / gcd turns, interleaved
 * (first one turn each, then one more to those with two or more, ...), so
 * each backend ends within one round of its share and, when M is at least
 * the number of backends, with at least one slot even beside a heavy one.
 *
 * The table depends on the backends' (family, address, port) and weights
 * and on M alone, never on ids or configured order: permutations come from
 * cvs_backend_hash() and turns are taken in endpoint order, so every host
 * builds the same table from the same backends.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "cvs_select.h"

struct turn {
	struct cvs_endpoint ep;	/* first: sorted by cvs_endpoint_cmp */
	__u32 backend_id;
	__u32 turns;		/* per round: weight / gcd */
	__u32 skip;
	__u32 slot;		/* next preferred slot: offset + k * skip */
};

bool cvs_is_prime(__u32 n)
{
	__u32 d;

	if (n < 2)
		return false;
	for (d = 2; (__u64)d * d <= n; d++)
		if (n % d == 0)
			return false;
	return true;
}

__u32 cvs_usable_members(const struct cvs_member *members, __u32 n)
{
	__u32 i, usable = 0;

	for (i = 0; i < n; i++)
		usable += cvs_usable_weight(&members[i]) > 0;
	return usable;
}

/* Backend t takes its next preferred free slot. The permutation is walked
 * by adding skip (< M) modulo M: no division in the inner loop. */
static void place(struct turn *t, __u32 *table, __u32 M)
{
	__u32 slot = t->slot;

	while (table[slot] != CVS_MEMBER_END) {
		slot += t->skip;
		if (slot >= M)
			slot -= M;
	}
	table[slot] = t->backend_id;
	slot += t->skip;
	t->slot = slot >= M ? slot - M : slot;
}

int cvs_build_maglev(const struct cvs_member *members,
		     const struct cvs_endpoint *eps, __u32 n, bool v6,
		     __u32 M, __u32 *table)
{
	__u8 family = v6 ? 10 : 2;	/* AF_INET6, AF_INET as in the hash */
	__u32 usable = cvs_usable_members(members, n), g = 0, most = 0;
	__u32 i, k, filled = 0;
	struct turn *t;

	if (usable > M)
		return -EDOM;
	for (i = 0; i < M; i++)
		table[i] = CVS_MEMBER_END;
	if (!usable)
		return 0;
	t = calloc(usable, sizeof(*t));
	if (!t)
		return -ENOMEM;
	for (i = 0, k = 0; i < n; i++) {
		if (!cvs_usable_weight(&members[i]))
			continue;
		t[k].ep = eps[i];
		t[k].backend_id = members[i].backend_id;
		t[k].turns = cvs_usable_weight(&members[i]);
		g = cvs_gcd(t[k].turns, g);
		k++;
	}
	qsort(t, usable, sizeof(*t), cvs_endpoint_cmp);
	for (i = 0; i < usable; i++) {
		t[i].turns /= g;
		if (t[i].turns > most)
			most = t[i].turns;
		t[i].slot = cvs_backend_hash(family, t[i].ep.addr,
					     t[i].ep.port,
					     CVS_MAGLEV_SEED_OFFSET) % M;
		t[i].skip = cvs_backend_hash(family, t[i].ep.addr,
					     t[i].ep.port,
					     CVS_MAGLEV_SEED_SKIP) % (M - 1);
		t[i].skip++;
	}
	/* Each pass k of a round gives a turn to those with k turns or more;
	 * every pass places at least one entry, so this ends. */
	while (filled < M) {
		for (k = 1; k <= most && filled < M; k++) {
			for (i = 0; i < usable && filled < M; i++) {
				if (t[i].turns < k)
					continue;
				place(&t[i], table, M);
				filled++;
			}
		}
	}
	free(t);
	return 0;
}
