package io.cvs.health;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;

/**
 * Sends the check's datagram from a connected socket and passes on a reply that starts with the expected bytes. The
 * socket is connected so that an ICMP port unreachable comes back as a {@link java.net.PortUnreachableException}
 * on the read, failing the probe at once instead of at its timeout.
 */
final class UdpProbe extends Probe {

    /** Longer replies are cut here; only their start is compared. */
    private static final int REPLY_BYTES = 512;

    private DatagramChannel channel;

    UdpProbe(Target target, long startedNanos) {
        super(target, startedNanos);
    }

    @Override
    ProbeOutcome start(Selector selector) throws IOException {
        channel = DatagramChannel.open();
        channel.configureBlocking(false);
        channel.connect(target.probeAddress);
        channel.write(target.payload.asReadOnlyBuffer());
        channel.register(selector, SelectionKey.OP_READ, this);
        return null;
    }

    @Override
    ProbeOutcome ready(SelectionKey key) throws IOException {
        ByteBuffer reply = ByteBuffer.allocate(Math.max(REPLY_BYTES, target.expect.length));
        // receive, not read: read cannot tell an empty datagram from none
        if (channel.receive(reply) == null) {
            return null;
        }
        int length = reply.position();
        byte[] expect = target.expect;
        if (length >= expect.length && Arrays.equals(reply.array(), 0, expect.length, expect, 0, expect.length)) {
            return ProbeOutcome.OK;
        }
        return ProbeOutcome.failure("unexpected reply (" + length + " bytes)");
    }

    @Override
    void close() {
        closeQuietly(channel);
    }
}
