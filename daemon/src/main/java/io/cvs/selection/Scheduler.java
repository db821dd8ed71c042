package io.cvs.selection;

/** How a service chooses a backend for a new connection (cvs_abi.h, "Selection policies"). */
public enum Scheduler {
    /** A weighted random slot of the selection table: spreads evenly, remembers nothing. */
    RANDOM,
    /**
     * The flow hash in the service's Maglev table: the same client goes to the same backend while the backends
     * stay, on every host with the same backends and table size, and a change moves few clients.
     */
    MAGLEV
}
