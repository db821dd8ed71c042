package io.cvs.cli;

import java.util.Locale;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The health check options of {@code service add} and {@code service edit}, turned into the API's
 * {@code healthCheck} object. Options not given keep what the check had (edit) or the daemon's defaults.
 */
final class HealthCheckOptions {

    enum CheckType { tcp, http, https, udp }

    enum WhenAllDown { fail_open, fail_closed }

    @Option(names = "--check", paramLabel = "TYPE", description = "Health check: tcp, http, https or udp.")
    CheckType type;

    @Option(names = "--check-path", paramLabel = "P", description = "HTTP(S): the path to GET (default /).")
    String path;

    @Option(names = "--check-status", paramLabel = "S",
            description = "HTTP(S): the status or range that passes (default 200-399).")
    String expectedStatus;

    @Option(names = "--check-send", paramLabel = "TEXT", description = "UDP: the datagram to send (required).")
    String send;

    @Option(names = "--check-expect", paramLabel = "TEXT", description = "UDP: the reply must start with this.")
    String expect;

    @Option(names = "--check-port", paramLabel = "PORT", description = "Probe this port (default each backend's).")
    Integer port;

    @Option(names = "--check-interval", paramLabel = "MS", description = "Time between probes (default 2000).")
    Integer intervalMs;

    @Option(names = "--check-timeout", paramLabel = "MS", description = "Probe timeout (default 1000).")
    Integer timeoutMs;

    @Option(names = "--rise", paramLabel = "N", description = "Passes in a row to come back up (default 2).")
    Integer rise;

    @Option(names = "--fall", paramLabel = "N", description = "Failures in a row to go down (default 3).")
    Integer fall;

    @Option(names = "--when-all-down", paramLabel = "MODE", converter = WhenAllDownConverter.class,
            description = "fail-open (default: select from all) or fail-closed (refuse new connections).")
    WhenAllDown whenAllDown;

    boolean anyGiven() {
        return type != null || path != null || expectedStatus != null || send != null || expect != null
                || port != null || intervalMs != null || timeoutMs != null || rise != null || fall != null
                || whenAllDown != null;
    }

    /**
     * The check to send: {@code current} (null for none) with the options given laid over it; a new type starts
     * afresh, since fields of another type are refused. Null when no check results.
     */
    ObjectNode applyTo(JsonNode current) {
        String currentType = current == null ? null : current.path("type").asString(null);
        String newType = type == null ? currentType : type.name().toUpperCase(Locale.ROOT);
        if (newType == null) {
            throw new CliFailure(ExitCode.USAGE, "the check options need a check type: add --check tcp|http|https|udp");
        }
        ObjectNode check = current != null && newType.equals(currentType) ? ((ObjectNode) current).deepCopy()
                : Json.JSON.createObjectNode();
        check.put("type", newType);
        putIfGiven(check, "path", path);
        putIfGiven(check, "expectedStatus", expectedStatus);
        putIfGiven(check, "send", send);
        putIfGiven(check, "expect", expect);
        putIfGiven(check, "port", port);
        putIfGiven(check, "intervalMs", intervalMs);
        putIfGiven(check, "timeoutMs", timeoutMs);
        putIfGiven(check, "rise", rise);
        putIfGiven(check, "fall", fall);
        if (whenAllDown != null) {
            check.put("whenAllDown", whenAllDown.name().toUpperCase(Locale.ROOT));
        }
        return check;
    }

    private static void putIfGiven(ObjectNode check, String field, Object value) {
        if (value instanceof String text) {
            check.put(field, text);
        } else if (value instanceof Integer number) {
            check.put(field, number);
        }
    }

    /** {@code fail-open}, {@code fail-closed}, as typed (the API's FAIL_OPEN, FAIL_CLOSED). */
    static final class WhenAllDownConverter implements picocli.CommandLine.ITypeConverter<WhenAllDown> {
        @Override
        public WhenAllDown convert(String value) {
            try {
                return WhenAllDown.valueOf(value.toLowerCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException("'" + value
                        + "' is not fail-open or fail-closed");
            }
        }
    }
}
