package io.cvs.address;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * Addresses as text, both ways, and the one place where an address becomes text: API bodies, service keys,
 * problem details, logs, metric labels and health texts all show what {@link #text} writes, so one address is
 * never two strings. No name is ever resolved, and {@link InetAddress#getHostAddress()} is not used: for IPv6 it
 * writes every group ({@code 2001:db8:0:0:0:0:0:1}), not RFC 5952's canonical form.
 */
public final class IpAddresses {

    private static final String OCTET = "(25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
    private static final Pattern DOTTED_QUAD = Pattern.compile(OCTET + "\\." + OCTET + "\\." + OCTET + "\\." + OCTET);
    private static final Pattern GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final int GROUPS = 8;
    /** The groups of ::ffff:0:0/96 before the embedded IPv4 address, which RFC 5952 section 5 writes dotted. */
    private static final int MAPPED_PREFIX_GROUPS = 6;

    private IpAddresses() {
    }

    /**
     * The address of the text, or null when it is neither a dotted quad without leading zeros nor RFC 4291
     * section 2.2 text (groups of 1 to 4 hex digits, at most one "::", optionally ending in a dotted quad). A zone
     * id, brackets, a prefix length or a host name is not an address.
     */
    public static InetAddress parse(String text) {
        if (text == null) {
            return null;
        }
        if (text.indexOf(':') < 0) {
            byte[] v4 = dottedQuad(text);
            return v4 == null ? null : address(v4);
        }
        byte[] v6 = ipv6(text);
        return v6 == null ? null : ipv6Address(v6);
    }

    /** The address of four or sixteen bytes in network order; sixteen are always IPv6, also when IPv4-mapped. */
    public static InetAddress address(byte[] bytes) {
        try {
            // InetAddress.getByAddress would turn sixteen IPv4-mapped bytes into an Inet4Address
            return bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1) : InetAddress.getByAddress(bytes);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("an address is 4 or 16 bytes, not " + bytes.length, e);
        }
    }

    private static Inet6Address ipv6Address(byte[] bytes) {
        return (Inet6Address) address(bytes);
    }

    public static boolean isIpv6(InetAddress address) {
        return address instanceof Inet6Address;
    }

    /** "IPv4" or "IPv6", for messages. */
    public static String family(InetAddress address) {
        return isIpv6(address) ? "IPv6" : "IPv4";
    }

    /** The canonical text: a dotted quad, or RFC 5952 (lower case, no leading zeros, the longest zero run as ::). */
    public static String text(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length == 4) {
            return Byte.toUnsignedInt(b[0]) + "." + Byte.toUnsignedInt(b[1]) + "." + Byte.toUnsignedInt(b[2]) + "."
                    + Byte.toUnsignedInt(b[3]);
        }
        int[] groups = new int[GROUPS];
        for (int i = 0; i < GROUPS; i++) {
            groups[i] = (b[2 * i] & 0xff) << 8 | (b[2 * i + 1] & 0xff);
        }
        if (isMapped(groups)) {
            return "::ffff:" + (b[12] & 0xff) + "." + (b[13] & 0xff) + "." + (b[14] & 0xff) + "." + (b[15] & 0xff);
        }
        int runStart = -1;
        int runLength = 1; // a single zero group is never compressed (RFC 5952 4.2.2)
        for (int i = 0; i < GROUPS;) {
            int j = i;
            while (j < GROUPS && groups[j] == 0) {
                j++;
            }
            if (j - i > runLength) { // strictly longer: on a tie the first run stays (4.2.3)
                runStart = i;
                runLength = j - i;
            }
            i = j == i ? i + 1 : j;
        }
        StringBuilder text = new StringBuilder(39);
        for (int i = 0; i < GROUPS; i++) {
            if (i == runStart) {
                text.append("::");
                i += runLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    /** Address and port as written together: {@code 10.0.0.1:8080}, or bracketed {@code [fd00::2]:8080}. */
    public static String withPort(InetAddress address, int port) {
        return isIpv6(address) ? "[" + text(address) + "]:" + port : text(address) + ":" + port;
    }

    /** Whether the sixteen bytes are in ::ffff:0:0/96, an IPv4 address as IPv6 sockets see it. */
    public static boolean isIpv4Mapped(InetAddress address) {
        byte[] b = address.getAddress();
        if (b.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
    }

    private static boolean isMapped(int[] groups) {
        for (int i = 0; i < MAPPED_PREFIX_GROUPS - 1; i++) {
            if (groups[i] != 0) {
                return false;
            }
        }
        return groups[MAPPED_PREFIX_GROUPS - 1] == 0xffff;
    }

    private static byte[] dottedQuad(String text) {
        if (!DOTTED_QUAD.matcher(text).matches()) {
            return null;
        }
        String[] octets = text.split("\\.");
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            bytes[i] = (byte) Integer.parseInt(octets[i]);
        }
        return bytes;
    }

    /** RFC 4291 2.2: sixteen bytes, or null. "::" stands for one or more zero groups, and appears at most once. */
    private static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        int[] head = gap < 0 ? groups(text, true) : groups(text.substring(0, gap), false);
        int[] tail = gap < 0 ? new int[0] : groups(text.substring(gap + 2), true);
        if (head == null || tail == null) {
            return null;
        }
        int given = head.length + tail.length;
        if (gap < 0 ? given != GROUPS : given > GROUPS - 1) {
            return null;
        }
        int[] all = new int[GROUPS];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(tail, 0, all, GROUPS - tail.length, tail.length);
        byte[] bytes = new byte[16];
        for (int i = 0; i < GROUPS; i++) {
            bytes[2 * i] = (byte) (all[i] >>> 8);
            bytes[2 * i + 1] = (byte) all[i];
        }
        return bytes;
    }

    /**
     * The 16-bit groups of a colon-separated part, or null. An empty part has none; the last group of the part
     * that ends the text may be a dotted quad, two groups.
     */
    private static int[] groups(String part, boolean endsText) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] fields = part.split(":", -1);
        int[] groups = new int[fields.length + 1];
        int n = 0;
        for (int i = 0; i < fields.length; i++) {
            String field = fields[i];
            if (GROUP.matcher(field).matches()) {
                groups[n++] = Integer.parseInt(field, 16);
            } else if (endsText && i == fields.length - 1 && dottedQuad(field) != null) {
                byte[] v4 = dottedQuad(field);
                groups[n++] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
                groups[n++] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
            } else {
                return null;
            }
        }
        int[] exact = new int[n];
        System.arraycopy(groups, 0, exact, 0, n);
        return exact;
    }
}
