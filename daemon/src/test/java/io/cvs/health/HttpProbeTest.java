package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HttpProbeTest extends MonitorTestBase {

    @Test
    void followsTheStatusOfThePathItAsksFor() throws Exception {
        try (HttpBackend backend = HttpBackend.plain().status("/healthz", 200)) {
            TargetKey key = Checks.key("web", "127.0.0.1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.http("/healthz").status(200, 299).build(), false)));
            awaitChanges(key, 1);

            backend.status("/healthz", 503);
            awaitChanges(key, 2);
            backend.status("/healthz", 200);
            awaitChanges(key, 3);

            assertThat(listener.story(key)).containsExactly("up HTTP 200", "down HTTP 503", "up HTTP 200");
            assertThat(backend.lastHost()).isEqualTo("127.0.0.1:" + backend.port());
            assertThat(backend.hits("/")).isZero();
        }
    }

    @Test
    void aStatusOutsideTheRangeFailsAndOneInsidePasses() throws Exception {
        try (HttpBackend backend = HttpBackend.plain().status("/maintenance", 503).status("/ok", 200)) {
            TargetKey maintenanceCounts = Checks.key("a", "127.0.0.1", backend.port());
            TargetKey okDoesNot = Checks.key("b", "127.0.0.1", backend.port());
            monitor.update(List.of(
                    new ProbeTarget(maintenanceCounts, Checks.http("/maintenance").status(500, 503).build(), false),
                    new ProbeTarget(okDoesNot, Checks.http("/ok").status(500, 503).build(), true)));

            awaitChanges(maintenanceCounts, 1);
            awaitChanges(okDoesNot, 1);
            assertThat(listener.story(maintenanceCounts)).containsExactly("up HTTP 503");
            assertThat(listener.story(okDoesNot)).containsExactly("down HTTP 200");
        }
    }

    @Test
    void aPathTheBackendDoesNotServeFails() throws Exception {
        try (HttpBackend backend = HttpBackend.plain().status("/healthz", 200)) {
            TargetKey key = Checks.key("web", "127.0.0.1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.http("/elsewhere").build(), true)));

            awaitChanges(key, 1);
            assertThat(listener.story(key)).containsExactly("down HTTP 404");
            assertThat(backend.hits("/elsewhere")).isPositive();
            assertThat(backend.hits("/healthz")).isZero();
        }
    }

    private void awaitChanges(TargetKey key, int count) {
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                .until(() -> listener.of(key).size() >= count);
    }
}
