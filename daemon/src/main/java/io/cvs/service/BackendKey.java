package io.cvs.service;

import io.cvs.address.IpAddresses;
import io.cvs.datapath.Backend;
import io.cvs.system.InvalidRequestException;
import java.net.InetAddress;
import java.util.regex.Pattern;

/**
 * A backend's identity within its service, as the path names it: {@code address:port}, an IPv6 address in
 * brackets ({@code [fd00::2]:8080}) as in a URI, in any valid form of the address.
 */
public record BackendKey(InetAddress address, int port) {

    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

    public static BackendKey of(Backend backend) {
        return new BackendKey(backend.address(), backend.port());
    }

    /** The key of the path, or a 400 naming {@code backendKey}. */
    public static BackendKey parse(String text) {
        int colon = text.lastIndexOf(':');
        String host = colon < 0 ? "" : text.substring(0, colon);
        String port = colon < 0 ? "" : text.substring(colon + 1);
        InetAddress address = null;
        if (host.startsWith("[") && host.endsWith("]")) {
            address = IpAddresses.parse(host.substring(1, host.length() - 1));
            address = address != null && IpAddresses.isIpv6(address) ? address : null;
        } else if (host.indexOf(':') < 0) {
            address = IpAddresses.parse(host);
        }
        if (address == null || !PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
            throw InvalidRequestException.of("backendKey",
                    "must be address:port, such as 10.0.0.1:8080 or, IPv6 in brackets, [fd00::2]:8080", text);
        }
        return new BackendKey(address, Integer.parseInt(port));
    }

    public boolean matches(Backend backend) {
        return backend.address().equals(address) && backend.port() == port;
    }

    @Override
    public String toString() {
        return IpAddresses.withPort(address, port);
    }
}
