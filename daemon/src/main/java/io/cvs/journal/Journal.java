package io.cvs.journal;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The journal of one daemon (format: the package comment). Opening it locks the directory and recovers what it
 * holds; {@link #append} then writes batches of records durably, and {@link #snapshot} compacts. Appends come
 * from one thread at a time (the service package's committer); status may be read from any thread.
 */
public final class Journal implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(Journal.class);

    /** fdatasync of one batch: 50 µs (a fast NVMe write cache) to 1 s (a disk in trouble). */
    private static final Duration[] FSYNC_BUCKETS = Stream.of(50L, 100L, 250L, 500L, 1_000L, 2_500L, 5_000L,
            10_000L, 25_000L, 50_000L, 100_000L, 250_000L, 500_000L, 1_000_000L)
            .map(micros -> Duration.ofNanos(micros * 1_000)).toArray(Duration[]::new);

    private final JournalDirectory dir;
    private final JournalOptions options;
    private final Timer fsyncs;
    private final ExecutorService snapshots = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "cvs-journal-snapshot");
        thread.setDaemon(true);
        return thread;
    });
    private Recovery.Recovered recovered;

    private final String id;
    private FileChannel segment;
    /** The active segment's path and identity: a batch is acknowledged only while the one is the other's. */
    private Path segmentPath;
    private Object segmentKey;
    /** Why the journal's files are gone (segment or directory removed or replaced); null while they are not. */
    private volatile String lost;
    /** The state the acknowledged records add up to, encoded: what a rebuild writes. */
    private Supplier<byte[]> acknowledgedState;
    private long segmentBytes;
    /** After a failed sync the old segment is not trusted to take more (see the package comment). */
    private boolean mustStartSegment = true;
    private volatile long nextSeq;
    private volatile long snapshotSeq;
    private volatile long recordsSinceSnapshot;
    private volatile long bytesSinceSnapshot;
    private volatile boolean snapshotRunning;
    private volatile String lastFailure;
    private volatile Instant lastFailureAt;

    private Journal(JournalDirectory dir, String id, JournalOptions options, Recovery.Recovered recovered,
            MeterRegistry meters) {
        this.dir = dir;
        this.id = id;
        this.options = options;
        this.fsyncs = Timer.builder("cvs.journal.fsync.duration")
                .description("Time to fdatasync one batch of journal records (group commit)")
                .serviceLevelObjectives(FSYNC_BUCKETS)
                .register(meters);
        this.recovered = recovered;
        this.nextSeq = recovered.lastSeq() + 1;
        this.snapshotSeq = recovered.snapshotSeq();
        this.recordsSinceSnapshot = recovered.records().size();
    }

    /** {@link #open(Path, JournalOptions, MeterRegistry)} with meters kept only in the journal, for tests and tools. */
    public static Journal open(Path dir, JournalOptions options) {
        return open(dir, options, new SimpleMeterRegistry());
    }

    /**
     * Locks dir (creating it) and recovers it; the first append starts a new segment after the last record. The time
     * of each fsync goes to {@code cvs_journal_fsync_duration_seconds} in meters.
     *
     * @throws JournalException another daemon holds it, a file is damaged (and repair is off), or it is unreadable
     */
    public static Journal open(Path dir, JournalOptions options, MeterRegistry meters) {
        JournalDirectory directory = JournalDirectory.lock(dir);
        try {
            Recovery.Recovered recovered = Recovery.run(directory, options.repair());
            boolean hadId = JournalIdentity.present(directory);
            String id = JournalIdentity.readOrCreate(directory);
            log.info("Journal {} (id {}{}): {} records after {}", dir, id, hadId ? "" : ", given now",
                    recovered.records().size(), recovered.snapshotState() == null ? "no snapshot"
                            : "the snapshot of record " + recovered.snapshotSeq());
            return new Journal(directory, id, options, recovered, meters);
        } catch (IOException e) {
            directory.close();
            throw new JournalException("The journal in " + dir + " cannot be read: " + JournalWriteException.describe(e),
                    "Check the directory and its files' permissions and the disk.", e);
        } catch (RuntimeException e) {
            directory.close();
            throw e;
        }
    }

    /** The newest snapshot's state, or null when there is none. Given once: {@link #forgetRecovered} frees it. */
    public byte[] recoveredSnapshot() {
        return recovered.snapshotState();
    }

    /** The records after that snapshot, in order. */
    public List<JournalRecord> recoveredRecords() {
        return recovered.records();
    }

    /** The journal's id, 32 lowercase hex digits (package comment, "Identity"). */
    public String id() {
        return id;
    }

    /** The sequence number of the last durable record (0: none). */
    public long lastSeq() {
        return nextSeq - 1;
    }

    /**
     * Tells the journal how to get the state all acknowledged records add up to, encoded as a snapshot: called on
     * the appending thread, between batches, when the journal must be rebuilt (see {@link #append}).
     */
    public synchronized void rebuildFrom(Supplier<byte[]> acknowledged) {
        this.acknowledgedState = acknowledged;
    }

    public void forgetRecovered() {
        recovered = new Recovery.Recovered(snapshotSeq, null, List.of(), nextSeq - 1);
    }

    /**
     * Writes the payloads as consecutive records with one write and one fdatasync; when it returns they are
     * durable. Returns the last one's sequence number.
     *
     * <p>Before it returns, it checks that the segment it wrote is still linked in the journal's directory, and
     * that directory still the one it locked (two stat calls): a batch written into a file someone removed or
     * replaced is not on disk where the next start reads, so it is refused, and the journal rebuilds itself: it
     * writes the acknowledged state ({@link #rebuildFrom}) as a snapshot into its directory, created again if it
     * is gone, and starts a new segment. Until that succeeded every batch is refused.
     *
     * @throws JournalWriteException nothing of the batch counts; the journal is as before and takes the next batch
     */
    public synchronized long append(List<byte[]> payloads) {
        if (payloads.isEmpty()) {
            return nextSeq - 1;
        }
        if (lost != null) {
            rebuild();
        }
        ByteBuffer frames = Frames.frames(Frames.CHANGE, nextSeq, payloads);
        int bytes = frames.remaining();
        try {
            if (mustStartSegment) {
                startSegment();
            }
            writeAndSync(frames);
        } catch (IOException e) {
            lastFailure = JournalWriteException.describe(e);
            lastFailureAt = Instant.now();
            throw new JournalWriteException(dir.path(), e);
        }
        String gone = dir.whyNotLive(segmentPath, segmentKey);
        if (gone != null) {
            lose(gone, payloads.size());
        }
        segmentBytes += bytes;
        nextSeq += payloads.size();
        recordsSinceSnapshot += payloads.size();
        bytesSinceSnapshot += bytes;
        if (lastFailure != null) {
            log.info("Journal {}: writes succeed again", dir.path());
            lastFailure = null;
        }
        return nextSeq - 1;
    }

    private void writeAndSync(ByteBuffer frames) throws IOException {
        try {
            while (frames.hasRemaining()) {
                segment.write(frames);
            }
        } catch (IOException e) {
            cutBack(e);
            throw e;
        }
        long started = System.nanoTime();
        try {
            segment.force(false);
            fsyncs.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        } catch (IOException e) {
            mustStartSegment = true;
            cutBack(e);
            throw e;
        }
    }

    /** Truncates the segment to its last good byte; if even that fails, the next batch starts a new segment. */
    private void cutBack(IOException failure) {
        try {
            segment.truncate(segmentBytes);
            segment.position(segmentBytes);
        } catch (IOException e) {
            mustStartSegment = true;
            failure.addSuppressed(e);
        }
    }

    /**
     * The batch just written went to a file that is no longer the journal's: refuses it (the records were never
     * acknowledged, so their numbers are used again) and tries to rebuild at once, so the next batch may succeed.
     */
    private void lose(String why, int writes) {
        lost = why;
        lastFailure = why;
        lastFailureAt = Instant.now();
        mustStartSegment = true;
        log.error("Journal {}: {} after a batch of {} write(s) was written into it; those writes are refused (503) "
                + "and not applied. The journal now writes the acknowledged state (record {}) as a snapshot into a "
                + "new segment, creating the directory again if needed; until that succeeds every write is refused",
                dir.path(), why, writes, nextSeq - 1);
        try {
            rebuild();
        } catch (JournalWriteException stillLost) {
            // Logged by rebuild; the batch is refused below either way.
        }
        throw new JournalWriteException(dir.path(), why + "; the batch was not acknowledged");
    }

    /**
     * Makes the journal's files whole again from the acknowledged state: the directory (created again when it is
     * missing; refused when another journal's files replaced it), its lock and id, a snapshot of record
     * {@code nextSeq - 1}, a new segment after it, and the older files removed.
     */
    private void rebuild() {
        long seq = nextSeq - 1;
        try {
            if (acknowledgedState == null) {
                throw new IOException("no acknowledged state to rebuild from was given");
            }
            dir.lockAgain();
            JournalIdentity.write(dir, id);
            if (seq > 0) {
                dir.writeAtomically(dir.snapshot(seq), Frames.snapshotFile(seq, acknowledgedState.get()), false);
                snapshotSeq = seq;
            }
            startSegment();
            removeObsolete(seq);
        } catch (IOException | RuntimeException e) {
            String why = lost + "; rebuilding the journal failed: " + (e instanceof IOException io
                    ? JournalWriteException.describe(io) : e.toString());
            lastFailure = why;
            lastFailureAt = Instant.now();
            mustStartSegment = true;
            log.error("Journal {}: {}. Writes stay refused (503) and are tried again with the next one; if the "
                    + "directory cannot be written, stop the daemon, restore the directory or give it an empty "
                    + "one, and start it: the maps keep their services until you confirm a prune", dir.path(), why);
            throw new JournalWriteException(dir.path(), why);
        }
        recordsSinceSnapshot = 0;
        bytesSinceSnapshot = 0;
        log.warn("Journal {}: rebuilt after {}: a snapshot of record {} and a new segment; writes are taken again",
                dir.path(), lost, seq);
        lost = null;
        lastFailure = null;
    }

    private void startSegment() throws IOException {
        Path path = dir.segment(nextSeq);
        FileChannel fresh = dir.writeAtomically(path,
                ByteBuffer.wrap(Frames.header(Frames.SEGMENT_MAGIC, nextSeq)), true);
        if (segment != null) {
            segment.close();
        }
        segment = fresh;
        segmentPath = path;
        segmentKey = JournalDirectory.fileKey(path);
        segmentBytes = Frames.HEADER_BYTES;
        mustStartSegment = false;
    }

    /** True when enough was written since the last snapshot and none is being written. */
    public boolean snapshotDue() {
        return !snapshotRunning && (recordsSinceSnapshot >= options.snapshotRecords()
                || bytesSinceSnapshot >= options.snapshotBytes());
    }

    /** {@link #snapshot(Supplier)} of a state already encoded. */
    public void snapshot(byte[] state) {
        snapshot(() -> state);
    }

    /**
     * Starts a snapshot of the state after the last appended record: the next record goes to a new segment, and a
     * background thread encodes the state (so the caller must hand over a state nothing changes any more, and the
     * caller's thread does not pay for encoding it), writes it, and then removes what it made obsolete. A failure is
     * logged; the records stay until a later snapshot succeeds.
     */
    public synchronized void snapshot(Supplier<byte[]> state) {
        if (snapshotRunning) {
            return;
        }
        long seq = nextSeq - 1;
        try {
            startSegment();
        } catch (IOException e) {
            log.warn("Journal {}: could not start a segment for a snapshot ({}); trying again later", dir.path(),
                    JournalWriteException.describe(e));
            mustStartSegment = true;
            return;
        }
        snapshotRunning = true;
        recordsSinceSnapshot = 0;
        bytesSinceSnapshot = 0;
        snapshots.execute(() -> writeSnapshot(seq, state));
    }

    private void writeSnapshot(long seq, Supplier<byte[]> encoder) {
        long started = System.nanoTime();
        try {
            byte[] state = encoder.get();
            ByteBuffer file = Frames.snapshotFile(seq, state);
            int bytes = file.remaining();
            dir.writeAtomically(dir.snapshot(seq), file, false);
            snapshotSeq = seq;
            removeObsolete(seq);
            log.info("Journal {}: snapshot of record {} written ({} bytes, {} ms)", dir.path(), seq, bytes,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        } catch (IOException | RuntimeException e) {
            log.warn("Journal {}: the snapshot of record {} failed ({}); the records stay until a later one "
                    + "succeeds", dir.path(), seq, e.toString());
        } finally {
            snapshotRunning = false;
        }
    }

    /** Older snapshots, and segments whose records all precede seq + 1, where the new segment starts. */
    private void removeObsolete(long seq) throws IOException {
        for (Path older : dir.snapshots().headMap(seq, false).values()) {
            Files.deleteIfExists(older);
        }
        for (Map.Entry<Long, Path> old : dir.segments().headMap(seq + 1, false).entrySet()) {
            Files.deleteIfExists(old.getValue());
        }
        dir.sync();
    }

    public JournalStatus status() {
        return new JournalStatus(dir.path(), id, lastFailure == null, lastFailure, lastFailureAt, nextSeq - 1,
                snapshotSeq, recordsSinceSnapshot, bytesSinceSnapshot, dir.segments().size());
    }

    /** Waits for a snapshot being written, then releases the files and the lock. */
    @Override
    public synchronized void close() {
        snapshots.shutdown();
        try {
            if (!snapshots.awaitTermination(30, TimeUnit.SECONDS)) {
                log.warn("Journal {}: a snapshot is still being written at shutdown", dir.path());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            if (segment != null) {
                segment.close();
            }
        } catch (IOException e) {
            log.warn("Journal {}: closing the segment failed: {}", dir.path(), e.toString());
        }
        dir.close();
    }
}
