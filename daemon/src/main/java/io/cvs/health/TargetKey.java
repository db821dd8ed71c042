package io.cvs.health;

import java.net.Inet4Address;
import java.util.Objects;

/**
 * One backend of one service, as the health monitor knows it: the same backend address in two services is probed
 * twice, once with each service's check.
 *
 * @param port the backend's own port (its identity), not necessarily the port probed ({@link HealthCheck#port()})
 */
public record TargetKey(String serviceId, Inet4Address address, int port) {

    public TargetKey {
        Objects.requireNonNull(serviceId);
        Objects.requireNonNull(address);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("backend port must be 1-65535: " + port);
        }
    }

    @Override
    public String toString() {
        return address.getHostAddress() + ":" + port + " of " + serviceId;
    }
}
