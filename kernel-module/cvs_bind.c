// SPDX-License-Identifier: GPL-2.0-only
/*
 * Binding cvs.ko to a map set: map ids to references, checked against the
 * ABI, published under RCU.
 *
 * A map id names a map without a path: BPF_MAP_GET_FD_BY_ID through
 * kern_sys_bpf() gives a descriptor in the writing process (so the bpf
 * permission checks apply to it), bpf_map_get() takes our own reference
 * through that descriptor, and the descriptor is closed at once. The
 * reference keeps the map alive after its pins are removed and every user
 * space descriptor is closed, so a set that is re-created elsewhere keeps
 * forwarding until user space binds the new one. The old set is released
 * only after an RCU grace period: NAT hooks run inside rcu_read_lock().
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/fdtable.h>
#include <linux/mutex.h>
#include <linux/slab.h>

#include "cvs.h"

/* Exported by kernel/bpf/syscall.c but not declared in 6.1's headers. */
int kern_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size);

struct cvs_binding __rcu *cvs_bound;
static DEFINE_MUTEX(cvs_bind_lock);	/* serialises writers of cvs_bound */

/* What libcvsbpf creates for a set of this capacity: the shapes of CVS_MAPS. */
static void cvs_expected_shapes(const struct cvs_layout *l,
				struct cvs_map_shape s[CVS_M_COUNT])
{
	const struct cvs_map_shape shapes[CVS_M_COUNT] = {
		CVS_MAPS(CVS_MAP_SHAPE, *l)
	};

	memcpy(s, shapes, sizeof(shapes));
}

static int cvs_check_shape(const struct bpf_map *map,
			   const struct cvs_map_shape *want)
{
	if (map->map_type == want->type && map->key_size == want->key_size &&
	    map->value_size == want->value_size &&
	    map->max_entries == want->max_entries &&
	    (map->map_flags & CVS_SHAPE_FLAGS) == want->flags)
		return 0;
	pr_warn_ratelimited("map %u (%s) has type %u key %u value %u entries %u flags 0x%x, expected type %u key %u value %u entries %llu flags 0x%x\n",
		map->id, map->name, map->map_type, map->key_size,
		map->value_size, map->max_entries, map->map_flags, want->type,
		want->key_size, want->value_size, want->max_entries,
		want->flags);
	return -EPROTO;
}

/*
 * Copy element 0 of the one-element array in row of the set. The row's
 * shape is checked first: only then is the value readable. The rows read
 * here (META, META2) do not depend on the capacity, so a zeroed layout
 * gives their shapes.
 */
static int cvs_read_row(struct bpf_map *map, enum cvs_map_index row,
			void *out, size_t size)
{
	const struct cvs_layout none = {};
	struct cvs_map_shape shapes[CVS_M_COUNT];
	u32 zero = 0;
	void *value;
	int err;

	cvs_expected_shapes(&none, shapes);
	err = cvs_check_shape(map, &shapes[row]);
	if (err)
		return err;
	rcu_read_lock();
	value = map->ops->map_lookup_elem(map, &zero);
	if (value)
		memcpy(out, value, size);
	rcu_read_unlock();
	return value ? 0 : -EPROTO;
}

static int cvs_read_meta(struct bpf_map *map, struct cvs_meta *meta)
{
	int err = cvs_read_row(map, CVS_M_META, meta, sizeof(*meta));

	if (err)
		return err;
	if (meta->magic != CVS_META_MAGIC ||
	    meta->abi_version != CVS_ABI_VERSION) {
		pr_warn_ratelimited("map %u holds magic 0x%x ABI %u, expected 0x%x ABI %u\n",
			map->id, meta->magic, meta->abi_version,
			CVS_META_MAGIC, CVS_ABI_VERSION);
		return -EPROTO;
	}
	if (!meta->max_services || !meta->max_backends ||
	    !meta->max_members || !meta->table_slots ||
	    meta->max_members > meta->table_slots) {
		pr_warn_ratelimited("map %u holds an impossible capacity\n",
				    map->id);
		return -EPROTO;
	}
	return 0;
}

/*
 * The policy maps' capacity. Every map needs at least one entry, and the
 * pick trusts a policy's table size only up to maglev_slots, so that is
 * kept within the ABI's bound.
 */
static int cvs_read_meta2(struct bpf_map *map, struct cvs_meta2 *meta2)
{
	int err = cvs_read_row(map, CVS_M_META2, meta2, sizeof(*meta2));

	if (err)
		return err;
	if (!meta2->affinity_entries || !meta2->maglev_tables ||
	    meta2->maglev_slots < CVS_MAGLEV_SLOTS_MIN ||
	    meta2->maglev_slots > CVS_MAGLEV_SLOTS_MAX) {
		pr_warn_ratelimited("map %u holds an impossible policy capacity\n",
				    map->id);
		return -EPROTO;
	}
	return 0;
}

static int cvs_check_set(struct cvs_binding *b)
{
	struct cvs_map_shape shapes[CVS_M_COUNT];
	struct cvs_meta2 meta2;
	struct cvs_meta meta;
	struct cvs_layout layout;
	int err, i;

	err = cvs_read_meta(b->maps[CVS_M_META], &meta) ?:
	      cvs_read_meta2(b->maps[CVS_M_META2], &meta2);
	if (err)
		return err;
	layout = cvs_layout_of(&meta, &meta2);
	cvs_expected_shapes(&layout, shapes);
	for (i = 0; i < CVS_M_COUNT; i++) {
		err = cvs_check_shape(b->maps[i], &shapes[i]);
		if (err)
			return err;
	}
	b->table_slots = meta.table_slots;
	b->max_members = meta.max_members;
	b->maglev_slots = meta2.maglev_slots;
	return 0;
}

/* A reference to the map with this id, or an ERR_PTR. */
static struct bpf_map *cvs_map_get(u32 id)
{
	union bpf_attr attr;
	struct bpf_map *map;
	int fd;

	memset(&attr, 0, sizeof(attr));
	attr.map_id = id;
	fd = kern_sys_bpf(BPF_MAP_GET_FD_BY_ID, &attr, sizeof(attr));
	if (fd < 0)
		return ERR_PTR(fd);
	map = bpf_map_get(fd);
	close_fd(fd);
	if (IS_ERR(map))
		return map;
	/*
	 * The descriptor lived for a moment in the writer's table, where only
	 * the writer's own threads could have closed and reused it: make sure
	 * the reference is to the map asked for.
	 */
	if (map->id != id) {
		bpf_map_put(map);
		return ERR_PTR(-EAGAIN);
	}
	return map;
}

static void cvs_binding_free(struct cvs_binding *b)
{
	int i;

	for (i = 0; i < CVS_M_COUNT; i++)
		if (b->maps[i])
			bpf_map_put(b->maps[i]);
	kfree(b);
}

/* Publish b (NULL: none) and release what it replaces; false if none. */
static bool cvs_publish(struct cvs_binding *b)
{
	struct cvs_binding *old;

	mutex_lock(&cvs_bind_lock);
	old = rcu_replace_pointer(cvs_bound, b,
				  lockdep_is_held(&cvs_bind_lock));
	mutex_unlock(&cvs_bind_lock);
	if (!old)
		return false;
	/* Hooks that loaded old may still be reading its maps. */
	synchronize_rcu();
	cvs_binding_free(old);
	return true;
}

int cvs_bind(const u32 ids[CVS_M_COUNT])
{
	char line[CVS_M_COUNT * 11 + 1];
	struct cvs_binding *b;
	struct bpf_map *map;
	int err, i, len;

	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		err = -ENOMEM;
		goto err_count;
	}
	for (i = 0; i < CVS_M_COUNT; i++) {
		map = cvs_map_get(ids[i]);
		if (IS_ERR(map)) {
			err = PTR_ERR(map);
			pr_warn_ratelimited("map id %u: error %d\n", ids[i],
					    err);
			goto err_free;
		}
		b->maps[i] = map;
		b->ids[i] = ids[i];
	}
	err = cvs_check_set(b);
	if (err)
		goto err_free;
	cvs_publish(b);
	atomic64_inc(&cvs_counters.binds);
	for (i = 0, len = 0; i < CVS_M_COUNT; i++)
		len += scnprintf(line + len, sizeof(line) - len, " %u", ids[i]);
	pr_info("bound to maps%s (%u slots, Maglev up to %u)\n", line,
		b->table_slots, b->maglev_slots);
	return 0;

err_free:
	cvs_binding_free(b);
err_count:
	atomic64_inc(&cvs_counters.bind_errors);
	return err;
}

void cvs_unbind(void)
{
	if (cvs_publish(NULL))
		pr_info("unbound\n");
}

bool cvs_bound_ids(u32 ids[CVS_M_COUNT])
{
	const struct cvs_binding *b;
	bool orphaned = false;
	int i;

	rcu_read_lock();
	b = rcu_dereference(cvs_bound);
	for (i = 0; i < CVS_M_COUNT; i++) {
		ids[i] = b ? b->ids[i] : 0;
		if (b && !atomic64_read(&b->maps[i]->usercnt))
			orphaned = true;
	}
	rcu_read_unlock();
	return orphaned;
}
