package io.cvs.write;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.service.Precondition;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.Addresses;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Durable writes per second and their latency through {@link ServiceRegistry} with group commit and with one
 * fsync per write, against the fdatasync rate of the same disk (the floor), for issue 5. Not a unit test: timings
 * belong in a benchmark run (scripts/bench-journal), not in a pass/fail suite.
 *
 * <p>Everything is written below DIR, so the caller chooses the disk. First the floor: one thread appending
 * 100 bytes to a file with {@code FileChannel.write} and {@code force(false)} (fdatasync), as the journal does per
 * batch. Then for 1, 16 and 64 clients, group commit and then one fsync per write: a fresh journal (the daemon's
 * snapshot thresholds) under a {@link MemoryDatapath}, one service per client, and each client thread updating its
 * own service in a loop, backend 0's weight alternating 2, 1, 2, ... so every call is a real durable write. With
 * HELD (default 0) the registry also holds that many other services of 8 backends ({@link
 * JournalRestartState#config}), to show what a write costs at that size; the lines then start {@code journal+HELD}.
 * Each loop runs WARMUP seconds unrecorded, then SECONDS recorded: an operation counts when it finishes in that window.
 * An unrecorded group-commit run with 16 clients comes first, so that no run pays for compiling the write path.
 * Prints {@code floor fdatasync 1 <ops_per_s> <p50_us> <p99_us>} and one line per run:
 * {@code journal <group|single> <clients> <ops_per_s> <p50_us> <p99_us>}.
 */
public final class JournalBenchmark {

    private static final int[] CLIENTS = { 1, 16, 64 };
    /** The daemon's defaults (cvs.journal.snapshot-records and snapshot-bytes). */
    private static final JournalOptions OPTIONS = new JournalOptions(10_000, 64L << 20, false);

    /** One timed operation of one client; n counts that client's calls from 0. */
    private interface Operation {
        void run(int client, long n) throws IOException;
    }

    private record Result(long ops, double seconds, long[] sortedNanos) {
    }

    private JournalBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 4) {
            System.err.println("usage: JournalBenchmark DIR SECONDS WARMUP_SECONDS [HELD]");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        Duration measured = Duration.ofMillis((long) (Double.parseDouble(args[1]) * 1000));
        Duration warmup = Duration.ofMillis((long) (Double.parseDouble(args[2]) * 1000));
        int held = args.length == 4 ? Integer.parseInt(args[3]) : 0;
        String name = held == 0 ? "journal" : "journal+" + held;
        Files.createDirectories(root);
        // The first run in a JVM would otherwise also pay for compiling the write path.
        journal(root.resolve("jit-warmup"), true, 16, held, warmup, warmup);
        print("floor fdatasync 1", floor(root.resolve("floor.dat"), warmup, measured));
        for (int clients : CLIENTS) {
            for (boolean group : new boolean[] { true, false }) {
                String mode = group ? "group" : "single";
                Result result = journal(root.resolve(mode + "-" + clients), group, clients, held, warmup,
                        measured);
                print(name + " " + mode + " " + clients, result);
            }
        }
    }

    private static Result floor(Path file, Duration warmup, Duration measured) throws Exception {
        ByteBuffer record = ByteBuffer.allocate(100);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            return measure(1, warmup, measured, (client, n) -> {
                record.clear();
                while (record.hasRemaining()) {
                    channel.write(record);
                }
                channel.force(false);
            });
        }
    }

    private static Result journal(Path dir, boolean group, int clients, int held, Duration warmup,
            Duration measured) throws Exception {
        Capacity capacity = new Capacity(held + 128, (held + 128) * 8, 16, 64);
        try (Journal journal = Journal.open(dir, OPTIONS);
                ServiceRegistry registry = new ServiceRegistry(new MemoryDatapath(capacity, null), journal, group,
                        Duration.ofSeconds(30))) {
            if (held > 0) {
                List<ServiceConfig> others = new ArrayList<>(held);
                for (int i = 0; i < held; i++) {
                    others.add(JournalRestartState.config(i, 8));
                }
                registry.replaceAll(others, false);
            }
            String[] ids = new String[clients];
            List<List<Backend>> weight1 = new ArrayList<>();
            List<List<Backend>> weight2 = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                weight1.add(backends(c, 1));
                weight2.add(backends(c, 2));
                ids[c] = registry.create(new ServiceConfig("client-" + c, Addresses.tcp("192.0.2." + (c + 1), 80),
                        weight1.get(c), new TreeMap<>())).id();
            }
            long before = journal.status().lastSeq();
            AtomicLong calls = new AtomicLong();
            Result result = measure(clients, warmup, measured, (client, n) -> {
                List<Backend> next = (n & 1) == 0 ? weight2.get(client) : weight1.get(client);
                registry.update(ids[client], Precondition.NONE, s -> s.content().withBackends(next));
                calls.incrementAndGet();
            });
            long records = journal.status().lastSeq() - before;
            if (records != calls.get()) {
                throw new IllegalStateException(calls.get() + " updates but " + records + " journal records");
            }
            return result;
        }
    }

    /** Two backends 10.c.0.1 and 10.c.0.2 of client c's service; the first has the weight given. */
    private static List<Backend> backends(int client, int firstWeight) {
        return List.of(Addresses.backend("10." + client + ".0.1", 8080, firstWeight),
                Addresses.backend("10." + client + ".0.2", 8080, 1));
    }

    private static Result measure(int threads, Duration warmup, Duration measured, Operation operation)
            throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        long[][] latencies = new long[threads][];
        int[] counts = new int[threads];
        RuntimeException[] failures = new RuntimeException[threads];
        long start = System.nanoTime() + 50_000_000L;
        long windowStart = start + warmup.toNanos();
        long windowEnd = windowStart + measured.toNanos();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int client = t;
            Thread thread = new Thread(() -> {
                long[] mine = new long[1 << 12];
                int count = 0;
                try {
                    go.await();
                    for (long n = 0;; n++) {
                        long t0 = System.nanoTime();
                        if (t0 >= windowEnd) {
                            break;
                        }
                        operation.run(client, n);
                        long t1 = System.nanoTime();
                        if (t1 >= windowStart && t1 < windowEnd) {
                            if (count == mine.length) {
                                mine = Arrays.copyOf(mine, count * 2);
                            }
                            mine[count++] = t1 - t0;
                        }
                    }
                } catch (IOException | InterruptedException | RuntimeException e) {
                    failures[client] = new IllegalStateException("client " + client + " failed", e);
                }
                latencies[client] = mine;
                counts[client] = count;
            }, "bench-client-" + t);
            running.add(thread);
            thread.start();
        }
        while (System.nanoTime() < start) {
            Thread.onSpinWait();
        }
        go.countDown();
        for (Thread thread : running) {
            thread.join();
        }
        for (RuntimeException failure : failures) {
            if (failure != null) {
                throw failure;
            }
        }
        long total = Arrays.stream(counts).asLongStream().sum();
        long[] all = new long[(int) total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(latencies[t], 0, all, at, counts[t]);
            at += counts[t];
        }
        Arrays.sort(all);
        return new Result(total, measured.toNanos() / 1e9, all);
    }

    private static void print(String what, Result result) {
        System.out.printf(Locale.ROOT, "%s %.0f %.1f %.1f%n", what, result.ops() / result.seconds(),
                percentile(result.sortedNanos(), 0.50), percentile(result.sortedNanos(), 0.99));
    }

    /** Nearest rank, in microseconds. */
    private static double percentile(long[] sortedNanos, double p) {
        if (sortedNanos.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p * sortedNanos.length);
        return sortedNanos[Math.max(0, rank - 1)] / 1e3;
    }
}
