package io.cvs.fleet.store;

import java.util.List;

/** Receives a watch's events in revision order, on the watch's one thread. */
public interface WatchListener {

    /**
     * Revisions that arrived together, in revision order, each with the events of its transaction: one watch
     * response, or every response that queued while the listener was busy with the ones before. A listener applies
     * them as one change (one journal record, one pass over the maps) rather than one per revision: a bulk of many
     * transactions is then applied in a few large steps instead of hundreds of small ones. Never empty.
     */
    void changed(List<Revision> revisions);

    /**
     * Every service event up to revision was delivered (etcd's progress notification): a host that applied them
     * is at revision, even though the revisions since its last event changed other keys. Optional for a store.
     */
    default void progress(long revision) {
    }

    /** The store compacted past the revision asked for: resync from a snapshot. The watch has ended. */
    void compacted(long compactRevision);

    /** The watch ended for another reason (the client closed, a lasting error): resync and watch again. */
    void broken(Throwable cause);

    /** The events of one revision (one transaction), in order. */
    record Revision(long revision, List<Event> events) {
        public Revision {
            events = List.copyOf(events);
        }
    }

    /** One entry's change; service is null for a delete. */
    record Event(String id, StoredService service) {
    }
}
