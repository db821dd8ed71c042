package io.cvs.datapath;

import java.net.Inet4Address;
import java.util.Objects;

/** A service: virtual IP, port and protocol (struct cvs_svc_key). libcvsbpf refuses port 0. */
public record ServiceKey(Inet4Address vip, int port, Protocol protocol) {

    public ServiceKey {
        Objects.requireNonNull(vip, "vip");
        Ports.requireSixteenBits(port);
        Objects.requireNonNull(protocol, "protocol");
    }

    @Override
    public String toString() {
        return vip.getHostAddress() + ":" + port + "/" + protocol.name().toLowerCase(java.util.Locale.ROOT);
    }
}
