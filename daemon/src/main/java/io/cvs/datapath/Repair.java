package io.cvs.datapath;

import java.util.Locale;

/**
 * One thing a reconcile put back because it was gone from the host, not from the desired state: map pins, the
 * socket-LB's links on the cgroup, or cvs.ko's binding to this map set.
 *
 * @param part what was repaired
 * @param what what was missing and what was re-created, for the log
 */
public record Repair(Part part, String what) {

    /** The parts of a datapath a reconcile can find detached or unpinned. */
    public enum Part {
        /** the map set's pins (or the whole pin root), pinned again from the maps the daemon holds */
        PINS,
        /** the socket-LB programs' links on the cgroup */
        SOCKET_LB,
        /** cvs.ko's binding to this map set */
        MODULE;

        /** As the metric's tag spells it: {@code pins}, {@code socket-lb}, {@code module}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
