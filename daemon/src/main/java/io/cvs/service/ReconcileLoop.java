package io.cvs.service;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Reconciles every {@code cvs.reconcile.interval}, repairing drift made outside the daemon. The first reconcile
 * is not this loop's: the registry queues it when it is built (readiness waits for it).
 */
@Component
class ReconcileLoop implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReconcileLoop.class);

    private final ServiceRegistry registry;
    private final ReconcileProperties properties;
    private ScheduledExecutorService timer;

    ReconcileLoop(ServiceRegistry registry, ReconcileProperties properties) {
        this.registry = registry;
        this.properties = properties;
    }

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, "cvs-reconcile");
            thread.setDaemon(true);
            return thread;
        });
        long interval = properties.interval().toMillis();
        timer.scheduleWithFixedDelay(this::reconcile, interval, interval, TimeUnit.MILLISECONDS);
    }

    private void reconcile() {
        try {
            registry.reconcile();
        } catch (RuntimeException e) {
            log.error("Reconcile failed; trying again in {}", properties.interval(), e);
        }
    }

    @Override
    public synchronized void stop() {
        timer.shutdownNow();
        timer = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return timer != null;
    }
}
