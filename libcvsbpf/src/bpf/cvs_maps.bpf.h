/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The v1 map set as BTF-described map definitions, shared by every BPF object
 * of cvs. max_entries 1 is a placeholder: libcvsbpf sizes the maps from the
 * requested capacity when it creates them, and every later object reuses the
 * pinned maps by fd, so these definitions only give types and BTF.
 */
#ifndef CVS_MAPS_BPF_H
#define CVS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cvs_abi.h"

/*
 * (VIP, port, proto) -> service id, constant while the service exists.
 * NO_PREALLOC: a deleted element goes back to the allocator instead of a
 * preallocated free list that the next insert recycles at once; readers
 * re-check the key regardless (cvs_abi.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 1);
	__type(key, struct cvs_svc_key);
	__type(value, struct cvs_svc);
} cvs_svc_v1 SEC(".maps");

/* Generation words by service id; the writer stores them through mmap. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} cvs_gen_v1 SEC(".maps");

/* Selection tables: two halves per service, table_slots each. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cvs_sel_v1 SEC(".maps");

/* Member lists with weights: two halves per service, max_members each. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvs_member);
} cvs_mbr_v1 SEC(".maps");

/* Backend records by backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvs_backend);
} cvs_be_v1 SEC(".maps");

/* Per-CPU traffic counters by backend id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvs_backend_stats);
} cvs_bestat_v1 SEC(".maps");

/* Per-CPU refusal and retry counters by service id. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvs_service_stats);
} cvs_svcstat_v1 SEC(".maps");

/* Layout and capacity of the set; written at creation. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cvs_meta);
} cvs_meta_v1 SEC(".maps");

#endif /* CVS_MAPS_BPF_H */
