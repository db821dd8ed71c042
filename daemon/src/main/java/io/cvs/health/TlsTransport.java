package io.cvs.health;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;

/**
 * TLS over a non-blocking channel with an {@link SSLEngine}, on the probe loop's thread, its delegated tasks too:
 * key exchange and certificate parsing make an HTTPS check cost several times an HTTP one (not measured here;
 * bench-health covers TCP and HTTP), less where the backend lets the context's session cache resume. Buffers:
 * {@code netIn} and {@code netOut} hold TLS records and are kept ready to read from (position to limit is what is
 * pending); {@code appIn} holds decrypted bytes and is kept ready to write into. The connection is never closed
 * with close_notify: the probe resets it, as it does a plain one.
 */
final class TlsTransport implements Transport {

    private static final ByteBuffer NOTHING = ByteBuffer.allocate(0);

    private final SocketChannel channel;
    private final SSLEngine engine;
    private final ByteBuffer netIn;
    private final ByteBuffer netOut;
    private final ByteBuffer appIn;

    TlsTransport(SocketChannel channel, SSLEngine engine) throws SSLException {
        this.channel = channel;
        this.engine = engine;
        int packet = engine.getSession().getPacketBufferSize();
        this.netIn = ByteBuffer.allocate(packet).flip();
        this.netOut = ByteBuffer.allocate(packet).flip();
        this.appIn = ByteBuffer.allocate(engine.getSession().getApplicationBufferSize());
        engine.beginHandshake();
    }

    @Override
    public boolean handshake(SelectionKey key) throws IOException {
        for (;;) {
            if (!flush(key)) {
                return false;
            }
            switch (engine.getHandshakeStatus()) {
                case NOT_HANDSHAKING, FINISHED -> {
                    return true;
                }
                case NEED_TASK -> runTasks();
                case NEED_WRAP -> wrap(NOTHING);
                case NEED_UNWRAP, NEED_UNWRAP_AGAIN -> {
                    if (unwrap() == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                        int n = receive(key);
                        if (n < 0) {
                            throw new EOFException("connection closed during the TLS handshake");
                        }
                        if (n == 0) {
                            return false;
                        }
                    }
                }
            }
        }
    }

    @Override
    public boolean write(ByteBuffer src, SelectionKey key) throws IOException {
        while (src.hasRemaining()) {
            if (!flush(key)) {
                return false;
            }
            wrap(src);
        }
        return flush(key);
    }

    @Override
    public int read(ByteBuffer dst, SelectionKey key) throws IOException {
        for (;;) {
            if (appIn.position() > 0) {
                appIn.flip();
                int n = Math.min(appIn.remaining(), dst.remaining());
                dst.put(appIn.slice(appIn.position(), n));
                appIn.position(appIn.position() + n).compact();
                return n;
            }
            SSLEngineResult.Status status = unwrap();
            if (status == SSLEngineResult.Status.CLOSED) {
                return -1;
            }
            // TLS 1.3 session tickets and key updates arrive among the data
            if (engine.getHandshakeStatus() != SSLEngineResult.HandshakeStatus.NOT_HANDSHAKING && !handshake(key)) {
                return 0;
            }
            if (status == SSLEngineResult.Status.BUFFER_UNDERFLOW) {
                int n = receive(key);
                if (n <= 0) {
                    return n;
                }
            }
        }
    }

    private SSLEngineResult.Status unwrap() throws SSLException {
        SSLEngineResult result = engine.unwrap(netIn, appIn);
        if (result.getStatus() == SSLEngineResult.Status.BUFFER_OVERFLOW) {
            throw new SSLException("a TLS record larger than the session's buffer");
        }
        return result.getStatus();
    }

    private void wrap(ByteBuffer src) throws SSLException {
        netOut.compact();
        try {
            SSLEngineResult result = engine.wrap(src, netOut);
            if (result.getStatus() != SSLEngineResult.Status.OK) {
                throw new SSLException("TLS wrap: " + result.getStatus());
            }
        } finally {
            netOut.flip();
        }
    }

    /** Reads more TLS bytes: a count, 0 when none have come yet (the key then waits for them), -1 at the end. */
    private int receive(SelectionKey key) throws IOException {
        netIn.compact();
        int n;
        try {
            n = channel.read(netIn);
        } finally {
            netIn.flip();
        }
        if (n == 0) {
            key.interestOps(SelectionKey.OP_READ);
        }
        return n;
    }

    private boolean flush(SelectionKey key) throws IOException {
        if (netOut.hasRemaining()) {
            channel.write(netOut);
            if (netOut.hasRemaining()) {
                key.interestOps(SelectionKey.OP_WRITE);
                return false;
            }
        }
        return true;
    }

    private void runTasks() {
        Runnable task;
        while ((task = engine.getDelegatedTask()) != null) {
            task.run();
        }
    }
}
