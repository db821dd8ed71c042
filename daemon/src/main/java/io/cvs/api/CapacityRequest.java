package io.cvs.api;

import io.cvs.datapath.Capacity;
import io.cvs.selection.SelectionPolicy;
import io.cvs.system.InvalidRequestException;

/**
 * {@code PUT /api/v1/datapath/capacity}: the capacity the maps should have. A field left out keeps its value; at
 * least one must be given.
 *
 * @param maxServices           services the maps hold
 * @param maxBackends           backends across all services
 * @param maxBackendsPerService backends one service may have (at most selectionSlots)
 * @param selectionSlots        selection-table slots per service: the resolution of weights
 * @param affinityEntries       session affinity entries (least recently used first out when full)
 * @param maglevTables          services that can be MAGLEV at once
 * @param maglevSlots           the largest Maglev table a service may have (a prime)
 */
record CapacityRequest(Integer maxServices, Integer maxBackends, Integer maxBackendsPerService,
        Integer selectionSlots, Integer affinityEntries, Integer maglevTables, Integer maglevSlots) {

    /** As the registry takes it: 0 for a field left out. A field given must be at least 1. */
    Capacity toCapacity() {
        if (maxServices == null && maxBackends == null && maxBackendsPerService == null && selectionSlots == null
                && affinityEntries == null && maglevTables == null && maglevSlots == null) {
            throw InvalidRequestException.of("maxServices", "or another capacity field must be given", null);
        }
        if (maglevSlots != null && !SelectionPolicy.isTableSize(maglevSlots)) {
            throw InvalidRequestException.of("maglevSlots", "must be a prime between "
                    + SelectionPolicy.TABLE_SIZE_MIN + " and " + SelectionPolicy.TABLE_SIZE_MAX, maglevSlots);
        }
        return new Capacity(field("maxServices", maxServices), field("maxBackends", maxBackends),
                field("maxBackendsPerService", maxBackendsPerService), field("selectionSlots", selectionSlots),
                field("affinityEntries", affinityEntries), field("maglevTables", maglevTables),
                field("maglevSlots", maglevSlots));
    }

    private static int field(String name, Integer value) {
        if (value == null) {
            return 0;
        }
        if (value < 1) {
            throw InvalidRequestException.of(name, "must be at least 1", value);
        }
        return value;
    }
}
