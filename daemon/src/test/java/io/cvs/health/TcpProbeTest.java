package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class TcpProbeTest extends MonitorTestBase {

    @Test
    void aListeningBackendStaysUpGoesDownAfterFallRefusalsAndUpAgainAfterRisePasses() throws Exception {
        try (AcceptingServer server = AcceptingServer.closingEach()) {
            TargetKey key = Checks.key("web", "127.0.0.1", server.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.tcp().interval(100).rise(2).fall(3).build(), true)));

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.health(key).orElseThrow().successesInRow() >= 5);
            assertThat(listener.of(key)).isEmpty();
            assertThat(monitor.health(key).orElseThrow().lastResult()).isEqualTo("ok");

            server.stop();
            long stopped = System.nanoTime();
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> listener.of(key).size() == 1);
            // three probes at 100 ms * (1 ± 0.1), the first within one interval of the stop; 1 s of slack for a
            // busy machine
            assertThat(listener.of(key).get(0).atNanos() - stopped).isBetween(
                    Duration.ofMillis(180).toNanos(), Duration.ofMillis(330 + 1000).toNanos());
            assertThat(monitor.health(key).orElseThrow().failuresInRow()).isGreaterThanOrEqualTo(3);

            server.listen();
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> listener.of(key).size() == 2);
            assertThat(listener.story(key)).containsExactly("down connection refused", "up ok");
            BackendHealth health = monitor.health(key).orElseThrow();
            assertThat(health.up()).isTrue();
            assertThat(health.successesInRow()).isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void aBackendThatStartsDownGoesUpAfterRisePasses() throws Exception {
        try (AcceptingServer server = AcceptingServer.closingEach()) {
            TargetKey key = Checks.key("web", "127.0.0.1", server.port());
            long updated = System.nanoTime();
            monitor.update(List.of(new ProbeTarget(key, Checks.tcp().interval(100).rise(3).build(), false)));
            BackendHealth initial = monitor.health(key).orElseThrow();
            assertThat(initial.up()).isFalse();
            assertThat(initial.lastProbeAt()).isNull();

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> !listener.of(key).isEmpty());
            assertThat(listener.story(key)).containsExactly("up ok");
            // the first probe comes within the first interval, the next two at least 90 ms apart
            assertThat(listener.of(key).get(0).atNanos() - updated).isGreaterThan(Duration.ofMillis(180).toNanos());
            // the third probe's connect completes in the backlog, maybe before the server's thread accepts it
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> server.accepted() >= 3);
        }
    }

    @Test
    void theCheckPortOverridesTheBackendPort() throws Exception {
        try (AcceptingServer server = AcceptingServer.closingEach()) {
            AcceptingServer refused = AcceptingServer.closingEach();
            refused.close();
            TargetKey key = Checks.key("web", "127.0.0.1", refused.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.tcp().port(server.port()).build(), false)));

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.health(key).orElseThrow().up());
            // the probe's connect completes in the kernel's backlog, before the server's thread accepts it
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> server.accepted() > 0);
        }
    }
}
