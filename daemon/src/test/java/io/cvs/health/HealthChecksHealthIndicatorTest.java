package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

class HealthChecksHealthIndicatorTest {

    @Test
    void upWhileTheProbeLoopRunsAndDownOnceItStopped() throws Exception {
        HealthMonitor monitor = new HealthMonitor(new HealthProperties(10, 0.1), new RecordingListener(),
                new SimpleMeterRegistry());
        HealthChecksHealthIndicator indicator = new HealthChecksHealthIndicator(monitor);
        try (AcceptingServer server = AcceptingServer.closingEach()) {
            monitor.update(List.of(new ProbeTarget(Checks.key("web", "127.0.0.1", server.port()),
                    Checks.tcp().build(), true)));

            Health running = indicator.health();
            assertThat(running.getStatus()).isEqualTo(Status.UP);
            assertThat(running.getDetails()).containsEntry("targets", 1);
        } finally {
            monitor.close();
        }

        assertThat(indicator.health().getStatus()).as("after the loop stopped").isEqualTo(Status.DOWN);
    }
}
