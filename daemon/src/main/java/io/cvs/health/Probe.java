package io.cvs.health;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.ssl.SSLContext;

/**
 * One probe in flight, driven by the probe loop: {@link #start} once, then {@link #ready} each time its channel is
 * ready for what it registered; either returns the outcome, or null while it goes on. The loop closes it when it
 * ends (outcome, timeout or removal), always on the loop's thread.
 */
abstract class Probe {

    final Target target;
    final long startedNanos;

    Probe(Target target, long startedNanos) {
        this.target = target;
        this.startedNanos = startedNanos;
    }

    static Probe of(Target target, long now, SSLContext tls) {
        return switch (target.check().type()) {
            case TCP -> new TcpProbe(target, now);
            case HTTP -> new HttpProbe(target, now, null);
            case HTTPS -> new HttpProbe(target, now, tls);
            case UDP -> new UdpProbe(target, now);
        };
    }

    abstract ProbeOutcome start(Selector selector) throws IOException;

    abstract ProbeOutcome ready(SelectionKey key) throws IOException;

    abstract void close();

    /**
     * A TCP channel that closes with RST (SO_LINGER 0), as HAProxy's checks do: at 10,000 probes a second a FIN close
     * would leave the prober ~600,000 sockets in TIME_WAIT (60 s each), past the kernel's tcp_max_tw_buckets (131,072
     * on the 24 GiB machine this was measured on), and a probe never has data in flight that a reset could lose.
     * The backend sees a reset instead of a FIN: harmless, though some servers log it.
     */
    static SocketChannel openTcp() throws IOException {
        SocketChannel channel = SocketChannel.open();
        try {
            channel.configureBlocking(false);
            channel.setOption(StandardSocketOptions.SO_LINGER, 0);
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    static void closeQuietly(java.io.Closeable channel) {
        if (channel == null) {
            return;
        }
        try {
            channel.close();
        } catch (IOException e) {
            // a socket or selector that fails to close has nothing left to tell
        }
    }
}
