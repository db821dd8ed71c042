package io.cvs.traffic;

import io.cvs.address.IpAddresses;
import com.sun.management.ThreadMXBean;
import io.cvs.datapath.Backend;
import io.cvs.datapath.BackendCounters;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.ServiceCounters;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.service.Service;
import io.cvs.write.ServiceRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * For scripts/bench-metrics (issue 7), not a unit test: on a map set and journal made by JournalRestartState (the
 * daemon's state with N services x 8 backends), times Prometheus scrapes of the per-service and per-backend series
 * as the daemon makes them ({@link TrafficCollector}: one walk, one counter read per service) against the same
 * series registered the naive way (one Micrometer meter per series, each counter reading its own service's counters
 * at scrape time), both through {@link PrometheusMeterRegistry#scrape()}, the text the actuator endpoint serves.
 * Prints, per way: scrapes, median and p99 ms, body bytes, heap retained by the registered meters (after GC), and
 * bytes allocated per scrape.
 * <p>Usage: {@code MetricsBenchmark PIN CGROUP JOURNAL SCRAPES}
 */
public final class MetricsBenchmark {

    private static final int WARMUP = 5;

    private MetricsBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path pin = Path.of(args[0]);
        Path cgroup = Path.of(args[1]);
        Path dir = Path.of(args[2]);
        int scrapes = Integer.parseInt(args[3]);
        try (BpfDatapath datapath = BpfDatapath.open(pin, Capacity.AS_PINNED_OR_DEFAULT, cgroup);
                Journal journal = Journal.open(dir, new JournalOptions(10_000, 64L << 20, false));
                ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30))) {
            registry.firstReconcile().join();
            int services = registry.byName().size();

            long before = usedHeapAfterGc();
            PrometheusMeterRegistry ours = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            ours.getPrometheusRegistry().register(new TrafficCollector(registry, datapath));
            report("collector", services, ours::scrape, scrapes, before);
            ours.close();
            ours = null;

            before = usedHeapAfterGc();
            PrometheusMeterRegistry naive = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            registerNaively(naive, registry, datapath);
            report("naive", services, naive::scrape, scrapes, before);
            naive.close();
        }
    }

    /** The same series as TrafficCollector, one meter each; every counter reads its service's counters itself. */
    private static void registerNaively(PrometheusMeterRegistry meters, ServiceRegistry registry,
            BpfDatapath datapath) {
        for (Service service : registry.byName().values()) {
            Tags serviceTags = Tags.of("service", service.name(), "vip", service.key().toString());
            Supplier<ServiceCounters> read = () -> datapath.counters(service.key())
                    .orElse(new ServiceCounters(0, 0, List.of()));
            List<Backend> backends = service.backends();
            for (int i = 0; i < backends.size(); i++) {
                int index = i;
                Backend backend = backends.get(i);
                Tags tags = serviceTags.and("backend", IpAddresses.withPort(backend.address(), backend.port()));
                FunctionCounter.builder("cvs.backend.connections", read,
                        r -> r.get().backends().get(index).connections()).tags(tags).register(meters);
                Gauge.builder("cvs.backend.weight", backend::weight).tags(tags).register(meters);
                Gauge.builder("cvs.backend.up", () -> 1).tags(tags).register(meters);
            }
            FunctionCounter.builder("cvs.service.connections", read, r -> r.get().backends().stream()
                    .mapToLong(BackendCounters::connections).sum()).tags(serviceTags).register(meters);
            FunctionCounter.builder("cvs.service.refused", read, r -> r.get().refused()).tags(serviceTags)
                    .register(meters);
            FunctionCounter.builder("cvs.service.retried", read, r -> r.get().retried()).tags(serviceTags)
                    .register(meters);
            Gauge.builder("cvs.service.backends", backends::size).tags(serviceTags).register(meters);
        }
    }

    /** heapBefore: the heap in use before the way's registry was made; what it keeps is measured after warm-up. */
    private static void report(String way, int services, Supplier<String> scrape, int scrapes, long heapBefore) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        int bytes = 0;
        for (int i = 0; i < WARMUP; i++) {
            bytes = scrape.get().getBytes(StandardCharsets.UTF_8).length;
        }
        long retained = usedHeapAfterGc() - heapBefore;
        double[] ms = new double[scrapes];
        long allocated = 0;
        for (int i = 0; i < scrapes; i++) {
            long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
            long started = System.nanoTime();
            String body = scrape.get();
            ms[i] = (System.nanoTime() - started) / 1e6;
            allocated += threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
            bytes = body.length();
        }
        Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "scrape %s %d %d %.1f %.1f %d %d %d%n", way, services, scrapes,
                ms[scrapes / 2], ms[(int) Math.ceil(scrapes * 0.99) - 1], bytes, retained, allocated / scrapes);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        Runtime runtime = Runtime.getRuntime();
        return runtime.totalMemory() - runtime.freeMemory();
    }
}
