package io.cvs.journal;

import java.nio.file.Path;
import java.time.Instant;

/**
 * The journal as health and metrics show it.
 *
 * @param id                   the journal's id (package comment, "Identity")
 * @param writable             false from a failed write until the next one succeeds, or from the loss of the
 *                             active segment or directory until the journal was rebuilt
 * @param lastFailure          why the last write failed, null if none has
 * @param lastFailureAt        when, null if never
 * @param lastSeq              the last durable record's sequence number (0: none yet)
 * @param snapshotSeq          the last record the newest snapshot holds (0: no snapshot)
 * @param recordsSinceSnapshot records written since the newest snapshot was started
 * @param bytesSinceSnapshot   bytes written since then
 * @param segments             segment files in the directory
 */
public record JournalStatus(Path dir, String id, boolean writable, String lastFailure, Instant lastFailureAt, long lastSeq,
        long snapshotSeq, long recordsSinceSnapshot, long bytesSinceSnapshot, int segments) {
}
