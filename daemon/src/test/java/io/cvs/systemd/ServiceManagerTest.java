package io.cvs.systemd;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.testing.NotifySocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

/** The sender against a socket of the test's own, through the real libsystemd0 ({@link CEnvironment}). */
@ExtendWith(OutputCaptureExtension.class)
class ServiceManagerTest {

    private static final long PID = ProcessHandle.current().pid();

    @AfterEach
    void unset() {
        CEnvironment.clear();
    }

    @Test
    void oneMessageIsOneDatagramFromThisProcessOnAnAbstractSocket() throws Exception {
        String address = "@cvs-test-notify-" + PID + "-abstract";
        try (NotifySocket socket = new NotifySocket(address)) {
            ServiceManager manager = connect(address, Map.of());

            manager.send("READY=1\n" + NotifyMessages.status("Ready: 3 services"));

            NotifySocket.Datagram got = socket.await(d -> true, Duration.ofSeconds(5), "at all");
            assertThat(got.text()).isEqualTo("READY=1\nSTATUS=Ready: 3 services");
            assertThat(got.pid()).as("the sender's pid as the kernel saw it").isEqualTo(PID);
        }
    }

    @Test
    void aPathSocketWorksTheSame(@TempDir Path dir) throws Exception {
        String address = dir.resolve("notify").toString();
        try (NotifySocket socket = new NotifySocket(address)) {
            connect(address, Map.of()).send(NotifyMessages.WATCHDOG);

            assertThat(socket.await(d -> true, Duration.ofSeconds(5), "at all").says("WATCHDOG=1")).isTrue();
        }
    }

    @Test
    void theWatchdogIsThisProcesssOnlyWhenWatchdogPidIsUnsetOrNamesIt() {
        String address = "@cvs-test-notify-" + PID + "-watchdog";
        assertThat(connect(address, Map.of()).watchdog()).isEmpty();
        assertThat(connect(address, Map.of("WATCHDOG_USEC", "2000000")).watchdog()).contains(Duration.ofSeconds(2));
        assertThat(connect(address, Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", Long.toString(PID)))
                .watchdog()).contains(Duration.ofSeconds(2));
        assertThat(connect(address, Map.of("WATCHDOG_USEC", "2000000", "WATCHDOG_PID", "1")).watchdog())
                .as("another process's watchdog").isEmpty();
    }

    @Test
    void withoutNotifySocketNobodyListensAndNothingIsLoadedOrLogged(CapturedOutput output) {
        assertThat(ServiceManager.of(null, LibSystemd.SONAME).listening()).isFalse();
        assertThat(ServiceManager.of("", LibSystemd.SONAME).listening()).isFalse();
        assertThat(ServiceManager.of(null, "libcvs-test-no-such-library.so.0").listening()).isFalse();
        assertThat(output.getAll()).doesNotContain("NOTIFY_SOCKET").doesNotContain("libcvs-test-no-such-library");
    }

    @Test
    void aMissingLibraryIsOneWarningAndNobodyListeningNotACrash(CapturedOutput output) {
        ServiceManager manager = ServiceManager.of("@cvs-test-notify-" + PID + "-nolib",
                "libcvs-test-no-such-library.so.0");

        assertThat(manager.listening()).isFalse();
        manager.send("READY=1");
        assertThat(manager.watchdog()).isEmpty();
        assertThat(output.getAll().split("could not be loaded", -1)).as("one WARN").hasSize(2);
        assertThat(output.getAll()).contains("WARN").contains("install libsystemd0");
    }

    private static ServiceManager connect(String address, Map<String, String> more) {
        Map<String, String> variables = new HashMap<>(more);
        variables.put("NOTIFY_SOCKET", address);
        CEnvironment.set(variables);
        ServiceManager manager = ServiceManager.of(address, LibSystemd.SONAME);
        assertThat(manager.listening()).as("libsystemd0 loaded").isTrue();
        return manager;
    }
}
