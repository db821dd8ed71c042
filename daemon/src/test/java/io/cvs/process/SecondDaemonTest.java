package io.cvs.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.journal.TestJournals;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import tools.jackson.databind.JsonNode;

/**
 * Daemons that must refuse to start, and say why: a second daemon on the pin directory of a running one (libcvsbpf's
 * writer lock answers EBUSY) or on its journal directory, leaving the first one alone; and a daemon asked to bind
 * cvs.ko where the module is not loaded (always so on this host's kernel). They run the BPF datapath on a pin
 * directory and a cgroup of this test; needs root and BPF, like the other BPF tests (skips loudly without).
 */
@ExtendWith(DaemonLogs.class)
class SecondDaemonTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-second";

    private Path pinDir;
    private Path cgroup;

    @BeforeEach
    void home() throws IOException {
        pinDir = BpfDaemonHome.pinDir(NAME);
        cgroup = BpfDaemonHome.createCgroup(NAME);
    }

    /** After the test has closed its daemons: the writer lock that detaching needs is free again. */
    @AfterEach
    void undo() throws IOException {
        BpfDaemonHome.undo(pinDir, cgroup);
    }

    @Test
    void aSecondDaemonOnTheSameMapSetExitsAtOnceNamingTheOtherWriter() {
        try (DaemonProcess first = DaemonProcess.start("first-writer", bpf())) {
            JsonNode socketLbBefore = socketLb(first);
            assertThat(socketLbBefore.path("attached").asBoolean()).isTrue();

            try (DaemonProcess second = DaemonProcess.launch("second-writer", bpf())) {
                assertThat(second.waitForExit(Duration.ofSeconds(30))).as("the second daemon exits; %s",
                        second.tail()).isTrue();

                assertThat(second.exitCode()).as(second.tail()).isEqualTo(1);
                assertThat(second.log()).as(second.tail())
                        .contains("APPLICATION FAILED TO START")
                        .contains("The BPF datapath at " + pinDir + " could not start")
                        .contains("EBUSY")
                        .contains("is held by another writer")
                        .contains("Another process (a cvs daemon?) writes this map set");
            }
            assertThat(first.isAlive()).isTrue();
            assertThat(socketLb(first)).as("the first daemon's socket-LB programs").isEqualTo(socketLbBefore);
        }
    }

    @Test
    void aSecondDaemonOnTheSameJournalExitsAtOnceNamingTheFirstsPid() {
        String journal = "--cvs.journal.dir=" + TestJournals.freshDir("second-journal");
        try (DaemonProcess first = DaemonProcess.start("first-journal", journal, "--cvs.datapath=memory");
                DaemonProcess second = DaemonProcess.launch("second-journal", journal, "--cvs.datapath=memory")) {
            assertThat(second.waitForExit(Duration.ofSeconds(30))).as("the second daemon exits; %s", second.tail())
                    .isTrue();

            assertThat(second.exitCode()).as(second.tail()).isEqualTo(1);
            assertThat(second.log()).as(second.tail())
                    .contains("APPLICATION FAILED TO START")
                    .contains("is in use by another cvs daemon (pid " + first.pid() + ")")
                    .contains("Only one daemon may write a journal");
            assertThat(first.isAlive()).isTrue();
            assertThat(DaemonClient.json(first.http().get("/api/v1/services")).path("items").isEmpty()).isTrue();
        }
    }

    @Test
    void aDaemonAskedToBindCvsKoWhereItIsNotLoadedExitsSayingHow() {
        String[] args = Stream.concat(Stream.of(bpf()), Stream.of("--cvs.bpf.datapaths=socket-lb,module"))
                .toArray(String[]::new);
        try (DaemonProcess daemon = DaemonProcess.launch("module-missing", args)) {
            assertThat(daemon.waitForExit(Duration.ofSeconds(30))).as("the daemon exits; %s", daemon.tail()).isTrue();

            assertThat(daemon.exitCode()).as(daemon.tail()).isEqualTo(1);
            assertThat(daemon.log()).as(daemon.tail())
                    .contains("APPLICATION FAILED TO START")
                    .contains("ENODEV")
                    .contains("cvs.bpf.datapaths includes module but cvs.ko is not loaded");
        }
    }

    private String[] bpf() {
        return new String[] {"--cvs.datapath=bpf", "--cvs.bpf.pin-dir=" + pinDir, "--cvs.bpf.cgroup=" + cgroup,
            "--cvs.bpf.capacity.max-services=8", "--cvs.bpf.capacity.max-backends=32",
            "--cvs.bpf.capacity.max-backends-per-service=8", "--cvs.bpf.capacity.selection-slots=16"};
    }

    private static JsonNode socketLb(DaemonProcess daemon) {
        return DaemonClient.json(daemon.http().get("/api/v1/datapath")).path("socketLb");
    }
}
