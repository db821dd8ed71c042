package io.cvs.health;

import java.io.IOException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;

/** Passes when a TCP connect completes; the connection is reset at once. */
final class TcpProbe extends Probe {

    private SocketChannel channel;

    TcpProbe(Target target, long startedNanos) {
        super(target, startedNanos);
    }

    @Override
    ProbeOutcome start(Selector selector) throws IOException {
        channel = openTcp();
        if (channel.connect(target.probeAddress)) {
            return ProbeOutcome.OK;
        }
        channel.register(selector, SelectionKey.OP_CONNECT, this);
        return null;
    }

    @Override
    ProbeOutcome ready(SelectionKey key) throws IOException {
        return channel.finishConnect() ? ProbeOutcome.OK : null;
    }

    @Override
    void close() {
        closeQuietly(channel);
    }
}
