package io.cvs.write;

import io.cvs.datapath.Datapath;
import io.cvs.journal.Journal;
import io.cvs.ownership.JournalMismatch;
import io.cvs.ownership.MapOwner;
import io.cvs.ownership.MapOwnership;
import io.cvs.reconcile.ReconcileResult;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the maps' owner record ({@link MapOwner}) in step with the journal, and guards the first reconcile: when
 * the record names another journal, or more records than the journal holds, nothing is removed from the maps
 * until an operator confirms (docs/design.md, "Start"). Runs on the committer's thread only.
 */
final class OwnerCheck {

    private static final Logger log = LoggerFactory.getLogger(OwnerCheck.class);

    private final Journal journal;
    private final Datapath datapath;
    private final MapOwnership ownership;
    private final boolean pruneOnMismatch;

    OwnerCheck(Journal journal, Datapath datapath, MapOwnership ownership, boolean pruneOnMismatch) {
        this.journal = journal;
        this.datapath = datapath;
        this.ownership = ownership;
        this.pruneOnMismatch = pruneOnMismatch;
    }

    /**
     * Before the first reconcile: compares the maps' record with the journal. A set without a record (made by a
     * version without it, or new) is adopted; startedEmpty says the journal held nothing, which the log names if
     * the reconcile then removes services.
     */
    void atStart(boolean startedEmpty) {
        Optional<MapOwner> record;
        try {
            record = datapath.owner();
        } catch (RuntimeException e) {
            log.warn("The maps' owner record cannot be read ({}); nothing is removed from the maps until an "
                    + "operator confirms with POST /api/v1/datapath/reconcile?prune=true", e.getMessage());
            ownership.report(new JournalMismatch(JournalMismatch.Kind.OTHER_JOURNAL, "0".repeat(32), 0,
                    journal.id(), journal.lastSeq(), Instant.now()));
            return;
        }
        Optional<JournalMismatch> mismatch = JournalMismatch.between(record, journal.id(), journal.lastSeq(),
                Instant.now());
        if (mismatch.isEmpty()) {
            if (record.isEmpty()) {
                log.info("The maps hold no owner record (made by an earlier version, or new): adopting them for "
                        + "journal {}{}", journal.id(), startedEmpty ? ", which is empty: services the maps hold "
                        + "are removed by the first reconcile; if the journal directory was lost or moved, restore "
                        + "it, or import the last export (PUT /api/v1/state)" : "");
            }
            return;
        }
        if (pruneOnMismatch) {
            log.warn("Journal mismatch at start: {}. cvs.reconcile.prune-on-journal-mismatch=true, so the first "
                    + "reconcile removes them anyway", mismatch.get().describe());
            return;
        }
        ownership.report(mismatch.get());
        log.warn("Journal mismatch at start: {}", mismatch.get().describe());
    }

    /** Whether a reconcile may remove services the journal lacks: no mismatch, or the operator confirmed one. */
    boolean mayPrune(boolean confirmed) {
        return confirmed || ownership.mismatch().isEmpty();
    }

    /** After a reconcile that ran with prune as {@link #mayPrune} said: a confirmed prune clears the mismatch. */
    void reconciled(ReconcileResult result, boolean pruned) {
        Optional<JournalMismatch> mismatch = ownership.mismatch();
        if (pruned && mismatch.isPresent() && result.failed() == 0) {
            ownership.clear();
            log.warn("Journal mismatch confirmed by an operator: {} services the journal lacked were removed from "
                    + "the maps, which now record journal {} at record {}", result.removed(), journal.id(),
                    journal.lastSeq());
        } else if (mismatch.isPresent() && result.held() == 0 && result.failed() == 0) {
            // The maps hold nothing the journal lacks: there is nothing left to keep for the operator.
            ownership.clear();
            log.info("Journal mismatch ({}) cleared: the maps hold no service the journal lacks, so they now "
                    + "record journal {} at record {}", mismatch.get().kind(), journal.id(), journal.lastSeq());
        } else if (mismatch.isPresent() && result.held() > 0) {
            log.warn("Reconcile kept {} services the journal lacks (journal mismatch, {}); confirm with POST "
                    + "/api/v1/datapath/reconcile?prune=true to remove them", result.held(), mismatch.get().kind());
        }
        record();
    }

    /** After a batch of records was applied: one map update, whatever the batch's size. */
    void applied() {
        record();
    }

    /** Writes this journal and its last record into the maps, unless a mismatch waits for the operator. */
    private void record() {
        if (ownership.mismatch().isPresent()) {
            return;
        }
        try {
            datapath.recordOwner(MapOwner.of(journal.id(), journal.lastSeq()));
        } catch (RuntimeException e) {
            log.warn("The maps' owner record could not be written ({}); the next batch or reconcile tries again",
                    e.getMessage());
        }
    }
}
