package io.cvs.journal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a journal directory at start as the package comment says: the newest snapshot, then the records after
 * it. Cuts torn tails (with a warning naming the byte), removes what a finished snapshot made obsolete, and
 * refuses corruption unless asked to repair it.
 */
final class Recovery {

    private static final Logger log = LoggerFactory.getLogger(Recovery.class);

    private final JournalDirectory dir;
    private final boolean repair;
    private long snapshotSeq;
    private byte[] snapshotState;
    private final List<JournalRecord> records = new ArrayList<>();
    /** Set when a repair set the later segments aside: replay ends with the repaired one. */
    private boolean repairedHere;

    private Recovery(JournalDirectory dir, boolean repair) {
        this.dir = dir;
        this.repair = repair;
    }

    static Recovered run(JournalDirectory dir, boolean repair) throws IOException {
        Recovery recovery = new Recovery(dir, repair);
        dir.removeTempFiles();
        recovery.loadSnapshot();
        recovery.replaySegments();
        long lastSeq = recovery.records.isEmpty() ? recovery.snapshotSeq
                : recovery.records.get(recovery.records.size() - 1).seq();
        return new Recovered(recovery.snapshotSeq, recovery.snapshotState, List.copyOf(recovery.records), lastSeq);
    }

    private void loadSnapshot() throws IOException {
        for (Map.Entry<Long, Path> newest : dir.snapshots().descendingMap().entrySet()) {
            SegmentScan scan = SegmentScan.of(Files.readAllBytes(newest.getValue()), Frames.SNAPSHOT_MAGIC,
                    Frames.STATE, newest.getKey());
            if (scan.end() == SegmentScan.End.CLEAN && scan.records().size() == 1) {
                snapshotSeq = newest.getKey();
                snapshotState = scan.records().get(0).payload();
                return;
            }
            String damage = "The snapshot " + newest.getValue() + " is damaged at byte " + scan.problemOffset() + ": "
                    + (scan.problem() == null ? "it holds no state record" : scan.problem());
            if (!repair) {
                throw corrupt(damage, "setting it aside and starting from the previous snapshot, if the segments "
                        + "after that one are still there");
            }
            Path aside = dir.copyAside(newest.getValue());
            Files.delete(newest.getValue());
            log.error("{}; repair: moved it to {} and trying the previous snapshot", damage, aside);
        }
    }

    private void replaySegments() throws IOException {
        NavigableMap<Long, Path> segments = dir.segments();
        long expected = snapshotSeq + 1;
        for (Map.Entry<Long, Path> segment : segments.entrySet()) {
            Long next = segments.higherKey(segment.getKey());
            if (next != null && next <= snapshotSeq + 1) {
                // Every record is in the snapshot: a crash came between the snapshot and this file's removal.
                Files.delete(segment.getValue());
                continue;
            }
            List<JournalRecord> read = read(segment.getKey(), segment.getValue(), next);
            for (JournalRecord record : read) {
                if (record.seq() < expected) {
                    continue;
                }
                if (record.seq() != expected) {
                    throw corrupt("The journal has no records " + expected + " to " + (record.seq() - 1)
                            + " (the segment " + segment.getValue() + " starts after them)",
                            null);
                }
                records.add(record);
                expected++;
            }
            if (repairedHere) {
                return;
            }
            if (read.isEmpty() && segments.lastKey().equals(segment.getKey())) {
                continue;
            }
            if (next != null && expected < next) {
                throw corrupt("The journal has no records " + expected + " to " + (next - 1) + " (between "
                        + segment.getValue() + " and the next segment)",
                        null);
            }
        }
    }

    /** The segment's records below next (later ones are left-overs of a failed write), its tail cut if torn. */
    private List<JournalRecord> read(long firstSeq, Path file, Long next) throws IOException {
        SegmentScan scan = SegmentScan.of(Files.readAllBytes(file), Frames.SEGMENT_MAGIC, Frames.CHANGE, firstSeq);
        if (scan.end() == SegmentScan.End.CORRUPT) {
            String damage = "The journal segment " + file + " is damaged at byte " + scan.problemOffset() + ": "
                    + scan.problem();
            if (!repair) {
                throw corrupt(damage, "truncating it at byte " + scan.problemOffset() + " and setting later segments "
                        + "aside, which loses the acknowledged changes stored after that byte");
            }
            Path aside = dir.copyAside(file);
            setLaterSegmentsAside(firstSeq);
            log.error("{}; repair: copied it to {}, truncated it at byte {} and set later segments aside; the "
                    + "changes stored after that byte are lost", damage, aside, scan.problemOffset());
            truncate(file, scan.goodBytes());
            repairedHere = true;
        } else if (scan.end() == SegmentScan.End.TORN) {
            log.warn("The journal segment {} ends in a torn write at byte {} ({}), left by a crash during an append "
                    + "that was never acknowledged; truncating it there", file, scan.problemOffset(), scan.problem());
            truncate(file, scan.goodBytes());
        }
        List<JournalRecord> kept = scan.records();
        if (next != null && !kept.isEmpty() && kept.get(kept.size() - 1).seq() >= next) {
            log.info("The journal segment {} holds records from {} on that a failed write left and a later segment "
                    + "replaced; ignoring them", file, next);
            kept = kept.stream().filter(r -> r.seq() < next).toList();
        }
        return kept;
    }

    private void setLaterSegmentsAside(long firstSeq) throws IOException {
        for (Path later : dir.segments().tailMap(firstSeq, false).values()) {
            Path aside = dir.copyAside(later);
            Files.delete(later);
            log.error("Repair: set the later segment {} aside as {}", later, aside);
        }
        dir.sync();
    }

    /** Cuts the file at bytes; a file without even a good header is removed (it holds no record). */
    private void truncate(Path file, long bytes) throws IOException {
        if (bytes < Frames.HEADER_BYTES) {
            Files.delete(file);
            dir.sync();
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            channel.truncate(bytes);
            channel.force(true);
        }
    }

    /** Refuses to start; repairDoes says what the repair option would do, null when it cannot help. */
    private JournalException corrupt(String damage, String repairDoes) {
        String restore = "move the directory away, start on an empty one and import your last export "
                + "(PUT /api/v1/state); until that import the maps forward nothing, since the desired state is empty";
        return new JournalException(damage + ". That is damage to acknowledged changes, not a torn write, so the "
                + "daemon will not start on it: going on would lose or reorder them silently.",
                "Back up " + dir.path() + " first. Then " + (repairDoes == null ? restore
                        : "start once with --cvs.journal.repair=true, which repairs by " + repairDoes + "; or "
                                + restore) + ". A repair keeps the damaged files beside the journal as "
                        + "*.damaged-<time>.", null);
    }

    /** What the directory held: the snapshot's state (null: none) and the records after it, in order. */
    record Recovered(long snapshotSeq, byte[] snapshotState, List<JournalRecord> records, long lastSeq) {
    }
}
