package io.cvs.datapath;

/**
 * How many services and backends a map set holds, fixed when it is created (struct cvs_capacity). On open, a
 * zero field means "as pinned, or libcvsbpf's default when creating"; a non-zero field must match what is pinned.
 */
public record Capacity(int maxServices, int maxBackends, int maxMembers, int tableSlots) {

    public static final Capacity AS_PINNED_OR_DEFAULT = new Capacity(0, 0, 0, 0);
}
