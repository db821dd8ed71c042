package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.DatagramSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of probe to a backend on ::1: the sockets are IPv6, and the HTTP Host header brackets the address. */
class Ipv6ProbeTest extends MonitorTestBase {

    /** The JVM's first TLS handshake (as in HttpsProbeTest). */
    private static final long FIRST_HANDSHAKE_MILLIS = 5_000;

    @TempDir
    Path keys;

    @Test
    void tcp() throws Exception {
        try (AcceptingServer server = AcceptingServer.closingEach("::1")) {
            TargetKey key = Checks.key("web-v6", "0:0::1", server.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.tcp().interval(100).build(), false)));

            awaitChanges(key, 1);
            assertThat(listener.story(key)).containsExactly("up ok");
            assertThat(key).hasToString("[::1]:" + server.port() + " of web-v6");
        }
    }

    @Test
    void httpSendsTheBracketedHostHeader() throws Exception {
        try (HttpBackend backend = HttpBackend.plain("::1").status("/healthz", 200)) {
            TargetKey key = Checks.key("web-v6", "::1", backend.port());
            monitor.update(List.of(new ProbeTarget(key, Checks.http("/healthz").build(), false)));

            awaitChanges(key, 1);
            assertThat(listener.story(key)).containsExactly("up HTTP 200");
            assertThat(backend.lastHost()).isEqualTo("[::1]:" + backend.port());
        }
    }

    @Test
    void https() throws Exception {
        try (HttpBackend backend = HttpBackend.selfSigned(keys, "::1").status("/healthz", 200)) {
            TargetKey key = Checks.key("web-v6", "::1", backend.port());
            monitor.update(List.of(new ProbeTarget(key,
                    Checks.https("/healthz").timeout(FIRST_HANDSHAKE_MILLIS).build(), false)));

            awaitChanges(key, 1);
            assertThat(listener.story(key)).containsExactly("up HTTP 200");
            assertThat(backend.lastHost()).isEqualTo("[::1]:" + backend.port());
        }
    }

    @Test
    void udp() throws Exception {
        AtomicReference<String> received = new AtomicReference<>();
        try (DatagramSocket server = UdpProbeTest.replying("::1", "pong", received)) {
            TargetKey key = Checks.key("dns-v6", "::1", server.getLocalPort());
            monitor.update(List.of(new ProbeTarget(key, Checks.udp("ping", "pong").build(), false)));

            awaitChanges(key, 1);
            assertThat(listener.story(key)).containsExactly("up ok");
            assertThat(received.get()).isEqualTo("ping");
        }
    }

    private void awaitChanges(TargetKey key, int changes) {
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(10))
                .until(() -> listener.of(key).size() >= changes);
    }
}
