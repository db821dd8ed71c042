package io.cvs.systemd;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathMode;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.reconcile.ReconcileRunner;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.context.event.EventListener;

/**
 * Tells systemd how the daemon is doing (see the package doc): {@code READY=1} once the HTTP server listens and
 * the first reconcile has finished, {@code STATUS=} when what an operator should know changes, {@code WATCHDOG=1}
 * while reconciles keep finishing ({@link ReconcileProgress}), {@code STOPPING=1} when shutdown starts. Everything
 * runs on one thread of its own, which only reads what the reconciles left, so it can never hold up a write.
 * A bean of {@link SystemdConfiguration}.
 */
class SystemdNotifier {

    private static final Logger log = LoggerFactory.getLogger(SystemdNotifier.class);

    /** How often readiness is looked for once the HTTP server listens: the first reconcile is usually done. */
    private static final Duration READY_POLL = Duration.ofMillis(100);
    /** Polls before the status says the first reconcile is late (so a reconcile a moment late says nothing). */
    private static final int POLLS_BEFORE_WAITING = 20;
    /** How often the status is brought up to date after that (and the watchdog pinged, if it wants it sooner). */
    private static final Duration STATUS_PERIOD = Duration.ofSeconds(5);

    private final ServiceManager manager;
    private final ReconcileRunner reconciles;
    private final Datapath datapath;
    private final ReconcileProgress progress;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private ScheduledExecutorService timer;
    private ScheduledFuture<?> readyPoll;
    private DatapathMode mode;
    private Optional<Duration> watchdog = Optional.empty();
    private String lastStatus;
    private int pollsWithoutReconcile;
    private boolean wasHealthy = true;

    /** progress: the watchdog's rule, made at start (its clock runs from there until the first reconcile). */
    SystemdNotifier(ServiceManager manager, ReconcileRunner reconciles, ReconcileProgress progress,
            Datapath datapath) {
        this.manager = manager;
        this.reconciles = reconciles;
        this.datapath = datapath;
        this.progress = progress;
        manager.send(NotifyMessages.starting());
    }

    /**
     * Spring has started everything, the HTTP server included, and accepts traffic (the {@code readinessState}
     * part of readiness): wait for the first reconcile, then say ready.
     */
    @EventListener
    synchronized void serving(AvailabilityChangeEvent<ReadinessState> readiness) {
        if (readiness.getState() != ReadinessState.ACCEPTING_TRAFFIC || !manager.listening() || stopping.get()
                || timer != null) {
            return;
        }
        mode = datapath.status().mode();
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "cvs-systemd-notify");
            thread.setDaemon(true);
            return thread;
        });
        readyPoll = timer.scheduleWithFixedDelay(this::lookForReady, 0, READY_POLL.toMillis(),
                TimeUnit.MILLISECONDS);
    }

    /** Shutdown started (SIGTERM, systemctl stop): said before the HTTP server drains and the maps close. */
    @EventListener(ContextClosedEvent.class)
    synchronized void stopping() {
        if (!manager.listening() || !stopping.compareAndSet(false, true)) {
            return;
        }
        if (timer != null) {
            timer.shutdownNow();
        }
        manager.send(NotifyMessages.stopping(mode != null ? mode : datapath.status().mode()));
    }

    private synchronized void lookForReady() {
        Optional<ReconcileResult> first = reconciles.lastReconcile();
        if (stopping.get()) {
            return;
        }
        if (first.isEmpty()) {
            if (++pollsWithoutReconcile == POLLS_BEFORE_WAITING) {
                manager.send(NotifyMessages.waitingForFirstReconcile());
            }
            return;
        }
        readyPoll.cancel(false);
        progress.observe(first, System.nanoTime());
        String ready = NotifyMessages.ready(first.get(), mode);
        manager.send(ready);
        lastStatus = NotifyMessages.serving(first.get(), mode);
        log.info("Told systemd: {}", ready.replace('\n', ' '));
        watchdog = manager.watchdog();
        Duration period = watchdog.map(w -> w.dividedBy(2)).filter(half -> half.compareTo(STATUS_PERIOD) < 0)
                .orElse(STATUS_PERIOD);
        watchdog.ifPresent(w -> log.info("systemd's watchdog expects a ping within {} ms: sending one every {} ms "
                + "while a reconcile finished within the last {} s", w.toMillis(), period.toMillis(),
                progress.allowedGap().toSeconds()));
        timer.scheduleAtFixedRate(this::watch, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Brings the status up to date and pings the watchdog if the daemon is healthy by its rule. */
    private synchronized void watch() {
        if (stopping.get()) {
            return;
        }
        long now = System.nanoTime();
        Optional<ReconcileResult> last = reconciles.lastReconcile();
        progress.observe(last, now);
        boolean healthy = progress.healthy(now);
        if (wasHealthy && !healthy) {
            log.warn("No reconcile has finished for {} s; {}", progress.sinceProgress(now).toSeconds(),
                    watchdog.isPresent() ? "systemd's watchdog is pinged no more, so it restarts the daemon"
                            : "systemd runs no watchdog here");
        }
        String status = healthy ? NotifyMessages.serving(last.orElseThrow(), mode)
                : NotifyMessages.stalled(progress.allowedGap());
        if (!status.equals(lastStatus)) {
            manager.send(status);
            lastStatus = status;
        }
        wasHealthy = healthy;
        if (healthy && watchdog.isPresent()) {
            manager.send(NotifyMessages.WATCHDOG);
        }
    }
}
