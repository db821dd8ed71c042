package io.cvs.testing;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import java.net.InetAddress;

/**
 * Literal addresses for tests: VIPs from 192.0.2.0/24 and 2001:db8::/32 (documentation), backends from private
 * ranges (10.0.0.0/8, fd00::/8).
 */
public final class Addresses {

    private Addresses() {
    }

    public static InetAddress ip(String literal) {
        InetAddress address = IpAddresses.parse(literal);
        if (address == null) {
            throw new IllegalArgumentException("not an address: " + literal);
        }
        return address;
    }

    public static ServiceKey tcp(String vip, int port) {
        return new ServiceKey(ip(vip), port, Protocol.TCP);
    }

    public static Backend backend(String address, int port, int weight) {
        return new Backend(ip(address), port, weight);
    }
}
