package io.cvs.system;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.springframework.context.SmartLifecycle;

/**
 * Work repeated on a thread of its own while the daemon runs: started and stopped with the application context,
 * each run {@code interval} after the previous one ended, so a slow run delays the next instead of piling up.
 */
public abstract class PeriodicTask implements SmartLifecycle {

    private final String threadName;
    private final Duration firstDelay;
    private final Duration interval;
    private ScheduledExecutorService timer;

    protected PeriodicTask(String threadName, Duration firstDelay, Duration interval) {
        this.threadName = threadName;
        this.firstDelay = firstDelay;
        this.interval = interval;
    }

    /** One run; what it throws is its own to log, since the next run comes all the same. */
    protected abstract void runOnce();

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread thread = new Thread(r, threadName);
            thread.setDaemon(true);
            return thread;
        });
        timer.scheduleWithFixedDelay(this::runOnce, firstDelay.toMillis(), interval.toMillis(),
                TimeUnit.MILLISECONDS);
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
