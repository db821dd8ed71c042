package io.cvs.flows;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Flows;
import io.cvs.datapath.ServiceKey;
import io.cvs.service.DownBackends;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceTable;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the datapath's flow sweeps off the thread that writes, one at a time: a request while one runs is kept as
 * the one pending, and later requests join it, so a burst of writes costs at most two sweeps. Coalescing loses
 * nothing because a sweep decides from the maps alone: the pending one ends whatever every event it covers left.
 */
public final class FlowSweeper implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(FlowSweeper.class);

    /** The desired state and health as they are now: what the reset list and the reasons are judged by. */
    public record State(ServiceTable desired, DownBackends down) {
    }

    private final Function<Set<ServiceKey>, List<Flows.Ended>> sweep;
    private final Supplier<State> state;
    private final FlowMetrics metrics;
    private final Thread thread;
    /** Guarded by this: the next sweep's event, null when none waits; whether a sweep runs; whether closed. */
    private SweepEvent pending;
    private boolean running;
    private boolean closed;
    /** Sweeps begun; only the sweeper's thread touches it. */
    private int sweeps;

    /**
     * @param sweep the datapath's {@link io.cvs.datapath.Datapath#sweepFlows}: services whose TCP is reset, to what
     *              was ended
     */
    public FlowSweeper(Function<Set<ServiceKey>, List<Flows.Ended>> sweep, Supplier<State> state,
            FlowMetrics metrics) {
        this.sweep = sweep;
        this.state = state;
        this.metrics = metrics;
        this.thread = new Thread(this::loop, "cvs-flow-sweeper");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Asks for a sweep after event; returns at once. Ignored once closed. */
    public synchronized void request(SweepEvent event) {
        if (closed) {
            return;
        }
        pending = pending == null ? event : pending.and(event);
        notifyAll();
    }

    /** Waits until no sweep runs or waits; false when that took longer than timeout. For tests and tools. */
    public synchronized boolean awaitIdle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (running || pending != null) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return true;
    }

    private void loop() {
        while (true) {
            SweepEvent next;
            synchronized (this) {
                running = false;
                notifyAll();
                while (pending == null && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        // only close() ends this thread
                    }
                }
                if (pending == null) {
                    return;
                }
                next = pending;
                pending = null;
                running = true;
            }
            run(next);
        }
    }

    private void run(SweepEvent event) {
        Failpoint.beforeSweep(sweeps++ == 0);
        State now = state.get();
        Map<ServiceKey, Service> deleted = new HashMap<>();
        event.deleted().forEach(s -> deleted.putIfAbsent(s.key(), s));
        List<Flows.Ended> ended;
        try {
            ended = sweep.apply(resetTcp(now.desired(), deleted));
        } catch (RuntimeException e) {
            metrics.swept(false);
            log.warn("A flow sweep failed; the next write or start sweeps again: {}", e.getMessage(), e);
            return;
        }
        long done = System.nanoTime();
        metrics.swept(true);
        ended = ended.stream().filter(e -> e.total() > 0).toList();
        if (ended.isEmpty()) {
            return;
        }
        metrics.cleanedUp(event.nanos(), done);
        for (Flows.Ended e : ended) {
            metrics.ended(serviceName(e.service(), now.desired(), deleted), IpAddresses.withPort(
                    e.backend().address(), e.backend().port()), FlowReason.of(e, now.desired(), now.down()), e.total());
        }
        log.info("Flow sweep ended {} flows in {} ms: {}", ended.stream().mapToInt(Flows.Ended::total).sum(),
                (done - event.nanos()) / 1_000_000, ended.stream().map(e -> describe(e, now, deleted))
                        .collect(Collectors.joining(", ")));
    }

    /**
     * The services whose TCP connections are reset: every desired RESET service, and the deleted RESET ones whose
     * address no service took since (one that did decides for itself).
     */
    static Set<ServiceKey> resetTcp(ServiceTable desired, Map<ServiceKey, Service> deleted) {
        Set<ServiceKey> reset = new HashSet<>();
        for (Service service : desired.services()) {
            if (service.content().onBackendRemoval() == OnBackendRemoval.RESET) {
                reset.add(service.key());
            }
        }
        deleted.forEach((key, service) -> {
            if (service.content().onBackendRemoval() == OnBackendRemoval.RESET
                    && !desired.byKey().containsKey(key)) {
                reset.add(key);
            }
        });
        return reset;
    }

    /** Its name when desired or deleted by the events swept for; else (deleted before a restart) its key. */
    private static String serviceName(ServiceKey key, ServiceTable desired, Map<ServiceKey, Service> deleted) {
        Service service = desired.byKey().get(key);
        if (service == null) {
            service = deleted.get(key);
        }
        return service != null ? service.name() : key.toString();
    }

    private static String describe(Flows.Ended e, State now, Map<ServiceKey, Service> deleted) {
        return serviceName(e.service(), now.desired(), deleted) + " " + e.backend() + " ("
                + FlowReason.of(e, now.desired(), now.down()).label() + "): " + e.tcp() + " tcp, " + e.udp()
                + " udp";
    }

    /** Finishes the sweep that runs, drops the one pending (the next start sweeps), and stops the thread. */
    @Override
    public void close() {
        synchronized (this) {
            closed = true;
            pending = null;
            notifyAll();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
