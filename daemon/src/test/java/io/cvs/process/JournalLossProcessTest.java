package io.cvs.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.TestJournals;
import io.cvs.testing.BpfEnvironment;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.util.FileSystemUtils;
import tools.jackson.databind.JsonNode;

/**
 * The hostile review's finding, reproduced on a daemon in its own process on the BPF datapath: the active journal
 * segment deleted under a running daemon (every acknowledged write must survive kill -9 all the same), and a
 * daemon started on a journal that did not feed its maps (an older copy of its directory, another directory),
 * which must not remove the services the journal lacks until an operator confirms. Needs root and BPF (skips
 * loudly without; fails in CI).
 */
@ExtendWith(DaemonLogs.class)
class JournalLossProcessTest {

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-journal-loss";

    private final Path journalDir = TestJournals.freshDir("journal-loss");
    private Path pinDir;
    private Path cgroup;

    @BeforeEach
    void home() throws Exception {
        BpfEnvironment.require();
        cgroup = BpfDaemonHome.createCgroup(NAME);
        pinDir = BpfDaemonHome.pinDir(NAME);
    }

    @AfterEach
    void undo() throws Exception {
        BpfDaemonHome.undo(pinDir, cgroup);
    }

    @Test
    void aDeletedActiveSegmentLosesNoAcknowledgedWrite() throws Exception {
        try (DaemonProcess daemon = start("segment", journalDir)) {
            create(daemon, "a", 1);
            create(daemon, "b", 2);
            deleteSegments(journalDir);

            HttpResponse<String> refused = post(daemon, "c", 3);
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
            assertThat(refused.body()).contains("\"type\":\"urn:cvs:problem:unavailable\"").contains("was removed");

            create(daemon, "c", 3);
            create(daemon, "d", 4);
            JsonNode journal = DaemonClient.json(daemon.http().get("/actuator/health/journal"));
            assertThat(journal.path("status").asString()).isEqualTo("UP");
            daemon.kill9();
        }
        try (DaemonProcess daemon = start("segment-restarted", journalDir)) {
            assertThat(names(daemon)).containsExactlyInAnyOrder("a", "b", "c", "d");
            assertMapsHold(1, 2, 3, 4);
            assertThat(datapath(daemon).has("journalMismatch")).isFalse();
        }
    }

    @Test
    void anOlderCopyOfTheJournalPrunesNothingUntilConfirmed() throws Exception {
        Path older = TestJournals.freshDir("journal-loss-older");
        try (DaemonProcess daemon = start("before-copy", journalDir)) {
            create(daemon, "a", 1);
            create(daemon, "b", 2);
            daemon.stop();
        }
        copy(journalDir, older);
        try (DaemonProcess daemon = start("after-copy", journalDir)) {
            create(daemon, "c", 3);
            create(daemon, "d", 4);
            daemon.stop();
        }
        FileSystemUtils.deleteRecursively(journalDir);
        copy(older, journalDir);

        try (DaemonProcess daemon = start("old-copy", journalDir)) {
            assertThat(names(daemon)).containsExactlyInAnyOrder("a", "b");
            assertMapsHold(1, 2, 3, 4);
            JsonNode mismatch = datapath(daemon).path("journalMismatch");
            assertThat(mismatch.path("kind").asString()).isEqualTo("JOURNAL_BEHIND");
            assertThat(mismatch.path("mapsAppliedSequence").asLong()).isEqualTo(4);
            assertThat(mismatch.path("journalSequence").asLong()).isEqualTo(2);
            assertThat(mismatch.path("journalId").asString()).isEqualTo(mismatch.path("mapsJournalId").asString());
            assertThat(DaemonClient.json(daemon.http().get("/actuator/health/datapath")).path("details")
                    .path("journalMismatch").asString()).contains("prune=true");
            assertThat(daemon.log()).contains("Journal mismatch at start");

            JsonNode kept = DaemonClient.json(daemon.http().post("/api/v1/datapath/reconcile", ""));
            assertThat(kept.path("held").asInt()).isEqualTo(2);
            assertThat(kept.path("removed").asInt()).isZero();
            create(daemon, "e", 5);
            assertMapsHold(1, 2, 3, 4, 5);

            confirmPrune(daemon, 2);
            assertMapsHold(1, 2, 5);
            daemon.stop();
        }
        try (DaemonProcess daemon = start("confirmed", journalDir)) {
            assertThat(datapath(daemon).has("journalMismatch")).isFalse();
            assertMapsHold(1, 2, 5);
        }
    }

    @Test
    void anotherJournalDirectoryPrunesNothingUntilConfirmed() throws Exception {
        try (DaemonProcess daemon = start("first-journal", journalDir)) {
            create(daemon, "a", 1);
            create(daemon, "b", 2);
            daemon.stop();
        }
        Path other = TestJournals.freshDir("journal-loss-other");
        try (DaemonProcess daemon = start("other-journal", other)) {
            assertThat(names(daemon)).isEmpty();
            assertMapsHold(1, 2);
            JsonNode mismatch = datapath(daemon).path("journalMismatch");
            assertThat(mismatch.path("kind").asString()).isEqualTo("OTHER_JOURNAL");
            assertThat(mismatch.path("journalId").asString()).isNotEqualTo(mismatch.path("mapsJournalId").asString());
            create(daemon, "c", 3);
            assertMapsHold(1, 2, 3);

            confirmPrune(daemon, 2);
            assertMapsHold(3);
        }
    }

    private DaemonProcess start(String name, Path journal) {
        return DaemonProcess.start("journal-loss-" + name, "--cvs.journal.dir=" + journal, "--cvs.datapath=bpf",
                "--cvs.bpf.pin-dir=" + pinDir, "--cvs.bpf.cgroup=" + cgroup);
    }

    private static void confirmPrune(DaemonProcess daemon, int extra) {
        JsonNode pruned = DaemonClient.json(daemon.http().post("/api/v1/datapath/reconcile?prune=true", ""));
        assertThat(pruned.path("removed").asInt()).isEqualTo(extra);
        assertThat(pruned.path("held").asInt()).isZero();
        assertThat(datapath(daemon).has("journalMismatch")).isFalse();
    }

    private static HttpResponse<String> post(DaemonProcess daemon, String name, int vip) {
        return daemon.http().post("/api/v1/services", "{\"name\":\"" + name + "\",\"vip\":\"198.51.100." + vip
                + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":[{\"address\":\"10.0.0." + vip
                + "\",\"port\":8080}]}");
    }

    private static void create(DaemonProcess daemon, String name, int vip) {
        HttpResponse<String> created = post(daemon, name, vip);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    }

    private static JsonNode datapath(DaemonProcess daemon) {
        return DaemonClient.json(daemon.http().get("/api/v1/datapath"));
    }

    private static List<String> names(DaemonProcess daemon) {
        List<String> names = new java.util.ArrayList<>();
        DaemonClient.json(daemon.http().get("/api/v1/services?limit=1000")).path("items")
                .forEach(item -> names.add(item.path("name").asString()));
        return names;
    }

    /** The maps hold exactly the services of these VIPs (198.51.100.n, port 80, TCP). */
    private void assertMapsHold(int... vips) throws IOException {
        try (BpfDatapath maps = BpfDatapath.readOnly(pinDir)) {
            List<ServiceKey> keys = java.util.Arrays.stream(vips)
                    .mapToObj(v -> new ServiceKey(address("198.51.100." + v), 80, Protocol.TCP)).toList();
            assertThat(maps.services()).containsExactlyInAnyOrderElementsOf(keys);
        }
    }

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (IOException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static void deleteSegments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            for (Path segment : files.filter(f -> f.toString().endsWith(".wal")).toList()) {
                Files.delete(segment);
            }
        }
    }

    /** Copies the journal's files (not its lock, which the next daemon makes) into a new directory. */
    private static void copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path file : files.filter(f -> !f.getFileName().toString().equals("lock")).toList()) {
                Files.copy(file, to.resolve(file.getFileName()));
            }
        }
    }
}
