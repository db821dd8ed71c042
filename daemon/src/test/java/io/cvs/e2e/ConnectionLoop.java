package io.cvs.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A client that connects to a VIP over and over, one connection at a time, from the sandbox's client namespace as a
 * process of the test's cgroup (so through the socket-LB programs), and records each outcome with the time the test
 * learnt of it. A connection succeeds when it reads one of the expected greetings; anything else (a refused or
 * timed-out connection, an unexpected answer, an error message) is a failure. Bounded: at most
 * {@value #MAX_CONNECTIONS} connections and {@value #MAX_SECONDS} s (or the time given), and it ends after its current
 * connection once {@link #stop()} has created its stop file.
 */
final class ConnectionLoop {

    static final int MAX_CONNECTIONS = 20_000;
    static final int MAX_SECONDS = 60;

    /** One connection's result, or a line of the loop that is not one (an error: a failure too). */
    record Outcome(long nanos, boolean ok, String line) {
    }

    private final Process process;
    private final Path stopFile;
    private final Set<String> greetings;
    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final Thread reader;

    private ConnectionLoop(Process process, Path stopFile, Set<String> greetings) {
        this.process = process;
        this.stopFile = stopFile;
        this.greetings = greetings;
        this.reader = new Thread(this::read, "connection-loop-reader");
        reader.setDaemon(true);
        reader.start();
    }

    static ConnectionLoop start(Sandbox sandbox, Path cgroup, String vip, int port, Set<String> greetings,
            Path stopFile) throws IOException {
        return startAcross(sandbox, cgroup, List.of(vip), port, greetings, stopFile, MAX_SECONDS);
    }

    /** Like {@link #start}, connecting to each of vips in turn, for at most maxSeconds. */
    static ConnectionLoop startAcross(Sandbox sandbox, Path cgroup, List<String> vips, int port,
            Set<String> greetings, Path stopFile, int maxSeconds) throws IOException {
        Files.createDirectories(stopFile.getParent());
        Files.deleteIfExists(stopFile);
        String script = "exec 2>&1; end=$((SECONDS + " + maxSeconds + ")); n=0\n"
                + "vips=(" + String.join(" ", vips) + ")\n"
                + "while [ $n -lt " + MAX_CONNECTIONS + " ] && [ $SECONDS -lt $end ] && [ ! -e '" + stopFile
                + "' ]; do\n"
                + "  vip=${vips[$((n % ${#vips[@]}))]}\n"
                + "  n=$((n + 1))\n"
                + "  if out=$(socat -T2 -u TCP:$vip:" + port + ",connect-timeout=2 STDOUT 2>&1); then\n"
                + "    echo \"ok $out\"\n"
                + "  else\n"
                + "    echo \"fail $? $vip $out\"\n"
                + "  fi\n"
                + "done\n";
        return new ConnectionLoop(sandbox.startClient(cgroup, script), stopFile, greetings);
    }

    /**
     * Waits until count connections succeeded since sinceNanos; fails at once when one failed or the loop ended,
     * and after within. phase names the wait in the failure.
     */
    void awaitSuccesses(long sinceNanos, int count, Duration within, String phase) {
        Awaitility.await(phase).atMost(within).pollInterval(Duration.ofMillis(20))
                .failFast(phase, () -> {
                    assertThat(failures()).as("failed connections").isEmpty();
                    assertThat(isRunning()).as("the connection loop runs").isTrue();
                })
                .until(() -> successesSince(sinceNanos) >= count);
    }

    long successesBetween(long fromNanos, long toNanos) {
        return outcomes.stream().filter(o -> o.ok() && o.nanos() >= fromNanos && o.nanos() < toNanos).count();
    }

    long successesSince(long nanos) {
        return successesBetween(nanos, Long.MAX_VALUE);
    }

    /** When the first connection after nanos failed; empty when none did. */
    OptionalLong firstFailureAfter(long nanos) {
        return outcomes.stream().filter(o -> !o.ok() && o.nanos() >= nanos).mapToLong(Outcome::nanos).findFirst();
    }

    /** When the first connection after nanos succeeded; empty when none did. */
    OptionalLong firstSuccessAfter(long nanos) {
        return outcomes.stream().filter(o -> o.ok() && o.nanos() >= nanos).mapToLong(Outcome::nanos).findFirst();
    }

    List<Outcome> failures() {
        return outcomes.stream().filter(o -> !o.ok()).toList();
    }

    boolean isRunning() {
        return process.isAlive();
    }

    /** Ends the loop after its current connection and waits for it and for its last outcome. */
    void stop() throws IOException, InterruptedException {
        Files.createFile(stopFile);
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            throw new AssertionError("the connection loop did not stop within 15 s");
        }
        reader.join(TimeUnit.SECONDS.toMillis(5));
        Files.deleteIfExists(stopFile);
    }

    private void read() {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                boolean ok = line.startsWith("ok ") && greetings.contains(line.substring(3));
                outcomes.add(new Outcome(System.nanoTime(), ok, line));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
