package io.cvs.fleet;

import io.cvs.fleet.store.FleetStore;
import io.cvs.fleet.store.Snapshot;
import io.cvs.fleet.store.StoreUnavailableException;
import io.cvs.fleet.store.StoredService;
import io.cvs.fleet.store.WatchListener;
import io.cvs.service.Service;
import io.cvs.write.ServiceRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How this host converges to the store. At start the registry has already restored the journal and forwards it
 * (nothing here waits for the store). Then, on a thread of its own: a snapshot when the journal records no
 * applied revision or this host's labels changed since its last report (services it dropped may be its own now),
 * else a watch from the journal's revision + 1. The revisions the watch delivers together (a watch response, or
 * a backlog that queued while the last change was applied) become one journaled change of the registry carrying
 * the last revision ({@link ServiceRegistry#applyFromFleet}), so a restart watches from after all of them; a
 * service whose {@code hosts} selector leaves this host out is removed here, never from the store.
 *
 * <p>When the store compacted past the watch, the watch broke, or the store was away: a snapshot at one revision,
 * applied as adds and updates first and removals last (never a flush, never a removal before the whole snapshot
 * is in), then a watch from after it. Every restart is counted with its reason. This host reports itself (applied
 * revision, readiness, datapath, labels, last error) every cvs.fleet.report-interval and after each apply, under
 * a lease ({@link HostReporter}), which is also how an outage is noticed.
 */
final class FleetSync implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FleetSync.class);
    /** The wait before trying the store again after it failed. */
    private static final Duration BACKOFF = Duration.ofMillis(500);

    /** Why the current watch ended. */
    private record Ended(FleetMetrics.Restart reason, String detail) {
    }

    private final FleetStore store;
    private final ServiceRegistry registry;
    private final FleetCodec codec;
    private final FleetStatus status;
    private final AppliedRevisions applied;
    private final FleetMetrics metrics;
    private final HostReporter.Identity identity;
    private final Clock clock;
    private final BlockingQueue<Ended> ended = new LinkedBlockingQueue<>();
    private final Thread thread;
    private final HostReporter reporter;
    private volatile boolean closed;

    FleetSync(FleetStore store, ServiceRegistry registry, FleetCodec codec, FleetStatus status,
            AppliedRevisions applied, FleetMetrics metrics, HostReporter.Identity identity, Clock clock) {
        this.store = store;
        this.registry = registry;
        this.codec = codec;
        this.status = status;
        this.applied = applied;
        this.metrics = metrics;
        this.identity = identity;
        this.clock = clock;
        applied.applied(registry.appliedRevision());
        this.thread = new Thread(this::loop, "cvs-fleet-sync");
        thread.setDaemon(true);
        // The store is back: the watch may have missed what changed meanwhile.
        this.reporter = new HostReporter(store, status, applied, identity, clock,
                () -> ended.add(new Ended(FleetMetrics.Restart.OUTAGE, "the store answers again")));
    }

    void start() {
        thread.start();
    }

    /**
     * Reports start once the sync thread has read this host's last report ({@link #relabelled}), which the first
     * report would overwrite.
     */
    private void startReporting() {
        reporter.start();
    }

    private void loop() {
        boolean snapshot = true;
        boolean first = true;
        while (!closed) {
            try {
                if (first) {
                    snapshot = registry.appliedRevision() == 0 || relabelled();
                    first = false;
                    startReporting();
                }
                if (snapshot) {
                    resync();
                    snapshot = false;
                }
                Ended end = watch();
                if (end == null) {
                    return;
                }
                log.info("The fleet watch ended ({}: {}); resynchronizing from a snapshot", end.reason().label(),
                        end.detail());
                if (end.reason() != FleetMetrics.Restart.OUTAGE) {
                    // An outage is counted when the resync after it succeeds.
                    metrics.restarted(end.reason());
                }
                snapshot = true;
            } catch (StoreUnavailableException e) {
                if (status.unreachable(clock.instant())) {
                    log.warn("The fleet's store is unreachable ({}); forwarding goes on from this host's state",
                            e.getMessage());
                }
                snapshot = true;
                if (first) {
                    first = false;
                    startReporting();
                }
                pause();
            } catch (RuntimeException e) {
                log.error("Applying the fleet's state failed; trying again from a snapshot", e);
                status.lastError(e.getMessage());
                snapshot = true;
                pause();
            }
        }
    }

    /**
     * Whether this host's labels differ from those of its last report (or it has none left): then what its journal
     * holds was chosen by other labels, and services it dropped as not its own may be its own now.
     */
    private boolean relabelled() {
        return store.hosts().stream().filter(h -> h.hostId().equals(identity.hostId())).findFirst()
                .map(h -> !h.labels().equals(identity.labels())).orElse(true);
    }

    /** Watches from after the applied revision until the watch ends; null when closed. */
    private Ended watch() {
        ended.clear();
        try (AutoCloseable handle = store.watch(applied.applied() + 1, new Listener())) {
            while (!closed) {
                Ended end = ended.poll(200, TimeUnit.MILLISECONDS);
                if (end != null) {
                    return end;
                }
            }
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        } catch (StoreUnavailableException | Error e) {
            throw e;
        } catch (Exception e) {
            throw new StoreUnavailableException("closing the watch failed: " + e.getMessage(), e);
        }
    }

    /** Makes the registry hold the store's snapshot: adds and updates first, then removals, each journaled. */
    private void resync() {
        Snapshot snapshot = store.snapshot();
        if (status.answered()) {
            metrics.restarted(FleetMetrics.Restart.OUTAGE);
            log.info("The fleet's store answers again; resynchronizing from revision {}", snapshot.revision());
        }
        status.storeRevision(snapshot.revision());
        List<Service> services = decode(snapshot.services());
        Set<String> inStore = new HashSet<>();
        services.forEach(s -> inStore.add(s.id()));
        List<String> gone = new ArrayList<>();
        registry.byName().values().stream().filter(s -> !inStore.contains(s.id())).forEach(s -> gone.add(s.id()));
        // Adds and updates first; one that takes a name or address a removed service still holds here must wait
        // for the removal, so it goes with the removals, in the same journaled change.
        Set<String> goneNames = new HashSet<>();
        Set<Object> goneKeys = new HashSet<>();
        gone.forEach(id -> {
            Service was = registry.get(id);
            goneNames.add(was.name());
            goneKeys.add(was.key());
        });
        List<Service> first = new ArrayList<>();
        List<Service> withRemovals = new ArrayList<>();
        for (Service s : services) {
            (goneNames.contains(s.name()) || goneKeys.contains(s.key()) ? withRemovals : first).add(s);
        }
        if (!gone.isEmpty() && !first.isEmpty()) {
            join(registry.applyFromFleet(0, first, List.of()));
            first = List.of();
        }
        first = new ArrayList<>(first);
        first.addAll(withRemovals);
        join(registry.applyFromFleet(snapshot.revision(), first, gone));
        applied.applied(snapshot.revision());
        status.applied(clock.instant());
        status.lastError(null);
        log.info("Resynchronized with the fleet's store at revision {}: {} services, {} removed here",
                snapshot.revision(), services.size(), gone.size());
        reportSoon();
    }

    private List<Service> decode(List<StoredService> stored) {
        List<Service> services = new ArrayList<>(stored.size());
        for (StoredService s : stored) {
            try {
                services.add(codec.decode(s));
            } catch (RuntimeException e) {
                // Skipped, not removed: a host that cannot read an entry keeps what it forwards of it.
                log.error("The fleet's entry {} does not decode; it is skipped here", s.id(), e);
                status.lastError("entry " + s.id() + " does not decode: " + e.getMessage());
            }
        }
        return services;
    }

    private static void join(CompletableFuture<Void> done) {
        try {
            done.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Receives the watch's events on the watch's thread; the revisions of one delivery are applied as one journaled
     * change at the last of them (each id as its last event left it), and the next delivery waits for it.
     */
    private final class Listener implements WatchListener {

        /** After a revision failed to apply, later progress must not count it as applied. */
        private boolean failed;

        @Override
        public void changed(List<Revision> revisions) {
            long revision = revisions.get(revisions.size() - 1).revision();
            try {
                // A later event of an id replaces an earlier one: the change leads to the state at revision.
                Map<String, StoredService> last = new LinkedHashMap<>();
                List<StoredService> stored = new ArrayList<>();
                for (Revision r : revisions) {
                    for (Event event : r.events()) {
                        last.remove(event.id());
                        last.put(event.id(), event.service());
                        if (event.service() != null) {
                            stored.add(event.service());
                        }
                    }
                }
                List<String> deletes = new ArrayList<>();
                List<StoredService> puts = new ArrayList<>();
                last.forEach((id, service) -> {
                    if (service == null) {
                        deletes.add(id);
                    } else {
                        puts.add(service);
                    }
                });
                join(registry.applyFromFleet(revision, decode(puts), deletes));
                applied.applied(revision);
                status.storeRevision(revision);
                long now = clock.millis();
                status.applied(clock.instant());
                stored.forEach(s -> {
                    Instant at = codec.committedAt(s);
                    if (at != null) {
                        metrics.applied(at.toEpochMilli(), now);
                    }
                });
                reportSoon();
            } catch (RuntimeException e) {
                failed = true;
                status.lastError(e.getMessage());
                String which = revisions.size() == 1 ? "revision " + revision
                        : "revisions " + revisions.get(0).revision() + " to " + revision;
                ended.add(new Ended(FleetMetrics.Restart.BROKEN, "applying " + which + " failed: " + e.getMessage()));
            }
        }

        @Override
        public void progress(long revision) {
            if (failed) {
                return;
            }
            applied.applied(revision);
            status.storeRevision(revision);
        }

        @Override
        public void compacted(long compactRevision) {
            ended.add(new Ended(FleetMetrics.Restart.COMPACTED, "compacted at " + compactRevision));
        }

        @Override
        public void broken(Throwable cause) {
            ended.add(new Ended(FleetMetrics.Restart.BROKEN, String.valueOf(cause)));
        }
    }

    private void reportSoon() {
        if (!closed) {
            reporter.soon();
        }
    }

    private void pause() {
        try {
            Thread.sleep(BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        closed = true;
        reporter.close();
        thread.interrupt();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
