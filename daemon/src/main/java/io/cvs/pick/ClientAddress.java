package io.cvs.pick;

import io.cvs.address.AddressRules;
import io.cvs.address.IpAddresses;
import io.cvs.system.InvalidRequestException;
import java.net.InetAddress;

/**
 * The {@code client} of a pick: {@code ADDR}, {@code ADDR:PORT} for IPv4, and for IPv6 a bare address or
 * {@code [ADDR]:PORT} (a bare IPv6 address has colons of its own, so a port needs the brackets).
 *
 * @param port 0 when not given
 */
record ClientAddress(InetAddress address, int port) {

    static final String FIELD = "client";

    static ClientAddress parse(String text) {
        if (text == null || text.isEmpty()) {
            throw InvalidRequestException.of(FIELD, "is required: ADDR, ADDR:PORT or [IPv6]:PORT", text);
        }
        String host = text;
        String port = null;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || !(close == text.length() - 1 || text.charAt(close + 1) == ':')) {
                throw refused(text);
            }
            host = text.substring(1, close);
            port = close == text.length() - 1 ? null : text.substring(close + 2);
            if (!host.contains(":")) {
                throw refused(text);
            }
        } else if (text.indexOf(':') == text.lastIndexOf(':') && text.indexOf(':') >= 0) {
            host = text.substring(0, text.indexOf(':'));
            port = text.substring(text.indexOf(':') + 1);
        }
        InetAddress address = IpAddresses.parse(host);
        if (address == null) {
            throw InvalidRequestException.of(FIELD, AddressRules.NOT_AN_ADDRESS, text);
        }
        return new ClientAddress(address, port == null ? 0 : port(port, text));
    }

    private static int port(String digits, String text) {
        if (!digits.matches("[1-9][0-9]{0,4}") || Integer.parseInt(digits) > 65535) {
            throw InvalidRequestException.of(FIELD, "port must be between 1 and 65535", text);
        }
        return Integer.parseInt(digits);
    }

    private static InvalidRequestException refused(String text) {
        return InvalidRequestException.of(FIELD, "must be ADDR, ADDR:PORT or [IPv6]:PORT", text);
    }
}
