package io.cvs.datapath;

import io.cvs.selection.SelectionPolicy;
import java.util.Optional;

/**
 * How many services and backends a map set holds, fixed when it is created (struct cvs_capacity): a larger one is
 * a new map set, built beside the current one ({@link Datapath#resize}). On open, a zero field means "as pinned,
 * or libcvsbpf's default when creating".
 *
 * @param affinityEntries session affinity entries (an LRU: the least recently used goes when full)
 * @param maglevTables    services that can be MAGLEV at once (a Maglev region each)
 * @param maglevSlots     the largest Maglev table size a service may have (a prime); a region costs 8 bytes per slot
 */
public record Capacity(int maxServices, int maxBackends, int maxMembers, int tableSlots, int affinityEntries,
        int maglevTables, int maglevSlots) {

    public static final Capacity AS_PINNED_OR_DEFAULT = new Capacity(0, 0, 0, 0, 0, 0, 0);

    /** libcvsbpf's defaults of the policy maps' capacity (cvsbpf.h, struct cvs_capacity). */
    public static final int AFFINITY_ENTRIES_DEFAULT = 65_536;
    public static final int MAGLEV_TABLES_DEFAULT = 16;
    public static final int MAGLEV_SLOTS_DEFAULT = SelectionPolicy.TABLE_SIZE_DEFAULT;

    /** Entries libcvsbpf allows in one array (CVS_ARRAY_LIMIT): every index stays inside 32 bits. */
    public static final long ARRAY_LIMIT = 1L << 28;

    /** Backends one service may have at most, whatever the table (CVS_MEMBERS_LIMIT). */
    public static final int MEMBERS_LIMIT = 65535;

    /** The services' and backends' sizes with libcvsbpf's defaults for the policy maps. */
    public Capacity(int maxServices, int maxBackends, int maxMembers, int tableSlots) {
        this(maxServices, maxBackends, maxMembers, tableSlots, AFFINITY_ENTRIES_DEFAULT, MAGLEV_TABLES_DEFAULT,
                MAGLEV_SLOTS_DEFAULT);
    }

    /**
     * What is wrong with this as the capacity of a map set, in libcvsbpf's terms; empty when a map set can have it.
     * Every field must be set.
     */
    public Optional<String> problem() {
        if (maxServices <= 0 || maxBackends <= 0 || maxMembers <= 0 || tableSlots <= 0 || affinityEntries <= 0
                || maglevTables <= 0 || maglevSlots <= 0) {
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
        if (!SelectionPolicy.isTableSize(maglevSlots)) {
            return Optional.of("Maglev slots (" + maglevSlots + ") must be a prime between "
                    + SelectionPolicy.TABLE_SIZE_MIN + " and " + SelectionPolicy.TABLE_SIZE_MAX);
        }
        if ((long) maglevTables * 2 * maglevSlots > ARRAY_LIMIT || affinityEntries > ARRAY_LIMIT) {
            return Optional.of("Maglev tables x 2 x Maglev slots (" + maglevTables + " x 2 x " + maglevSlots
                    + ") and affinity entries (" + affinityEntries + ") must each be at most " + ARRAY_LIMIT);
        }
        return Optional.empty();
    }

    /** This capacity with every field at least other's. */
    public Capacity atLeast(Capacity other) {
        return new Capacity(Math.max(maxServices, other.maxServices), Math.max(maxBackends, other.maxBackends),
                Math.max(maxMembers, other.maxMembers), Math.max(tableSlots, other.tableSlots),
                Math.max(affinityEntries, other.affinityEntries), Math.max(maglevTables, other.maglevTables),
                Math.max(maglevSlots, other.maglevSlots));
    }

    /** Each zero field of this request replaced by current's: what a resize asking for this makes. */
    public Capacity orElse(Capacity current) {
        return new Capacity(or(maxServices, current.maxServices), or(maxBackends, current.maxBackends),
                or(maxMembers, current.maxMembers), or(tableSlots, current.tableSlots),
                or(affinityEntries, current.affinityEntries), or(maglevTables, current.maglevTables),
                or(maglevSlots, current.maglevSlots));
    }

    /** This capacity with other services and backends sizes, the rest kept. */
    public Capacity withServices(int services, int backends) {
        return new Capacity(services, backends, maxMembers, tableSlots, affinityEntries, maglevTables, maglevSlots);
    }

    /** This capacity with other Maglev sizes, the rest kept. */
    public Capacity withMaglev(int tables, int slots) {
        return new Capacity(maxServices, maxBackends, maxMembers, tableSlots, affinityEntries, tables, slots);
    }

    private static int or(int value, int fallback) {
        return value != 0 ? value : fallback;
    }
}
