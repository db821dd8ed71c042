package io.cvs;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.journal.TestJournals;
import io.cvs.testing.Bpftool;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The daemon with {@code cvs.datapath=bpf} on real maps: a pin directory of its own under /sys/fs/bpf and the
 * socket-LB programs on a cgroup of its own (never the root cgroup). Needs root and BPF, like the MapSet tests.
 * The daemon leaves its programs attached when it stops, so {@link UndoWhatTheDaemonLeaves} detaches them after
 * Spring has stopped the daemon, then removes the pins and the cgroup, also when a test failed.
 */
@ExtendWith(BpfDaemonTest.UndoWhatTheDaemonLeaves.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.bpf.capacity.max-services=64",
    "cvs.bpf.capacity.max-backends=256",
    "cvs.bpf.capacity.max-backends-per-service=8",
    "cvs.bpf.capacity.selection-slots=32",
    "cvs.security.admin-token=" + BpfDaemonTest.ADMIN_TOKEN})
@DirtiesContext
class BpfDaemonTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-bpf-daemon-test";

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-daemon";

    private static Path pinDir;
    private static Path cgroup;

    @LocalServerPort
    private int port;

    /**
     * Declared before {@code @SpringBootTest}, so it makes the cgroup before Spring starts the daemon, and cleans
     * up after Spring has closed it ({@code @DirtiesContext}): extensions run after-all callbacks in reverse order.
     * The daemon must be closed first, since it holds the map set's writer lock that detaching needs.
     */
    static final class UndoWhatTheDaemonLeaves implements BeforeAllCallback, AfterAllCallback {

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            pinDir = BpfDaemonHome.pinDir(NAME);
            cgroup = BpfDaemonHome.createCgroup(NAME);
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    @DynamicPropertySource
    static void pinDirAndCgroup(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("bpf-daemon").toString());
        properties.add("cvs.bpf.pin-dir", () -> pinDir.toString());
        properties.add("cvs.bpf.cgroup", () -> cgroup.toString());
    }

    @Test
    void theDatapathIsBpfWithItsEightSocketLbProgramsOnTheConfiguredCgroup() throws Exception {
        JsonNode datapath = getJson("/api/v1/datapath");

        assertThat(datapath.path("mode").asString()).isEqualTo("bpf");
        assertThat(datapath.has("reason")).isFalse();
        JsonNode socketLb = datapath.path("socketLb");
        assertThat(socketLb.path("attached").asBoolean()).isTrue();
        assertThat(socketLb.path("cgroupId").asLong()).isEqualTo(Files.getAttribute(cgroup, "unix:ino"));
        assertThat(socketLb.path("programs").findValuesAsString("name"))
                .containsExactly(Bpftool.SOCKET_LB_ATTACH_TYPES);
        List<Integer> programIds = new ArrayList<>();
        socketLb.path("programs").forEach(program -> programIds.add(program.path("programId").asInt()));
        assertThat(Bpftool.cgroupPrograms(cgroup)).extracting(Bpftool.CgroupProgram::id)
                .containsExactlyInAnyOrderElementsOf(programIds);
        // the map set was created with cvs.bpf.capacity.*: these come back from the pinned cvs_meta_v1
        JsonNode capacity = datapath.path("capacity");
        assertThat(capacity.path("services").path("max").asInt()).isEqualTo(64);
        assertThat(capacity.path("backends").path("max").asInt()).isEqualTo(256);
        assertThat(capacity.path("maxBackendsPerService").asInt()).isEqualTo(8);
        assertThat(capacity.path("selectionSlots").asInt()).isEqualTo(32);
    }

    @Test
    void healthSaysBpfAndForwarding() throws Exception {
        JsonNode details = getJson("/actuator/health").path("components").path("datapath").path("details");

        assertThat(details.path("mode").asString()).isEqualTo("bpf");
        assertThat(details.path("forwarding").asBoolean()).isTrue();
    }

    private JsonNode getJson(String path) throws Exception {
        HttpResponse<String> response = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }
}
