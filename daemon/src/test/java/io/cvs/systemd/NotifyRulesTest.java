package io.cvs.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.DatapathMode;
import io.cvs.reconcile.ReconcileResult;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The messages' format and the watchdog's rule, on their own. */
class NotifyRulesTest {

    private static final long SECOND = 1_000_000_000L;

    @Test
    void readyIsOneDatagramOfTwoAssignmentsCountingWhatTheFirstReconcilePutInTheMaps() {
        ReconcileResult first = new ReconcileResult(Instant.EPOCH, 3, 1, 2, 0, 4, Duration.ofMillis(7));

        assertThat(NotifyMessages.ready(first, DatapathMode.BPF)).isEqualTo("READY=1\nSTATUS=Ready: the first "
                + "reconcile put 8 services on the bpf datapath (3 added, 1 fixed, 4 unchanged, 0 failed, 2 removed)");
        assertThat(NotifyMessages.ready(first, DatapathMode.MEMORY)).endsWith(", which forwards nothing");
    }

    @Test
    void theStatusSaysWhatFailedAndWhatIsHeld() {
        ReconcileResult last = new ReconcileResult(Instant.EPOCH, 0, 0, 0, 2, 1, Duration.ZERO, 3, java.util.List.of());

        assertThat(NotifyMessages.serving(last, DatapathMode.BPF)).isEqualTo("STATUS=Serving 1 service on the bpf "
                + "datapath; 2 failed to apply in the last reconcile (see the log; retried every "
                + "cvs.reconcile.interval); 3 service(s) held that the journal lacks: GET /api/v1/datapath says "
                + "what to do");
    }

    @Test
    void aStatusIsOneLineSinceANewlineWouldStartAnotherAssignment() {
        assertThat(NotifyMessages.status("a\nREADY=1\r\nb")).isEqualTo("STATUS=a READY=1 b");
        assertThat(NotifyMessages.stopping(DatapathMode.BPF)).startsWith("STOPPING=1\nSTATUS=").hasLineCount(2);
    }

    @Test
    void healthyWhileAReconcileFinishedWithinTwoIntervalsAndTheGrace() {
        ReconcileProgress progress = new ReconcileProgress(Duration.ofSeconds(30), 0);
        assertThat(progress.allowedGap()).isEqualTo(Duration.ofSeconds(70));

        progress.observe(Optional.of(result()), 5 * SECOND);
        assertThat(progress.healthy(75 * SECOND)).isTrue();
        assertThat(progress.healthy(75 * SECOND + 1)).as("70 s and a nanosecond without a reconcile").isFalse();
    }

    @Test
    void theSameResultSeenAgainIsNoProgress() {
        ReconcileProgress progress = new ReconcileProgress(Duration.ofSeconds(1), 0);
        ReconcileResult stuck = result();
        progress.observe(Optional.of(stuck), 0);

        progress.observe(Optional.of(stuck), 20 * SECOND);
        assertThat(progress.healthy(20 * SECOND)).isFalse();

        progress.observe(Optional.of(result()), 21 * SECOND);
        assertThat(progress.healthy(21 * SECOND)).as("a new result: the pipeline moves again").isTrue();
    }

    @Test
    void beforeAnyReconcileTheClockRunsFromStart() {
        ReconcileProgress progress = new ReconcileProgress(Duration.ofSeconds(1), 100 * SECOND);
        progress.observe(Optional.empty(), 105 * SECOND);

        assertThat(progress.healthy(112 * SECOND)).isTrue();
        assertThat(progress.healthy(113 * SECOND)).isFalse();
    }

    private static ReconcileResult result() {
        return new ReconcileResult(Instant.EPOCH, 0, 0, 0, 0, 1, Duration.ZERO);
    }
}
