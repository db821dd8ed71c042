package io.cvs.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class UdpProbeTest extends MonitorTestBase {

    @Test
    void aReplyStartingWithTheExpectedBytesPasses() throws Exception {
        AtomicReference<String> received = new AtomicReference<>();
        try (DatagramSocket server = replying("PONG from the backend", received)) {
            TargetKey key = Checks.key("dns", "127.0.0.1", server.getLocalPort());
            monitor.update(List.of(new ProbeTarget(key, Checks.udp("PING", "PONG").build(), false)));

            awaitChange(key);
            assertThat(listener.story(key)).containsExactly("up ok");
            assertThat(received.get()).isEqualTo("PING");
        }
    }

    @Test
    void anyReplyPassesWhenNothingIsExpected() throws Exception {
        try (DatagramSocket server = replying("", new AtomicReference<>())) {
            TargetKey key = Checks.key("dns", "127.0.0.1", server.getLocalPort());
            monitor.update(List.of(new ProbeTarget(key, Checks.udp("PING", "").build(), false)));

            awaitChange(key);
            assertThat(listener.story(key)).containsExactly("up ok");
        }
    }

    @Test
    void aWrongReplyFails() throws Exception {
        try (DatagramSocket server = replying("NOPE", new AtomicReference<>())) {
            TargetKey key = Checks.key("dns", "127.0.0.1", server.getLocalPort());
            monitor.update(List.of(new ProbeTarget(key, Checks.udp("PING", "PONG").build(), true)));

            awaitChange(key);
            assertThat(listener.story(key)).containsExactly("down unexpected reply (4 bytes)");
        }
    }

    @Test
    void noListenerFailsAtOnceOnPortUnreachable() throws Exception {
        int port;
        try (DatagramSocket gone = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            port = gone.getLocalPort();
        }
        TargetKey key = Checks.key("dns", "127.0.0.1", port);
        long updated = System.nanoTime();
        monitor.update(List.of(new ProbeTarget(key, Checks.udp("PING", "PONG").timeout(3000).build(), true)));

        awaitChange(key);
        assertThat(listener.story(key)).containsExactly("down port unreachable");
        assertThat(listener.of(key).get(0).atNanos() - updated).isLessThan(Duration.ofMillis(1500).toNanos());
    }

    @Test
    void noReplyTimesOut() throws Exception {
        try (DatagramSocket silent = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            TargetKey key = Checks.key("dns", "127.0.0.1", silent.getLocalPort());
            long updated = System.nanoTime();
            monitor.update(List.of(new ProbeTarget(key, Checks.udp("PING", "PONG").timeout(200).build(), true)));

            awaitChange(key);
            assertThat(listener.story(key)).containsExactly("down timeout after 200 ms");
            assertThat(listener.of(key).get(0).atNanos() - updated).isGreaterThanOrEqualTo(
                    Duration.ofMillis(200).toNanos());
        }
    }

    private void awaitChange(TargetKey key) {
        await().pollInterval(Duration.ofMillis(10)).atMost(Duration.ofSeconds(5))
                .until(() -> !listener.of(key).isEmpty());
    }

    /** A UDP backend on loopback that answers every datagram with {@code reply}, keeping the last one it got. */
    static DatagramSocket replying(String reply, AtomicReference<String> received) throws IOException {
        return replying("127.0.0.1", reply, received);
    }

    /** As {@link #replying(String, AtomicReference)}, on a loopback address of either family. */
    static DatagramSocket replying(String loopback, String reply, AtomicReference<String> received)
            throws IOException {
        DatagramSocket socket = new DatagramSocket(new InetSocketAddress(loopback, 0));
        Thread thread = new Thread(() -> {
            byte[] buffer = new byte[512];
            byte[] answer = reply.getBytes(StandardCharsets.UTF_8);
            try {
                for (;;) {
                    DatagramPacket request = new DatagramPacket(buffer, buffer.length);
                    socket.receive(request);
                    received.set(new String(buffer, 0, request.getLength(), StandardCharsets.UTF_8));
                    socket.send(new DatagramPacket(answer, answer.length, request.getSocketAddress()));
                }
            } catch (IOException e) {
                // closed: the test is over
            }
        }, "udp-backend");
        thread.setDaemon(true);
        thread.start();
        return socket;
    }
}
