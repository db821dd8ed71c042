package io.cvs.fleet;

import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.HostReport;
import io.cvs.fleet.store.StoreUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports this host under {@code <prefix>hosts/<host-id>} (applied revision, readiness, datapath, labels, last
 * error, with a lease) every report interval and soon after each apply, on a thread of its own; each time it also
 * learns the store's revision (the report's own) and asks the watch for its progress. Reports asked for while one
 * is waiting to run are that one: a host applying a burst of revisions reports once the burst is in, rather than
 * queueing a write to the store per revision. This is also where an outage shows: the watch
 * rides outages out in silence, so a report the store does not take starts one, and the first it takes again
 * tells {@link FleetSync} to resynchronize.
 */
final class HostReporter implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HostReporter.class);

    /**
     * This host as it reports itself.
     *
     * @param ready    whether it forwards (first reconcile done)
     * @param datapath its datapath mode
     */
    record Identity(String hostId, Map<String, String> labels, BooleanSupplier ready, Supplier<String> datapath,
            Duration reportInterval, Duration reportTtl) {
    }

    private final FleetStore store;
    private final FleetStatus status;
    private final AppliedRevisions applied;
    private final Identity identity;
    private final Clock clock;
    private final Runnable storeBack;
    /** A report asked for by {@link #soon} is queued and has not started yet. */
    private final AtomicBoolean queued = new AtomicBoolean();
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cvs-fleet-report");
        t.setDaemon(true);
        return t;
    });

    /** @param storeBack told (on this thread) at each report the store took while an outage was on */
    HostReporter(FleetStore store, FleetStatus status, AppliedRevisions applied, Identity identity, Clock clock,
            Runnable storeBack) {
        this.store = store;
        this.status = status;
        this.applied = applied;
        this.identity = identity;
        this.clock = clock;
        this.storeBack = storeBack;
    }

    void start() {
        thread.scheduleWithFixedDelay(this::report, 0, identity.reportInterval().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** A report besides the periodic ones, e.g. after an apply. */
    void soon() {
        if (!queued.compareAndSet(false, true)) {
            return;
        }
        try {
            thread.execute(() -> {
                queued.set(false);
                report();
            });
        } catch (RejectedExecutionException closed) {
            // shutting down
        }
    }

    private void report() {
        try {
            status.storeRevision(store.report(new HostReport(identity.hostId(), applied.applied(), clock.instant(),
                    identity.ready().getAsBoolean(), identity.datapath().get(), identity.labels(),
                    status.lastError(), identity.reportTtl())));
            store.requestProgress();
            if (!status.reachable()) {
                storeBack.run();
            }
        } catch (StoreUnavailableException e) {
            if (status.unreachable(clock.instant())) {
                log.warn("The fleet's store is unreachable ({}); forwarding goes on from this host's state",
                        e.getMessage());
            }
        } catch (RuntimeException e) {
            log.warn("Reporting this host to the fleet's store failed", e);
        }
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
