package io.cvs.write;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.MemoryDatapath;
import io.cvs.datapath.ServiceKey;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.reconcile.ReconcileResult;
import io.cvs.reconcile.Reconciler;
import io.cvs.service.Service;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Where the daemon's restart work goes, step by step and without Spring, on the state {@link JournalRestartState}
 * left (the daemon must be stopped: both the journal and the map set take one owner). Not a unit test. Times, in
 * this order and in one fresh JVM, as the daemon meets them: opening the journal (reading and checking its files),
 * restoring the registry from it (decoding), loading libcvsbpf through JNA, opening the BPF datapath on the
 * existing maps (libcvsbpf rebuilds its caches from them; the programs are attached again), then the first
 * reconcile as a whole, and then its parts one by one: resync, listing the services, reading each service's
 * backends, checking each for consistency. The reconcile is timed twice: the daemon's is the first in its JVM.
 * Prints {@code probe <step> <ms> [detail]}.
 *
 * <p>Usage: {@code JournalRestartProbe PIN CGROUP JOURNAL}
 */
public final class JournalRestartProbe {

    private JournalRestartProbe() {
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: JournalRestartProbe PIN CGROUP JOURNAL");
            System.exit(2);
        }
        Path pin = Path.of(args[0]);
        Path cgroup = Path.of(args[1]);
        Path dir = Path.of(args[2]);
        Collection<Service> desired;
        try (Journal journal = time("journal-open", () -> Journal.open(dir, new JournalOptions(10_000, 64L << 20,
                false)));
                ServiceRegistry registry = time("journal-restore", () -> new ServiceRegistry(
                        new MemoryDatapath(new Capacity(1 << 20, 1 << 24, 256, 1024), null), journal, true,
                        Duration.ofSeconds(30)))) {
            desired = registry.byName().values();
        }
        time("libcvsbpf-load", BpfDatapath::defaultCgroup);
        try (BpfDatapath datapath = time("datapath-open", () -> BpfDatapath.open(pin, Capacity.AS_PINNED_OR_DEFAULT,
                cgroup))) {
            Reconciler reconciler = new Reconciler(datapath);
            for (String run : List.of("reconcile-first", "reconcile-second")) {
                ReconcileResult result = time(run, () -> reconciler.reconcile(desired, Service::backends));
                System.out.printf(Locale.ROOT, "probe %s-result 0 %d changed, %d failed, %d unchanged%n", run,
                        result.changed(), result.failed(), result.unchanged());
            }
            time("resync", () -> {
                datapath.resync();
                return null;
            });
            List<ServiceKey> keys = time("list", datapath::services);
            time("backends-each", () -> {
                long members = 0;
                for (ServiceKey key : keys) {
                    members += datapath.backends(key).map(List::size).orElse(0);
                }
                return members;
            });
            time("consistent-each", () -> {
                int consistent = 0;
                for (ServiceKey key : keys) {
                    consistent += datapath.consistent(key) ? 1 : 0;
                }
                return consistent;
            });
            System.out.printf(Locale.ROOT, "probe services 0 %d in the journal, %d in the maps%n", desired.size(),
                    keys.size());
        }
    }

    private static <T> T time(String step, Supplier<T> work) {
        long started = System.nanoTime();
        T result = work.get();
        System.out.printf(Locale.ROOT, "probe %s %.1f%n", step, (System.nanoTime() - started) / 1e6);
        return result;
    }
}
