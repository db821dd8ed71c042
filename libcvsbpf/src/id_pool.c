// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * A ring of free ids. FIFO order makes a freed id the last to be handed out
 * again, which keeps a stale reader's increments of a recycled counter, or
 * a late look at a recycled record, as unlikely as the capacity allows.
 */
#include <errno.h>
#include <stdlib.h>

#include "internal.h"

int cvs_id_pool_init(struct cvs_id_pool *p, __u32 cap)
{
	p->ids = calloc(cap ? cap : 1, sizeof(*p->ids));
	if (!p->ids)
		return -ENOMEM;
	p->cap = cap;
	p->head = 0;
	p->len = 0;
	return 0;
}

void cvs_id_pool_free(struct cvs_id_pool *p)
{
	free(p->ids);
	p->ids = NULL;
}

void cvs_id_pool_push(struct cvs_id_pool *p, __u32 id)
{
	/* Every id is either in the pool or in use, so len < cap here. */
	p->ids[(p->head + p->len) % p->cap] = id;
	p->len++;
}

__u32 cvs_id_pool_peek(const struct cvs_id_pool *p, __u32 k)
{
	return p->ids[(p->head + k) % p->cap];
}

void cvs_id_pool_drop(struct cvs_id_pool *p, __u32 n)
{
	p->head = (p->head + n) % p->cap;
	p->len -= n;
}
