/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The v1 map set as BTF-described map definitions, shared by every BPF object
 * of cvs: one definition for each row of CVS_MAPS (cvs_abi.h), which gives
 * its name, type, flags, key and value. max_entries 1 is a placeholder:
 * libcvsbpf sizes the maps from the requested capacity (the table's entries
 * column) when it creates them, and every later object reuses the pinned
 * maps by fd, so these definitions only give types and BTF.
 *
 * The flags, for the record: cvs_svc_v1 is BPF_F_NO_PREALLOC, so that a
 * deleted element goes back to the allocator instead of a preallocated free
 * list that the next insert recycles at once (readers re-check the key
 * regardless, cvs_abi.h); cvs_gen_v1 is BPF_F_MMAPABLE, since the writer
 * stores the generation words through mmap.
 */
#ifndef CVS_MAPS_BPF_H
#define CVS_MAPS_BPF_H

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "cvs_abi.h"

/* <sys/socket.h>'s, which BPF objects cannot include. */
#define AF_INET		2
#define AF_INET6	10

#define CVS_BPF_MAP(ID, field, name, map_type, flags, k, v, entries)	\
	struct {							\
		__uint(type, map_type);					\
		__uint(map_flags, flags);				\
		__uint(max_entries, 1);					\
		__type(key, k);						\
		__type(value, v);					\
	} name SEC(".maps");

CVS_MAPS(CVS_BPF_MAP, _)

#undef CVS_BPF_MAP

#endif /* CVS_MAPS_BPF_H */
