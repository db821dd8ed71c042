package io.cvs.datapath;

import java.util.Optional;

/**
 * How large the maps may become without an operator: the capacity they start with (and are grown to at start
 * when a smaller map set is pinned), whether they grow by themselves when a write needs more room, and up to
 * what. Growth doubles, so a stream of single creations resizes O(log n) times; a bulk change that needs more at
 * once grows in one step to what it needs.
 *
 * @param minimum     the capacity to create the maps with; a zero field takes libcvsbpf's default (or what is
 *                    pinned). A pinned map set smaller than a non-zero field is grown to it at start; a larger one
 *                    is kept
 * @param automatic   whether a write that needs more services or backends than the maps hold grows them
 * @param maxServices the most services automatic growth goes to
 * @param maxBackends the most backends (across all services) automatic growth goes to
 */
public record CapacityPolicy(Capacity minimum, boolean automatic, int maxServices, int maxBackends) {

    /** Growth on, up to 131,072 services (with 1,024 selection slots, the largest table a map set can have). */
    public static final CapacityPolicy DEFAULT =
            new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, true, 131_072, 1_048_576);

    /** Fixed at whatever the maps were created with, as before growth existed: for tests of the refusals. */
    public static final CapacityPolicy FIXED = new CapacityPolicy(Capacity.AS_PINNED_OR_DEFAULT, false, 0, 0);

    /** The most a change may need with maps of capacity current: current itself when growth is off. */
    public Capacity allowance(Capacity current) {
        if (!automatic) {
            return current;
        }
        return new Capacity(Math.max(current.maxServices(), servicesCeiling(current)),
                Math.max(current.maxBackends(), maxBackends), current.maxMembers(), current.tableSlots());
    }

    /**
     * The capacity to grow current to so that services and backends fit at once; empty when they already fit,
     * when growth is off, or when even the ceiling is too small (the write is refused before it gets here).
     */
    public Optional<Capacity> growth(Capacity current, long services, long backends) {
        if (!automatic || (services <= current.maxServices() && backends <= current.maxBackends())) {
            return Optional.empty();
        }
        long newServices = doubled(current.maxServices(), services, servicesCeiling(current));
        long newBackends = doubled(current.maxBackends(), backends, maxBackends);
        if (newServices < services || newBackends < backends) {
            return Optional.empty();
        }
        return Optional.of(new Capacity((int) newServices, (int) newBackends, current.maxMembers(),
                current.tableSlots()));
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

    /** current doubled until it holds needed, but not past ceiling (and never below current). */
    private static long doubled(long current, long needed, long ceiling) {
        long size = Math.max(1, current);
        while (size < needed) {
            size *= 2;
        }
        return Math.max(current, Math.min(size, ceiling));
    }
}
