package io.cvs.service;

import io.cvs.datapath.Backend;
import io.cvs.system.InvalidRequestException;
import java.net.Inet4Address;
import java.util.regex.Pattern;

/** A backend's identity within its service, {@code address:port}, as the path names it. */
public record BackendKey(Inet4Address address, int port) {

    private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

    public static BackendKey of(Backend backend) {
        return new BackendKey(backend.address(), backend.port());
    }

    /** The key of the path, or a 400 naming {@code backendKey}. */
    public static BackendKey parse(String text) {
        int colon = text.lastIndexOf(':');
        Inet4Address address = colon < 0 ? null : Ipv4.parse(text.substring(0, colon));
        String port = colon < 0 ? "" : text.substring(colon + 1);
        if (address == null || !PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
            throw InvalidRequestException.of("backendKey", "must be address:port, such as 10.0.0.1:8080", text);
        }
        return new BackendKey(address, Integer.parseInt(port));
    }

    public boolean matches(Backend backend) {
        return backend.address().equals(address) && backend.port() == port;
    }

    @Override
    public String toString() {
        return address.getHostAddress() + ":" + port;
    }
}
