package io.cvs.write;

import static io.cvs.testing.Addresses.backend;
import static io.cvs.testing.Addresses.ip;

import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import io.cvs.journal.Journal;
import io.cvs.journal.JournalOptions;
import io.cvs.selection.SelectionPolicy;
import io.cvs.service.HostSelector;
import io.cvs.service.OnBackendRemoval;
import io.cvs.service.Service;
import io.cvs.service.ServiceConfig;
import io.cvs.service.ServiceTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * How {@code src/test/resources/journal/format-6/} was made: the first {@link JournalCodec} that wrote format 6
 * (host selectors and fleet revisions), a fleet host's journal with one local record of format 5 after its fleet
 * records. Not a test, and nothing in the build runs it: the bytes are never regenerated (see
 * {@link GoldenJournalWriter}, whose rules these follow).
 *
 * <p>From the repository root, after {@code mvn -o -pl daemon test-compile}: {@code java -cp
 * daemon/target/classes:daemon/target/test-classes:$(cat cp.txt) io.cvs.write.GoldenFormatSixWriter OUT}, where
 * cp.txt is {@code mvn -o -pl daemon dependency:build-classpath -Dmdep.outputFile=cp.txt}. It writes
 * OUT/format-6/ (OUT must not exist) through the real {@link Journal}, a snapshot every 3 records, and removes the
 * {@code lock} file.
 */
public final class GoldenFormatSixWriter {

    private static final JournalOptions EVERY_THREE = new JournalOptions(3, 64L << 20, false);

    private GoldenFormatSixWriter() {
    }

    public static void main(String[] args) throws IOException {
        Path out = Path.of(args[0]);
        if (Files.exists(out)) {
            throw new IllegalArgumentException(out + " exists; give a directory to create");
        }
        Path dir = out.resolve("format-6");
        Map<String, Service> state = new HashMap<>();
        try (Journal journal = Journal.open(dir, EVERY_THREE)) {
            batch(journal, state, new JournalCodec.Change(List.of(web(7, 1)), List.of(), 7));
            batch(journal, state, new JournalCodec.Change(List.of(api()), List.of(), 9));
            // the third record makes the snapshot due: web v7, api v9, dns v12, at revision 12
            batch(journal, state, new JournalCodec.Change(List.of(dns()), List.of(), 12));
            batch(journal, state, new JournalCodec.Change(List.of(web(15, 2)), List.of("svc-0000000302"), 15));
            // a record from this host's own API (single-host mode): format 5, revision 0
            batch(journal, state, new JournalCodec.Change(List.of(local()), List.of()));
        }
        Files.delete(dir.resolve("lock"));
    }

    static Service web(long version, int backends) {
        List<io.cvs.datapath.Backend> list = backends == 1 ? List.of(backend("10.3.0.1", 8080, 1))
                : List.of(backend("10.3.0.1", 8080, 1), backend("10.3.0.2", 8080, 5));
        return new Service("svc-0000000301", version, new ServiceConfig("web",
                new ServiceKey(ip("198.51.100.30"), 80, Protocol.TCP), list, labels("app", "web"), null,
                OnBackendRemoval.KEEP, SelectionPolicy.DEFAULT, HostSelector.matching(labels("zone", "a"))));
    }

    static Service api() {
        return new Service("svc-0000000302", 9, new ServiceConfig("api",
                new ServiceKey(ip("2001:db8::30"), 443, Protocol.TCP), List.of(backend("fd00::30", 8443, 1)),
                labels(), null, OnBackendRemoval.RESET, SelectionPolicy.maglev(251), HostSelector.ALL));
    }

    static Service dns() {
        return new Service("svc-0000000303", 12, new ServiceConfig("dns",
                new ServiceKey(ip("198.51.100.53"), 53, Protocol.UDP), List.of(backend("10.3.0.53", 53, 1)),
                labels(), null, OnBackendRemoval.KEEP, SelectionPolicy.DEFAULT.withAffinity(60),
                HostSelector.matching(labels("zone", "b", "rack", "r\u00e9 1"))));
    }

    static Service local() {
        return new Service("svc-0000000304", 1, new ServiceConfig("local",
                new ServiceKey(ip("198.51.100.31"), 8080, Protocol.TCP), List.of(backend("10.3.0.31", 80, 2)),
                labels("note", "single host"), null, OnBackendRemoval.KEEP, SelectionPolicy.DEFAULT,
                HostSelector.ALL));
    }

    private static void batch(Journal journal, Map<String, Service> state, JournalCodec.Change change) {
        journal.append(List.of(JournalCodec.change(change)));
        change.applyTo(state);
        if (journal.snapshotDue()) {
            journal.snapshot(JournalCodec.state(ServiceTable.of(List.copyOf(state.values())).services(),
                    change.revision()));
        }
    }

    static TreeMap<String, String> labels(String... keysAndValues) {
        TreeMap<String, String> labels = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            labels.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return labels;
    }
}
