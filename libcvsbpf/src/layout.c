// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * The layout of the public structs and the order of the maps, exported for
 * bindings in other languages to check their own copies against at load:
 * a binding that disagrees with C would corrupt memory on its first call.
 */
#include <stddef.h>
#include <string.h>

#include "internal.h"

struct field_layout {
	const char *name;	/* NULL ends a struct's fields */
	size_t offset;
	size_t size;
};

struct struct_layout {
	const char *name;
	size_t size;
	const struct field_layout *fields;	/* in declaration order */
};

/*
 * CVS_LAYOUT(t, f, ...) is the row of struct t: its size and the name,
 * offset and size of each field named, which must be all of its fields in
 * declaration order (test_abi checks that they cover the struct exactly).
 * Up to 12 fields; CVS_F<n> names n of them.
 */
#define CVS_FIELD(t, f) \
	{ #f, offsetof(struct t, f), sizeof(((struct t *)0)->f) },
#define CVS_F1(t, f) CVS_FIELD(t, f)
#define CVS_F2(t, f, ...) CVS_FIELD(t, f) CVS_F1(t, __VA_ARGS__)
#define CVS_F3(t, f, ...) CVS_FIELD(t, f) CVS_F2(t, __VA_ARGS__)
#define CVS_F4(t, f, ...) CVS_FIELD(t, f) CVS_F3(t, __VA_ARGS__)
#define CVS_F5(t, f, ...) CVS_FIELD(t, f) CVS_F4(t, __VA_ARGS__)
#define CVS_F6(t, f, ...) CVS_FIELD(t, f) CVS_F5(t, __VA_ARGS__)
#define CVS_F7(t, f, ...) CVS_FIELD(t, f) CVS_F6(t, __VA_ARGS__)
#define CVS_F8(t, f, ...) CVS_FIELD(t, f) CVS_F7(t, __VA_ARGS__)
#define CVS_F9(t, f, ...) CVS_FIELD(t, f) CVS_F8(t, __VA_ARGS__)
#define CVS_F10(t, f, ...) CVS_FIELD(t, f) CVS_F9(t, __VA_ARGS__)
#define CVS_F11(t, f, ...) CVS_FIELD(t, f) CVS_F10(t, __VA_ARGS__)
#define CVS_F12(t, f, ...) CVS_FIELD(t, f) CVS_F11(t, __VA_ARGS__)
#define CVS_NTH(_1, _2, _3, _4, _5, _6, _7, _8, _9, _10, _11, _12, n, ...) n
#define CVS_COUNT(...) \
	CVS_NTH(__VA_ARGS__, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0)
#define CVS_PASTE(a, b) a##b
#define CVS_FIELDS(n, t, ...) CVS_PASTE(CVS_F, n)(t, __VA_ARGS__)
#define CVS_ROW(t, fields) \
	{ #t, sizeof(struct t), (const struct field_layout[]){ fields { 0 } } },
#define CVS_LAYOUT(t, ...) \
	CVS_ROW(t, CVS_FIELDS(CVS_COUNT(__VA_ARGS__), t, __VA_ARGS__))

/* struct cvs_map_ids has a member per row of CVS_MAPS. */
#define CVS_MAP_ID_FIELD(ID, field, ...) CVS_FIELD(cvs_map_ids, field)

static const struct struct_layout layouts[] = {
	/* cvs_abi.h */
	CVS_LAYOUT(cvs_svc_key, addr, port, proto, pad)
	CVS_LAYOUT(cvs_svc6_key, addr, port, proto, pad)
	CVS_LAYOUT(cvs_svc, id, flags)
	CVS_LAYOUT(cvs_backend, addr, port, pad, svc_id, flags)
	CVS_LAYOUT(cvs_backend6, addr, port, pad, svc_id, flags)
	CVS_LAYOUT(cvs_member, backend_id, weight, flags)
	CVS_LAYOUT(cvs_backend_stats, conns, packets, bytes)
	CVS_LAYOUT(cvs_service_stats, refused, retried)
	CVS_LAYOUT(cvs_sknat_key, cookie, addr, port, pad)
	CVS_LAYOUT(cvs_sknat, vip, vip_port, pad)
	CVS_LAYOUT(cvs_sknat6_key, cookie, addr, port, pad, pad2)
	CVS_LAYOUT(cvs_sknat6, vip, vip_port, pad)
	CVS_LAYOUT(cvs_sock_flow, vip, vip_port, proto, family, backend,
		   backend_port, flags, backend_id, svc_id)
	CVS_LAYOUT(cvs_meta, magic, abi_version, max_services, max_backends,
		   max_members, table_slots, gen_reserved, flags)
	CVS_LAYOUT(cvs_meta2, affinity_entries, maglev_tables, maglev_slots,
		   flags)
	CVS_LAYOUT(cvs_policy, flags, affinity_timeout, maglev_index,
		   maglev_slots)
	CVS_LAYOUT(cvs_owner, journal_id, applied_seq, updated_ns, flags, pad)
	CVS_LAYOUT(cvs_aff_key, netns_cookie, client, svc_id, family, pad)
	CVS_LAYOUT(cvs_aff, last_used, backend_id, gen)
	/* cvs_select.h */
	CVS_LAYOUT(cvs_flow, netns_cookie, saddr, sport, pad, pad2)
	CVS_LAYOUT(cvs_pick, backend_id, svc_id, addr, port, attempts, reason,
		   hash, pad, affinity_age)
	/* cvsbpf.h */
	CVS_LAYOUT(cvs_capacity, max_services, max_backends, max_members,
		   table_slots, affinity_entries, maglev_tables, maglev_slots,
		   pad)
	CVS_LAYOUT(cvs_usage, max, services, backends, maglev_tables, pad)
	CVS_LAYOUT(cvs_service_policy, flags, affinity_timeout, maglev_slots,
		   pad)
	CVS_LAYOUT(cvs_affinity_usage, entries, fresh, capacity, pad)
	CVS_ROW(cvs_map_ids, CVS_MAPS(CVS_MAP_ID_FIELD, _))
	CVS_LAYOUT(cvs_service_key, addr, port, proto, family)
	CVS_LAYOUT(cvs_backend_spec, addr, port, flags, weight)
	CVS_LAYOUT(cvs_service_info, id, gen, slots, members)
	CVS_LAYOUT(cvs_backend_counters, conns, packets, bytes, addr, port,
		   pad, pad2)
	CVS_LAYOUT(cvs_service_counters, refused, retried)
	CVS_LAYOUT(cvs_sock_status, cgroup_id, attached, prog_ids, link_ids,
		   pad)
	CVS_LAYOUT(cvs_drift, services, expected, missing, foreign, differing,
		   backends, maglev_tables, pins_missing, pins_foreign,
		   sock_links)
	CVS_LAYOUT(cvs_module_status, ids, bound, orphaned, abi_version, pad,
		   pad2, binds, bind_errors, lookup_errors, nat_errors)
	CVS_LAYOUT(cvs_flow_count, service, backend, backend_port, pad, tcp,
		   udp, pad2)
	CVS_LAYOUT(cvs_flows_status, mechanism, reverse, module_sweep, pad)
};

static const struct struct_layout *find_struct(const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (!strcmp(layouts[i].name, name))
			return &layouts[i];
	return NULL;
}

static const struct field_layout *find_field(const char *type_name,
					     const char *field_name)
{
	const struct struct_layout *t = find_struct(type_name);
	const struct field_layout *f;

	for (f = t ? t->fields : NULL; f && f->name && field_name; f++)
		if (!strcmp(f->name, field_name))
			return f;
	return NULL;
}

CVS_API size_t cvs_sizeof(const char *type_name)
{
	const struct struct_layout *t = find_struct(type_name);

	return t ? t->size : 0;
}

CVS_API const char *cvs_field_name(const char *type_name, __u32 index)
{
	const struct struct_layout *t = find_struct(type_name);
	__u32 i;

	if (!t)
		return NULL;
	for (i = 0; i < index && t->fields[i].name; i++)
		;
	return t->fields[i].name;
}

CVS_API long cvs_offsetof(const char *type_name, const char *field_name)
{
	const struct field_layout *f = find_field(type_name, field_name);

	return f ? (long)f->offset : -1;
}

CVS_API size_t cvs_field_sizeof(const char *type_name, const char *field_name)
{
	const struct field_layout *f = find_field(type_name, field_name);

	return f ? f->size : 0;
}

CVS_API const char *cvs_map_name(__u32 index)
{
	return index < CVS_M_COUNT ? cvs_map_names[index] : NULL;
}
