package io.cvs.datapath.bpf;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceKey;
import io.cvs.testing.Addresses;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.IntConsumer;

/**
 * The JNA side of the "one upsert through JNA within 1.2x of C" target; libcvsbpf/bench is the C side and must
 * do the same operations. Not a unit test: timings belong in a benchmark run, not in a pass/fail suite.
 *
 * <p>Creates a map set with the default capacity at PIN_ROOT (which must not exist), writes one service
 * 192.0.2.10:80/tcp with 16 backends 10.0.0.1..16:8080 weight 1, then measures two loops through the public
 * {@link MapSet} API, each run ITERATIONS times untimed (warm-up) and ITERATIONS times timed:
 * <ul>
 * <li>upsert16: upsert of the service with all 16 backends, backend 0's weight alternating 2, 1, 2, ... so every
 * operation is a real generation flip;</li>
 * <li>counters16: reading the service's counters (16 backends).</li>
 * </ul>
 * Prints one line per loop: {@code java-jna <name> <ops_per_s> <us_per_op>}. Destroys PIN_ROOT at the end.
 */
public final class UpsertBenchmark {

    private static final ServiceKey SERVICE = Addresses.tcp("192.0.2.10", 80);
    private static final int BACKENDS = 16;

    private UpsertBenchmark() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: UpsertBenchmark PIN_ROOT ITERATIONS");
            System.exit(2);
        }
        Path root = Path.of(args[0]);
        int iterations = Integer.parseInt(args[1]);
        if (Files.exists(root)) {
            System.err.println(root + " exists; the benchmark destroys its pin root, so give it a new one");
            System.exit(2);
        }
        try (MapSet maps = MapSet.open(root, Capacity.AS_PINNED_OR_DEFAULT, OpenMode.CREATE)) {
            List<Backend> weight1 = backendsWithFirstWeight(1);
            List<Backend> weight2 = backendsWithFirstWeight(2);
            maps.upsert(SERVICE, weight1);
            int[] op = { 0 };
            report("upsert16", iterations, i -> maps.upsert(SERVICE, (op[0]++ & 1) == 0 ? weight2 : weight1));
            long[] sink = { 0 };
            report("counters16", iterations, i -> sink[0] += maps.counters(SERVICE).orElseThrow().backends().size());
            if (sink[0] != 2L * iterations * BACKENDS) {
                throw new IllegalStateException("counters returned " + sink[0] + " backends in all");
            }
        } finally {
            if (Files.exists(root)) {
                MapSet.destroy(root);
            }
        }
    }

    private static void report(String name, int iterations, IntConsumer operation) {
        for (int i = 0; i < iterations; i++) {
            operation.accept(i);
        }
        long start = System.nanoTime();
        for (int i = 0; i < iterations; i++) {
            operation.accept(i);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf(Locale.ROOT, "java-jna %s %.0f %.3f%n", name, iterations / seconds,
                seconds * 1e6 / iterations);
    }

    private static List<Backend> backendsWithFirstWeight(int weight) {
        List<Backend> backends = new ArrayList<>(BACKENDS);
        for (int i = 1; i <= BACKENDS; i++) {
            InetAddress address = Addresses.ip("10.0.0." + i);
            backends.add(new Backend(address, 8080, i == 1 ? weight : 1));
        }
        return backends;
    }
}
