package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One configured backend of a service (struct cvs_backend_spec). Weight 0 drains it; libcvsbpf refuses weights
 * above 65535 (a negative weight reaches C as a large unsigned value and is refused the same way).
 */
public record Backend(InetAddress address, int port, int weight) {

    public Backend {
        Objects.requireNonNull(address, "address");
        Ports.requireSixteenBits(port);
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port) + " weight " + weight;
    }
}
