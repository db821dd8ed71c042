package io.cvs.service;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.TestJournals;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/** Readiness waits for the first reconcile: out of service before it, up with its counts after. */
class ReconcileHealthIndicatorTest {

    private final MemoryDatapath datapath = new MemoryDatapath(MemoryDatapath.LIBCVSBPF_DEFAULT, null);
    private final Journal journal = TestJournals.open("reconcile-health");
    private final ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30));
    private final ReconcileHealthIndicator indicator = new ReconcileHealthIndicator(registry);

    @AfterEach
    void close() {
        registry.close();
        journal.close();
    }

    @Test
    void outOfServiceUntilTheFirstReconcileThenUpWithWhatItDid() {
        assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        registry.reconcile();

        Health health = indicator.health();
        assertThat(health.getStatus()).isEqualTo(Status.UP);
        assertThat(health.getDetails()).containsEntry("added", 0).containsEntry("removed", 0)
                .containsKeys("lastRun", "tookMillis");
    }
}
