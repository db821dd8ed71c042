package io.cvs.health;

import io.cvs.address.IpAddresses;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;

/**
 * GET of the check's path over a new connection (HTTP/1.1, {@code Connection: close}); passes when the status is
 * in the check's range. Reads the status line only, never headers or body: the connection is reset once it is in.
 */
final class HttpProbe extends Probe {

    /** A status line longer than this is not one. */
    private static final int STATUS_LINE_BYTES = 256;

    private final SSLContext tls;
    private final ByteBuffer request;
    private final ByteBuffer response = ByteBuffer.allocate(STATUS_LINE_BYTES);
    private SocketChannel channel;
    private SelectionKey key;
    private Transport transport;

    /** @param tls null for plain HTTP */
    HttpProbe(Target target, long startedNanos, SSLContext tls) {
        super(target, startedNanos);
        this.tls = tls;
        this.request = target.payload.asReadOnlyBuffer();
    }

    @Override
    ProbeOutcome start(Selector selector) throws IOException {
        channel = openTcp();
        key = channel.register(selector, 0, this);
        if (channel.connect(target.probeAddress)) {
            return connected();
        }
        key.interestOps(SelectionKey.OP_CONNECT);
        return null;
    }

    @Override
    ProbeOutcome ready(SelectionKey key) throws IOException {
        if (transport == null) {
            return channel.finishConnect() ? connected() : null;
        }
        return exchange();
    }

    private ProbeOutcome connected() throws IOException {
        if (tls == null) {
            transport = Transport.plain(channel);
        } else {
            // the address and port name the TLS session to resume next time; an IP literal sends no SNI
            SSLEngine engine = tls.createSSLEngine(IpAddresses.text(target.probeAddress.getAddress()),
                    target.probeAddress.getPort());
            engine.setUseClientMode(true);
            transport = new TlsTransport(channel, engine);
        }
        return exchange();
    }

    private ProbeOutcome exchange() throws IOException {
        if (!transport.handshake(key) || !transport.write(request, key)) {
            return null;
        }
        for (;;) {
            int n = transport.read(response, key);
            ProbeOutcome status = statusLine();
            if (status != null) {
                return status;
            }
            if (n < 0) {
                return ProbeOutcome.failure("connection closed before the HTTP status line");
            }
            if (n == 0) {
                return null;
            }
        }
    }

    /** The outcome once the status line is in, else null. */
    private ProbeOutcome statusLine() {
        byte[] bytes = response.array();
        int end = -1;
        for (int i = 0; i < response.position(); i++) {
            if (bytes[i] == '\n') {
                end = i;
                break;
            }
        }
        if (end < 0) {
            return response.hasRemaining() ? null : ProbeOutcome.failure("no HTTP status line");
        }
        // HTTP/1.x 200 ...
        if (end < 12 || bytes[0] != 'H' || bytes[1] != 'T' || bytes[2] != 'T' || bytes[3] != 'P' || bytes[4] != '/'
                || bytes[8] != ' ' || !digit(bytes[9]) || !digit(bytes[10]) || !digit(bytes[11])) {
            return ProbeOutcome.failure("no HTTP status line");
        }
        int status = (bytes[9] - '0') * 100 + (bytes[10] - '0') * 10 + (bytes[11] - '0');
        HealthCheck check = target.check();
        boolean passed = status >= check.statusMin() && status <= check.statusMax();
        return new ProbeOutcome(passed ? ProbeOutcome.Result.SUCCESS : ProbeOutcome.Result.FAILURE, "HTTP " + status);
    }

    private static boolean digit(byte b) {
        return b >= '0' && b <= '9';
    }

    @Override
    void close() {
        closeQuietly(channel);
    }
}
