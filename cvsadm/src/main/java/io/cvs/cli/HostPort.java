package io.cvs.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ADDR[:PORT]} as typed, of either family: {@code 192.0.2.10}, {@code 192.0.2.10:80}, {@code [2001:db8::10]},
 * {@code [2001:db8::10]:80}. An IPv6 address may go without brackets only alone, and only where it cannot be read
 * as an address and a port: {@code 2001:db8::10} is an address, but {@code fd00::2:8080} could be port 8080 of
 * {@code fd00::2} as well as the address {@code fd00::2:8080}, so it is refused with both spellings.
 */
record HostPort(IpAddress address, Integer port) {

    private static final Pattern BRACKETED = Pattern.compile("\\[([^\\]]*)](?::(\\d{1,5}))?");
    private static final Pattern IPV4 = Pattern.compile("([0-9.]+)(?::(\\d{1,5}))?");
    private static final Pattern LAST_GROUP_A_PORT = Pattern.compile("(.*):(\\d{1,5})");

    /**
     * The address and port at the start of {@code typed}, {@code length} characters of it (what follows is a
     * {@code /PROTO} or {@code /WEIGHT} the caller reads); empty when they are not of the form. Fails, naming
     * {@code typed}, on a port out of range and on an IPv6 address without brackets that needs them.
     */
    static Optional<HostPort> parse(String typed, int length) {
        String text = typed.substring(0, length);
        Matcher bracketed = BRACKETED.matcher(text);
        if (bracketed.matches()) {
            return IpAddress.parse(bracketed.group(1)).filter(IpAddress::isIpv6)
                    .map(address -> new HostPort(address, port(bracketed.group(2), typed)));
        }
        Matcher ipv4 = IPV4.matcher(text);
        if (ipv4.matches()) {
            return IpAddress.parse(ipv4.group(1)).map(address -> new HostPort(address, port(ipv4.group(2), typed)));
        }
        Optional<IpAddress> bare = IpAddress.parse(text).filter(IpAddress::isIpv6);
        if (bare.isPresent()) {
            refuseWithoutBrackets(typed, text, bare.get());
        }
        return bare.map(address -> new HostPort(address, null));
    }

    /** {@code 1} to {@code 65535}, null for none typed. */
    private static Integer port(String digits, String typed) {
        if (digits == null) {
            return null;
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new TypeConversionException("'" + typed + "': the port must be between 1 and 65535");
        }
        return port;
    }

    private static void refuseWithoutBrackets(String typed, String text, IpAddress address) {
        if (typed.length() > text.length()) {
            throw new TypeConversionException("'" + typed + "': an IPv6 address goes in brackets when anything "
                    + "follows it, e.g. [" + address + "]" + typed.substring(text.length()));
        }
        Matcher lastGroup = LAST_GROUP_A_PORT.matcher(text);
        if (lastGroup.matches() && IpAddress.parse(lastGroup.group(1)).isPresent()
                && Integer.parseInt(lastGroup.group(2)) >= 1 && Integer.parseInt(lastGroup.group(2)) <= 65535) {
            throw new TypeConversionException("'" + typed + "' is ambiguous: write ["
                    + IpAddress.parse(lastGroup.group(1)).get() + "]:" + lastGroup.group(2) + " for an address and "
                    + "port, or [" + address + "] for the address alone");
        }
    }
}
