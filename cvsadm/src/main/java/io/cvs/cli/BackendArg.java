package io.cvs.cli;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A backend as typed: {@code ADDR[:PORT]} ({@link Converter}), or in {@code service add --backend}
 * {@code ADDR[:PORT][/WEIGHT]} ({@link WithWeight}). A port not typed is the service's; a weight not typed is the
 * daemon's default (1).
 */
record BackendArg(String address, Integer port, Integer weight) {

    private static final Pattern FORM = Pattern.compile("(" + Endpoint.IPV4 + ")(?::(\\d{1,5}))?(?:/(\\d{1,5}))?");

    static BackendArg parse(String text, boolean weightAllowed) {
        Matcher match = FORM.matcher(text);
        if (!match.matches() || (!weightAllowed && match.group(3) != null)) {
            throw new TypeConversionException("'" + text + "' is not " + (weightAllowed ? "ADDR[:PORT][/WEIGHT]"
                    : "ADDR[:PORT]") + ", e.g. 10.0.0.1:8080" + (weightAllowed ? "/2" : ""));
        }
        Integer port = match.group(2) == null ? null : Endpoint.port(match.group(2), text);
        Integer weight = match.group(3) == null ? null : Integer.parseInt(match.group(3));
        return new BackendArg(match.group(1), port, weight);
    }

    /** The port, or {@code fallback} (the service's) when none was typed. */
    int portOr(int fallback) {
        return port == null ? fallback : port;
    }

    /** {@code 10.0.0.1:8080}, how the API names a backend within its service. */
    String key(int fallbackPort) {
        return address + ":" + portOr(fallbackPort);
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
