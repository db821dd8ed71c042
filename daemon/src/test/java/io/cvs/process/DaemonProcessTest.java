package io.cvs.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The harness itself, on the memory datapath: what the restart tests rely on. */
@ExtendWith(DaemonLogs.class)
class DaemonProcessTest {

    @Test
    void aStartedDaemonIsReadyTakesTheAdminTokenAndStopsGracefullyOnSigterm() {
        try (DaemonProcess daemon = DaemonProcess.start("harness-stop", "--cvs.datapath=memory")) {
            assertThat(DaemonClient.json(daemon.http().get("/api/v1/services")).path("items").isEmpty()).isTrue();

            daemon.stop();

            assertThat(daemon.exitCode()).isEqualTo(143);
            assertThat(daemon.log()).contains("Commencing graceful shutdown");
        }
    }

    @Test
    void kill9EndsTheDaemonAtOnceWithoutShuttingDown() {
        try (DaemonProcess daemon = DaemonProcess.start("harness-kill", "--cvs.datapath=memory")) {
            daemon.kill9();

            assertThat(daemon.exitCode()).isEqualTo(137);
            assertThat(daemon.http().ready()).isFalse();
            assertThat(daemon.log()).doesNotContain("Commencing graceful shutdown");
        }
    }

    @Test
    void aDaemonThatRefusesToStartFailsTheStartWithItsLog() {
        assertThatThrownBy(() -> DaemonProcess.start("harness-refused", "--cvs.datapath=nonsense"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("exited with 1 before it was ready")
                .hasMessageContaining("harness-refused.log")
                .hasMessageContaining("cvs.datapath");
    }
}
