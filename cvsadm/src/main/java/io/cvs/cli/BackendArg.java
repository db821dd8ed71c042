package io.cvs.cli;

import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A backend as typed, of either family: {@code ADDR[:PORT]} ({@link Converter}), or in {@code service add
 * --backend} {@code ADDR[:PORT][/WEIGHT]} ({@link WithWeight}): {@code 10.0.0.1:8080/2}, {@code [fd00::2]:8080/2}
 * (see {@link HostPort} for brackets). A port not typed is the service's; a weight not typed is the daemon's
 * default (1).
 */
record BackendArg(IpAddress address, Integer port, Integer weight) {

    static BackendArg parse(String text, boolean weightAllowed) {
        int slash = text.indexOf('/');
        String weight = slash < 0 ? null : text.substring(slash + 1);
        HostPort typed = HostPort.parse(text, slash < 0 ? text.length() : slash)
                .filter(address -> weight == null || weightAllowed && weight.matches("\\d{1,5}"))
                .orElseThrow(() -> new TypeConversionException("'" + text + "' is not " + (weightAllowed
                        ? "ADDR[:PORT][/WEIGHT], e.g. 10.0.0.1:8080/2 or [fd00::1]:8080/2"
                        : "ADDR[:PORT], e.g. 10.0.0.1:8080 or [fd00::1]:8080")));
        return new BackendArg(typed.address(), typed.port(), weight == null ? null : Integer.parseInt(weight));
    }

    /** The port, or {@code fallback} (the service's) when none was typed. */
    int portOr(int fallback) {
        return port == null ? fallback : port;
    }

    /** {@code 10.0.0.1:8080}, {@code [fd00::1]:8080}: how the API names a backend within its service. */
    String key(int fallbackPort) {
        return IpAddress.withPort(address.toString(), portOr(fallbackPort));
    }

    static final class Converter implements ITypeConverter<BackendArg> {
        @Override
        public BackendArg convert(String value) {
            return parse(value, false);
        }
    }

    static final class WithWeight implements ITypeConverter<BackendArg> {
        @Override
        public BackendArg convert(String value) {
            return parse(value, true);
        }
    }
}
