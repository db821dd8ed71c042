package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ConcurrencyLimitTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final HealthMonitor monitor = new HealthMonitor(new HealthProperties(4, 0.1), new RecordingListener(),
            meters);

    @AfterEach
    void close() {
        monitor.close();
    }

    @Test
    void neverMoreProbesInFlightThanTheLimitAndTheRestWaitTheirTurn() throws Exception {
        try (HttpBackend slow = HttpBackend.plain().status("/healthz", 200)) {
            slow.holdEach(Duration.ofMillis(200));
            // 50 services with the same backend: 50 targets, one server that sees every probe
            List<ProbeTarget> targets = IntStream.range(0, 50)
                    .mapToObj(i -> new ProbeTarget(Checks.key("svc-" + i, "127.0.0.1", slow.port()),
                            Checks.http("/healthz").interval(1000).timeout(2000).build(), false))
                    .toList();
            monitor.update(targets);

            await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(10)).until(() -> targets.stream()
                    .allMatch(target -> monitor.health(target.key()).orElseThrow().lastProbeAt() != null));
            assertThat(slow.mostAtOnce()).isEqualTo(4);
            assertThat(slow.hits("/healthz")).isGreaterThanOrEqualTo(50);
            assertThat(meters.get("cvs.health.probes.delayed").counter().count()).isGreaterThanOrEqualTo(50 - 4);
            assertThat(meters.get("cvs.health.probes").tags("type", "http", "result", "success").counter().count())
                    .isGreaterThanOrEqualTo(50);
        }
    }
}
