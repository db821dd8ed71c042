package io.cvs.health;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;

/**
 * Bytes over a connected non-blocking channel, in the clear or over TLS. No call waits: one that cannot finish sets
 * the key's interest to what it waits for and says so, and is called again when the key is ready.
 */
interface Transport {

    /** True when data can flow (TLS: the handshake is done). */
    boolean handshake(SelectionKey key) throws IOException;

    /** Writes {@code src}; true when all of it is on the wire. */
    boolean write(ByteBuffer src, SelectionKey key) throws IOException;

    /** Reads what has arrived into {@code dst}: a count, 0 when nothing yet, -1 at the peer's end of stream. */
    int read(ByteBuffer dst, SelectionKey key) throws IOException;

    static Transport plain(SocketChannel channel) {
        return new Transport() {
            @Override
            public boolean handshake(SelectionKey key) {
                return true;
            }

            @Override
            public boolean write(ByteBuffer src, SelectionKey key) throws IOException {
                channel.write(src);
                if (src.hasRemaining()) {
                    key.interestOps(SelectionKey.OP_WRITE);
                    return false;
                }
                return true;
            }

            @Override
            public int read(ByteBuffer dst, SelectionKey key) throws IOException {
                int n = channel.read(dst);
                if (n == 0) {
                    key.interestOps(SelectionKey.OP_READ);
                }
                return n;
            }
        };
    }
}
