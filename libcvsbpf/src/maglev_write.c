// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Writing a Maglev table into the idle half of its region. A backend change
 * moves few slots (that is the point of Maglev), but an array map's batch
 * update costs about 0.2 us an element, 3 ms for a table of 16381: so the
 * writer remembers what it wrote into each half and writes only the slots
 * that differ. What it has not written since open or resync (or after a
 * failed write) is unknown and written whole.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/bpf.h>

#include "internal.h"

/* One half of one region as last written: its first known entries. */
struct cvs_maglev_half {
	__u32 known;		/* entries [0, known) are what the map has */
	__u32 ids[];		/* maglev_slots */
};

void cvs_maglev_forget_region(struct cvs_maps *m, __u32 region)
{
	__u32 h;

	for (h = 0; m->maglev_cache && h < 2; h++) {
		free(m->maglev_cache[region * 2 + h]);
		m->maglev_cache[region * 2 + h] = NULL;
	}
}

void cvs_maglev_forget(struct cvs_maps *m)
{
	__u32 i;

	for (i = 0; m->maglev_cache && i < 2 * m->meta2.maglev_tables; i++)
		free(m->maglev_cache[i]);
	free(m->maglev_cache);
	m->maglev_cache = NULL;
}

static struct cvs_maglev_half *half_of(struct cvs_maps *m, __u32 region,
				       __u32 half)
{
	struct cvs_maglev_half **c;

	if (!m->maglev_cache) {
		m->maglev_cache = calloc(2 * m->meta2.maglev_tables,
					 sizeof(*m->maglev_cache));
		if (!m->maglev_cache)
			return NULL;
	}
	c = &m->maglev_cache[region * 2 + half];
	if (!*c)
		*c = calloc(1, sizeof(**c) +
			       (size_t)m->meta2.maglev_slots * sizeof(__u32));
	return *c;
}

int cvs_maglev_write(struct cvs_maps *m, __u32 region, __u32 half,
		     const __u32 *table, __u32 M)
{
	__u32 base = cvs_maglev_index(m->meta2.maglev_slots, region, half, 0);
	struct cvs_maglev_half *c = half_of(m, region, half);
	__u32 *keys, *vals, i, n = 0;
	int err;

	if (!c)
		return -ENOMEM;
	keys = malloc(M * sizeof(*keys));
	vals = malloc(M * sizeof(*vals));
	err = keys && vals ? 0 : -ENOMEM;
	for (i = 0; i < M && !err; i++) {
		if (i < c->known && c->ids[i] == table[i])
			continue;
		keys[n] = base + i;
		vals[n++] = table[i];
	}
	if (!err && n)
		err = bpf_map_update_batch(m->fds[CVS_M_MAGLEV], keys, vals, &n,
					   NULL);
	if (err) {
		c->known = 0;	/* partly written, maybe */
	} else {
		memcpy(c->ids, table, M * sizeof(*table));
		if (M > c->known)
			c->known = M;
	}
	free(keys);
	free(vals);
	return err;
}
