package io.cvs.write;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.DatapathException;
import io.cvs.datapath.DatapathException.Resource;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.ServiceTable;
import java.util.List;

/** Whether maps of a capacity can hold a desired state: what a resize checks before it builds anything. */
final class CapacityFit {

    private CapacityFit() {
    }

    /** Refuses with a 409 naming the first resource of target that held does not fit into. */
    static void check(ServiceTable held, Capacity target) {
        int widest = held.services().stream().mapToInt(s -> s.backends().size()).max().orElse(0);
        if (held.byId().size() > target.maxServices()) {
            throw DatapathException.tooSmall(Resource.SERVICES, held.byId().size(), target.maxServices());
        }
        if (held.backends() > target.maxBackends()) {
            throw DatapathException.tooSmall(Resource.BACKENDS, held.backends(), target.maxBackends());
        }
        if (widest > target.maxMembers()) {
            throw DatapathException.tooSmall(Resource.BACKENDS_PER_SERVICE, widest, target.maxMembers());
        }
        List<SelectionPolicy> maglev = held.maglev().stream().map(s -> s.content().selection()).toList();
        if (maglev.size() > target.maglevTables()) {
            throw DatapathException.tooSmall(Resource.MAGLEV_TABLES, maglev.size(), target.maglevTables());
        }
        int largest = maglev.stream().mapToInt(SelectionPolicy::maglevTableSize).max().orElse(0);
        if (largest > target.maglevSlots()) {
            throw DatapathException.tooSmall(Resource.MAGLEV_SLOTS, largest, target.maglevSlots());
        }
    }
}
