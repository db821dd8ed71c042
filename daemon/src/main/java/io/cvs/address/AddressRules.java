package io.cvs.address;

import java.net.InetAddress;
import java.util.Arrays;

/** The addresses a VIP or a backend may not have, of either family, each with the reason a client is told. */
public final class AddressRules {

    /** What a client is told when the text is no address at all. */
    public static final String NOT_AN_ADDRESS = "must be an IPv4 address (a dotted quad without leading zeros) or an "
            + "IPv6 address (RFC 4291 text, without zone id or brackets); names are not resolved";

    private AddressRules() {
    }

    /** Why the text cannot be a VIP, or null when it can (then {@link IpAddresses#parse} gives the address). */
    public static String refusedAsVip(String text) {
        InetAddress address = IpAddresses.parse(text);
        return address == null ? notAnAddress(text) : refusedAsVip(address);
    }

    /** Why the address cannot be a VIP, or null when it can. */
    public static String refusedAsVip(InetAddress address) {
        if (IpAddresses.isIpv6(address)) {
            if (address.isLoopbackAddress()) {
                return "must not be ::1 (loopback)";
            }
            if (address.isLinkLocalAddress()) {
                return "must not be in fe80::/10 (link-local)";
            }
            return refusedAsBackend(address);
        }
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

    /** Why the text cannot be a backend's address, or null when it can. */
    public static String refusedAsBackend(String text) {
        InetAddress address = IpAddresses.parse(text);
        return address == null ? notAnAddress(text) : refusedAsBackend(address);
    }

    /** Why the address cannot be a backend's, or null when it can. */
    public static String refusedAsBackend(InetAddress address) {
        if (IpAddresses.isIpv6(address)) {
            if (address.isAnyLocalAddress()) {
                return "must not be :: (unspecified)";
            }
            if (address.isMulticastAddress()) {
                return "must not be in ff00::/8 (multicast)";
            }
            if (IpAddresses.isIpv4Mapped(address)) {
                byte[] ipv4 = Arrays.copyOfRange(address.getAddress(), 12, 16);
                return "must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, "
                        + IpAddresses.text(IpAddresses.address(ipv4));
            }
            return null;
        }
        int a = Byte.toUnsignedInt(address.getAddress()[0]);
        if (a == 0) {
            return "must not be in 0.0.0.0/8 (this network)";
        }
        if (a >= 224 && a <= 239) {
            return "must not be in 224.0.0.0/4 (multicast)";
        }
        if (IpAddresses.text(address).equals("255.255.255.255")) {
            return "must not be 255.255.255.255 (broadcast)";
        }
        return null;
    }

    /** Why a backend's address cannot be in a service of that VIP, or null when the families agree. */
    public static String refusedBesideVip(InetAddress backend, InetAddress vip) {
        if (IpAddresses.isIpv6(backend) == IpAddresses.isIpv6(vip)) {
            return null;
        }
        return "must be an " + IpAddresses.family(vip) + " address, as the vip is: a service has one address family "
                + "(serve both families as two services, such as web-v4 and web-v6)";
    }

    private static String notAnAddress(String text) {
        if (text.indexOf('%') >= 0 && IpAddresses.parse(text.substring(0, text.indexOf('%'))) != null) {
            return "must not have a zone id (%...): " + NOT_AN_ADDRESS;
        }
        return NOT_AN_ADDRESS;
    }
}
