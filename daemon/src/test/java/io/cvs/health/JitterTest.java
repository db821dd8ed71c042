package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class JitterTest {

    private final HealthMonitor monitor = new HealthMonitor(new HealthProperties(1000, 0.1), new RecordingListener(),
            new SimpleMeterRegistry());

    @AfterEach
    void close() {
        monitor.close();
    }

    @Test
    void theFirstProbesOfNewTargetsSpreadOverTheInterval() throws Exception {
        try (HttpBackend backend = HttpBackend.plain()) {
            // each target asks for a path of its own, so the server can tell whose first probe it sees
            List<ProbeTarget> targets = IntStream.range(0, 200)
                    .mapToObj(i -> new ProbeTarget(Checks.key("svc-" + i, "127.0.0.1", backend.port()),
                            Checks.http("/t/" + i).status(200, 404).interval(1000).build(), true))
                    .toList();
            long updated = System.nanoTime();
            monitor.update(targets);

            await().pollInterval(Duration.ofMillis(20)).atMost(Duration.ofSeconds(5))
                    .until(() -> backend.firstHitNanos().size() == 200);
            int[] perTenth = new int[10];
            for (long first : backend.firstHitNanos().values()) {
                long millis = (first - updated) / 1_000_000;
                assertThat(millis).isLessThan(2000);
                perTenth[(int) Math.min(9, millis / 100)]++;
            }
            // uniform: about 20 in each 100 ms (some more when a busy machine delays a few); all at once: 200 in one
            assertThat(IntStream.of(perTenth).boxed().toList()).as("first probes per 100 ms")
                    .allSatisfy(count -> assertThat(count).isBetween(1, 80));
        }
    }
}
