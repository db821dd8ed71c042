// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A service's policy as the API gives it and as the maps hold it, and the
 * checks of what the maps hold: shared by the writer (upsert.c), the
 * verifier (read.c) and the reconciler's checks (bulk.c), so that all three
 * accept and reject the same things.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

int cvs_policy_of(const struct cvs_maps *m,
		  const struct cvs_service_policy *p, struct cvs_policy *out)
{
	bool maglev = p->flags & CVS_POLICY_F_MAGLEV;
	bool aff = p->flags & CVS_POLICY_F_AFFINITY;

	memset(out, 0, sizeof(*out));
	if ((p->flags & ~(CVS_POLICY_F_MAGLEV | CVS_POLICY_F_AFFINITY)) ||
	    p->pad || aff != !!p->affinity_timeout ||
	    p->affinity_timeout > CVS_AFFINITY_TIMEOUT_MAX ||
	    maglev != !!p->maglev_slots)
		return -EINVAL;
	if (maglev && (p->maglev_slots < CVS_MAGLEV_SLOTS_MIN ||
		       p->maglev_slots > CVS_MAGLEV_SLOTS_MAX ||
		       !cvs_is_prime(p->maglev_slots)))
		return -EINVAL;
	if (p->maglev_slots > m->meta2.maglev_slots) {
		cvs_log(CVS_LOG_WARN,
			"Maglev table of %u slots, this map set holds at most %u",
			p->maglev_slots, m->meta2.maglev_slots);
		return -EFBIG;
	}
	out->flags = p->flags;
	out->affinity_timeout = p->affinity_timeout;
	out->maglev_slots = p->maglev_slots;
	return 0;
}

bool cvs_policy_differs(const struct cvs_policy *held,
			const struct cvs_service_policy *want)
{
	static const struct cvs_service_policy none;

	if (!want)
		want = &none;
	return held->flags != want->flags ||
	       held->affinity_timeout != want->affinity_timeout ||
	       held->maglev_slots != want->maglev_slots || want->pad;
}

int cvs_policy_read(struct cvs_maps *m, __u32 svc_id, __u64 word,
		    struct cvs_policy *out)
{
	__u32 idx = cvs_pol_index(svc_id, cvs_word_half(word));

	return bpf_map_lookup_elem(m->fds[CVS_M_POLICY], &idx, out);
}

/* What no writer writes; why in bad. */
static bool policy_insane(const struct cvs_maps *m, const struct cvs_policy *p,
			  char *bad, size_t len)
{
	struct cvs_service_policy api = {
		.flags = p->flags, .affinity_timeout = p->affinity_timeout,
		.maglev_slots = p->maglev_slots,
	};
	struct cvs_policy again;

	if (cvs_policy_of(m, &api, &again) ||
	    (!(p->flags & CVS_POLICY_F_MAGLEV) && p->maglev_index) ||
	    p->maglev_index >= m->meta2.maglev_tables) {
		snprintf(bad, len,
			 "its policy has flags %#x, timeout %u, Maglev region %u of %u slots, which no writer writes",
			 p->flags, p->affinity_timeout, p->maglev_index,
			 p->maglev_slots);
		return true;
	}
	return false;
}

int cvs_policy_verify(struct cvs_maps *m, bool v6, __u64 word,
		      const struct cvs_member *members, __u32 n,
		      const struct cvs_policy *pol, char *bad, size_t len)
{
	__u32 M = pol->maglev_slots, *held = NULL, *want = NULL, i;
	struct cvs_endpoint *eps = NULL;
	struct cvs_backend6 be6;
	struct cvs_backend be;
	int err;

	bad[0] = '\0';
	if (policy_insane(m, pol, bad, len) ||
	    !(pol->flags & CVS_POLICY_F_MAGLEV))
		return 0;
	held = calloc(M, sizeof(*held));
	want = calloc(M, sizeof(*want));
	eps = calloc(n ?: 1, sizeof(*eps));
	err = held && want && eps ? 0 : -ENOMEM;
	/* From the records in the maps: what any host would build. */
	for (i = 0; i < n && !err; i++) {
		err = cvs_backend_lookup(m, members[i].backend_id, &be, &be6);
		if (!err)
			cvs_endpoint_of(&be, &be6, &eps[i]);
	}
	err = err ?: cvs_array_read(m->fds[CVS_M_MAGLEV],
				    cvs_maglev_index(m->meta2.maglev_slots,
						     pol->maglev_index,
						     cvs_word_half(word), 0),
				    held, sizeof(*held), M);
	if (!err) {
		err = cvs_build_maglev(members, eps, n, v6, M, want);
		if (err == -EDOM) {
			snprintf(bad, len,
				 "its Maglev table of %u slots is smaller than its usable members",
				 M);
			err = 0;
		}
	}
	for (i = 0; !err && !bad[0] && i < M; i++)
		if (held[i] != want[i])
			snprintf(bad, len,
				 "Maglev slot %u (region %u) names backend id %u, expected %u",
				 i, pol->maglev_index, held[i], want[i]);
	/* Written behind the writer's back: its next writes go whole, so
	 * that upserting repairs the table (maglev_write.c). */
	if (bad[0] && !m->readonly)
		cvs_maglev_forget_region(m, pol->maglev_index);
	free(held);
	free(want);
	free(eps);
	return err;
}
