package io.cvs.write;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;

import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How {@code src/test/resources/journal/format-4/} was made, at commit a371f81: the last whose {@link JournalCodec}
 * wrote format 4 (IPv6 and the removal policy, no selection policy). Not a test, and nothing in the build runs it:
 * run on today's code it would write today's format, so the bytes are never regenerated (see
 * {@link GoldenJournalWriter}, whose rules these follow).
 *
 * <p>At a371f81, from the repository root: {@code mvn -o -pl daemon test-compile exec:java
 * -Dexec.classpathScope=test -Dexec.mainClass=io.cvs.write.GoldenFormatFourWriter -Dexec.args=OUT}, with this file
 * copied into that tree's test sources. It writes OUT/format-4/ (OUT must not exist) through the real
 * {@link Journal}, a snapshot every 3 records, and removes the {@code lock} file.
 */
public final class GoldenFormatFourWriter {

    private static final JournalOptions EVERY_THREE = new JournalOptions(3, 64L << 20, false);

    private GoldenFormatFourWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        if (Files.exists(out)) {
            throw new IllegalArgumentException(out + " exists; give a directory to create");
        }
        Path dir = out.resolve("format-4");
        Service web6 = new Service("svc-0000000201", 1, new ServiceConfig("web-v6",
                new ServiceKey(ip("2001:db8::10"), 80, Protocol.TCP),
                List.of(backend("fd00::1", 8080, 1), backend("fd00::2", 8080, 3)), labels("app", "web"), null,
                OnBackendRemoval.RESET));
        Service dns = new Service("svc-0000000202", 1, new ServiceConfig("dns",
                new ServiceKey(ip("192.0.2.53"), 53, Protocol.UDP), List.of(backend("10.2.0.1", 53, 1)),
                labels(), new HealthCheck(Type.UDP, 0, Duration.ofMillis(2000), Duration.ofMillis(1000), 2, 3,
                        InitialState.UP, WhenAllDown.FAIL_OPEN, "", 200, 399, "ping", "pong"),
                OnBackendRemoval.KEEP));
        Service shop = new Service("svc-0000000203", 1, new ServiceConfig("shop",
                new ServiceKey(ip("192.0.2.80"), 80, Protocol.TCP),
                List.of(backend("10.1.0.1", 8080, 2), backend("10.1.0.2", 8080, 0)), labels("tier", "front"), null,
                OnBackendRemoval.KEEP));
        Service web6Now = new Service(web6.id(), 2, new ServiceConfig("web-v6", web6.key(),
                List.of(backend("fd00::1", 8080, 1), backend("fd00::2", 8080, 3), backend("fd00::3", 8080, 1)),
                labels("app", "web"), null, OnBackendRemoval.KEEP));

        Map<String, Service> state = new HashMap<>();
        try (Journal journal = Journal.open(dir, EVERY_THREE)) {
            batch(journal, state, new JournalCodec.Change(List.of(web6), List.of()));
            batch(journal, state, new JournalCodec.Change(List.of(dns), List.of()));
            // the third record makes the snapshot due: it holds web-v6 v1, dns and shop
            batch(journal, state, new JournalCodec.Change(List.of(shop), List.of()));
            batch(journal, state, new JournalCodec.Change(List.of(web6Now), List.of()));
            batch(journal, state, new JournalCodec.Change(List.of(), List.of(dns.id())));
        }
        Files.delete(dir.resolve("lock"));
    }

    private static void batch(Journal journal, Map<String, Service> state, JournalCodec.Change change) {
        journal.append(List.of(JournalCodec.change(change)));
        change.applyTo(state);
        if (journal.snapshotDue()) {
            journal.snapshot(JournalCodec.state(ServiceTable.of(List.copyOf(state.values())).services()));
        }
    }

    private static TreeMap<String, String> labels(String... keysAndValues) {
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            labels.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return labels;
    }
}
