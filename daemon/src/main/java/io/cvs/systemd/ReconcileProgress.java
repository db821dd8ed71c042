package io.cvs.systemd;

import io.cvs.reconcile.ReconcileResult;
import java.time.Duration;
import java.util.Optional;

/**
 * The watchdog's rule: the daemon is healthy while reconciles keep finishing. A reconcile runs every
 * {@code cvs.reconcile.interval} on the write pipeline's one thread, in order with the writes, so a result newer
 * than the last one seen proves that the pipeline, its datapath calls and the reconcile loop all move. A
 * reconcile that throws, a pipeline stuck in a datapath or journal call, or a loop that died finish none; once
 * none has finished for {@link #allowedGap} (two intervals and {@link #GRACE}: one run may fail or be slow), the
 * daemon stops pinging and systemd, after its {@code WatchdogSec}, restarts it. A restart does not interrupt
 * forwarding (the maps stay pinned), and the new daemon reconciles from its journal.
 *
 * <p>Times are {@link System#nanoTime()} readings, so a wall clock set back or forward changes nothing.
 */
final class ReconcileProgress {

    /** Room for a reconcile slower than usual (a bulk write queued before it, a map set growing). */
    static final Duration GRACE = Duration.ofSeconds(10);

    private final Duration allowedGap;
    private ReconcileResult last;
    private long lastNanos;

    ReconcileProgress(Duration reconcileInterval, long nowNanos) {
        this(reconcileInterval, GRACE, nowNanos);
    }

    /** With another grace than {@link #GRACE}: for tests that cannot wait 10 s. */
    ReconcileProgress(Duration reconcileInterval, Duration grace, long nowNanos) {
        this.allowedGap = reconcileInterval.multipliedBy(2).plus(grace);
        this.lastNanos = nowNanos;
    }

    /** Notes the last reconcile's result as read at nowNanos; one not seen before is progress. */
    void observe(Optional<ReconcileResult> result, long nowNanos) {
        if (result.isPresent() && result.get() != last) {
            last = result.get();
            lastNanos = nowNanos;
        }
    }

    /** Whether a reconcile finished within the allowed gap before nowNanos. */
    boolean healthy(long nowNanos) {
        return sinceProgress(nowNanos).compareTo(allowedGap) <= 0;
    }

    Duration sinceProgress(long nowNanos) {
        return Duration.ofNanos(nowNanos - lastNanos);
    }

    Duration allowedGap() {
        return allowedGap;
    }
}
