package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One backend of a service as the datapath holds it (struct cvs_backend_spec). Weight 0 drains it: no new
 * connections, established ones kept. Down (CVS_MEMBER_F_DOWN) is health checks' verdict, not configuration: no new
 * connections whatever its weight, and its flows are swept; it keeps its weight so that the maps can tell it from a
 * drained one and it comes back with the weight it had. libcvsbpf refuses weights above 65535 (a negative weight
 * reaches C as a large unsigned value and is refused the same way).
 */
public record Backend(InetAddress address, int port, int weight, boolean down) {

    public Backend {
        Objects.requireNonNull(address, "address");
        Endpoint.requireSixteenBits(port);
    }

    /** A backend in rotation as its weight says: how every configured backend starts. */
    public Backend(InetAddress address, int port, int weight) {
        this(address, port, weight, false);
    }

    /** This backend taken out by health checks, or put back. */
    public Backend withDown(boolean isDown) {
        return isDown == down ? this : new Backend(address, port, weight, isDown);
    }

    /** Whether new connections may go to it. */
    public boolean selectable() {
        return !down && weight > 0;
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port) + " weight " + weight + (down ? " down" : "");
    }
}
