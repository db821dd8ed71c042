/**
 * The write-ahead journal that makes every acknowledged change survive a crash. This comment is the format's
 * specification; {@link io.cvs.journal.Frames} and {@link io.cvs.journal.SegmentScan} implement it.
 *
 * <h2>Directory</h2>
 * One directory ({@code cvs.journal.dir}) per daemon, created 0700, holding:
 * <ul>
 * <li>{@code lock}: held with {@code flock}-style {@link java.nio.channels.FileLock} for as long as the daemon
 *     runs, holding the owner's pid as text. A second daemon finds it held and exits.</li>
 * <li>{@code journal-id}: the journal's identity (below), 32 lowercase hex digits and a newline.</li>
 * <li>{@code segment-<first>.wal}: records in sequence, {@code <first>} being the sequence number of the
 *     segment's first record, 20 decimal digits so names sort in order.</li>
 * <li>{@code snapshot-<seq>.snap}: the whole desired state after record {@code <seq>}.</li>
 * <li>{@code *.tmp}: a snapshot or segment being written; removed at start (it was never renamed in, so it
 *     never counted).</li>
 * <li>{@code *.damaged-<time>}: copies set aside by a repair; never read.</li>
 * </ul>
 *
 * <h2>Identity</h2>
 * A journal has an id: 128 random bits ({@link java.security.SecureRandom}), written as {@code journal-id} (temp
 * file, synced, renamed, directory synced) when the directory is first opened without one: a new journal, or one
 * written by a version before ids, which keeps its records and gets an id on its first open by this version. The
 * id never changes afterwards; a copy of the directory carries it, a new directory gets another. A file that does
 * not hold 32 lowercase hex digits is refused at start (removing it gives the journal a new id). The daemon
 * records the id in the maps with the sequence number of the last record it applied ({@code cvs_owner_v1},
 * docs/map-abi.md), and at start refuses to remove services when the maps name another journal, or this one with
 * a sequence number beyond its last record: then the journal did not feed them (docs/design.md).
 *
 * <h2>Numbers and checksums</h2>
 * Integers are big-endian. Checksums are CRC32C (Castagnoli, {@link java.util.zip.CRC32C}).
 *
 * <h2>Files</h2>
 * Both kinds of file start with a 20-byte header:
 * <pre>
 *   0  magic     4 bytes  "CVSJ" (segment) or "CVSS" (snapshot)
 *   4  version   u16      1
 *   6  reserved  u16      0
 *   8  seq       u64      segment: the sequence number of its first record; snapshot: of the last record it holds
 *  16  crc       u32      CRC32C of bytes 0..15
 * </pre>
 * and continue with frames:
 * <pre>
 *   0  length    u32      bytes of the body, 9 to 64 MiB
 *   4  crc       u32      CRC32C of the body
 *   8  body      type u8, seq u64, payload (length - 9 bytes)
 * </pre>
 * Type 1 ({@code CHANGE}) is one acknowledged write, applied all or nothing; type 2 ({@code STATE}) is a
 * snapshot's content; a snapshot holds exactly one frame, whose seq equals the header's. This package knows
 * frames, records and bytes, never what they mean: the write pipeline encodes the payloads
 * ({@code io.cvs.write.JournalCodec} specifies them) and hands a snapshot over already encoded. Sequence numbers start at 1 and grow by one per record, across segments.
 *
 * <h2>Writing</h2>
 * Records are appended in batches: one write of every frame of the batch, then one {@code fdatasync}; nobody
 * hears of success before it returned. A failed write or sync truncates the segment back to its last good byte
 * and the batch's sequence numbers are used again; after a failed sync the next batch starts a new segment
 * (the kernel may have dropped the failed pages, so the old file is not trusted to take more). A segment is
 * created as a temp file holding its header, synced and renamed in, and the directory synced.
 *
 * <p>After the sync and before anyone hears of success, the journal checks that the segment it wrote is still
 * linked at its name in the directory it locked: the directory's device and inode
 * ({@link java.nio.file.attribute.BasicFileAttributes#fileKey}) are those it had when locked, and the segment's
 * name resolves to the file the journal created (two {@code stat} calls, about 6 µs). A batch written into a file
 * that was removed or replaced (or a directory removed or replaced) is not where the next start reads, so it is
 * refused like a failed write, its sequence numbers are used again, and the journal is lost until rebuilt: it
 * creates the directory again when it is missing (refusing one that replaced it and holds segments or snapshots),
 * takes the lock on a linked lock file, writes its id, writes a snapshot of the last acknowledged record's state
 * (the caller hands the state over), starts a new segment after it and removes the older files. Every batch is
 * refused until the rebuild succeeded; each batch tries it again.
 *
 * <p>A snapshot is taken after {@code cvs.journal.snapshot-records} records or
 * {@code cvs.journal.snapshot-bytes} bytes: a new segment starts after the snapshot's last record, the state is
 * written to {@code snapshot-<seq>.snap.tmp}, synced, renamed, and the directory synced; only then are older
 * snapshots and the segments it covers removed.
 *
 * <h2>Reading</h2>
 * At start the newest snapshot is loaded (none: the empty state, seq 0) and the records after it are replayed
 * in order from the segments. A segment's frames are read until its end, which is one of:
 * <ul>
 * <li>the clean end: the file ends just after a frame;</li>
 * <li>a torn tail: the frame at some offset is incomplete, zero-filled or fails its checksum, and no valid frame
 *     of a later sequence number follows it anywhere in the file. A crash in the middle of an append leaves
 *     this; the segment is truncated there with a warning naming the byte offset. (An unacknowledged record may
 *     be partly on disk; it was never acknowledged, so it is dropped.)</li>
 * <li>corruption: a bad frame with a valid one of a later sequence number after it, a sequence number out of
 *     order, an unknown type, or a bad header. That is damage to acknowledged records, not a torn write, so
 *     startup stops and says how to repair: {@code cvs.journal.repair=true} copies the file aside
 *     ({@code .damaged-<time>}), truncates it at the damage, sets later segments aside too, and goes on with what
 *     is left.</li>
 * </ul>
 * Records of a segment numbered at or after the next segment's first are left-overs of a failed write that was
 * followed by a new segment; they were never acknowledged and are ignored. A gap in the numbers between the
 * snapshot and the segments, or between segments, is corruption.
 */
package io.cvs.journal;
