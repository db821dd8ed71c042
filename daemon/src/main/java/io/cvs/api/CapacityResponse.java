package io.cvs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.CapacityPolicy;
import io.cvs.datapath.Usage;
import io.cvs.write.CapacityState;
import io.cvs.write.LastResize;

/**
 * {@code GET} and {@code PUT /api/v1/datapath/capacity}: how much of the maps the desired state takes, how they
 * grow, and their last resize.
 *
 * @param services              services held and at most
 * @param backends              backends held (across all services) and at most
 * @param maxBackendsPerService backends one service may have
 * @param selectionSlots        selection-table slots per service
 * @param affinityEntries       session affinity entries the maps hold at most
 * @param maglevTables          Maglev regions held (by MAGLEV services) and at most
 * @param maglevSlots           the largest Maglev table the maps have room for
 * @param growth                automatic growth and its ceilings
 * @param resizes               resizes since the daemon started
 * @param lastResize            the last of them; absent when none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record CapacityResponse(Count services, Count backends, int maxBackendsPerService, int selectionSlots,
        int affinityEntries, Count maglevTables, int maglevSlots, Growth growth, long resizes, Resize lastResize) {

    record Count(long used, long max) {
    }

    /**
     * @param automatic   whether a write that needs more room grows the maps
     * @param maxServices the most services automatic growth goes to
     * @param maxBackends the most backends it goes to
     * @param maxMaglevTables the most Maglev regions it goes to
     * @param maxMaglevSlots  the largest Maglev table it makes room for
     */
    record Growth(boolean automatic, int maxServices, int maxBackends, int maxMaglevTables, int maxMaglevSlots) {
    }

    /** The capacity fields alone, for {@link Resize}. */
    record Size(int maxServices, int maxBackends, int maxBackendsPerService, int selectionSlots,
            int affinityEntries, int maglevTables, int maglevSlots) {

        static Size of(Capacity c) {
            return new Size(c.maxServices(), c.maxBackends(), c.maxMembers(), c.tableSlots(), c.affinityEntries(),
                    c.maglevTables(), c.maglevSlots());
        }
    }

    /**
     * @param trigger {@code automatic} (a write needed room), {@code requested} (this endpoint) or
     *                {@code configured} (at start, to cvs.bpf.capacity)
     * @param from    the capacity before
     * @param to      the capacity after
     * @param at      when it finished (RFC 3339)
     * @param seconds how long it took: build, fill and switch
     */
    record Resize(String trigger, Size from, Size to, String at, double seconds) {

        static Resize of(LastResize last) {
            return last == null ? null : new Resize(last.trigger(), Size.of(last.from()), Size.of(last.to()),
                    last.at().toString(), last.took().toNanos() / 1e9);
        }
    }

    static CapacityResponse of(CapacityState state) {
        Usage usage = state.usage();
        Capacity max = usage.max();
        CapacityPolicy policy = state.policy();
        return new CapacityResponse(new Count(usage.services(), max.maxServices()),
                new Count(usage.backends(), max.maxBackends()), max.maxMembers(), max.tableSlots(),
                max.affinityEntries(), new Count(usage.maglevTables(), max.maglevTables()), max.maglevSlots(),
                new Growth(policy.automatic(), policy.maxServices(), policy.maxBackends(), policy.maxMaglevTables(),
                        policy.maxMaglevSlots()), state.resizes(),
                Resize.of(state.last()));
    }
}
