package io.cvs.datapath;

import java.util.List;

/**
 * Kernel map ids of a map set, for bpftool and for binding cvs.ko (struct cvs_map_ids): one component per map, in
 * the set's order (CVS_MAPS in cvs_abi.h). {@link #MAP_NAMES} says which map each component is; {@link NativeLayout}
 * checks that order against the loaded libcvsbpf. The IPv6 twins of the services and backends maps come next, then
 * the selection policies' maps: a set made before either gets them added in place when a writer opens it.
 */
public record MapIds(int meta, int services, int generations, int select, int members, int backends,
        int backendStats, int serviceStats, int services6, int backends6, int meta2, int policies, int selectable,
        int maglev, int affinity) {

    /** The name (and pin name) of the map whose id each component holds, in component order. */
    public static final List<String> MAP_NAMES = List.of("cvs_meta_v1", "cvs_svc_v1", "cvs_gen_v1", "cvs_sel_v1",
            "cvs_mbr_v1", "cvs_be_v1", "cvs_bestat_v1", "cvs_svcstat_v1", "cvs_svc6_v1", "cvs_be6_v1",
            "cvs_meta2_v1", "cvs_pol_v1", "cvs_besel_v1", "cvs_maglev_v1", "cvs_aff_v1");
}
