package io.cvs.health;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.Objects;

/**
 * One backend of one service, as the health monitor knows it: the same backend address in two services is probed
 * twice, once with each service's check.
 *
 * @param port the backend's own port (its identity), not necessarily the port probed ({@link HealthCheck#port()})
 */
public record TargetKey(String serviceId, InetAddress address, int port) {

    public TargetKey {
        Objects.requireNonNull(serviceId);
        Objects.requireNonNull(address);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend port must be 1-65535: " + port);
        }
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port) + " of " + serviceId;
    }
}
