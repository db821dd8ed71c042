package io.cvs.process;

import io.cvs.journal.TestJournals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon ({@code io.cvs.CvsApplication}) in a child JVM, for tests that must kill it (SIGKILL) and start
 * it again. The child gets the test JVM's class path, a port picked free, the admin token {@link #ADMIN_TOKEN} in its
 * environment ({@code CVS_SECURITY_ADMIN_TOKEN}, as an operator should give it: not on the command line, which
 * {@code ps} shows to everyone; a test may replace it through the environment it passes) and the caller's
 * arguments; its stdout and stderr go to a log file under target/ that stays for post-mortems ({@link DaemonLogs}
 * prints the paths when a test fails). {@link #close()} kills whatever still runs, and so does
 * a shutdown hook of the test JVM, so no daemon outlives its test run.
 */
public final class DaemonProcess implements AutoCloseable {

    public static final String ADMIN_TOKEN = "admin-token-for-child-daemons";

    private static final Duration READY_WITHIN = Duration.ofSeconds(60);
    private static final Duration EXIT_WITHIN = Duration.ofSeconds(30);
    private static final int PORT_ATTEMPTS = 3;

    private final String name;
    private final Process process;
    private final int port;
    private final Path log;
    private final long startedNanos = System.nanoTime();
    private final DaemonClient client;
    private Duration readyAfter;

    private DaemonProcess(String name, Process process, int port, Path log) {
        this.name = name;
        this.process = process;
        this.port = port;
        this.log = log;
        this.client = new DaemonClient(baseUrl(), ADMIN_TOKEN);
    }

    /**
     * Starts a daemon and waits until {@code /actuator/health/readiness} answers 200; fails with the tail of its log
     * when it exits first or is not ready within 60 s. Arguments are the daemon's, e.g. {@code --cvs.datapath=memory}.
     */
    public static DaemonProcess start(String name, String... args) {
        return start(name, Map.of(), args);
    }

    /** Like {@link #start(String, String...)}, with these variables added to the daemon's environment. */
    public static DaemonProcess start(String name, Map<String, String> environment, String... args) {
        for (int attempt = 1; ; attempt++) {
            DaemonProcess daemon = launch(name, ClassDataArchive.jvmOptions(), environment, args);
            try {
                return daemon.awaitReady();
            } catch (AssertionError e) {
                daemon.close();
                // the free port was taken between picking it and the child binding it: pick another
                if (attempt == PORT_ATTEMPTS || !daemon.log().contains("Port " + daemon.port + " was already in use")) {
                    throw e;
                }
            }
        }
    }

    /** Starts a daemon without waiting for it: for one that must refuse to start, or to time its start. */
    public static DaemonProcess launch(String name, String... args) {
        return launch(name, ClassDataArchive.jvmOptions(), args);
    }

    static DaemonProcess launch(String name, List<String> jvmOptions, String... args) {
        return launch(name, jvmOptions, Map.of(), args);
    }

    /** Like {@link #launch(String, String...)}, with these variables added to (or replacing in) its environment. */
    public static DaemonProcess launch(String name, Map<String, String> environment, String... args) {
        return launch(name, ClassDataArchive.jvmOptions(), environment, args);
    }

    static DaemonProcess launch(String name, List<String> jvmOptions, Map<String, String> environment,
            String... args) {
        int port = freePort();
        Path log = ChildJvm.logFile(name);
        List<String> daemonArgs = new ArrayList<>(List.of("--server.port=" + port));
        Map<String, String> daemonEnvironment = new HashMap<>(Map.of("CVS_SECURITY_ADMIN_TOKEN", ADMIN_TOKEN));
        daemonEnvironment.putAll(environment);
        if (Arrays.stream(args).noneMatch(arg -> arg.startsWith("--cvs.journal.dir="))) {
            // never the host's /var/lib/cvs/journal: a test that does not care gets a fresh one
            daemonArgs.add("--cvs.journal.dir=" + TestJournals.freshDir(name));
        }
        daemonArgs.addAll(List.of(args));
        DaemonProcess daemon = new DaemonProcess(name, ChildJvm.start(jvmOptions, daemonEnvironment, daemonArgs, log),
                port, log);
        DaemonLogs.started(daemon);
        return daemon;
    }

    /** Waits for readiness as {@link #start} does. */
    public DaemonProcess awaitReady() {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (!client.ready()) {
            if (!process.isAlive()) {
                throw new AssertionError(this + " exited with " + process.exitValue() + " before it was ready; "
                        + tail());
            }
            if (System.nanoTime() > deadline) {
                kill9();
                throw new AssertionError(this + " was not ready within " + READY_WITHIN + "; " + tail());
            }
            sleep(Duration.ofMillis(50));
        }
        readyAfter = Duration.ofNanos(System.nanoTime() - startedNanos);
        System.out.printf("%s ready after %d ms%n", this, readyAfter.toMillis());
        return this;
    }

    /** From the launch to the first 200 of the readiness probe, once {@link #awaitReady} has seen it. */
    public Duration readyAfter() {
        return readyAfter;
    }

    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** JSON requests with the admin token. */
    public DaemonClient http() {
        return client;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash or the OOM killer would: no shutdown hook runs. Waits until the process is gone. */
    public void kill9() {
        process.destroyForcibly();
        awaitExit("SIGKILL");
    }

    /** SIGTERM, as systemd stops a service: Spring shuts down gracefully. Waits until the process is gone. */
    public void stop() {
        process.destroy();
        awaitExit("SIGTERM");
    }

    public boolean waitForExit(Duration timeout) {
        try {
            return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The exit status: 137 after {@link #kill9}, 143 after {@link #stop}, 1 when the daemon refused to start. */
    public int exitCode() {
        if (process.isAlive()) {
            throw new IllegalStateException(this + " is still running");
        }
        return process.exitValue();
    }

    public Path logFile() {
        return log;
    }

    /** Everything the daemon printed so far. */
    public String log() {
        try {
            return Files.exists(log) ? new String(Files.readAllBytes(log), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The last lines of the log, with its path, for failure messages. */
    public String tail() {
        List<String> lines = log().lines().toList();
        return "log " + log + ", last lines:\n" + String.join("\n", lines.subList(Math.max(0, lines.size() - 40),
                lines.size()));
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill9();
        }
    }

    @Override
    public String toString() {
        return "daemon " + name + " (pid " + process.pid() + ", port " + port + ")";
    }

    private void awaitExit(String signal) {
        if (!waitForExit(EXIT_WITHIN)) {
            process.destroyForcibly();
            throw new AssertionError(this + " did not exit within " + EXIT_WITHIN + " of " + signal + "; " + tail());
        }
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
