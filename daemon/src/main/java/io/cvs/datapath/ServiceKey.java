package io.cvs.datapath;

import io.cvs.address.IpAddresses;
import java.net.InetAddress;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A service: virtual IP of either family, port and protocol (struct cvs_service_key). libcvsbpf refuses port 0.
 * A service has the one family of its VIP: its backends are addresses of the same family.
 */
public record ServiceKey(InetAddress vip, int port, Protocol protocol) {

    public ServiceKey {
        Objects.requireNonNull(vip, "vip");
        Endpoint.requireSixteenBits(port);
        Objects.requireNonNull(protocol, "protocol");
    }

    public boolean isIpv6() {
        return IpAddresses.isIpv6(vip);
    }

    /**
     * The first backend whose address is not of this service's family, if any. The maps take every backend in the
     * family of its service, so such a backend must be refused before it reaches them.
     */
    public Optional<Backend> otherFamily(List<Backend> backends) {
        return backends.stream().filter(b -> IpAddresses.isIpv6(b.address()) != isIpv6()).findFirst();
    }

    /** {@code 192.0.2.10:80/TCP} or {@code [2001:db8::10]:80/TCP}: how the API, logs and metrics name a service. */
    @Override
    public String toString() {
        return IpAddresses.withPort(vip, port) + "/" + protocol.name();
    }
}
