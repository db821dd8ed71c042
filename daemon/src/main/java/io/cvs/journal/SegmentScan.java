package io.cvs.journal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * What reading the frames of one file found: its records up to where it ends, and how it ends (the package
 * comment defines a clean end, a torn tail and corruption). Pure: it reads bytes and changes nothing.
 */
final class SegmentScan {

    enum End {
        CLEAN,
        TORN,
        CORRUPT
    }

    private final List<JournalRecord> records = new ArrayList<>();
    private End end = End.CLEAN;
    private long goodBytes;
    private String problem;
    private long problemOffset = -1;

    private SegmentScan() {
    }

    /**
     * Reads a file whose frames must be of this type and numbered from firstSeq on, after a header with this
     * magic and that seq. A header that is bad with no valid frame after it is a torn tail at 0: nothing
     * acknowledged can be lost where no record survives.
     */
    static SegmentScan of(byte[] file, byte[] magic, byte type, long firstSeq) {
        SegmentScan scan = new SegmentScan();
        long headerSeq = Frames.headerSeq(file, magic);
        if (headerSeq != firstSeq) {
            String why = headerSeq < 0 ? "a missing, short or damaged header"
                    : "a header numbered " + headerSeq + " where " + firstSeq + " was expected";
            scan.stop(0, why, validFrameAfter(file, 0, 0) >= 0 || headerSeq >= 0);
            return scan;
        }
        ByteBuffer bytes = ByteBuffer.wrap(file);
        int pos = Frames.HEADER_BYTES;
        long expected = firstSeq;
        while (pos < file.length) {
            int remaining = file.length - pos;
            if (remaining < Frames.FRAME_PREFIX_BYTES) {
                scan.stop(pos, "an incomplete frame (" + remaining + " bytes)", false);
                return scan;
            }
            int length = bytes.getInt(pos);
            String bad = framing(file, pos, length);
            if (bad != null) {
                scan.stop(pos, bad, validFrameAfter(file, pos + 1, expected) >= 0);
                return scan;
            }
            byte recordType = file[pos + Frames.FRAME_PREFIX_BYTES];
            long seq = bytes.getLong(pos + Frames.FRAME_PREFIX_BYTES + 1);
            if (recordType != type || seq != expected) {
                scan.stop(pos, recordType != type ? "a record of type " + recordType + " where " + type
                        + " was expected" : "record " + seq + " where " + expected + " was expected", true);
                return scan;
            }
            int payloadStart = pos + Frames.FRAME_PREFIX_BYTES + Frames.BODY_MIN;
            byte[] payload = new byte[length - Frames.BODY_MIN];
            System.arraycopy(file, payloadStart, payload, 0, payload.length);
            scan.records.add(new JournalRecord(seq, payload));
            pos += Frames.FRAME_PREFIX_BYTES + length;
            expected++;
        }
        scan.goodBytes = pos;
        return scan;
    }

    List<JournalRecord> records() {
        return records;
    }

    End end() {
        return end;
    }

    /** Where the file can be cut so that it holds exactly {@link #records}. */
    long goodBytes() {
        return goodBytes;
    }

    /** Why it did not end cleanly, for the log and the operator. */
    String problem() {
        return problem;
    }

    long problemOffset() {
        return problemOffset;
    }

    private void stop(long offset, String why, boolean laterRecordsExist) {
        end = laterRecordsExist ? End.CORRUPT : End.TORN;
        problem = why + (laterRecordsExist ? ", followed by valid records" : "");
        problemOffset = offset;
        goodBytes = offset;
    }

    /** Null when the frame at pos is whole and its checksum matches, else what is wrong with it. */
    private static String framing(byte[] file, int pos, int length) {
        long available = (long) file.length - pos - Frames.FRAME_PREFIX_BYTES;
        if (length == 0 && isZero(file, pos)) {
            return "zero-filled bytes";
        }
        if (length < Frames.BODY_MIN || length > Frames.BODY_MAX) {
            return "a frame length of " + Integer.toUnsignedString(length) + " bytes, which no record has";
        }
        if (length > available) {
            return "a frame of " + length + " bytes with only " + available + " left in the file";
        }
        int crc = ByteBuffer.wrap(file).getInt(pos + 4);
        if (crc != Frames.crc(file, pos + Frames.FRAME_PREFIX_BYTES, length)) {
            return "a checksum mismatch in a frame of " + length + " bytes";
        }
        return null;
    }

    /** The offset of the first whole, checksummed frame at or after from numbered minSeq or later, or -1. */
    private static long validFrameAfter(byte[] file, int from, long minSeq) {
        ByteBuffer bytes = ByteBuffer.wrap(file);
        int last = file.length - Frames.FRAME_PREFIX_BYTES - Frames.BODY_MIN;
        for (int p = Math.max(from, 0); p <= last; p++) {
            int length = bytes.getInt(p);
            if (length < Frames.BODY_MIN || length > file.length - p - Frames.FRAME_PREFIX_BYTES) {
                continue;
            }
            byte type = file[p + Frames.FRAME_PREFIX_BYTES];
            long seq = bytes.getLong(p + Frames.FRAME_PREFIX_BYTES + 1);
            if ((type == Frames.CHANGE || type == Frames.STATE) && seq >= minSeq
                    && bytes.getInt(p + 4) == Frames.crc(file, p + Frames.FRAME_PREFIX_BYTES, length)) {
                return p;
            }
        }
        return -1;
    }

    private static boolean isZero(byte[] file, int from) {
        for (int i = from; i < file.length; i++) {
            if (file[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
