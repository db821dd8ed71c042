package io.cvs.journal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.CRC32C;

/** File headers and frames as the package comment specifies them: encoding, and the checks that decoding needs. */
final class Frames {

    static final int HEADER_BYTES = 20;
    static final int FRAME_PREFIX_BYTES = 8;
    /** Type and seq: the smallest body. */
    static final int BODY_MIN = 9;
    static final int BODY_MAX = 64 << 20;
    static final short VERSION = 1;

    static final byte CHANGE = 1;
    static final byte STATE = 2;

    static final byte[] SEGMENT_MAGIC = "CVSJ".getBytes(StandardCharsets.US_ASCII);
    static final byte[] SNAPSHOT_MAGIC = "CVSS".getBytes(StandardCharsets.US_ASCII);

    private Frames() {
    }

    static byte[] header(byte[] magic, long seq) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
        header.put(magic).putShort(VERSION).putShort((short) 0).putLong(seq);
        header.putInt(crc(header.array(), 0, 16));
        return header.array();
    }

    /**
     * The seq of a well-formed header with this magic, or -1 when the header is short, of another kind or
     * version, or fails its checksum.
     */
    static long headerSeq(byte[] file, byte[] magic) {
        if (file.length < HEADER_BYTES) {
            return -1;
        }
        ByteBuffer header = ByteBuffer.wrap(file, 0, HEADER_BYTES);
        for (byte b : magic) {
            if (header.get() != b) {
                return -1;
            }
        }
        short version = header.getShort();
        short reserved = header.getShort();
        long seq = header.getLong();
        int crc = header.getInt();
        if (version != VERSION || reserved != 0 || seq < 0 || crc != crc(file, 0, 16)) {
            return -1;
        }
        return seq;
    }

    /** Frames for consecutive records from firstSeq on, ready for one write. */
    static ByteBuffer frames(byte type, long firstSeq, List<byte[]> payloads) {
        int size = 0;
        for (byte[] payload : payloads) {
            size += FRAME_PREFIX_BYTES + BODY_MIN + payload.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        long seq = firstSeq;
        for (byte[] payload : payloads) {
            int bodyLength = BODY_MIN + payload.length;
            if (bodyLength > BODY_MAX) {
                throw new IllegalArgumentException("a record of " + payload.length + " bytes is larger than "
                        + BODY_MAX + " bytes");
            }
            int bodyStart = out.position() + FRAME_PREFIX_BYTES;
            out.putInt(bodyLength).putInt(0).put(type).putLong(seq++).put(payload);
            out.putInt(bodyStart - 4, crc(out.array(), bodyStart, bodyLength));
        }
        return out.flip();
    }

    /** A whole snapshot file: its header and the one frame holding state, the state after record seq. */
    static ByteBuffer snapshotFile(long seq, byte[] state) {
        byte[] header = header(SNAPSHOT_MAGIC, seq);
        ByteBuffer frame = frames(STATE, seq, List.of(state));
        return ByteBuffer.allocate(header.length + frame.remaining()).put(header).put(frame).flip();
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }
}
