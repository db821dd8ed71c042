package io.cvs.cli;

import java.util.Arrays;
import java.util.Optional;

/**
 * An IPv4 or IPv6 address as cvsadm reads it from a command line or a file, written the way the daemon answers it
 * (RFC 5952 for IPv6: lower case, no leading zeros, the longest run of zero groups as {@code ::}), so that what is
 * typed and what is answered compare equal. Parsed by hand, not with {@code InetAddress}: that resolves host
 * names, turns {@code ::ffff:192.0.2.1} into an IPv4 address and prints IPv6 uncompressed. Ordered IPv4 before
 * IPv6, then by value.
 */
final class IpAddress implements Comparable<IpAddress> {

    private static final int IPV6_GROUPS = 8;

    private final byte[] bytes;

    private IpAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    /** The address in {@code text}, of either family without brackets, or empty when it is none. */
    static Optional<IpAddress> parse(String text) {
        byte[] bytes = text.contains(":") ? ipv6(text) : ipv4(text);
        return Optional.ofNullable(bytes).map(IpAddress::new);
    }

    boolean isIpv6() {
        return bytes.length == 16;
    }

    /** {@code 192.0.2.10}, {@code 2001:db8::10}: RFC 5952's form, the daemon's. */
    @Override
    public String toString() {
        return isIpv6() ? ipv6Text() : ipv4Text(0);
    }

    /**
     * {@code 192.0.2.10:80} or {@code [2001:db8::10]:80}: an address and port written together, as the API and the
     * metrics do; for an address as the daemon sent it, which is canonical already.
     */
    static String withPort(String address, Object port) {
        return (address.contains(":") ? "[" + address + "]" : address) + ":" + port;
    }

    @Override
    public int compareTo(IpAddress other) {
        return bytes.length != other.bytes.length ? Integer.compare(bytes.length, other.bytes.length)
                : Arrays.compareUnsigned(bytes, other.bytes);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof IpAddress address && Arrays.equals(bytes, address.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    /** Four decimal octets of 0 to 255, as written by people (no leading zeros, which some read as octal). */
    private static byte[] ipv4(String text) {
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            return null;
        }
        byte[] bytes = new byte[4];
        for (int i = 0; i < 4; i++) {
            String octet = octets[i];
            if (!octet.matches("0|[1-9]\\d{0,2}") || Integer.parseInt(octet) > 255) {
                return null;
            }
            bytes[i] = (byte) Integer.parseInt(octet);
        }
        return bytes;
    }

    /** RFC 4291's text forms: eight groups, {@code ::} for a run of zeros, and an IPv4 address as the last two. */
    private static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (gap != text.lastIndexOf("::") || text.contains(":::") || (gap >= 0 && text.lastIndexOf('.') >= 0
                && text.lastIndexOf('.') < gap)) {
            return null;
        }
        int[] head = gap < 0 ? groups(text) : groups(text.substring(0, gap));
        int[] tail = gap < 0 ? new int[0] : groups(text.substring(gap + 2));
        if (head == null || tail == null) {
            return null;
        }
        int written = head.length + tail.length;
        if (gap < 0 ? written != IPV6_GROUPS : written > IPV6_GROUPS - 1) {
            return null;
        }
        byte[] bytes = new byte[16];
        for (int i = 0; i < head.length; i++) {
            putGroup(bytes, i, head[i]);
        }
        for (int i = 0; i < tail.length; i++) {
            putGroup(bytes, IPV6_GROUPS - tail.length + i, tail[i]);
        }
        return bytes;
    }

    /** The groups of one side of {@code ::}, an IPv4 address at the end counting as two; null if malformed. */
    private static int[] groups(String side) {
        if (side.isEmpty()) {
            return new int[0];
        }
        String[] parts = side.split(":", -1);
        int last = parts.length - 1;
        byte[] embedded = parts[last].contains(".") ? ipv4(parts[last]) : null;
        if (parts[last].contains(".") && embedded == null) {
            return null;
        }
        int[] groups = new int[parts.length + (embedded == null ? 0 : 1)];
        for (int i = 0; i < (embedded == null ? parts.length : last); i++) {
            if (!parts[i].matches("[0-9A-Fa-f]{1,4}")) {
                return null;
            }
            groups[i] = Integer.parseInt(parts[i], 16);
        }
        if (embedded != null) {
            groups[last] = (embedded[0] & 0xff) << 8 | embedded[1] & 0xff;
            groups[last + 1] = (embedded[2] & 0xff) << 8 | embedded[3] & 0xff;
        }
        return groups;
    }

    private static void putGroup(byte[] bytes, int index, int group) {
        bytes[2 * index] = (byte) (group >> 8);
        bytes[2 * index + 1] = (byte) group;
    }

    private int group(int index) {
        return (bytes[2 * index] & 0xff) << 8 | bytes[2 * index + 1] & 0xff;
    }

    private String ipv4Text(int offset) {
        return (bytes[offset] & 0xff) + "." + (bytes[offset + 1] & 0xff) + "." + (bytes[offset + 2] & 0xff) + "."
                + (bytes[offset + 3] & 0xff);
    }

    /** RFC 5952 section 4, and section 5's dotted quad for an IPv4-mapped address ({@code ::ffff:192.0.2.1}). */
    private String ipv6Text() {
        boolean mapped = Arrays.equals(Arrays.copyOf(bytes, 12), new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1});
        if (mapped) {
            return "::ffff:" + ipv4Text(12);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is written 0, not ::
        for (int start = 0; start < IPV6_GROUPS; start++) {
            int length = 0;
            while (start + length < IPV6_GROUPS && group(start + length) == 0) {
                length++;
            }
            if (length > bestLength) {
                bestStart = start;
                bestLength = length;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < IPV6_GROUPS; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (text.length() > 0 && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(group(i)));
        }
        return text.toString();
    }
}
