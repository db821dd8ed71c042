package io.cvs.fleet;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What this host knows of the store right now: whether it answers (and since when it does not), its revision when
 * last asked, when this host last applied a revision, and the last error of the convergence. Written by
 * {@link FleetSync}, read by the API, the health component and the metrics.
 */
final class FleetStatus {

    private final AtomicReference<Instant> unreachableSince = new AtomicReference<>();
    private volatile long storeRevision;
    private volatile Instant appliedAt;
    private volatile String lastError;

    /** Null while the store answers. */
    Instant unreachableSince() {
        return unreachableSince.get();
    }

    boolean reachable() {
        return unreachableSince.get() == null;
    }

    /** True when this call ended an outage (the store answered again after it did not). */
    boolean answered() {
        return unreachableSince.getAndSet(null) != null;
    }

    /** True when this call started an outage. */
    boolean unreachable(Instant now) {
        return unreachableSince.compareAndSet(null, now);
    }

    long storeRevision() {
        return storeRevision;
    }

    void storeRevision(long revision) {
        storeRevision = Math.max(storeRevision, revision);
    }

    Instant appliedAt() {
        return appliedAt;
    }

    void applied(Instant at) {
        appliedAt = at;
    }

    String lastError() {
        return lastError;
    }

    void lastError(String error) {
        lastError = error;
    }
}
