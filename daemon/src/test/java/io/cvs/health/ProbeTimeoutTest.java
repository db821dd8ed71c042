package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProbeTimeoutTest {

    private final RecordingListener listener = new RecordingListener();
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final HealthMonitor monitor = new HealthMonitor(new HealthProperties(1000, 0.1), listener, meters);

    @AfterEach
    void close() {
        monitor.close();
    }

    @Test
    void aBackendThatAcceptsAndNeverAnswersTimesOutWithoutHoldingUpOthersOrPilingUp() throws Exception {
        try (AcceptingServer hung = AcceptingServer.hanging();
                HttpBackend healthy = HttpBackend.plain().status("/healthz", 200)) {
            TargetKey stuck = Checks.key("web", "127.0.0.1", hung.port());
            TargetKey fine = Checks.key("web", "127.0.0.1", healthy.port());
            long updated = System.nanoTime();
            monitor.update(List.of(
                    new ProbeTarget(stuck, Checks.http("/healthz").interval(100).timeout(300).build(), true),
                    new ProbeTarget(fine, Checks.http("/healthz").interval(100).build(), true)));

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> !listener.of(stuck).isEmpty());
            long down = listener.of(stuck).get(0).atNanos() - updated;
            assertThat(listener.story(stuck)).containsExactly("down timeout after 300 ms");
            // the first probe starts within one interval and ends at its timeout (1 s of slack for a busy machine)
            assertThat(down).isBetween(Duration.ofMillis(300).toNanos(), Duration.ofMillis(100 + 300 + 1000).toNanos());
            // meanwhile the other backend was probed every 100 ms
            assertThat(healthy.hits("/healthz")).isGreaterThanOrEqualTo(2);

            long startedWatching = System.nanoTime();
            int acceptedBefore = hung.accepted();
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.health(stuck).orElseThrow().failuresInRow() >= 4);
            double watchedMillis = (System.nanoTime() - startedWatching) / 1e6;
            // one probe at a time: at most one per timeout, not one per interval
            assertThat(hung.accepted() - acceptedBefore).isLessThanOrEqualTo((int) (watchedMillis / 300) + 2);
            assertThat(meters.get("cvs.health.probes").tags("type", "http", "result", "timeout").counter().count())
                    .isGreaterThanOrEqualTo(4);
            assertThat(monitor.health(fine).orElseThrow().up()).isTrue();
            assertThat(listener.of(fine)).isEmpty();
        }
    }
}
