package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 17 end to end on the real kernel: a MAGLEV service with CLIENT_IP affinity, created over HTTP, sends every
 * connection of a client namespace below the socket-LB's cgroup to one backend, and {@code GET .../pick} for that
 * client's address answers as the socket-LB knows it (its namespace's cookie) with that backend and the reason
 * affinity; a routed client is answered as cvs.ko would see it, by Maglev, the same each time; the affinity gauges
 * count the entry. Needs root, bpffs, cgroup v2, {@code ip} and {@code socat}; skips loudly without them (fails
 * under CI). Traffic stays in the test's own namespaces.
 */
@ExtendWith(SandboxHost.class)
@SandboxHost.Backends(3)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=bpf",
    "cvs.security.admin-token=" + SelectionEndToEndTest.ADMIN_TOKEN})
@DirtiesContext
class SelectionEndToEndTest {

    static final String ADMIN_TOKEN = "admin-token-for-the-selection-test";

    private static final String VIP = "192.0.2.40";
    private static final int BACKEND_PORT = 8090;

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void daemonProperties(DynamicPropertyRegistry properties) {
        SandboxHost.daemonProperties(properties, SelectionEndToEndTest.class);
    }

    private static SandboxHost.Environment host() {
        return SandboxHost.of(SelectionEndToEndTest.class);
    }

    @Test
    void aClientOfTheSocketLbKeepsItsBackendAndPickSaysWhichAndWhy() throws Exception {
        Sandbox sandbox = host().sandbox();
        Map<String, String> greetingOf = Map.of(Sandbox.backendAddress(1) + ":" + BACKEND_PORT, "m1",
                Sandbox.backendAddress(2) + ":" + BACKEND_PORT, "m2", Sandbox.backendAddress(3) + ":" + BACKEND_PORT,
                "m3");
        for (int i = 1; i <= 3; i++) {
            sandbox.serve(i, BACKEND_PORT, "m" + i);
        }
        AdminApi api = new AdminApi(port, ADMIN_TOKEN);
        String id = api.create("{\"name\":\"sticky\",\"vip\":\"" + VIP + "\",\"port\":80,\"protocol\":\"TCP\","
                + "\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251},"
                + "\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":600},\"backends\":["
                + backend(1) + "," + backend(2) + "," + backend(3) + "]}");
        // a process that stays in the client namespace below the cgroup, so the namespace is found by its address
        sandbox.startClient(host().cgroup(), "sleep 120");

        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            greetings.add(sandbox.connect(host().cgroup(), VIP, 80));
        }

        assertThat(greetings).as("one namespace, one backend").containsOnly(greetings.get(0));
        JsonNode pick = api.getJson("/api/v1/services/" + id + "/pick?client=10.79.1.1");
        assertThat(pick.path("datapath").asString()).isEqualTo("socket-lb");
        assertThat(pick.path("client").path("kind").asString()).isEqualTo("socket-lb");
        assertThat(pick.path("client").path("netnsCookie").asLong()).isPositive();
        assertThat(pick.path("client").has("address")).as("the socket-LB knows no address of an unbound socket")
                .isFalse();
        assertThat(pick.path("reason").asString()).as("%s", pick).isEqualTo("affinity");
        assertThat(pick.path("affinityAgeSeconds").asDouble()).isBetween(0.0, 600.0);
        assertThat(greetingOf.get(pick.path("backend").asString())).as("the backend the connections reached")
                .isEqualTo(greetings.get(0));

        JsonNode routed = api.getJson("/api/v1/services/" + id + "/pick?client=198.51.100.7:40112");
        JsonNode again = api.getJson("/api/v1/services/" + id + "/pick?client=198.51.100.7:40112");
        assertThat(routed.path("datapath").asString()).isEqualTo("module");
        assertThat(routed.path("reason").asString()).as("no entry for a client that never connected")
                .isEqualTo("maglev");
        assertThat(again.path("backend").asString()).isEqualTo(routed.path("backend").asString());
        assertThat(greetingOf).containsKey(routed.path("backend").asString());

        String scrape = api.get("/actuator/prometheus").body();
        assertThat(scrape).containsPattern("(?m)^cvs_affinity_entries\\{state=\"fresh\"} [1-9]")
                .containsPattern("(?m)^cvs_services\\{scheduler=\"maglev\"} 1");
    }

    /** The same over IPv6: connect6, and the client's namespace found by its IPv6 address given bare. */
    @Test
    void anIpv6ClientOfTheSocketLbKeepsItsBackendAndPickFindsItsNamespace() throws Exception {
        Sandbox sandbox = host().sandbox();
        for (int i = 1; i <= 3; i++) {
            sandbox.serve6(i, BACKEND_PORT + 1, "v6-m" + i);
        }
        AdminApi api = new AdminApi(port, ADMIN_TOKEN);
        String id = api.create("{\"name\":\"sticky-v6\",\"vip\":\"2001:db8::40\",\"port\":80,"
                + "\"protocol\":\"TCP\",\"scheduler\":\"MAGLEV\",\"sessionAffinity\":{\"type\":\"CLIENT_IP\"},"
                + "\"backends\":[" + backend6(1) + "," + backend6(2) + "," + backend6(3) + "]}");
        sandbox.startClient(host().cgroup(), "sleep 120");

        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greetings.add(sandbox.connect(host().cgroup(), "2001:db8::40", 80));
        }

        assertThat(greetings).containsOnly(greetings.get(0));
        JsonNode pick = api.getJson("/api/v1/services/" + id + "/pick?client=fd00:79:1::1");
        assertThat(pick.path("datapath").asString()).isEqualTo("socket-lb");
        assertThat(pick.path("reason").asString()).as("%s", pick).isEqualTo("affinity");
        int picked = List.of(1, 2, 3).stream().filter(i -> pick.path("backend").asString()
                .equals("[" + Sandbox.backendAddress6(i) + "]:" + (BACKEND_PORT + 1))).findFirst().orElseThrow();
        assertThat(greetings.get(0)).isEqualTo("v6-m" + picked);
    }

    private static String backend6(int i) {
        return "{\"address\":\"" + Sandbox.backendAddress6(i) + "\",\"port\":" + (BACKEND_PORT + 1) + "}";
    }

    private static String backend(int i) {
        return "{\"address\":\"" + Sandbox.backendAddress(i) + "\",\"port\":" + BACKEND_PORT + "}";
    }
}
