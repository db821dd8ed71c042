package io.cvs.fleet.store;

/**
 * What the store held at one revision beyond the service entries (each claim and its holder, each id's claim list),
 * read once so that the transactions of a bulk are planned from it instead of each reading its own keys first
 * ({@link FleetStore#commit(java.util.List, PlanFrom)}). Opaque outside the store.
 */
public interface PlanFrom {

    /** The revision it was read at. */
    long revision();
}
