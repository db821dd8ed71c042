package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The {@link FlowPeer} processes of the flow tests, started in the sandbox's namespaces and read line by line as
 * they print: servers in backend namespaces that record every datagram (and TCP line) with its arrival time, and
 * resolver-like clients in a client namespace, as processes of the test's cgroup so their connect() goes through
 * the socket-LB. Times are wall-clock nanoseconds since the epoch, the same clock for the test and every peer.
 * The sandbox kills them on close; each also ends by itself, after {@link #MAX_SECONDS} (a client) or
 * {@link #SERVER_MAX_SECONDS} (a server).
 */
final class FlowPeers {

    /** How long a client may live; servers live for a whole test class, so longer. */
    static final int MAX_SECONDS = 90;
    static final int SERVER_MAX_SECONDS = 300;
    static final long PERIOD_MS = 50;
    /** The longest a removed backend may still receive the client's datagrams after the daemon said so. */
    static final long BOUND_MS = 1000;
    static final Duration WITHIN = Duration.ofSeconds(5);

    private FlowPeers() {
    }

    /** Now, on the clock the peers print. */
    static long now() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    static long millis(long nanos) {
        return Math.round(nanos / 1e6);
    }

    /** One line a peer printed: its time and the words after it. */
    record Line(long nanos, String[] words) {
        String word(int i) {
            return words[i];
        }
    }

    /** What a server received: on which backend and port, from which address:port, with which tag and sequence. */
    record Arrival(long nanos, int backend, String protocol, int port, String source, String tag, long seq) {
    }

    /** A peer's process and what it printed so far. */
    abstract static class Peer {
        final Process process;
        final String name;
        final List<Line> lines = new CopyOnWriteArrayList<>();
        private final StringBuilder errors = new StringBuilder();

        Peer(Process process, String name) {
            this.process = process;
            this.name = name;
            Thread out = new Thread(this::readOut, name + "-out");
            out.setDaemon(true);
            out.start();
            Thread err = new Thread(this::readErr, name + "-err");
            err.setDaemon(true);
            err.start();
        }

        private void readOut() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String text = in.readLine(); text != null; text = in.readLine()) {
                    String[] words = text.split(" ");
                    try {
                        Line line = new Line(Long.parseLong(words[0]), java.util.Arrays.copyOfRange(words, 1,
                                words.length));
                        lines.add(line);
                        seen(line);
                    } catch (RuntimeException e) {
                        synchronized (errors) {
                            errors.append(text).append('\n');
                        }
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
        }

        private void readErr() {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getErrorStream(),
                    StandardCharsets.UTF_8))) {
                for (String text = in.readLine(); text != null; text = in.readLine()) {
                    synchronized (errors) {
                        errors.append(text).append('\n');
                    }
                }
            } catch (IOException e) {
                // the process was killed
            }
        }

        void seen(Line line) {
        }

        String errors() {
            synchronized (errors) {
                return errors.toString();
            }
        }

        Optional<Line> first(Predicate<Line> which) {
            return lines.stream().filter(which).findFirst();
        }

        /** Waits until a line matches, failing with what the peer printed on stderr when it ends first. */
        Line await(String what, Predicate<Line> which, Duration within) {
            Awaitility.await(name + ": " + what).atMost(within).pollInterval(Duration.ofMillis(10))
                    .failFast(name + " exited: " + errors(), () -> !process.isAlive())
                    .until(() -> first(which).isPresent());
            return first(which).orElseThrow();
        }

        void stop() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            try {
                process.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** A server in backend namespace {@code backend}. */
    static final class Server extends Peer {
        final int backend;
        final List<Arrival> arrivals = new CopyOnWriteArrayList<>();

        Server(Process process, int backend) {
            super(process, "server-b" + backend);
            this.backend = backend;
        }

        @Override
        void seen(Line line) {
            // <nanos> udp|tcp <port> <source> <tag> <seq>
            if (line.words().length == 5 && (line.word(0).equals("udp") || line.word(0).equals("tcp"))) {
                try {
                    arrivals.add(new Arrival(line.nanos(), backend, line.word(0), Integer.parseInt(line.word(1)),
                            line.word(2), line.word(3), Long.parseLong(line.word(4))));
                } catch (NumberFormatException e) {
                    // a health probe's payload
                }
            }
        }

        List<Arrival> from(String tag) {
            return arrivals.stream().filter(a -> a.tag().equals(tag)).toList();
        }

        /** Closes one of its UDP ports (a health responder stops answering: probes get port unreachable). */
        void closeUdp(int port) {
            try {
                OutputStream in = process.getOutputStream();
                in.write(("close " + port + "\n").getBytes(StandardCharsets.UTF_8));
                in.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            await("closed " + port, l -> l.word(0).equals("closed") && l.word(1).equals(String.valueOf(port)),
                    Duration.ofSeconds(5));
        }
    }

    /** A client: its connects ({@code connected <local port>}) and failures ({@code failed <seq> <error>}). */
    static final class Client extends Peer {
        final String tag;

        Client(Process process, String tag) {
            super(process, tag);
            this.tag = tag;
        }

        List<Line> connects() {
            return lines.stream().filter(l -> l.word(0).equals("connected")).toList();
        }

        List<Line> failures() {
            return lines.stream().filter(l -> l.word(0).equals("failed")).toList();
        }

        List<Line> failuresAfter(long nanos) {
            return failures().stream().filter(l -> l.nanos() >= nanos).toList();
        }

        /** TCP: the sequence numbers whose echo came back, with when. */
        List<Line> echoes() {
            return lines.stream().filter(l -> l.word(0).equals("echo")).toList();
        }
    }

    /**
     * A server on backend i's addresses (IPv4 and IPv6), with the given specs ({@code udp:5353},
     * {@code tcp:7000}); returns once all are bound.
     */
    static Server server(Sandbox sandbox, int i, String... specs) {
        List<String> command = new ArrayList<>(java());
        command.addAll(List.of("server", Sandbox.backendAddress(i) + "," + Sandbox.backendAddress6(i),
                String.valueOf(SERVER_MAX_SECONDS)));
        command.addAll(List.of(specs));
        Server server = new Server(sandbox.startInBackend(i, command.toArray(String[]::new)), i);
        server.await("ready", l -> l.word(0).equals("ready"), Duration.ofSeconds(30));
        return server;
    }

    /**
     * A resolver-like UDP client in client namespace {@code namespace}, a process of cgroup, sending {@code tag
     * <seq>} to vip:port every {@value #PERIOD_MS} ms over one connected socket; returns once it connected.
     */
    static Client udpClient(Sandbox sandbox, String namespace, Path cgroup, String tag, String vip, int port) {
        return client(sandbox, namespace, cgroup, "udp-client", tag, vip, port);
    }

    /** The same over one TCP connection, whose lines the server echoes. */
    static Client tcpClient(Sandbox sandbox, String namespace, Path cgroup, String tag, String vip, int port) {
        return client(sandbox, namespace, cgroup, "tcp-client", tag, vip, port);
    }

    private static Client client(Sandbox sandbox, String namespace, Path cgroup, String mode, String tag,
            String vip, int port) {
        List<String> command = new ArrayList<>(java());
        command.addAll(List.of(mode, tag, vip, String.valueOf(port), String.valueOf(PERIOD_MS),
                String.valueOf(MAX_SECONDS)));
        Client client = new Client(sandbox.startClientIn(namespace, cgroup, "exec " + String.join(" ", command)),
                tag);
        client.await("connected", l -> l.word(0).equals("connected"), Duration.ofSeconds(30));
        return client;
    }

    /** A child JVM that starts fast and small, with nothing on its class path but the test classes. */
    private static List<String> java() {
        String java = ProcessHandle.current().info().command().orElseThrow();
        try {
            String classes = Path.of(FlowPeer.class.getProtectionDomain().getCodeSource().getLocation().toURI())
                    .toString();
            return List.of(java, "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                    "-Xmx32m", "-XX:-UsePerfData", "-cp", classes, FlowPeer.class.getName());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The backend (1-based) whose server got the client's datagrams first, once one did. */
    static Server serverOf(Client client, List<Server> servers, Duration within) {
        Awaitility.await(client.tag + " reaches a backend").atMost(within).pollInterval(Duration.ofMillis(10))
                .until(() -> servers.stream().anyMatch(s -> !s.from(client.tag).isEmpty()));
        Server chosen = servers.stream().filter(s -> !s.from(client.tag).isEmpty()).findFirst().orElseThrow();
        assertThat(servers.stream().filter(s -> s != chosen && !s.from(client.tag).isEmpty()))
                .as("one connected socket reaches one backend").isEmpty();
        return chosen;
    }

    static void sleepUntil(long nanos) throws InterruptedException {
        long left = nanos - now();
        if (left > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    static String describe(List<Line> lines) {
        return lines.stream().map(l -> String.join(" ", l.words())).toList().toString();
    }

    /** What the client's datagrams did around a change at {@code at}; times in ms from it. */
    record Cleanup(long lastOnGone, long failed, long firstOnLive) {
    }

    /**
     * After a change made from {@code from} (just before the request went out: a sweep may end the socket before
     * the answer arrives) and acknowledged or reported at {@code at}, which made {@code gone} unselectable for the
     * client: its socket was ended (a failed call, then a new connect), its datagrams reach {@code live} from the new
     * socket, and none reached {@code gone} later than {@value #BOUND_MS} ms after {@code at}. Figures in ms from at.
     */
    static Cleanup assertCleaned(Client client, Server gone, Server live, long from, long at) throws Exception {
        try {
            Awaitility.await(client.tag + "'s datagrams reach the live backend b" + live.backend + " after the change")
                    .atMost(WITHIN).pollInterval(Duration.ofMillis(10))
                    .until(() -> live.from(client.tag).stream().anyMatch(a -> a.nanos() > from));
        } catch (ConditionTimeoutException e) {
            List<Arrival> stuck = gone.from(client.tag).stream().filter(a -> a.nanos() > at).toList();
            throw new AssertionError(client.tag + "'s socket was not ended: nothing reached live b" + live.backend
                    + " within " + WITHIN.toMillis() + " ms of the change, while " + stuck.size()
                    + " datagrams reached the old backend b" + gone.backend + " after it"
                    + (stuck.isEmpty() ? "" : ", the last " + millis(stuck.get(stuck.size() - 1).nanos() - at)
                            + " ms after it") + "; the client's failures: " + describe(client.failures()), e);
        }
        // a datagram the sweep missed would land on gone during the bound or after it
        sleepUntil(at + (BOUND_MS + 200) * 1_000_000L);
        long lastOnGone = gone.from(client.tag).stream().mapToLong(Arrival::nanos).max().orElseThrow();
        Line failed = client.failuresAfter(from).stream().findFirst()
                .orElseThrow(() -> new AssertionError(client.tag + " never saw its socket fail: " + client.lines));
        Arrival firstOnLive = live.from(client.tag).stream().filter(a -> a.nanos() > from)
                .min(Comparator.comparingLong(Arrival::nanos)).orElseThrow();
        Cleanup figures = new Cleanup(millis(lastOnGone - at), millis(failed.nanos() - at),
                millis(firstOnLive.nanos() - at));

        assertThat(figures.lastOnGone()).as("ms from the change to the last datagram on the old backend b%d "
                + "(%s)", gone.backend, figures).isLessThanOrEqualTo(BOUND_MS);
        List<Line> reconnects = client.connects().stream().filter(l -> l.nanos() > failed.nanos()).toList();
        assertThat(reconnects).as("the client connected again after its socket failed (%s)",
                String.join(" ", failed.words())).isNotEmpty();
        String newPort = reconnects.get(reconnects.size() - 1).word(1);
        assertThat(live.from(client.tag).stream().filter(a -> a.nanos() > from).map(Arrival::source))
                .as("what reached the live backend came from the new socket")
                .allSatisfy(source -> assertThat(source).endsWith(":" + newPort));
        assertThat(gone.from(client.tag).stream().filter(a -> a.nanos() > firstOnLive.nanos()))
                .as("nothing on the old backend once the new socket reached the live one").isEmpty();
        return figures;
    }
}
