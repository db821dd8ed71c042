package io.cvs.datapath;

import java.util.Optional;

/**
 * How many services and backends a map set holds, fixed when it is created (struct cvs_capacity): a larger one is
 * a new map set, built beside the current one ({@link Datapath#resize}). On open, a zero field means "as pinned,
 * or libcvsbpf's default when creating".
 */
public record Capacity(int maxServices, int maxBackends, int maxMembers, int tableSlots) {

    public static final Capacity AS_PINNED_OR_DEFAULT = new Capacity(0, 0, 0, 0);

    /** Entries libcvsbpf allows in one array (CVS_ARRAY_LIMIT): every index stays inside 32 bits. */
    public static final long ARRAY_LIMIT = 1L << 28;

    /** Backends one service may have at most, whatever the table (CVS_MEMBERS_LIMIT). */
    public static final int MEMBERS_LIMIT = 65535;

    /**
     * What is wrong with this as the capacity of a map set, in libcvsbpf's terms; empty when a map set can have it.
     * Every field must be set.
     */
    public Optional<String> problem() {
        if (maxServices <= 0 || maxBackends <= 0 || maxMembers <= 0 || tableSlots <= 0) {
            return Optional.of("every capacity field must be at least 1");
        }
        if (maxMembers > tableSlots || maxMembers > MEMBERS_LIMIT) {
            return Optional.of("backends per service (" + maxMembers + ") must be at most the selection slots ("
                    + tableSlots + ") and at most " + MEMBERS_LIMIT);
        }
        if (maxBackends > ARRAY_LIMIT || (long) maxServices * 2 * tableSlots > ARRAY_LIMIT) {
            return Optional.of("services x 2 x selection slots (" + maxServices + " x 2 x " + tableSlots
                    + ") and backends (" + maxBackends + ") must each be at most " + ARRAY_LIMIT);
        }
        return Optional.empty();
    }

    /** This capacity with every field at least other's. */
    public Capacity atLeast(Capacity other) {
        return new Capacity(Math.max(maxServices, other.maxServices), Math.max(maxBackends, other.maxBackends),
                Math.max(maxMembers, other.maxMembers), Math.max(tableSlots, other.tableSlots));
    }
}
