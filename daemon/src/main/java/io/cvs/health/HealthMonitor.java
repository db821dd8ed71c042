package io.cvs.health;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes backends and tells a {@link HealthListener} when one goes up or down. The probing runs on one thread
 * ({@link ProbeLoop}); the listener is called on another, so a slow listener never delays a probe.
 *
 * <p>Why a selector of its own rather than {@link java.net.http.HttpClient} or a thread per probe: the aim is
 * 10,000 backends probed every second in under one core (daemon/bench/RESULTS-health.md). A blocking probe holds a
 * thread for its whole duration, up to the timeout: 10,000 threads, and two to three times the CPU per probe in the
 * same benchmark. {@code HttpClient} keeps connections alive and reuses them (a check should open its own: an old
 * connection says nothing of whether the backend accepts new ones), will not send {@code Connection: close} (a
 * restricted header), and reads every body to the end so as to reuse the connection. An HTTP check needs one
 * request and one status line, which a few dozen lines do on the same selector as TCP and UDP, with TLS from the
 * JDK's {@link javax.net.ssl.SSLEngine}.
 */
public final class HealthMonitor implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(HealthMonitor.class);

    private final HealthListener listener;
    private final Map<TargetKey, Target> targets = new ConcurrentHashMap<>();
    private final Object updates = new Object();
    private final ProbeLoop loop;
    private final Thread loopThread;
    private final ExecutorService events;

    public HealthMonitor(HealthProperties properties, HealthListener listener, MeterRegistry meters) {
        this.listener = listener;
        this.events = Executors.newSingleThreadExecutor(runnable -> daemonThread(runnable, "cvs-health-events"));
        this.loop = new ProbeLoop(properties, UnverifiedTls.context(), meters, this::changed);
        this.loopThread = daemonThread(loop, "cvs-health-probes");
        loopThread.start();
    }

    /**
     * Makes the probed set exactly {@code wanted}: a new target starts at {@link ProbeTarget#initiallyUp()}, without
     * a listener call; one whose key and check are unchanged keeps its state and schedule; a removed one (or one whose
     * check changed, which starts anew) stops at once: its probe in flight is dropped, and the listener hears no more
     * of it. Checks everything first: a bad target or a key given twice throws and changes nothing. Any thread;
     * O(targets) with hash lookups only, so cheap after every configuration change.
     */
    public void update(Collection<ProbeTarget> wanted) {
        Map<TargetKey, ProbeTarget> byKey = new HashMap<>(wanted.size() * 4 / 3 + 1);
        for (ProbeTarget target : wanted) {
            if (byKey.put(target.key(), target) != null) {
                throw new IllegalArgumentException("target given twice: " + target.key());
            }
        }
        synchronized (updates) {
            Instant now = Instant.now();
            List<Target> added = new ArrayList<>();
            for (ProbeTarget target : byKey.values()) {
                Target current = targets.get(target.key());
                if (current == null || !current.check().equals(target.check())) {
                    added.add(new Target(target, now));
                }
            }
            List<Target> removed = new ArrayList<>();
            for (Target current : targets.values()) {
                ProbeTarget target = byKey.get(current.key());
                if (target == null || !target.check().equals(current.check())) {
                    removed.add(current);
                }
            }
            for (Target target : removed) {
                target.removed = true;
                targets.remove(target.key(), target);
            }
            for (Target target : added) {
                targets.put(target.key(), target);
            }
            if (!added.isEmpty() || !removed.isEmpty()) {
                loop.execute(() -> loop.change(added, removed));
            }
        }
    }

    /** Whether probes still run: false once closed, or after the probe loop failed (it logged why). */
    public boolean probing() {
        return loopThread.isAlive();
    }

    /** How many backends are probed. */
    public int targets() {
        return targets.size();
    }

    /** Probes in flight now. */
    public int inFlight() {
        return loop.inFlight();
    }

    /** The backend's health now, or empty when it is not probed. */
    public Optional<BackendHealth> health(TargetKey key) {
        Target target = targets.get(key);
        return target == null ? Optional.empty() : Optional.of(target.health);
    }

    /** Stops probing (sockets closed) and calling the listener; waits a few seconds at most. */
    @Override
    public void close() {
        loop.stop();
        try {
            // the loop first: it hands changes to the event thread until it ends
            loopThread.join(TimeUnit.SECONDS.toMillis(5));
            events.shutdownNow();
            events.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** On the loop's thread: hands the change to the event thread with the health that made it. */
    private void changed(Target target) {
        BackendHealth health = target.health;
        events.execute(() -> tell(target, health));
    }

    private void tell(Target target, BackendHealth health) {
        if (target.removed) {
            return;
        }
        TargetKey key = target.key();
        if (health.up()) {
            log.info("Backend {} is up: {} ({} passed in a row)", key, health.lastResult(), health.successesInRow());
        } else {
            log.warn("Backend {} is down: {} ({} failed in a row)", key, health.lastResult(), health.failuresInRow());
        }
        call(key, health.up(), health.lastResult());
        // update() replaced the target during the call, maybe giving the new one the listener's state from before
        // it: say the new target's state, so the listener does not stay behind until its next change
        Target successor = target.removed ? targets.get(key) : null;
        if (successor != null && successor.health.up() != health.up()) {
            BackendHealth now = successor.health;
            log.info("Backend {} is {} again: its check changed while it went {}", key, now.up() ? "up" : "down",
                    health.up() ? "up" : "down");
            call(key, now.up(), now.lastResult() == null ? "check changed" : now.lastResult());
        }
    }

    private void call(TargetKey key, boolean up, String reason) {
        try {
            listener.changed(key, up, reason);
        } catch (RuntimeException e) {
            log.error("The health listener failed on {} going {}", key, up ? "up" : "down", e);
        }
    }

    private static Thread daemonThread(Runnable runnable, String name) {
        Thread thread = new Thread(runnable, name);
        thread.setDaemon(true);
        return thread;
    }
}
