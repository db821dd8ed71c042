package io.cvs.datapath;

import java.util.Optional;

/**
 * How large the maps may become without an operator: the capacity they start with (and are grown to at start
 * when a smaller map set is pinned), whether they grow by themselves when a write needs more room, and up to
 * what. Growth doubles, so a stream of single creations resizes O(log n) times; a bulk change that needs more at
 * once grows in one step to what it needs. Maglev regions double like services; the Maglev slots grow to the
 * largest table a service asks for, never by doubling (a region costs 8 bytes per slot, and a size is a prime).
 *
 * @param minimum         the capacity to create the maps with; a zero field takes libcvsbpf's default (or what is
 *                        pinned). A pinned map set smaller than a non-zero field is grown to it at start; a larger
 *                        one is kept
 * @param automatic       whether a write that needs more room than the maps hold grows them
 * @param maxServices     the most services automatic growth goes to
 * @param maxBackends     the most backends (across all services) automatic growth goes to
 * @param maxMaglevTables the most Maglev regions (MAGLEV services at once) automatic growth goes to
 * @param maxMaglevSlots  the largest Maglev table automatic growth makes room for
 */
public record CapacityPolicy(Capacity minimum, boolean automatic, int maxServices, int maxBackends,
        int maxMaglevTables, int maxMaglevSlots) {

    /** The Maglev ceilings' defaults: 256 regions of 65,521 slots at most is 128 MiB of kernel memory. */
    public static final int MAX_MAGLEV_TABLES_DEFAULT = 256;
    public static final int MAX_MAGLEV_SLOTS_DEFAULT = 65_521;

    /** Growth on, up to 131,072 services (with 1,024 selection slots, the largest table a map set can have). */
    public static final CapacityPolicy DEFAULT =
            new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, true, 131_072, 1_048_576);

    /** Fixed at whatever the maps were created with, as before growth existed: for tests of the refusals. */
    public static final CapacityPolicy FIXED = new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, false, 0, 0, 0, 0);

    /** With the default Maglev ceilings. */
    public CapacityPolicy(Capacity minimum, boolean automatic, int maxServices, int maxBackends) {
        this(minimum, automatic, maxServices, maxBackends, MAX_MAGLEV_TABLES_DEFAULT, MAX_MAGLEV_SLOTS_DEFAULT);
    }

    /** What a change needs at its peak: services, backend ids, Maglev regions, and its largest Maglev table. */
    public record Need(long services, long backends, long maglevTables, long maglevSlots) {
    }

    /** The most a change may need with maps of capacity current: current itself when growth is off. */
    public Capacity allowance(Capacity current) {
        if (!automatic) {
            return current;
        }
        return current.withServices(Math.max(current.maxServices(), servicesCeiling(current)),
                Math.max(current.maxBackends(), maxBackends)).withMaglev(
                        Math.max(current.maglevTables(), maglevTablesCeiling(current)),
                        Math.max(current.maglevSlots(), maxMaglevSlots));
    }

    /**
     * The capacity to grow current to so that need fits at once; empty when it already fits, when growth is off, or
     * when even the ceiling is too small (the write is refused before it gets here).
     */
    public Optional<Capacity> growth(Capacity current, Need need) {
        if (!automatic || fits(current, need)) {
            return Optional.empty();
        }
        long newServices = doubled(current.maxServices(), need.services(), servicesCeiling(current));
        long newBackends = doubled(current.maxBackends(), need.backends(), maxBackends);
        long newSlots = Math.max(current.maglevSlots(), need.maglevSlots());
        Capacity sized = current.withServices((int) newServices, (int) newBackends)
                .withMaglev(current.maglevTables(), (int) newSlots);
        long newTables = doubled(current.maglevTables(), need.maglevTables(), maglevTablesCeiling(sized));
        Capacity grown = sized.withMaglev((int) newTables, (int) newSlots);
        return fits(grown, need) && newSlots <= Math.max(current.maglevSlots(), maxMaglevSlots)
                ? Optional.of(grown) : Optional.empty();
    }

    private static boolean fits(Capacity capacity, Need need) {
        return need.services() <= capacity.maxServices() && need.backends() <= capacity.maxBackends()
                && need.maglevTables() <= capacity.maglevTables() && need.maglevSlots() <= capacity.maglevSlots();
    }

    /** What current must grow to at start to honour the non-zero fields of minimum; empty when it does. */
    public Optional<Capacity> toMinimum(Capacity current) {
        Capacity wanted = current.atLeast(minimum);
        return wanted.equals(current) ? Optional.empty() : Optional.of(wanted);
    }

    /** Services are also bounded by the selection array: services x 2 x slots entries. */
    private int servicesCeiling(Capacity current) {
        long byArray = Capacity.ARRAY_LIMIT / (2L * Math.max(1, current.tableSlots()));
        return (int) Math.min(maxServices, byArray);
    }

    /** Maglev regions are bounded by their array too: regions x 2 x Maglev slots entries. */
    private int maglevTablesCeiling(Capacity current) {
        long byArray = Capacity.ARRAY_LIMIT / (2L * Math.max(1, current.maglevSlots()));
        return (int) Math.min(maxMaglevTables, byArray);
    }

    /** current doubled until it holds needed, but not past ceiling (and never below current). */
    private static long doubled(long current, long needed, long ceiling) {
        long size = Math.max(1, current);
        while (size < needed) {
            size *= 2;
        }
        return Math.max(current, Math.min(size, ceiling));
    }
}
