package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.datapath.bpf.PinnedService;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

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

    /**
     * An IPv6 VIP from 2001:db8::/32 with IPv6 backends, posted in non-canonical forms: the maps hold it, and TCP
     * from the client namespace (routes to the backends only, no default route in either family) reaches them
     * through connect6.
     */
    @Test
    void anIpv6ServicePostedOverHttpReachesItsIpv6Backends() throws Exception {
        Sandbox sandbox = host().sandbox();
        sandbox.serve6(1, 8086, "v6-b1");
        sandbox.serve6(2, 8086, "v6-b2");
        String id = api().create("{\"name\":\"e2e-v6\",\"vip\":\"2001:DB8:0::30\","
                + "\"port\":80,\"protocol\":\"TCP\",\"backends\":["
                + "{\"address\":\"" + Sandbox.backendAddress6(1).toUpperCase() + "\",\"port\":8086},"
                + "{\"address\":\"" + Sandbox.backendAddress6(2) + "\",\"port\":8086}]}");

        PinnedService inMaps = PinnedService.read(host().pinDir(), new ServiceKey(ip("2001:db8::30"), 80, Protocol.TCP))
                .orElseThrow(() -> new AssertionError("the IPv6 service is not in the maps at " + host().pinDir()));
        assertThat(inMaps.backends()).containsExactly(new Backend(ip(Sandbox.backendAddress6(1)), 8086, 1),
                new Backend(ip(Sandbox.backendAddress6(2)), 8086, 1));

        List<String> greetings = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            greetings.add(sandbox.connect(host().cgroup(), "2001:db8::30", 80));
        }

        assertThat(greetings).allSatisfy(greeting -> assertThat(greeting).isIn("v6-b1", "v6-b2"));
        JsonNode stats = api().getJson("/api/v1/services/" + id + "/stats");
        assertThat(stats.path("backends").get(0).path("address").asString()).isEqualTo(Sandbox.backendAddress6(1));
        long connections = 0;
        for (JsonNode backend : stats.path("backends")) {
            connections += backend.path("connections").asLong();
        }
        assertThat(connections).as("connections counted in %s", stats).isEqualTo(greetings.size());
        assertThat(sandbox.connectionFailure(host().cgroup(), "2001:db8::31", 80)).as("another IPv6 VIP")
                .contains("Network is unreachable");
    }

    /**
     * A Java client preferring IPv6 connects to an IPv4 VIP from an AF_INET6 socket, as ::ffff:192.0.2.22: the
     * IPv6 hooks translate it through the IPv4 service to ::ffff:<backend>.
     */
    @Test
    void aJavaClientPreferringIpv6ReachesAnIpv4ServiceFromAnIpv6Socket() throws Exception {
        Sandbox sandbox = host().sandbox();
        sandbox.serve(1, 8087, "java-b1");
        api().create("{\"name\":\"e2e-java6\",\"vip\":\"192.0.2.22\",\"port\":80,\"protocol\":\"TCP\","
                + "\"backends\":[{\"address\":\"" + Sandbox.backendAddress(1) + "\",\"port\":8087}]}");
        Path source = Files.createTempDirectory("cvs-e2e-java6").resolve("Greet.java");
        Files.writeString(source, """
                import java.io.*;
                import java.net.*;
                import java.nio.file.*;
                public class Greet {
                    public static void main(String[] args) throws Exception {
                        try (Socket socket = new Socket(args[0], 80)) {
                            // Java shows a mapped local address as IPv4; the kernel's table of IPv6 sockets tells
                            String port = String.format(":%04X", socket.getLocalPort());
                            boolean inet6 = Files.readAllLines(Path.of("/proc/self/net/tcp6")).stream()
                                    .anyMatch(line -> line.trim().split("\\s+")[1].endsWith(port));
                            System.out.println(inet6 ? "inet6" : "inet");
                            System.out.println(new BufferedReader(new InputStreamReader(socket.getInputStream()))
                                    .readLine());
                        }
                    }
                }
                """);
        String javaCommand = ProcessHandle.current().info().command().orElseThrow();

        Process client = sandbox.startClient(host().cgroup(), javaCommand + " -Djava.net.preferIPv6Addresses=true "
                + source + " 192.0.2.22");
        assertThat(client.waitFor(60, TimeUnit.SECONDS)).as("the child JVM finished").isTrue();
        String out = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(client.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);

        assertThat(client.exitValue()).as("child JVM exit; stderr: %s", err).isZero();
        assertThat(out.lines().toList()).containsExactly("inet6", "java-b1");
        Files.delete(source);
        Files.delete(source.getParent());
    }

    private static InetAddress ip(String address) {
        return IpAddresses.parse(address);
    }

    private static Inet4Address ipv4(String address) throws Exception {
        return (Inet4Address) InetAddress.getByName(address);
    }
}
