package io.cvs.testing;

import io.cvs.datapath.Backend;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;

/** Literal IPv4 addresses for tests: VIPs from 192.0.2.0/24 (documentation), backends from private ranges. */
public final class Addresses {

    private Addresses() {
    }

    public static Inet4Address ip(String literal) {
        try {
            return (Inet4Address) InetAddress.getByName(literal);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    public static ServiceKey tcp(String vip, int port) {
        return new ServiceKey(ip(vip), port, Protocol.TCP);
    }

    public static Backend backend(String address, int port, int weight) {
        return new Backend(ip(address), port, weight);
    }
}
