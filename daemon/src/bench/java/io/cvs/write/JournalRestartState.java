package io.cvs.write;

import io.cvs.BpfDaemonHome;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Capacity;
import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.testing.Addresses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

/**
 * Puts a large desired state into a journal and the same state into pinned maps, for scripts/bench-journal to time
 * the daemon's restart against (issue 5). Not a unit test. Journal and maps are written to agree, as the daemon
 * leaves them, so the daemon's first reconcile after a restart should change nothing.
 * <ul>
 * <li>{@code bulk PIN CGROUP JOURNAL SERVICES BACKENDS CAPACITY}: creates the map set at PIN with CAPACITY
 * ({@code services,backends,per-service,slots}), attaches it to CGROUP, and writes SERVICES services of BACKENDS
 * backends each through {@link ServiceRegistry#replaceAll} in chunks of 1,000 (one journal record each). The
 * journal takes a snapshot after the last chunk, so it then holds the whole state as one snapshot.</li>
 * <li>{@code tail PIN CGROUP JOURNAL UPDATES}: reopens both and appends UPDATES records of one service update
 * each (backend 0's weight 1 to 2 or back, service after service), and writes the changed services to the maps.
 * 9,999 is the most records a journal with the daemon's thresholds holds after its snapshot.</li>
 * <li>{@code undo PIN CGROUP}: detaches the programs, destroys the map set and removes the cgroup.</li>
 * </ul>
 * Service i has VIP 192.0.2.x, 198.51.100.x or 203.0.113.x (documentation ranges) with x = 1 + (i / 3) % 254 and
 * port 1000 + i / 762, which keeps 10,000 (VIP, port) keys distinct, and backends 10.(i / 256).(i % 256).1..n:8080
 * with weights 1, 2, 3, 1, ...
 */
public final class JournalRestartState {

    private static final String[] VIP_RANGES = { "192.0.2.", "198.51.100.", "203.0.113." };
    private static final int CHUNK = 1000;
    /** Records per append in tail: about what group commit batches with 16 writers. */
    private static final int TAIL_BATCH = 16;
    /** The daemon's defaults (cvs.journal.snapshot-records and snapshot-bytes). */
    private static final JournalOptions DAEMON_OPTIONS = new JournalOptions(10_000, 64L << 20, false);

    private JournalRestartState() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args.length > 0 ? args[0] : "";
        switch (mode) {
            case "bulk" -> {
                check(args, 7);
                bulk(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]),
                        Integer.parseInt(args[5]), capacity(args[6]));
            }
            case "tail" -> {
                check(args, 5);
                tail(Path.of(args[1]), Path.of(args[2]), Path.of(args[3]), Integer.parseInt(args[4]));
            }
            case "undo" -> {
                check(args, 3);
                BpfDaemonHome.undo(Path.of(args[1]), Path.of(args[2]));
            }
            default -> check(args, -1);
        }
    }

    private static void bulk(Path pin, Path cgroup, Path dir, int services, int backends, Capacity capacity) {
        List<ServiceConfig> configs = new ArrayList<>(services);
        for (int i = 0; i < services; i++) {
            configs.add(config(i, backends));
        }
        int chunks = (services + CHUNK - 1) / CHUNK;
        long started = System.nanoTime();
        try (BpfDatapath datapath = BpfDatapath.open(pin, capacity, cgroup);
                Journal journal = Journal.open(dir, new JournalOptions(chunks, 1L << 40, false));
                ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30))) {
            for (int k = 1; k <= chunks; k++) {
                registry.replaceAll(configs.subList(0, Math.min(services, k * CHUNK)), false);
            }
            System.out.printf(Locale.ROOT, "restart-state bulk %d services x %d backends in %d records, %.1f s%n",
                    registry.byName().size(), backends, journal.status().lastSeq(), seconds(started));
        }
    }

    /**
     * Appends the records as the committer would (one CHANGE of one service per write, in batches as group commit
     * makes them) but without the registry, whose every write costs O(services) (see RESULTS-journal.md), then
     * brings the maps to the final state of each changed service.
     */
    private static void tail(Path pin, Path cgroup, Path dir, int updates) {
        try (BpfDatapath datapath = BpfDatapath.open(pin, Capacity.AS_PINNED_OR_DEFAULT, cgroup);
                Journal journal = Journal.open(dir, DAEMON_OPTIONS)) {
            List<Service> services;
            try (ServiceRegistry registry = new ServiceRegistry(datapath, journal, true, Duration.ofSeconds(30))) {
                services = new ArrayList<>(registry.byName().values());
            }
            long started = System.nanoTime();
            List<byte[]> batch = new ArrayList<>();
            for (int i = 0; i < updates; i++) {
                Service before = services.get(i % services.size());
                Service after = before.with(before.content().withBackends(toggleFirstWeight(before.backends())));
                services.set(i % services.size(), after);
                batch.add(JournalCodec.change(new JournalCodec.Change(List.of(after), List.of())));
                if (batch.size() == TAIL_BATCH || i == updates - 1) {
                    journal.append(batch);
                    batch.clear();
                }
            }
            for (int i = 0; i < Math.min(updates, services.size()); i++) {
                datapath.apply(services.get(i).key(), services.get(i).backends());
            }
            System.out.printf(Locale.ROOT, "restart-state tail %d records of one service each, %.1f s; journal: "
                    + "last record %d, snapshot of record %d%n", updates, seconds(started),
                    journal.status().lastSeq(), journal.status().snapshotSeq());
        }
    }

    static ServiceConfig config(int i, int backends) {
        String vip = VIP_RANGES[i % 3] + (1 + (i / 3) % 254);
        List<Backend> list = new ArrayList<>(backends);
        for (int j = 0; j < backends; j++) {
            // 10.x.y.z up to 65,536 services (as the restart states always were), 11.x.y.z and on beyond
            list.add(Addresses.backend((10 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255) + "." + (j + 1),
                    8080, j % 3 + 1));
        }
        return new ServiceConfig("bench-" + i, Addresses.tcp(vip, 1000 + i / 762), list, new TreeMap<>());
    }

    private static List<Backend> toggleFirstWeight(List<Backend> backends) {
        List<Backend> changed = new ArrayList<>(backends);
        Backend first = changed.get(0);
        changed.set(0, new Backend(first.address(), first.port(), first.weight() == 1 ? 2 : 1));
        return changed;
    }

    private static Capacity capacity(String fields) {
        String[] f = fields.split(",");
        return new Capacity(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                Integer.parseInt(f[3]));
    }

    private static double seconds(long startedNanos) {
        return (System.nanoTime() - startedNanos) / 1e9;
    }

    private static void check(String[] args, int length) {
        if (args.length != length) {
            System.err.println("usage: JournalRestartState bulk PIN CGROUP JOURNAL SERVICES BACKENDS "
                    + "MAX_SERVICES,MAX_BACKENDS,PER_SERVICE,SLOTS\n"
                    + "       JournalRestartState tail PIN CGROUP JOURNAL UPDATES\n"
                    + "       JournalRestartState undo PIN CGROUP");
            System.exit(2);
        }
    }
}
