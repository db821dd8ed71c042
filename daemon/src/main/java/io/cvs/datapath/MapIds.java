package io.cvs.datapath;

/** Kernel map ids of a map set, for bpftool and for binding cvs.ko (struct cvs_map_ids). */
public record MapIds(int meta, int services, int generations, int select, int members, int backends,
        int backendStats, int serviceStats) {
}
