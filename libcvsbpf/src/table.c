// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Weights to a selection table. Each usable backend (weight > 0, not
 * CVS_MEMBER_F_DOWN) gets slots in proportion to its weight, so picking a
 * uniformly random slot honours the weights in O(1). A down member keeps
 * its weight in the member list, so bringing it back up restores its share
 * without the control plane remembering it.
 *
 * When the weights reduced by their gcd fit (sum <= table_slots) the table
 * is exact: 1:2:5 becomes 8 slots. Otherwise the weights are scaled to
 * table_slots by largest remainder, and every usable backend keeps at least
 * one slot, so a tiny weight beside a huge one is over-served slightly
 * rather than silently turned into a drain.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

struct share {
	__u32 member;
	__u32 slots;
	__u64 remainder;
};

__u32 cvs_gcd(__u32 a, __u32 b)
{
	while (b) {
		__u32 t = a % b;

		a = b;
		b = t;
	}
	return a;
}

static int by_remainder_desc(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->remainder != y->remainder)
		return x->remainder < y->remainder ? 1 : -1;
	return x->member < y->member ? -1 : 1;
}

static int by_slots_desc(const void *a, const void *b)
{
	const struct share *x = a, *y = b;

	if (x->slots != y->slots)
		return x->slots < y->slots ? 1 : -1;
	return x->member < y->member ? -1 : 1;
}

/* Largest-remainder apportionment of table_slots over the shares. */
static void apportion(struct share *sh, __u32 n, __u64 sum, __u32 table_slots)
{
	__u64 used = 0;
	__u32 i;

	for (i = 0; i < n; i++) {
		__u64 exact = (__u64)sh[i].slots * table_slots;

		sh[i].remainder = exact % sum;
		sh[i].slots = exact / sum;
		if (sh[i].slots == 0) {
			sh[i].slots = 1;
			sh[i].remainder = 0;
		}
		used += sh[i].slots;
	}
	qsort(sh, n, sizeof(*sh), by_remainder_desc);
	for (i = 0; used < table_slots; i = (i + 1) % n, used++)
		sh[i].slots++;
	/* Only minimum-one bumps overshoot; take back from the largest. */
	qsort(sh, n, sizeof(*sh), by_slots_desc);
	while (used > table_slots) {
		for (i = 0; i < n && used > table_slots; i++) {
			if (sh[i].slots > 1) {
				sh[i].slots--;
				used--;
			}
		}
	}
}

__u32 cvs_usable_weight(const struct cvs_member *mb)
{
	return mb->flags & CVS_MEMBER_F_DOWN ? 0 : mb->weight;
}

int cvs_build_table(const struct cvs_member *members, __u32 n,
		    __u32 table_slots, __u32 *table, __u32 *slots)
{
	struct share *sh;
	__u32 g = 0, active = 0, i, k, s = 0;
	__u64 sum = 0;

	for (i = 0; i < n; i++)
		if (cvs_usable_weight(&members[i]))
			g = cvs_gcd(cvs_usable_weight(&members[i]), g);
	*slots = 0;
	if (!g)
		return 0;
	sh = calloc(n, sizeof(*sh));
	if (!sh)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!cvs_usable_weight(&members[i]))
			continue;
		sh[active].member = i;
		sh[active].slots = cvs_usable_weight(&members[i]) / g;
		sum += sh[active].slots;
		active++;
	}
	if (sum > table_slots)
		apportion(sh, active, sum, table_slots);
	for (i = 0; i < active; i++)
		for (k = 0; k < sh[i].slots; k++)
			table[s++] = members[sh[i].member].backend_id;
	free(sh);
	*slots = s;
	return 0;
}
