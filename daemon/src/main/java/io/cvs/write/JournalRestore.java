package io.cvs.write;

import io.cvs.journal.Journal;
import io.cvs.journal.JournalRecord;
import io.cvs.service.Service;
import io.cvs.service.ServiceTable;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The desired state a journal holds at start: its snapshot, then its records replayed in order. */
final class JournalRestore {

    private static final Logger log = LoggerFactory.getLogger(JournalRestore.class);

    /** The services restored, and the last fleet revision the journal records (0: none, a single host's). */
    record Restored(ServiceTable table, long revision) {
    }

    private JournalRestore() {
    }

    /** Reads what the journal recovered at open, then lets it forget that (it can be large). */
    static Restored of(Journal journal) {
        long started = System.nanoTime();
        Map<String, Service> state = new HashMap<>();
        long revision = 0;
        byte[] snapshot = journal.recoveredSnapshot();
        if (snapshot != null) {
            JournalCodec.State restored = JournalCodec.readStateAndRevision(snapshot);
            restored.services().forEach(s -> state.put(s.id(), s));
            revision = restored.revision();
        }
        List<JournalRecord> records = journal.recoveredRecords();
        for (JournalRecord r : records) {
            JournalCodec.Change change = JournalCodec.readChange(r.payload());
            change.applyTo(state);
            revision = change.revision() != 0 ? change.revision() : revision;
        }
        journal.forgetRecovered();
        ServiceTable table = ServiceTable.of(state.values());
        log.info("Restored {} services with {} backends from the journal ({} records after {}) in {} ms",
                table.byId().size(), table.backends(), records.size(),
                snapshot == null ? "no snapshot" : "a snapshot", (System.nanoTime() - started) / 1_000_000);
        return new Restored(table, revision);
    }
}
