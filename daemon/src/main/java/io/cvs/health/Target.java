package io.cvs.health;

import io.cvs.address.IpAddresses;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * One probed backend: its check, what to send, and its rise/fall state. A target stands for one (key, check): a
 * changed check makes a new target. Its probe fields belong to the probe loop's thread; {@link #health} and
 * {@link #removed} are read from any thread.
 */
final class Target {

    final ProbeTarget spec;
    final InetSocketAddress probeAddress;
    /** HTTP(S): the request; UDP: the datagram; TCP: empty. Read through {@link ByteBuffer#asReadOnlyBuffer()}. */
    final ByteBuffer payload;
    /** UDP: the prefix a reply must start with. */
    final byte[] expect;
    final long intervalNanos;
    final long timeoutNanos;

    volatile BackendHealth health;
    /** Set by {@link HealthMonitor#update} before it returns: from then on no result counts and no one is told. */
    volatile boolean removed;

    /** The probe in flight, or null; loop thread only. */
    Probe probe;
    /** In the queue for a free slot; loop thread only. */
    boolean waiting;

    Target(ProbeTarget spec, Instant now) {
        HealthCheck check = spec.check();
        requireProbeable(check);
        this.spec = spec;
        int port = check.port() != 0 ? check.port() : spec.key().port();
        this.probeAddress = new InetSocketAddress(spec.key().address(), port);
        this.payload = switch (check.type()) {
            case TCP -> ByteBuffer.allocate(0);
            case HTTP, HTTPS -> ByteBuffer.wrap(httpRequest(check.path(), probeAddress));
            case UDP -> ByteBuffer.wrap(check.send().getBytes(StandardCharsets.UTF_8));
        };
        this.expect = check.expect().getBytes(StandardCharsets.UTF_8);
        this.intervalNanos = check.interval().toNanos();
        this.timeoutNanos = check.timeout().toNanos();
        this.health = new BackendHealth(spec.initiallyUp(), now, 0, 0, null, null);
    }

    TargetKey key() {
        return spec.key();
    }

    HealthCheck check() {
        return spec.check();
    }

    /** Counts one probe's outcome; true when it turned the backend up or down. */
    boolean record(ProbeOutcome outcome, Instant at) {
        BackendHealth before = health;
        boolean passed = outcome.passed();
        int successes = passed ? before.successesInRow() + 1 : 0;
        int failures = passed ? 0 : before.failuresInRow() + 1;
        boolean up = before.up() ? failures < check().fall() : successes >= check().rise();
        boolean changed = up != before.up();
        health = new BackendHealth(up, changed ? at : before.since(), successes, failures, at, outcome.text());
        return changed;
    }

    /**
     * The API validates checks; this guards the monitor against one that would make it misbehave (probe without
     * pause, or inject headers through the path).
     */
    private static void requireProbeable(HealthCheck check) {
        if (check.interval().isNegative() || check.interval().isZero() || check.timeout().isNegative()
                || check.timeout().isZero()) {
            throw new IllegalArgumentException("health check interval and timeout must be positive: " + check);
        }
        if (check.rise() < 1 || check.fall() < 1 || check.port() < 0 || check.port() > 65535) {
            throw new IllegalArgumentException("health check rise, fall or port out of range: " + check);
        }
        if (!check.path().isEmpty() && (!check.path().startsWith("/")
                || !check.path().chars().allMatch(c -> c > 0x20 && c < 0x7f))) {
            throw new IllegalArgumentException("health check path must be /... in visible ASCII: " + check.path());
        }
    }

    private static byte[] httpRequest(String path, InetSocketAddress to) {
        String request = "GET " + (path.isEmpty() ? "/" : path) + " HTTP/1.1\r\n"
                + "Host: " + IpAddresses.withPort(to.getAddress(), to.getPort()) + "\r\n"
                + "User-Agent: cvs-health\r\nAccept: */*\r\nConnection: close\r\n\r\n";
        return request.getBytes(StandardCharsets.US_ASCII);
    }
}
