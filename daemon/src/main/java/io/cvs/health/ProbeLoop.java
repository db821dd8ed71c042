package io.cvs.health;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Comparator;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that probes: one selector for every probe's socket, one clock queue for when targets are due and when
 * probes time out. Everything here but {@link #execute} and {@link #inFlight} runs on that thread, so no state of
 * a target or probe needs a lock.
 *
 * <p>Schedule: a new target is first due at a uniformly random point of its first interval; each later time
 * {@code interval * (1 ± jitter)} after the previous due time, whatever the probe's duration, so probes keep their
 * rate and do not bunch up. A target due while its previous probe is still running (a timeout longer than the
 * interval) or still waiting for a slot skips that turn: a target has one probe in flight or waiting at most.
 * Timeouts are entries in the same queue; one that finds its probe ended does nothing.
 */
final class ProbeLoop implements Runnable {

    private static final Logger log = LoggerFactory.getLogger(ProbeLoop.class);

    private record Due(long nanos, Runnable action) {
    }

    private final Selector selector;
    private final PriorityQueue<Due> clock = new PriorityQueue<>(Comparator.comparingLong(Due::nanos));
    private final Queue<Runnable> commands = new ConcurrentLinkedQueue<>();
    /** Targets due while {@code maxInFlight} probes were in flight, oldest first. */
    private final ArrayDeque<Target> waiting = new ArrayDeque<>();
    private final int maxInFlight;
    private final double jitter;
    private final SSLContext tls;
    private final ProbeMetrics metrics;
    private final Consumer<Target> transitions;
    private volatile int inFlight;
    private volatile boolean running = true;

    /** @param transitions told on this thread when a target went up or down */
    ProbeLoop(HealthProperties properties, SSLContext tls, MeterRegistry meters, Consumer<Target> transitions) {
        try {
            this.selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("opening the health probes' selector", e);
        }
        this.maxInFlight = properties.maxConcurrentProbes();
        this.jitter = properties.jitter();
        this.tls = tls;
        this.metrics = new ProbeMetrics(meters, this, ProbeLoop::inFlight);
        this.transitions = transitions;
    }

    int inFlight() {
        return inFlight;
    }

    /** Runs {@code command} on the loop's thread, soon. Any thread. */
    void execute(Runnable command) {
        commands.add(command);
        selector.wakeup();
    }

    /** Ends the loop: its probes' sockets and the selector are closed on its way out. Any thread. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    /** Starts probing {@code added} and stops probing {@code removed} (already marked removed). */
    void change(Collection<Target> added, Collection<Target> removed) {
        long now = System.nanoTime();
        for (Target target : removed) {
            if (target.probe != null) {
                end(target.probe);
            }
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (Target target : added) {
            schedule(target, now + (long) (random.nextDouble() * target.intervalNanos));
        }
    }

    @Override
    public void run() {
        try {
            while (running) {
                Runnable command;
                while ((command = commands.poll()) != null) {
                    command.run();
                }
                runDue(System.nanoTime());
                startWaiting();
                selector.select(this::ready, selectTimeoutMillis());
            }
        } catch (IOException | RuntimeException e) {
            log.error("Health probes stopped: the probe loop failed", e);
        } finally {
            for (SelectionKey key : selector.keys()) {
                ((Probe) key.attachment()).close();
            }
            Probe.closeQuietly(selector);
            metrics.remove();
        }
    }

    /** Until the next due time; 0 (no timeout) when nothing is due; {@link #execute} wakes it up early. */
    private long selectTimeoutMillis() {
        Due next = clock.peek();
        if (next == null) {
            return 0;
        }
        return Math.max(1, (next.nanos() - System.nanoTime() + 999_999) / 1_000_000);
    }

    private void runDue(long now) {
        Due next;
        while ((next = clock.peek()) != null && next.nanos() - now <= 0) {
            clock.poll().action().run();
        }
    }

    private void schedule(Target target, long dueNanos) {
        clock.add(new Due(dueNanos, () -> due(target, dueNanos)));
    }

    private void due(Target target, long dueNanos) {
        if (target.removed) {
            return;
        }
        long step = (long) (target.intervalNanos * (1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1)));
        long now = System.nanoTime();
        // a loop that fell more than an interval behind starts afresh instead of catching up in a burst
        schedule(target, dueNanos + step - now > 0 ? dueNanos + step : now + step);
        if (target.probe != null || target.waiting) {
            return;
        }
        if (inFlight < maxInFlight && waiting.isEmpty()) {
            start(target);
        } else {
            target.waiting = true;
            waiting.add(target);
            metrics.delayed();
        }
    }

    private void startWaiting() {
        while (inFlight < maxInFlight && !waiting.isEmpty()) {
            Target target = waiting.poll();
            target.waiting = false;
            if (!target.removed) {
                start(target);
            }
        }
    }

    private void start(Target target) {
        long now = System.nanoTime();
        Probe probe = Probe.of(target, now, tls);
        target.probe = probe;
        inFlight++;
        clock.add(new Due(now + target.timeoutNanos, () -> {
            if (target.probe == probe) {
                finish(probe, ProbeOutcome.timeout(target.check().timeout()));
            }
        }));
        ProbeOutcome outcome;
        try {
            outcome = probe.start(selector);
        } catch (IOException | RuntimeException e) {
            outcome = ProbeOutcome.failure(e);
        }
        if (outcome != null) {
            finish(probe, outcome);
        }
    }

    private void ready(SelectionKey key) {
        Probe probe = (Probe) key.attachment();
        if (probe.target.probe != probe) {
            return;
        }
        ProbeOutcome outcome;
        try {
            outcome = probe.ready(key);
        } catch (IOException | RuntimeException e) {
            outcome = ProbeOutcome.failure(e);
        }
        if (outcome != null) {
            finish(probe, outcome);
        }
    }

    private void finish(Probe probe, ProbeOutcome outcome) {
        Target target = probe.target;
        end(probe);
        metrics.probed(target.check().type(), outcome.result(), System.nanoTime() - probe.startedNanos);
        if (!target.removed && target.record(outcome, Instant.now())) {
            metrics.transition(target.health.up());
            transitions.accept(target);
        }
    }

    private void end(Probe probe) {
        probe.target.probe = null;
        probe.close();
        inFlight--;
    }
}
