package io.cvs.journal;

/**
 * How the journal snapshots and recovers.
 *
 * @param snapshotRecords take a snapshot after this many records since the last one
 * @param snapshotBytes   ... or after this many bytes of records, whichever comes first
 * @param repair          at start, set damaged files aside and truncate at the damage instead of refusing to start
 */
public record JournalOptions(long snapshotRecords, long snapshotBytes, boolean repair) {

    public JournalOptions {
        if (snapshotRecords < 1 || snapshotBytes < 1) {
            throw new IllegalArgumentException("snapshot thresholds must be positive");
        }
    }
}
