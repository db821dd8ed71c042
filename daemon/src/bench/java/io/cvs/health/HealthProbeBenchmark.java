package io.cvs.health;

import com.sun.management.OperatingSystemMXBean;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * What probing 10,000 backends every second costs (scripts/bench-health runs it): {@code probe KIND MODE TARGETS
 * WARMUP_S SECONDS} starts a backend server in a child JVM, so that only the prober's CPU is this JVM's, then probes
 * TARGETS backends on distinct loopback addresses 127.1.x.y (all reach the server's one socket bound to 0.0.0.0,
 * which answers loopback peers only) every second, and after WARMUP_S measures for SECONDS: probes a second, the
 * prober's CPU time over wall time (cores), the server's, failed probes and state changes. KIND is tcp or http;
 * MODE is {@code monitor} ({@link HealthMonitor}) or {@code blocking}, the naive baseline: a thread per backend
 * that connects (and for HTTP, asks) with blocking sockets on the same schedule. Prints one {@code result} line.
 */
public final class HealthProbeBenchmark {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration TIMEOUT = Duration.ofSeconds(1);

    private HealthProbeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args[0].equals("server")) {
            serve(args[1].equals("http"));
            return;
        }
        String kind = args[1];
        String mode = args[2];
        int targets = Integer.parseInt(args[3]);
        Duration warmup = Duration.ofSeconds(Long.parseLong(args[4]));
        Duration measured = Duration.ofSeconds(Long.parseLong(args[5]));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process server = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                HealthProbeBenchmark.class.getName(), "server", kind).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        try {
            int port = Integer.parseInt(new BufferedReader(new InputStreamReader(server.getInputStream()))
                    .readLine().replace("listening ", ""));
            List<InetSocketAddress> backends = new ArrayList<>();
            for (int i = 0; i < targets; i++) {
                byte[] address = {127, 1, (byte) (i / 250), (byte) (1 + i % 250)};
                backends.add(new InetSocketAddress(InetAddress.getByAddress(address), port));
            }
            Prober prober = mode.equals("monitor") ? new MonitorProber(kind, backends)
                    : new BlockingProber(kind, backends);
            try (prober) {
                Thread.sleep(warmup.toMillis());
                Sample before = Sample.take(prober, server);
                Thread.sleep(measured.toMillis());
                Sample after = Sample.take(prober, server);
                double wall = (after.wallNanos - before.wallNanos) / 1e9;
                String update = prober instanceof MonitorProber monitor
                        ? " " + monitor.unchangedUpdateMillis() : "";
                System.out.printf("result kind=%s mode=%s targets=%d seconds=%.1f probes_per_s=%.0f failures=%d"
                        + " delayed=%d flips=%d prober_cores=%.3f server_cores=%.3f%s%n", kind, mode, targets, wall,
                        (after.probes - before.probes) / wall, after.failures - before.failures,
                        after.delayed - before.delayed, after.flips - before.flips,
                        (after.proberCpuNanos - before.proberCpuNanos) / 1e9 / wall,
                        (after.serverCpuNanos - before.serverCpuNanos) / 1e9 / wall, update);
            }
        } finally {
            server.destroy();
            server.waitFor();
        }
    }

    private record Sample(long wallNanos, long probes, long failures, long delayed, long flips, long proberCpuNanos,
            long serverCpuNanos) {

        static Sample take(Prober prober, Process server) {
            OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
            return new Sample(System.nanoTime(), prober.probes(), prober.failures(), prober.delayed(), prober.flips(),
                    os.getProcessCpuTime(), server.info().totalCpuDuration().orElseThrow().toNanos());
        }
    }

    private interface Prober extends AutoCloseable {
        long probes();

        long failures();

        /** Probes that came due while the most allowed were in flight (the monitor's limit; the baseline has none). */
        long delayed();

        long flips();

        @Override
        void close() throws InterruptedException;
    }

    /** The real thing, as the daemon will run it. */
    private static final class MonitorProber implements Prober {

        private final MeterRegistry meters = new SimpleMeterRegistry();
        private final AtomicLong flips = new AtomicLong();
        private final HealthMonitor monitor;

        private final String kind;
        private final List<InetSocketAddress> backends;

        MonitorProber(String kind, List<InetSocketAddress> backends) {
            this.kind = kind;
            this.backends = backends;
            monitor = new HealthMonitor(new HealthProperties(1000, 0.1), (key, up, reason) -> flips.incrementAndGet(),
                    meters);
            monitor.update(targets());
        }

        /** Equal targets in new objects each time, as the write path makes them from its configuration. */
        private List<ProbeTarget> targets() {
            HealthCheck check = (kind.equals("http") ? Checks.http("/healthz") : Checks.tcp()).interval(1000)
                    .timeout(TIMEOUT.toMillis()).rise(2).fall(3).build();
            List<ProbeTarget> targets = new ArrayList<>();
            for (InetSocketAddress backend : backends) {
                targets.add(new ProbeTarget(new TargetKey("bench", (Inet4Address) backend.getAddress(),
                        backend.getPort()), check, true));
            }
            return targets;
        }

        /**
         * update() with every target unchanged, what each configuration change costs the caller: the first call
         * (its code not yet compiled), then the median of 9 after 50 more, as a daemon that has run a while.
         */
        String unchangedUpdateMillis() {
            double first = timedUpdateMillis();
            for (int i = 0; i < 50; i++) {
                timedUpdateMillis();
            }
            double[] millis = new double[9];
            for (int i = 0; i < millis.length; i++) {
                millis[i] = timedUpdateMillis();
            }
            java.util.Arrays.sort(millis);
            return String.format("update_first_ms=%.2f update_ms=%.2f", first, millis[millis.length / 2]);
        }

        private double timedUpdateMillis() {
            List<ProbeTarget> same = targets();
            long start = System.nanoTime();
            monitor.update(same);
            return (System.nanoTime() - start) / 1e6;
        }

        @Override
        public long probes() {
            return (long) meters.find("cvs.health.probes").counters().stream().mapToDouble(Counter::count).sum();
        }

        @Override
        public long failures() {
            return (long) meters.find("cvs.health.probes").counters().stream()
                    .filter(counter -> !"success".equals(counter.getId().getTag("result")))
                    .mapToDouble(Counter::count).sum();
        }

        @Override
        public long delayed() {
            return (long) meters.get("cvs.health.probes.delayed").counter().count();
        }

        @Override
        public long flips() {
            return flips.get();
        }

        @Override
        public void close() {
            monitor.close();
        }
    }

    /** The naive way: a platform thread per backend, blocked in connect and read, sleeping between probes. */
    private static final class BlockingProber implements Prober {

        private static final byte[] REQUEST = "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);

        private final LongAdder probes = new LongAdder();
        private final LongAdder failures = new LongAdder();
        private final List<Thread> threads = new ArrayList<>();
        private volatile boolean running = true;

        BlockingProber(String kind, List<InetSocketAddress> backends) {
            boolean http = kind.equals("http");
            for (InetSocketAddress backend : backends) {
                Thread thread = new Thread(null, () -> probeForever(backend, http), "probe-" + backend, 256 * 1024);
                thread.setDaemon(true);
                thread.start();
                threads.add(thread);
            }
        }

        private void probeForever(InetSocketAddress backend, boolean http) {
            long interval = INTERVAL.toNanos();
            long next = System.nanoTime() + ThreadLocalRandom.current().nextLong(interval);
            try {
                while (running) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    next += (long) (interval * (0.9 + 0.2 * ThreadLocalRandom.current().nextDouble()));
                    if (!probe(backend, http)) {
                        failures.increment();
                    }
                    probes.increment();
                }
            } catch (InterruptedException e) {
                // closed
            }
        }

        private static boolean probe(InetSocketAddress backend, boolean http) {
            try (Socket socket = new Socket()) {
                socket.setSoLinger(true, 0);
                socket.connect(backend, (int) TIMEOUT.toMillis());
                if (!http) {
                    return true;
                }
                socket.setSoTimeout((int) TIMEOUT.toMillis());
                socket.getOutputStream().write(REQUEST);
                byte[] status = socket.getInputStream().readNBytes(12);
                return new String(status, StandardCharsets.US_ASCII).equals("HTTP/1.1 200");
            } catch (IOException e) {
                return false;
            }
        }

        @Override
        public long probes() {
            return probes.sum();
        }

        @Override
        public long failures() {
            return failures.sum();
        }

        @Override
        public long delayed() {
            return 0;
        }

        /** It keeps no up/down state; its failed probes are what would have flipped. */
        @Override
        public long flips() {
            return 0;
        }

        @Override
        public void close() throws InterruptedException {
            running = false;
            for (Thread thread : threads) {
                thread.interrupt();
            }
            for (Thread thread : threads) {
                thread.join();
            }
        }
    }

    /**
     * The backends: one NIO thread on 0.0.0.0 that closes each loopback connection at once (tcp) or after answering
     * its request with 200 (http); anything not from loopback is closed unanswered. Ends when its parent does (stdin
     * closes).
     */
    private static void serve(boolean http) throws IOException {
        Selector selector = Selector.open();
        ServerSocketChannel listener = ServerSocketChannel.open();
        listener.bind(new InetSocketAddress("0.0.0.0", 0), 4096);
        listener.configureBlocking(false);
        listener.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("listening " + listener.socket().getLocalPort());
        System.out.flush();
        Thread parentWatch = new Thread(() -> {
            try (InputStream in = System.in) {
                while (in.read() >= 0) {
                    // nothing is sent; read() returns -1 when the parent is gone
                }
            } catch (IOException e) {
                // the same
            }
            System.exit(0);
        });
        parentWatch.setDaemon(true);
        parentWatch.start();
        ByteBuffer response = ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII));
        ByteBuffer request = ByteBuffer.allocate(4096);
        for (;;) {
            selector.select(key -> {
                try {
                    if (key.isAcceptable()) {
                        SocketChannel connection;
                        while ((connection = listener.accept()) != null) {
                            InetAddress peer = ((InetSocketAddress) connection.getRemoteAddress()).getAddress();
                            if (!http || !peer.isLoopbackAddress()) {
                                connection.close();
                                continue;
                            }
                            connection.configureBlocking(false);
                            connection.register(selector, SelectionKey.OP_READ);
                        }
                    } else {
                        SocketChannel connection = (SocketChannel) key.channel();
                        request.clear();
                        // a probe's request fits one segment: answer at its first bytes, close after
                        if (connection.read(request) != 0) {
                            connection.write(response.duplicate());
                            connection.close();
                        }
                    }
                } catch (IOException e) {
                    // out of file descriptors, say: the listener stays, a connection goes
                    if (key.channel() != listener) {
                        closeQuietly(key);
                    }
                }
            });
        }
    }

    private static void closeQuietly(SelectionKey key) {
        try {
            key.channel().close();
        } catch (IOException e) {
            // gone already
        }
    }
}
