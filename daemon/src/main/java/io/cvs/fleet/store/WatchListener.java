package io.cvs.fleet.store;

import java.util.List;

/** Receives a watch's events in revision order, on the watch's one thread. */
public interface WatchListener {

    /**
     * The events of one revision (one transaction), in order: for each a put (service not null) or a delete
     * (service null) of the entry id.
     */
    void changed(long revision, List<Event> events);

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

    /** One entry's change; service is null for a delete. */
    record Event(String id, StoredService service) {
    }
}
