package io.cvs.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Assumptions;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real etcd cluster of 1 or 3 members, as child processes of the test JVM: Debian's {@code etcd} on free
 * 127.0.0.1 ports (client and peer), data directories under the directory the test gives (a JUnit temp dir), each
 * member's log beside its data ({@code m<i>.log}). It never uses a system etcd or its port 2379, and never listens
 * beyond loopback. {@link #close()} kills and reaps every member, also when starting failed, and a shutdown hook
 * does the same if the JVM exits without closing.
 *
 * <p>Members run etcd's default limits (--max-txn-ops 128, --max-request-bytes 1.5 MiB), as an operator's cluster
 * would, unless a test passes other flags. Members are addressed by index 0..n-1; a stopped or killed member keeps
 * its ports and data directory, so {@link #start(int)} brings back the same member.
 */
public final class EtcdCluster implements AutoCloseable {

    public static final Path ETCD = Path.of("/usr/bin/etcd");
    public static final Path ETCDCTL = Path.of("/usr/bin/etcdctl");

    private static final Duration START_LIMIT = Duration.ofSeconds(20);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(2);
    private static final AtomicInteger CLUSTERS = new AtomicInteger();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final Path dir;
    private final List<String> flags;
    private final String token;
    private final int[] clientPorts;
    private final int[] peerPorts;
    private final Process[] processes;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(CALL_TIMEOUT).build();
    private final Thread reaper = new Thread(this::killAll, "etcd-cluster-reaper");

    private EtcdCluster(int members, Path dir, List<String> flags) {
        this.dir = dir;
        this.flags = List.copyOf(flags);
        this.token = "cvs-test-" + ProcessHandle.current().pid() + "-" + CLUSTERS.incrementAndGet();
        this.clientPorts = new int[members];
        this.peerPorts = new int[members];
        this.processes = new Process[members];
        for (int i = 0; i < members; i++) {
            clientPorts[i] = freePort();
            peerPorts[i] = freePort();
        }
    }

    /**
     * Skips the calling test loudly when Debian's etcd (etcd-server, etcd-client) is not installed, and fails it
     * when CI is set, since CI must run it.
     */
    public static void requireInstalled() {
        List<String> missing = IntStream.range(0, 2).mapToObj(i -> i == 0 ? ETCD : ETCDCTL)
                .filter(path -> !Files.isExecutable(path)).map(Path::toString).toList();
        if (missing.isEmpty()) {
            return;
        }
        String message = "ETCD TESTS NOT RUN: " + String.join(" and ", missing) + " missing; scripts/bootstrap "
                + "installs Debian's etcd-server and etcd-client";
        if (System.getenv("CI") != null) {
            fail(message + " (CI must run them)");
        }
        System.err.println("!!! " + message + " !!!");
        Assumptions.abort(message);
    }

    /** Starts members (1 or 3) with etcd's defaults and waits until every member is healthy. */
    public static EtcdCluster start(int members, Path dir) {
        return start(members, dir, List.of());
    }

    /** As {@link #start(int, Path)}, with extra etcd flags for every member (e.g. {@code --max-txn-ops=1024}). */
    public static EtcdCluster start(int members, Path dir, List<String> flags) {
        requireInstalled();
        if (members != 1 && members != 3) {
            throw new IllegalArgumentException("1 or 3 members, not " + members);
        }
        EtcdCluster cluster = new EtcdCluster(members, dir, flags);
        Runtime.getRuntime().addShutdownHook(cluster.reaper);
        try {
            for (int i = 0; i < members; i++) {
                cluster.launch(i);
            }
            for (int i = 0; i < members; i++) {
                cluster.awaitHealthy(i);
            }
            return cluster;
        } catch (RuntimeException | Error e) {
            cluster.close();
            throw e;
        }
    }

    public int size() {
        return processes.length;
    }

    /** Every member's client URL, e.g. {@code http://127.0.0.1:40123}, in member order. */
    public List<String> endpoints() {
        return IntStream.range(0, size()).mapToObj(this::endpoint).toList();
    }

    public String endpoint(int member) {
        return "http://127.0.0.1:" + clientPorts[member];
    }

    public synchronized boolean running(int member) {
        return processes[member] != null && processes[member].isAlive();
    }

    /** SIGKILL: the member dies without a word to its peers or clients. */
    public synchronized void kill9(int member) {
        Process process = processes[member];
        if (process != null) {
            process.destroyForcibly();
            reap(process);
            processes[member] = null;
        }
    }

    /** SIGTERM and wait: a clean stop. */
    public synchronized void stop(int member) {
        Process process = processes[member];
        if (process != null) {
            process.destroy();
            reap(process);
            processes[member] = null;
        }
    }

    /**
     * Starts a stopped or killed member again on its ports and data directory, and waits until it serves (its
     * /health answers; healthy only once a quorum runs).
     */
    public synchronized void start(int member) {
        if (running(member)) {
            throw new IllegalStateException("member " + member + " runs");
        }
        launch(member);
        awaitServing(member);
    }

    /** The index of the member that leads now, waiting (bounded) while the running members elect one. */
    public int leader() {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            List<String> ids = new ArrayList<>();
            String leader = null;
            for (int i = 0; i < size(); i++) {
                JsonNode status = running(i) ? post(i, "/v3/maintenance/status", "{}") : null;
                ids.add(status == null ? null : status.path("header").path("member_id").asString());
                if (status != null && !status.path("leader").asString("0").equals("0")) {
                    leader = status.path("leader").asString();
                }
            }
            if (leader != null && ids.contains(leader)) {
                return ids.indexOf(leader);
            }
            pause();
        }
        throw new AssertionError("no leader among the running members within " + START_LIMIT + "; " + logs());
    }

    /** Compacts the store's history up to its current revision with {@code etcdctl compact}; returns it. */
    public long compact() {
        String endpoints = String.join(",", IntStream.range(0, size()).filter(this::running)
                .mapToObj(this::endpoint).toList());
        JsonNode range = IntStream.range(0, size()).filter(this::running)
                .mapToObj(i -> post(i, "/v3/kv/range", "{\"key\":\"AA==\"}")).filter(r -> r != null).findFirst()
                .orElseThrow(() -> new AssertionError("no member answers; " + logs()));
        long revision = Long.parseLong(range.path("header").path("revision").asString());
        run(ETCDCTL.toString(), "--endpoints=" + endpoints, "--command-timeout=5s", "compact", "--physical",
                Long.toString(revision));
        return revision;
    }

    /** Kills and reaps every member. The data directories stay for the test's temp dir to remove. */
    @Override
    public void close() {
        killAll();
        try {
            Runtime.getRuntime().removeShutdownHook(reaper);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs or ran already
        }
    }

    private synchronized void killAll() {
        for (int i = 0; i < size(); i++) {
            kill9(i);
        }
    }

    private synchronized void launch(int member) {
        try {
            Path data = dir.resolve("m" + member);
            Files.createDirectories(data);
            List<String> command = new ArrayList<>(List.of(ETCD.toString(),
                    "--name=m" + member,
                    "--data-dir=" + data,
                    "--listen-client-urls=" + endpoint(member),
                    "--advertise-client-urls=" + endpoint(member),
                    "--listen-peer-urls=" + peerUrl(member),
                    "--initial-advertise-peer-urls=" + peerUrl(member),
                    "--initial-cluster=" + initialCluster(),
                    "--initial-cluster-state=new",
                    "--initial-cluster-token=" + token));
            command.addAll(flags);
            Path log = dir.resolve("m" + member + ".log");
            processes[member] = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String peerUrl(int member) {
        return "http://127.0.0.1:" + peerPorts[member];
    }

    private String initialCluster() {
        return String.join(",", IntStream.range(0, size()).mapToObj(i -> "m" + i + "=" + peerUrl(i)).toList());
    }

    private void awaitHealthy(int member) {
        awaitHealth(member, body -> body.contains("\"health\":\"true\""));
    }

    private void awaitServing(int member) {
        awaitHealth(member, body -> true);
    }

    private void awaitHealth(int member, java.util.function.Predicate<String> ok) {
        long deadline = System.nanoTime() + START_LIMIT.toNanos();
        while (System.nanoTime() < deadline) {
            if (!running(member)) {
                throw new AssertionError("etcd member " + member + " exited; " + logs());
            }
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint(member)
                        + "/health")).timeout(CALL_TIMEOUT).build(), HttpResponse.BodyHandlers.ofString());
                if (ok.test(response.body())) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            pause();
        }
        throw new AssertionError("etcd member " + member + " not healthy within " + START_LIMIT + "; " + logs());
    }

    /** A JSON call to a member's gRPC gateway; null when it does not answer. */
    private JsonNode post(int member, String path, String body) {
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(endpoint(member) + path))
                    .timeout(CALL_TIMEOUT).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    private void run(String... command) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                reap(process);
                throw new AssertionError(String.join(" ", command) + " took longer than 10 s");
            }
            String output = new String(process.getInputStream().readAllBytes());
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " failed: " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** The tail of every member's log, for a failure message. */
    public String logs() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < size(); i++) {
            Path log = dir.resolve("m" + i + ".log");
            try {
                List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
                out.append("\n--- m").append(i).append(".log (last lines)\n")
                        .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size())));
            } catch (IOException e) {
                out.append("\n--- m").append(i).append(".log unreadable: ").append(e);
            }
        }
        return out.toString();
    }

    private static void reap(Process process) {
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(50);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
