package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.datapath.bpf.PinnedService;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * End to end on the real kernel: a service created over HTTP lands in the pinned maps, and a TCP connection to its
 * VIP from a client namespace reaches a backend in a namespace of its own, through the socket-LB programs on a
 * cgroup of this test. Needs root, bpffs, cgroup v2, {@code ip} and {@code socat}; skips loudly without them (fails
 * under CI). Traffic stays in the test's own namespaces; the client namespace has no default route.
 */
@ExtendWith(SandboxHost.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.security.admin-token=" + ForwardingThroughTheVipTest.ADMIN_TOKEN})
@DirtiesContext
class ForwardingThroughTheVipTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-end-to-end-test";

    private static final String VIP = "192.0.2.20";
    private static final int BACKEND_PORT = 8080;

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void daemonProperties(DynamicPropertyRegistry properties) {
        SandboxHost.daemonProperties(properties, ForwardingThroughTheVipTest.class);
    }

    private static SandboxHost.Environment host() {
        return SandboxHost.of(ForwardingThroughTheVipTest.class);
    }

    private AdminApi api() {
        return new AdminApi(port, ADMIN_TOKEN);
    }

    @Test
    void aServicePostedOverHttpIsInThePinnedMapsAndItsVipReachesTheBackends() throws Exception {
        Sandbox sandbox = host().sandbox();
        Path cgroup = host().cgroup();
        sandbox.serve(1, BACKEND_PORT, "b1");
        sandbox.serve(2, BACKEND_PORT, "b2");
        String id = api().create("{\"name\":\"e2e\",\"vip\":\"" + VIP + "\","
                + "\"port\":80,\"protocol\":\"TCP\",\"backends\":["
                + "{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":" + BACKEND_PORT + "},"
                + "{\"address\":\"" + Sandbox.backendAddress(2) + "\",\"port\":" + BACKEND_PORT + ",\"weight\":2}]}");

        PinnedService inMaps = PinnedService.read(host().pinDir(), new ServiceKey(ipv4(VIP), 80, Protocol.TCP))
                .orElseThrow(() -> new AssertionError("the service is not in the maps at " + host().pinDir()));
        assertThat(inMaps.backends()).containsExactly(
                new Backend(ipv4(Sandbox.backendAddress(1)), BACKEND_PORT, 1),
                new Backend(ipv4(Sandbox.backendAddress(2)), BACKEND_PORT, 2));
        assertThat(inMaps.slots()).isPositive();

        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greetings.add(sandbox.connect(cgroup, VIP, 80));
        }

        assertThat(greetings).allSatisfy(greeting -> assertThat(greeting).isIn("b1", "b2"));
        JsonNode stats = api().getJson("/api/v1/services/" + id + "/stats");
        long connections = 0;
        for (JsonNode backend : stats.path("backends")) {
            connections += backend.path("connections").asLong();
        }
        assertThat(connections).as("connections counted in %s", stats).isEqualTo(greetings.size());
    }

    @Test
    void afterTheServiceIsDeletedItsVipIsNoLongerTranslatedAndGoesNowhere() throws Exception {
        Sandbox sandbox = host().sandbox();
        sandbox.serve(1, 8081, "gone");
        String id = api().create("{\"name\":\"e2e-deleted\",\"vip\":\"192.0.2.21\","
                + "\"port\":80,\"protocol\":\"TCP\",\"backends\":[{\"address\":\"" + Sandbox.backendAddress(1)
                + "\",\"port\":8081}]}");
        assertThat(sandbox.connect(host().cgroup(), "192.0.2.21", 80)).isEqualTo("gone");

        HttpResponse<String> deleted = api().delete("/api/v1/services/" + id);

        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        try (BpfDatapath maps = BpfDatapath.readOnly(host().pinDir())) {
            assertThat(maps.backends(new ServiceKey(ipv4("192.0.2.21"), 80, Protocol.TCP))).isEmpty();
        }
        assertThat(sandbox.connectionFailure(host().cgroup(), "192.0.2.21", 80)).contains("Network is unreachable");
    }

    private static Inet4Address ipv4(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }
}
