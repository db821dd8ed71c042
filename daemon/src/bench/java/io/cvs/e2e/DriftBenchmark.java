package io.cvs.e2e;

import io.cvs.BpfDaemonHome;
import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.process.DaemonProcess;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * What scripts/bench-drift measures (not a test), printed as the lines of daemon/bench/RESULTS-drift.md:
 *
 * <p>{@code window TRIALS}: a daemon (a child JVM, BPF, the socket-LB on a cgroup of its own) serves a VIP to a
 * client that connects through it over and over from the sandbox's client namespace ({@link ConnectionLoop}: one
 * socat per connection); TRIALS times, the link pin sock_connect4 is removed, and the time from the removal to the
 * first connection that succeeds after one failed is the failure window. Nothing calls the reconcile: the drift
 * check (inotify, backed by its 2 s tick) does.
 *
 * <p>{@code cost SERVICES CHECKS}: SERVICES services of 2 backends are written to a map set of the run's own, then
 * {@link BpfDatapath#drift()}, the daemon's whole check (cvs_maps_drift, cvs.ko's status, the map ids), is timed
 * CHECKS times, in wall time and in the thread's CPU time.
 */
public final class DriftBenchmark {

    private static final String VIP = "198.51.100.70";
    private static final int PORT = 8080;

    private DriftBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        switch (args[0]) {
            case "window" -> window(Integer.parseInt(args[1]));
            case "cost" -> cost(Integer.parseInt(args[1]), Integer.parseInt(args[2]));
            default -> throw new IllegalArgumentException("window TRIALS | cost SERVICES CHECKS");
        }
        System.exit(0);
    }

    private static void window(int trials) throws Exception {
        String name = "cvs-bench-drift-" + ProcessHandle.current().pid();
        Path work = Files.createTempDirectory(name);
        try (TrafficHost host = TrafficHost.start(name, 1, PORT)) {
            try (DaemonProcess daemon = DaemonProcess.start("drift-bench", "--cvs.datapath=bpf",
                    "--cvs.bpf.pin-dir=" + host.pinDir(), "--cvs.bpf.cgroup=" + host.cgroup(),
                    "--cvs.reconcile.interval=10m", "--cvs.journal.dir=" + work.resolve("journal"))) {
                HttpResponse<String> created = daemon.http().post("/api/v1/services", "{\"name\":\"bench\",\"vip\":\""
                        + VIP + "\",\"port\":80,\"protocol\":\"TCP\",\"backends\":[{\"address\":\""
                        + Sandbox.backendAddress(1) + "\",\"port\":" + PORT + "}]}");
                if (created.statusCode() != 201) {
                    throw new AssertionError(created.body());
                }
                ConnectionLoop loop = ConnectionLoop.startAcross(host.sandbox(), host.cgroup(), List.of(VIP), 80,
                        Set.of("b1"), work.resolve("loop.stop"), 30 + trials * 3);
                try {
                    measureWindows(loop, host.pinDir(), trials);
                } finally {
                    loop.stop();
                }
            }
        } finally {
            try (var files = Files.walk(work)) {
                files.sorted((a, b) -> b.compareTo(a)).forEach(p -> p.toFile().delete());
            }
        }
    }

    /**
     * Each trial waits for the repair of the one before (the pin back, a connection through it) and counts only
     * when a connection failed after the removal: one that was under way when the pin went may still succeed.
     */
    private static void measureWindows(ConnectionLoop loop, Path pinDir, int trials) throws Exception {
        Path link = pinDir.resolve("sock_connect4");
        await(() -> loop.firstSuccessAfter(0).isPresent(), "the first connection");
        List<Long> windows = new ArrayList<>();
        for (int t = 0; t < trials; t++) {
            Thread.sleep(300);
            long removed = System.nanoTime();
            Files.delete(link);
            await(() -> loop.firstFailureAfter(removed).isPresent() || Files.exists(link)
                    && System.nanoTime() - removed > TimeUnit.SECONDS.toNanos(1), "trial " + t + ": a failure");
            OptionalLong failure = loop.firstFailureAfter(removed);
            await(() -> Files.exists(link) && loop.firstSuccessAfter(failure.orElse(removed)).isPresent(),
                    "trial " + t + ": the repair");
            if (failure.isPresent()) {
                windows.add(loop.firstSuccessAfter(failure.getAsLong()).getAsLong() - removed);
            }
        }
        long[] sorted = windows.stream().mapToLong(Long::longValue).sorted().toArray();
        int n = sorted.length;
        System.out.printf("| link pin removed, %d trials | %d | %.0f | %.0f | %.0f |%n", trials, n,
                ms(sorted[n / 2]), ms(sorted[(int) Math.ceil(n * 0.99) - 1]), ms(sorted[n - 1]));
    }

    private static void cost(int services, int checks) throws Exception {
        String name = "cvs-bench-drift-cost-" + ProcessHandle.current().pid();
        Path pinDir = BpfDaemonHome.pinDir(name);
        Path cgroup = BpfDaemonHome.createCgroup(name);
        try (BpfDatapath datapath = BpfDatapath.open(pinDir,
                new Capacity(Integer.highestOneBit(services) * 2, services * 4, 8, 16), cgroup)) {
            for (int i = 0; i < services; i++) {
                ServiceKey key = new ServiceKey(IpAddresses.parse("10.200." + (i >> 8) + "." + (i & 255)), 80,
                        Protocol.TCP);
                datapath.apply(key, List.of(new Backend(IpAddresses.parse("10.201." + (i >> 8) + "." + (i & 255)),
                        8080, 1), new Backend(IpAddresses.parse("10.202." + (i >> 8) + "." + (i & 255)), 8080, 1)));
            }
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (int i = 0; i < 50; i++) {
                datapath.drift().orElseThrow();
            }
            long[] wall = new long[checks];
            long cpuStart = threads.getCurrentThreadCpuTime();
            for (int i = 0; i < checks; i++) {
                long t0 = System.nanoTime();
                if (datapath.drift().orElseThrow().any()) {
                    throw new AssertionError("drift on maps nobody touched");
                }
                wall[i] = System.nanoTime() - t0;
            }
            double cpuPerCheck = (threads.getCurrentThreadCpuTime() - cpuStart) / (double) checks;
            Arrays.sort(wall);
            System.out.printf("| %d services, %d checks | %.2f | %.2f | %.2f | %.3f %% |%n", services, checks,
                    ms(wall[checks / 2]), ms(wall[(int) Math.ceil(checks * 0.99) - 1]), cpuPerCheck / 1e6,
                    100 * cpuPerCheck / TimeUnit.SECONDS.toNanos(2));
        } finally {
            BpfDaemonHome.undo(pinDir, cgroup);
        }
    }

    private static void await(java.util.function.BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within 15 s");
            }
            Thread.sleep(2);
        }
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
