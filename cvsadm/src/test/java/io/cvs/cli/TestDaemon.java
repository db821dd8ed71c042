package io.cvs.cli;

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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real daemon (daemon/target/cvs-daemon.jar, built before this module) in a child JVM on the memory datapath,
 * with a free port, a fresh journal and token file, the admin token {@link #ADMIN_TOKEN} and the viewer token
 * {@link #VIEWER_TOKEN}. Its output goes to target/test-daemons/, which stays for post-mortems. {@link #close()}
 * kills it and removes its home (journal, token file) from the temporary directory, and a shutdown hook kills it
 * if a test run ends first.
 */
final class TestDaemon implements AutoCloseable {

    static final String ADMIN_TOKEN = "cvsadm-tests-admin-token";
    static final String VIEWER_TOKEN = "cvsadm-tests-viewer-token";
    private static final Duration READY_WITHIN = Duration.ofSeconds(90);

    private final Process process;
    private final int port;
    private final Path log;
    private final Path home;

    private TestDaemon(Process process, int port, Path log, Path home) {
        this.process = process;
        this.home = home;
        this.port = port;
        this.log = log;
    }

    /** Starts a daemon and returns once {@code /actuator/health/readiness} answers 200. */
    static TestDaemon start(String name, String... extraArgs) {
        Path jar = Path.of(System.getProperty("cvs.daemon.jar", "../daemon/target/cvs-daemon.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar.toAbsolutePath() + " is not built: run the reactor (mvn verify, or "
                    + "mvn -pl cvsadm -am ...), which builds the daemon first");
        }
        try {
            Path home = Files.createTempDirectory("cvsadm-test-daemon-");
            Path logs = Files.createDirectories(Path.of("target/test-daemons"));
            Path log = logs.resolve(name + "-" + ProcessHandle.current().pid() + ".log");
            int port = freePort();
            List<String> command = new ArrayList<>(List.of(javaBinary(), "-XX:TieredStopAtLevel=1",
                    "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), "-jar",
                    jar.toString(), "--cvs.datapath=memory", "--server.port=" + port,
                    "--cvs.journal.dir=" + home.resolve("journal"),
                    "--cvs.security.token-file=" + home.resolve("admin-token"), "--cvs.stats.rate-interval=1s",
                    // the tests' checked backends are listeners of their own on loopback, which probes really reach
                    "--cvs.addresses.allow-loopback-backends=true"));
            command.addAll(List.of(extraArgs));
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            // in the environment, as an operator should give them: ps shows a command line to every user
            builder.environment().putAll(Map.of("CVS_SECURITY_ADMIN_TOKEN", ADMIN_TOKEN,
                    "CVS_SECURITY_VIEWER_TOKEN", VIEWER_TOKEN));
            Process process = builder.start();
            TestDaemon daemon = new TestDaemon(process, port, log, home);
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
            daemon.awaitReady();
            return daemon;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String url() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public void close() {
        process.destroyForcibly();
        try {
            process.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        removeHome();
    }

    private void removeHome() {
        try (Stream<Path> tree = Files.walk(home)) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("removing " + home, e);
        }
    }

    private void awaitReady() {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the daemon exited with " + process.exitValue() + "; " + tail());
            }
            try {
                HttpResponse<Void> response = http.send(HttpRequest.newBuilder(URI.create(url()
                        + "/actuator/health/readiness")).build(), HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            if (System.nanoTime() > deadline) {
                close();
                throw new IllegalStateException("the daemon was not ready within " + READY_WITHIN + "; " + tail());
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    private String tail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return "log " + log.toAbsolutePath() + ":\n" + String.join("\n",
                    lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException e) {
            return "log " + log.toAbsolutePath() + " unreadable: " + e;
        }
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
