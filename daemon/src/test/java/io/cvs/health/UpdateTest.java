package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class UpdateTest extends MonitorTestBase {

    @Test
    void keepsUnchangedTargetsRestartsChangedOnesAndForgetsRemovedOnes() throws Exception {
        try (HttpBackend backend = HttpBackend.plain().status("/a", 200).status("/b", 200).status("/c", 200)
                .status("/b2", 200)) {
            int port = backend.port();
            ProbeTarget kept = new ProbeTarget(Checks.key("a", "127.0.0.1", port), check("/a"), false);
            ProbeTarget changed = new ProbeTarget(Checks.key("b", "127.0.0.1", port), check("/b"), false);
            ProbeTarget removed = new ProbeTarget(Checks.key("c", "127.0.0.1", port), check("/c"), false);
            monitor.update(List.of(kept, changed, removed));
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5)).until(() -> List
                    .of(kept, changed, removed).stream().allMatch(target -> listener.of(target.key()).size() == 1));
            BackendHealth keptBefore = monitor.health(kept.key()).orElseThrow();

            ProbeTarget changedNow = new ProbeTarget(changed.key(), check("/b2"), false);
            monitor.update(List.of(kept, changedNow));
            long updated = System.nanoTime();
            // c would go down at its next probe, if it had one (set after the update: a probe of c that ran just
            // before it may rightly have reported the 503 already)
            backend.status("/c", 503);

            BackendHealth restarted = monitor.health(changed.key()).orElseThrow();
            assertThat(restarted.up()).isFalse();
            assertThat(restarted.successesInRow()).isZero();
            assertThat(restarted.lastProbeAt()).isNull();
            assertThat(monitor.health(removed.key())).isEmpty();
            int removedHits = backend.hits("/c");

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> listener.of(changed.key()).size() == 2);
            assertThat(listener.story(changed.key())).containsExactly("up HTTP 200", "up HTTP 200");
            assertThat(backend.hits("/b2")).isGreaterThanOrEqualTo(2);

            await().pollInterval(Duration.ofMillis(10)).during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> backend.hits("/c") == removedHits);
            assertThat(listener.of(removed.key())).allSatisfy(change -> assertThat(change.atNanos()).isLessThan(updated));
            assertThat(listener.story(removed.key())).containsExactly("up HTTP 200");

            BackendHealth keptAfter = monitor.health(kept.key()).orElseThrow();
            assertThat(keptAfter.up()).isTrue();
            assertThat(keptAfter.since()).isEqualTo(keptBefore.since());
            assertThat(keptAfter.successesInRow()).isGreaterThan(keptBefore.successesInRow());
            assertThat(listener.of(kept.key())).hasSize(1);
        }
    }

    @Test
    void aBadTargetListChangesNothing() throws Exception {
        try (HttpBackend backend = HttpBackend.plain().status("/a", 200)) {
            ProbeTarget probed = new ProbeTarget(Checks.key("a", "127.0.0.1", backend.port()), check("/a"), true);
            monitor.update(List.of(probed));
            ProbeTarget other = new ProbeTarget(Checks.key("b", "127.0.0.1", backend.port()), check("/a"), true);

            assertThatThrownBy(() -> monitor.update(List.of(other, other)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("given twice");
            ProbeTarget injecting = new ProbeTarget(other.key(), check("/a HTTP/1.1\r\nX-Evil: 1\r\n"), true);
            assertThatThrownBy(() -> monitor.update(List.of(injecting)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("path");

            assertThat(monitor.health(other.key())).isEmpty();
            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> monitor.health(probed.key()).orElseThrow().successesInRow() >= 3);
        }
    }

    @Test
    void aCallUnderWayWhileTheCheckChangesIsFollowedByTheNewTargetsState() throws Exception {
        CountDownLatch inCall = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        RecordingListener calls = new RecordingListener();
        HealthListener slow = (key, up, reason) -> {
            calls.changed(key, up, reason);
            inCall.countDown();
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        try (HttpBackend backend = HttpBackend.plain().status("/good", 200);
                HealthMonitor monitor = new HealthMonitor(new HealthProperties(1000, 0.1), slow,
                        new SimpleMeterRegistry())) {
            TargetKey key = Checks.key("web", "127.0.0.1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.http("/missing").build(), true)));
            assertThat(inCall.await(5, TimeUnit.SECONDS)).isTrue();

            // the write path fixes the check while the listener is still being told "down", so it passes the state
            // it holds, up, as the new target's
            monitor.update(List.of(new ProbeTarget(key, Checks.http("/good").build(), true)));
            release.countDown();

            await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                    .until(() -> calls.of(key).size() == 2);
            assertThat(calls.of(key)).extracting(RecordingListener.Change::up).containsExactly(false, true);
            assertThat(monitor.health(key).orElseThrow().up()).isTrue();
        }
    }

    private static HealthCheck check(String path) {
        return Checks.http(path).interval(100).rise(2).build();
    }
}
