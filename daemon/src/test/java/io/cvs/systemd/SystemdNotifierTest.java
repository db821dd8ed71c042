package io.cvs.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.MemoryDatapath;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.reconcile.ReconcileRunner;
import io.cvs.testing.NotifySocket;
import io.cvs.testing.NotifySocket.Datagram;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;

/**
 * The notifier's timing, which a real daemon cannot be made to show at will: READY=1 held back while the HTTP
 * server listens but the first reconcile has not finished, and watchdog pings that stop when reconciles stop and
 * resume with them. Real libsystemd0 to a socket of the test's ({@link CEnvironment}); the write pipeline is
 * {@link ReconcilesByHand}, a stand-in that finishes a reconcile when the test says, since the real one can be
 * neither held back nor stopped.
 */
class SystemdNotifierTest {

    private static final String ADDRESS = "@cvs-test-notify-" + ProcessHandle.current().pid() + "-notifier";
    /** Allowed gap: 2 × 300 ms + 300 ms. */
    private static final Duration INTERVAL = Duration.ofMillis(300);
    private static final Duration GRACE = Duration.ofMillis(300);

    private final ScheduledExecutorService reconcileLoop = Executors.newSingleThreadScheduledExecutor();

    @AfterEach
    void clear() {
        reconcileLoop.shutdownNow();
        CEnvironment.clear();
    }

    @Test
    void readyWaitsForTheFirstReconcileThoughTheHttpServerListensBefore() throws Exception {
        try (NotifySocket socket = new NotifySocket(ADDRESS)) {
            ReconcilesByHand reconciles = new ReconcilesByHand();
            SystemdNotifier notifier = notifier(reconciles, Map.of("NOTIFY_SOCKET", ADDRESS));

            notifier.serving(new AvailabilityChangeEvent<>(this, ReadinessState.ACCEPTING_TRAFFIC));
            socket.await(d -> d.status().orElse("").startsWith("Not ready: the first reconcile has not finished"),
                    Duration.ofSeconds(10), "saying it is not ready (2 s after the HTTP server listens)");
            assertThat(socket.received()).noneMatch(d -> d.says("READY=1"));

            long finished = System.nanoTime();
            reconciles.finish(3);
            Datagram ready = socket.await(d -> d.says("READY=1"), Duration.ofSeconds(5), "saying READY=1");
            assertThat(Duration.ofNanos(ready.receivedNanos() - finished)).as("READY=1 after the reconcile")
                    .isLessThan(Duration.ofSeconds(1));
            assertThat(ready.status().orElseThrow()).startsWith("Ready: the first reconcile put 3 services");

            notifier.stopping();
            socket.await(d -> d.says("STOPPING=1"), Duration.ofSeconds(5), "saying STOPPING=1");
        }
    }

    @Test
    void watchdogPingsStopWhenReconcilesStopAndResumeWithThem() throws Exception {
        try (NotifySocket socket = new NotifySocket(ADDRESS)) {
            ReconcilesByHand reconciles = new ReconcilesByHand();
            SystemdNotifier notifier = notifier(reconciles, Map.of("NOTIFY_SOCKET", ADDRESS,
                    "WATCHDOG_USEC", "200000"));
            ScheduledFuture<?> loop = reconcileEvery100ms(reconciles);
            notifier.serving(new AvailabilityChangeEvent<>(this, ReadinessState.ACCEPTING_TRAFFIC));
            socket.await(d -> d.says("WATCHDOG=1"), 3, Duration.ofSeconds(5), "saying WATCHDOG=1 every 100 ms");

            loop.cancel(false);
            Datagram stalled = socket.await(d -> d.status().orElse("").startsWith("No reconcile has finished"),
                    Duration.ofSeconds(5), "saying no reconcile finishes");
            Thread.sleep(500); // five of the ticks that would ping
            assertThat(socket.received()).as("nothing but the status after it said the reconciles stalled")
                    .filteredOn(d -> d.receivedNanos() > stalled.receivedNanos())
                    .noneMatch(d -> d.says("WATCHDOG=1"));
            List<Datagram> beforeStall = socket.received().stream()
                    .filter(d -> d.receivedNanos() <= stalled.receivedNanos()).toList();
            assertThat(beforeStall.get(beforeStall.size() - 2).says("WATCHDOG=1"))
                    .as("pinged until the stall was noticed").isTrue();

            reconcileEvery100ms(reconciles);
            Datagram serving = socket.await(d -> d.receivedNanos() > stalled.receivedNanos()
                    && d.status().orElse("").startsWith("Serving 1 service"), Duration.ofSeconds(5),
                    "saying it serves again");
            socket.await(d -> d.says("WATCHDOG=1") && d.receivedNanos() > serving.receivedNanos(),
                    Duration.ofSeconds(5), "pinging again");

            notifier.stopping();
            Datagram stopping = socket.await(d -> d.says("STOPPING=1"), Duration.ofSeconds(5), "saying STOPPING=1");
            Thread.sleep(300);
            assertThat(socket.received()).as("nothing after STOPPING=1")
                    .noneMatch(d -> d.receivedNanos() > stopping.receivedNanos());
        }
    }

    private static SystemdNotifier notifier(ReconcileRunner reconciles, Map<String, String> environment) {
        CEnvironment.set(environment);
        return new SystemdNotifier(ServiceManager.of(ADDRESS, LibSystemd.SONAME), reconciles,
                new ReconcileProgress(INTERVAL, GRACE, System.nanoTime()), new MemoryDatapath(
                        MemoryDatapath.LIBCVSBPF_DEFAULT, null));
    }

    private ScheduledFuture<?> reconcileEvery100ms(ReconcilesByHand reconciles) {
        return reconcileLoop.scheduleAtFixedRate(() -> reconciles.finish(1), 0, 100, TimeUnit.MILLISECONDS);
    }

    /** The write pipeline's reconciles, finished when the test says: a stand-in, named as one. */
    private static final class ReconcilesByHand implements ReconcileRunner {

        private volatile ReconcileResult last;

        void finish(int services) {
            last = new ReconcileResult(Instant.now(), services, 0, 0, 0, 0, Duration.ZERO);
        }

        @Override
        public ReconcileResult reconcile() {
            throw new UnsupportedOperationException("the notifier only reads the last result");
        }

        @Override
        public Optional<ReconcileResult> lastReconcile() {
            return Optional.ofNullable(last);
        }
    }
}
