package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.BpfDaemonHome;
import io.cvs.datapath.bpf.Backend;
import io.cvs.datapath.bpf.Capacity;
import io.cvs.datapath.bpf.MapSet;
import io.cvs.datapath.bpf.OpenMode;
import io.cvs.datapath.bpf.Protocol;
import io.cvs.datapath.bpf.ServiceInfo;
import io.cvs.datapath.bpf.ServiceKey;
import io.cvs.journal.TestJournals;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Assumptions;
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
 * End to end on the real kernel: a service created over HTTP lands in the pinned maps, and a TCP connection to its
 * VIP from a client namespace reaches a backend in a namespace of its own, through the socket-LB programs on a
 * cgroup of this test. Needs root, bpffs, cgroup v2, {@code ip} and {@code socat}; skips loudly without them (fails
 * under CI). Traffic stays in the test's own namespaces; the client namespace has no default route.
 */
@ExtendWith(ForwardingThroughTheVipTest.Host.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.security.admin-token=" + ForwardingThroughTheVipTest.ADMIN_TOKEN})
@DirtiesContext
class ForwardingThroughTheVipTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-end-to-end-test";

    private static final String NAME = "cvs-test-java-" + ProcessHandle.current().pid() + "-e2e";
    private static final String VIP = "192.0.2.20";
    private static final int BACKEND_PORT = 8080;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static Path pinDir;
    private static Path cgroup;
    private static Sandbox sandbox;

    @LocalServerPort
    private int port;

    /**
     * Declared before {@code @SpringBootTest}: makes the cgroup and namespaces before the daemon starts, and undoes
     * everything after Spring has closed it ({@code @DirtiesContext}), also when the test failed: processes and
     * namespaces, the programs the daemon leaves attached, the pins, the cgroup.
     */
    static final class Host implements BeforeAllCallback, AfterAllCallback {

        @Override
        public void beforeAll(ExtensionContext context) throws Exception {
            checkTools();
            pinDir = BpfDaemonHome.pinDir(NAME);
            cgroup = BpfDaemonHome.createCgroup(NAME);
            sandbox = new Sandbox();
            sandbox.build(2);
        }

        /** Aborts loudly without ip, socat or ss (fails under CI, which must run the end-to-end tests). */
        void checkTools() {
            for (String tool : List.of("ip", "socat", "ss")) {
                if (onPath(tool).isEmpty()) {
                    String message = "END-TO-END TEST NOT RUN: no " + tool + " on the PATH (scripts/bootstrap)";
                    if (System.getenv("CI") != null) {
                        throw new AssertionError(message + " (CI must run it)");
                    }
                    System.err.println("!!! " + message + " !!!");
                    Assumptions.abort(message);
                }
            }
        }

        @Override
        public void afterAll(ExtensionContext context) throws Exception {
            try {
                if (sandbox != null) {
                    sandbox.close();
                }
            } finally {
                BpfDaemonHome.undo(pinDir, cgroup);
            }
        }

        private static Optional<Path> onPath(String tool) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
                Path candidate = Path.of(dir, tool);
                if (Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
            for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    return Optional.of(Path.of(dir, tool));
                }
            }
            return Optional.empty();
        }
    }

    @DynamicPropertySource
    static void pinDirAndCgroup(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("forwarding").toString());
        properties.add("cvs.bpf.pin-dir", () -> pinDir.toString());
        properties.add("cvs.bpf.cgroup", () -> cgroup.toString());
    }

    @Test
    void aServicePostedOverHttpIsInThePinnedMapsAndItsVipReachesTheBackends() throws Exception {
        sandbox.serve(1, BACKEND_PORT, "b1");
        sandbox.serve(2, BACKEND_PORT, "b2");
        HttpResponse<String> created = post("/api/v1/services", "{\"name\":\"e2e\",\"vip\":\"" + VIP + "\","
                + "\"port\":80,\"protocol\":\"TCP\",\"backends\":["
                + "{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":" + BACKEND_PORT + "},"
                + "{\"address\":\"" + Sandbox.backendAddress(2) + "\",\"port\":" + BACKEND_PORT + ",\"weight\":2}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);

        ServiceInfo inMaps;
        try (MapSet maps = MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            inMaps = maps.get(new ServiceKey(ipv4(VIP), 80, Protocol.TCP)).orElseThrow(
                    () -> new AssertionError("the service is not in the maps at " + pinDir));
        }
        assertThat(inMaps.backends()).containsExactly(
                new Backend(ipv4(Sandbox.backendAddress(1)), BACKEND_PORT, 1),
                new Backend(ipv4(Sandbox.backendAddress(2)), BACKEND_PORT, 2));
        assertThat(inMaps.slots()).isPositive();

        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greetings.add(sandbox.connect(cgroup, VIP, 80));
        }

        assertThat(greetings).allSatisfy(greeting -> assertThat(greeting).isIn("b1", "b2"));
        JsonNode stats = JSON.readTree(get("/api/v1/services/" + JSON.readTree(created.body()).path("id")
                .asString() + "/stats").body());
        long connections = 0;
        for (JsonNode backend : stats.path("backends")) {
            connections += backend.path("connections").asLong();
        }
        assertThat(connections).as("connections counted in %s", stats).isEqualTo(greetings.size());
    }

    @Test
    void afterTheServiceIsDeletedItsVipIsNoLongerTranslatedAndGoesNowhere() throws Exception {
        sandbox.serve(1, 8081, "gone");
        HttpResponse<String> created = post("/api/v1/services", "{\"name\":\"e2e-deleted\",\"vip\":\"192.0.2.21\","
                + "\"port\":80,\"protocol\":\"TCP\",\"backends\":[{\"address\":\"" + Sandbox.backendAddress(1)
                + "\",\"port\":8081}]}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(sandbox.connect(cgroup, "192.0.2.21", 80)).isEqualTo("gone");

        HttpResponse<String> deleted = send(HttpRequest.newBuilder(uri("/api/v1/services/"
                + JSON.readTree(created.body()).path("id").asString())).DELETE());

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        try (MapSet maps = MapSet.open(pinDir, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.READ_ONLY)) {
            assertThat(maps.get(new ServiceKey(ipv4("192.0.2.21"), 80, Protocol.TCP))).isEmpty();
        }
        assertThat(sandbox.connectionFailure(cgroup, "192.0.2.21", 80)).contains("Network is unreachable");
    }

    private static Inet4Address ipv4(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }

    private HttpResponse<String> post(String path, String json) throws Exception {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString(json)));
    }

    private HttpResponse<String> get(String path) throws Exception {
        HttpResponse<String> response = send(HttpRequest.newBuilder(uri(path)).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response;
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build().send(request.header("Authorization", "Bearer " + ADMIN_TOKEN)
                        .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
    }
}
