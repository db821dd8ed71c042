package io.cvs.write;

import io.cvs.datapath.Capacity;
import io.cvs.service.ServiceTable;

/**
 * What the committer made durable, handed one way: the committer publishes, the registry and its readers read.
 * Besides the table and the maps' capacity it counts failed journal appends, so the registry can tell, the next time it accepts a
 * write, that the writes it accepted on top of a failed one were refused and its accepted state must start again
 * from the published one. Nothing here calls anyone. The table is persistent (see {@link ServiceTable}): publishing
 * hands readers the committer's own table, never a copy, and a later write leaves it as it was.
 */
final class Published {

    private volatile ServiceTable table;
    private volatile long journalFailures;
    private volatile Capacity capacity;
    /** The fleet store's revision the table is at (0: single-host mode, or nothing applied from the store yet). */
    private volatile long appliedRevision;

    Published(ServiceTable table, Capacity capacity) {
        this.table = table;
        this.capacity = capacity;
    }

    /** The capacity of the maps now: changes when the committer resized them. */
    Capacity capacity() {
        return capacity;
    }

    /** On the committer thread, once the maps were resized. */
    void resized(Capacity now) {
        capacity = now;
    }

    /** Everything durable: what reads see. */
    ServiceTable table() {
        return table;
    }

    /** How many journal appends have failed since start; each one ends an epoch of accepted writes. */
    long journalFailures() {
        return journalFailures;
    }

    /** On the committer thread, once a write is durable and its datapath steps ran. */
    void publish(ServiceTable durable) {
        table = durable;
    }

    /** {@link #publish(ServiceTable)} of a write that brings the table to a fleet revision (0: not from the fleet). */
    void publish(ServiceTable durable, long revision) {
        table = durable;
        if (revision > 0) {
            appliedRevision = revision;
        }
    }

    /** The fleet revision the published table is at; 0 when none was applied. */
    long appliedRevision() {
        return appliedRevision;
    }

    /** At restore: the revision the journal says the state is at. */
    void restoredRevision(long revision) {
        appliedRevision = revision;
    }

    /** On the committer thread, before the failed writes are answered, so a client that retries sees it. */
    void journalFailed() {
        journalFailures++;
    }
}
