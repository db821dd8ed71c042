package io.cvs.cli;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A service address as typed, {@code VIP[:PORT[/PROTO]]} of either family: {@code 192.0.2.10},
 * {@code 192.0.2.10:443}, {@code 198.51.100.53:53/udp}, {@code 2001:db8::10}, {@code [2001:db8::10]:80/tcp} (see
 * {@link HostPort} for brackets). Port and protocol are null when not typed: {@code list} then matches any, and
 * {@code push}/{@code pop} take 80 and TCP, as the seed's cvsadm did.
 */
record Endpoint(IpAddress vip, Integer port, String protocol) {

    static final int DEFAULT_PORT = 80;
    static final String DEFAULT_PROTOCOL = "TCP";

    static Endpoint parse(String text) {
        int slash = text.indexOf('/');
        HostPort address = HostPort.parse(text, slash < 0 ? text.length() : slash).orElseThrow(() -> notTheForm(text));
        if (slash < 0) {
            return new Endpoint(address.address(), address.port(), null);
        }
        String typedProtocol = text.substring(slash + 1);
        if (address.port() == null || !typedProtocol.matches("[A-Za-z]+")) {
            throw notTheForm(text);
        }
        String protocol = typedProtocol.toUpperCase(Locale.ROOT);
        if (!protocol.equals("TCP") && !protocol.equals("UDP")) {
            throw new TypeConversionException("'" + text + "': the protocol is TCP or UDP, not " + typedProtocol);
        }
        return new Endpoint(address.address(), address.port(), protocol);
    }

    /** Port 80 and TCP where not typed. */
    Endpoint withDefaults() {
        return new Endpoint(vip, port == null ? DEFAULT_PORT : port, protocol == null ? DEFAULT_PROTOCOL : protocol);
    }

    /** {@code 192.0.2.10:80/TCP}, {@code [2001:db8::10]:80/TCP}: as openapi.yaml and the metrics write it. */
    @Override
    public String toString() {
        return port == null ? vip.toString()
                : IpAddress.withPort(vip.toString(), port) + (protocol == null ? "" : "/" + protocol);
    }

    private static TypeConversionException notTheForm(String text) {
        return new TypeConversionException("'" + text + "' is not VIP[:PORT[/PROTO]], e.g. 192.0.2.10:80/TCP or "
                + "[2001:db8::10]:80/TCP");
    }

    static final class Converter implements ITypeConverter<Endpoint> {
        @Override
        public Endpoint convert(String value) {
            return parse(value);
        }
    }
}
