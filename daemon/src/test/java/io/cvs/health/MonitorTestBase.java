package io.cvs.health;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;

/** A real monitor with the default limits for each test, its listener's calls recorded, closed after the test. */
abstract class MonitorTestBase {

    final RecordingListener listener = new RecordingListener();
    final HealthMonitor monitor = new HealthMonitor(new HealthProperties(1000, 0.1), listener,
            new SimpleMeterRegistry());

    @AfterEach
    void closeMonitor() {
        monitor.close();
    }
}
