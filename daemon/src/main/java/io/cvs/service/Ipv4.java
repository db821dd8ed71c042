package io.cvs.service;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/** IPv4 addresses as the contract takes them: dotted quads without leading zeros, and the ranges refused. */
public final class Ipv4 {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    private static final Pattern DOTTED_QUAD = Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);

    private Ipv4() {
    }

    /** The address, or null when the text is not a dotted quad (no name is ever resolved). */
    public static Inet4Address parse(String text) {
        if (text == null || !DOTTED_QUAD.matcher(text).matches()) {
            return null;
        }
        String[] octets = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(octets[i]);
        }
        try {
            return (Inet4Address) InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalStateException("four bytes are always an address", e);
        }
    }

    /** Why the address cannot be a VIP, or null when it can. */
    public static String refusedAsVip(Inet4Address address) {
        int a = Byte.toUnsignedInt(address.getAddress()[0]);
        int b = Byte.toUnsignedInt(address.getAddress()[1]);
        if (a == 127) {
            return "must not be in 127.0.0.0/8 (loopback)";
        }
        if (a == 169 && b == 254) {
            return "must not be in 169.254.0.0/16 (link-local)";
        }
        return refusedAsBackend(address);
    }

    /** Why the address cannot be a backend's, or null when it can. */
    public static String refusedAsBackend(Inet4Address address) {
        int a = Byte.toUnsignedInt(address.getAddress()[0]);
        if (a == 0) {
            return "must not be in 0.0.0.0/8 (this network)";
        }
        if (a >= 224 && a <= 239) {
            return "must not be in 224.0.0.0/4 (multicast)";
        }
        if (address.getHostAddress().equals("255.255.255.255")) {
            return "must not be 255.255.255.255 (broadcast)";
        }
        return null;
    }
}
