package io.cvs.address;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * The addresses a VIP or a backend may not have, of either family, each with the reason a client is told. These
 * are the rules that hold on every host; the ones that depend on the host or on the other services (a loopback
 * backend, a VIP that is a local address, a backend that is another service's VIP) are checked where the write
 * is accepted, with the reasons written here.
 */
public final class AddressRules {

    /** What a client is told when the text is no address at all. */
    public static final String NOT_AN_ADDRESS = "must be an IPv4 address (a dotted quad without leading zeros) or an "
            + "IPv6 address (RFC 4291 text, without zone id or brackets); names are not resolved";

    /** The property that lets backends be loopback addresses, named in the refusal. */
    public static final String ALLOW_LOOPBACK_BACKENDS = "cvs.addresses.allow-loopback-backends";
    /** The property that lets a backend be another service's VIP, named in the refusal. */
    public static final String ALLOW_BACKEND_ON_VIP = "cvs.addresses.allow-backend-on-vip";

    private AddressRules() {
    }

    /** Why the text cannot be a VIP, or null when it can (then {@link IpAddresses#parse} gives the address). */
    public static String refusedAsVip(String text) {
        InetAddress address = IpAddresses.parse(text);
        return address == null ? notAnAddress(text) : refusedAsVip(address);
    }

    /** Why the address cannot be a VIP, or null when it can. */
    public static String refusedAsVip(InetAddress address) {
        String loopback = refusedLoopback(address);
        return loopback != null ? loopback : refusedAsBackend(address);
    }

    /** Why the text cannot be a backend's address, or null when it can (loopback aside, see below). */
    public static String refusedAsBackend(String text) {
        InetAddress address = IpAddresses.parse(text);
        return address == null ? notAnAddress(text) : refusedAsBackend(address);
    }

    /**
     * Why the address cannot be a backend's, or null when it can. A loopback address is not refused here but by
     * {@link #refusedLoopback}, since development hosts and tests may allow it ({@value #ALLOW_LOOPBACK_BACKENDS}).
     */
    public static String refusedAsBackend(InetAddress address) {
        if (IpAddresses.isIpv6(address)) {
            if (address.isAnyLocalAddress()) {
                return "must not be :: (unspecified)";
            }
            if (address.isMulticastAddress()) {
                return "must not be in ff00::/8 (multicast)";
            }
            if (address.isLinkLocalAddress()) {
                return "must not be in fe80::/10 (link-local: it names no interface without a zone)";
            }
            if (IpAddresses.isIpv4Mapped(address)) {
                byte[] ipv4 = Arrays.copyOfRange(address.getAddress(), 12, 16);
                return "must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, "
                        + IpAddresses.text(IpAddresses.address(ipv4));
            }
            return null;
        }
        int a = Byte.toUnsignedInt(address.getAddress()[0]);
        int b = Byte.toUnsignedInt(address.getAddress()[1]);
        if (a == 0) {
            return "must not be in 0.0.0.0/8 (this network)";
        }
        if (a == 169 && b == 254) {
            return "must not be in 169.254.0.0/16 (link-local, where cloud hosts answer metadata requests)";
        }
        if (a >= 224 && a <= 239) {
            return "must not be in 224.0.0.0/4 (multicast)";
        }
        if (IpAddresses.text(address).equals("255.255.255.255")) {
            return "must not be 255.255.255.255 (broadcast)";
        }
        if (a >= 240) {
            return "must not be in 240.0.0.0/4 (reserved)";
        }
        return null;
    }

    /**
     * Why a loopback address (127.0.0.0/8, ::1) cannot be a VIP or a backend, or null for any other. Through a
     * loopback backend a VIP reaches this host's own services, the daemon's API among them.
     */
    public static String refusedLoopback(InetAddress address) {
        if (!address.isLoopbackAddress()) {
            return null;
        }
        return IpAddresses.isIpv6(address) ? "must not be ::1 (loopback)" : "must not be in 127.0.0.0/8 (loopback)";
    }

    /** {@link #refusedLoopback} for a backend, saying which property allows it. */
    public static String refusedLoopbackBackend(InetAddress address) {
        String refused = refusedLoopback(address);
        return refused == null ? null : refused + ": a VIP would reach this host's own services, the daemon's API "
                + "among them (" + ALLOW_LOOPBACK_BACKENDS + "=true allows it, for development and tests)";
    }

    /**
     * Why a backend's address cannot be in a service of that VIP, or null when it can: one family per service,
     * and never the VIP itself, which would send the connection back to the VIP (clients get ENETUNREACH).
     */
    public static String refusedBesideVip(InetAddress backend, InetAddress vip) {
        if (IpAddresses.isIpv6(backend) != IpAddresses.isIpv6(vip)) {
            return "must be an " + IpAddresses.family(vip) + " address, as the vip is: a service has one address "
                    + "family (serve both families as two services, such as web-v4 and web-v6)";
        }
        if (backend.equals(vip)) {
            return "must not be the service's own vip: a connection would loop back to the VIP and fail";
        }
        return null;
    }

    /** Why a backend cannot have the address that is the VIP of the service named. */
    public static String backendOnVip(String service) {
        return "must not be the vip of service " + service + ": the datapath translates a connection once, so it "
                + "would not reach that service's backends (" + ALLOW_BACKEND_ON_VIP + "=true allows it)";
    }

    /** Why a VIP cannot be the address that a backend of the service named has. */
    public static String vipOnBackend(String service) {
        return "must not be the address of a backend of service " + service + ": the datapath translates a "
                + "connection once, so that service's connections would not reach its backend ("
                + ALLOW_BACKEND_ON_VIP + "=true allows it)";
    }

    /** Why a VIP cannot be an address of one of this host's interfaces. */
    public static final String LOCAL_VIP = "must not be an address of one of this host's interfaces: the VIP would "
            + "take over connections to the local service on that address and port";

    private static String notAnAddress(String text) {
        if (text.indexOf('%') >= 0 && IpAddresses.parse(text.substring(0, text.indexOf('%'))) != null) {
            return "must not have a zone id (%...): " + NOT_AN_ADDRESS;
        }
        return NOT_AN_ADDRESS;
    }
}
