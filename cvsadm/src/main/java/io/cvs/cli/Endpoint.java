package io.cvs.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A service address as typed, {@code VIP[:PORT[/PROTO]]}: {@code 192.0.2.10}, {@code 192.0.2.10:443},
 * {@code 198.51.100.53:53/udp}. Port and protocol are null when not typed: {@code list} then matches any, and
 * {@code push}/{@code pop} take 80 and TCP, as the seed's cvsadm did.
 */
record Endpoint(String vip, Integer port, String protocol) {

    static final int DEFAULT_PORT = 80;
    static final String DEFAULT_PROTOCOL = "TCP";

    static final String IPV4 = "(?:\\d{1,3}\\.){3}\\d{1,3}";
    private static final Pattern FORM = Pattern.compile("(" + IPV4 + ")(?::(\\d{1,5})(?:/([A-Za-z]+))?)?");

    static Endpoint parse(String text) {
        Matcher match = FORM.matcher(text);
        if (!match.matches()) {
            throw new TypeConversionException("'" + text + "' is not VIP[:PORT[/PROTO]], e.g. 192.0.2.10:80/TCP");
        }
        Integer port = match.group(2) == null ? null : port(match.group(2), text);
        String protocol = match.group(3) == null ? null : match.group(3).toUpperCase(Locale.ROOT);
        if (protocol != null && !protocol.equals("TCP") && !protocol.equals("UDP")) {
            throw new TypeConversionException("'" + text + "': the protocol is TCP or UDP, not " + match.group(3));
        }
        return new Endpoint(match.group(1), port, protocol);
    }

    /** Port 80 and TCP where not typed. */
    Endpoint withDefaults() {
        return new Endpoint(vip, port == null ? DEFAULT_PORT : port, protocol == null ? DEFAULT_PROTOCOL : protocol);
    }

    /** {@code 192.0.2.10:80/TCP}, as openapi.yaml and the metrics write a service address. */
    @Override
    public String toString() {
        return vip + (port == null ? "" : ":" + port) + (protocol == null ? "" : "/" + protocol);
    }

    static int port(String digits, String text) {
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new TypeConversionException("'" + text + "': the port must be between 1 and 65535");
        }
        return port;
    }

    static final class Converter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            return parse(value);
        }
    }
}
