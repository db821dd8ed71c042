package io.cvs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.system.Violations;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's health check as clients send it and the server returns it ({@code HealthCheck} in openapi.yaml).
 * Omitted fields take the defaults below; fields of another check type are refused rather than ignored, so a
 * check never silently does something else than what was written. Returned with every default filled in.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthCheckSpec(String type, Integer port, Integer intervalMs, Integer timeoutMs, Integer rise, Integer fall,
        String initialState, String whenAllDown, String path, String expectedStatus, String send, String expect) {

    static final int INTERVAL_MS_DEFAULT = 2000;
    static final int INTERVAL_MS_MIN = 100;
    static final int INTERVAL_MS_MAX = 3_600_000;
    static final int TIMEOUT_MS_DEFAULT = 1000;
    static final int TIMEOUT_MS_MIN = 10;
    static final int RISE_DEFAULT = 2;
    static final int FALL_DEFAULT = 3;
    static final int COUNT_MAX = 100;
    static final String PATH_DEFAULT = "/";
    static final int PATH_MAX = 1024;
    static final int DATAGRAM_TEXT_MAX = 512;
    /** Printable ASCII without spaces: what may follow GET on a request line unescaped. */
    private static final Pattern PATH = Pattern.compile("/[\\x21-\\x7e]*");
    private static final Pattern STATUS = Pattern.compile("([1-5][0-9]{2})(?:-([1-5][0-9]{2}))?");

    static HealthCheckSpec of(HealthCheck check) {
        boolean http = check.type() == Type.HTTP || check.type() == Type.HTTPS;
        boolean udp = check.type() == Type.UDP;
        String status = check.statusMin() == check.statusMax() ? String.valueOf(check.statusMin())
                : check.statusMin() + "-" + check.statusMax();
        return new HealthCheckSpec(check.type().name(), check.port() == 0 ? null : check.port(),
                (int) check.interval().toMillis(), (int) check.timeout().toMillis(), check.rise(), check.fall(),
                check.initialState().name(), check.whenAllDown().name(), http ? check.path() : null,
                http ? status : null, udp ? check.send() : null, udp ? check.expect() : null);
    }

    /** The validated check, or null with the reasons added to violations under prefix ({@code healthCheck.}). */
    HealthCheck toCheck(String prefix, Violations violations) {
        int before = violations.size();
        Type checkType = oneOf(Type.class, type, null, prefix + "type", violations);
        if (port != null) {
            ServiceRequest.checkPort(port, prefix + "port", violations);
        }
        int interval = within(intervalMs, INTERVAL_MS_DEFAULT, INTERVAL_MS_MIN, INTERVAL_MS_MAX,
                prefix + "intervalMs", violations);
        int timeout = within(timeoutMs, Math.min(TIMEOUT_MS_DEFAULT, interval), TIMEOUT_MS_MIN, interval,
                prefix + "timeoutMs", violations);
        int riseCount = within(rise, RISE_DEFAULT, 1, COUNT_MAX, prefix + "rise", violations);
        int fallCount = within(fall, FALL_DEFAULT, 1, COUNT_MAX, prefix + "fall", violations);
        InitialState initial = oneOf(InitialState.class, initialState, InitialState.UP, prefix + "initialState",
                violations);
        WhenAllDown allDown = oneOf(WhenAllDown.class, whenAllDown, WhenAllDown.FAIL_OPEN, prefix + "whenAllDown",
                violations);
        boolean http = checkType == Type.HTTP || checkType == Type.HTTPS;
        boolean udp = checkType == Type.UDP;
        if (checkType != null) {
            onlyFor(http, path, "path", "HTTP and HTTPS", prefix, violations);
            onlyFor(http, expectedStatus, "expectedStatus", "HTTP and HTTPS", prefix, violations);
            onlyFor(udp, send, "send", "UDP", prefix, violations);
            onlyFor(udp, expect, "expect", "UDP", prefix, violations);
        }
        String checkedPath = path == null ? PATH_DEFAULT : path;
        if (http && (checkedPath.length() > PATH_MAX || !PATH.matcher(checkedPath).matches())) {
            violations.add(prefix + "path", "must start with '/' and be at most " + PATH_MAX
                    + " printable ASCII characters without spaces", path);
        }
        int[] status = http ? statusRange(prefix + "expectedStatus", violations) : new int[] {200, 399};
        if (udp) {
            if (send == null || send.isEmpty()) {
                violations.add(prefix + "send", "is required for a UDP check: the datagram each probe sends", send);
            }
            datagramText(send, prefix + "send", violations);
            datagramText(expect, prefix + "expect", violations);
        }
        if (violations.size() > before) {
            return null;
        }
        return new HealthCheck(checkType, port == null ? 0 : port, Duration.ofMillis(interval),
                Duration.ofMillis(timeout), riseCount, fallCount, initial, allDown, http ? checkedPath : "",
                status[0], status[1], udp ? send : "", udp && expect != null ? expect : "");
    }

    private int[] statusRange(String field, Violations violations) {
        if (expectedStatus == null) {
            return new int[] {200, 399};
        }
        Matcher m = STATUS.matcher(expectedStatus);
        if (m.matches()) {
            int low = Integer.parseInt(m.group(1));
            int high = m.group(2) == null ? low : Integer.parseInt(m.group(2));
            if (low <= high) {
                return new int[] {low, high};
            }
        }
        violations.add(field, "must be a status (200) or an ascending range (200-399) of statuses 100 to 599",
                expectedStatus);
        return new int[] {200, 399};
    }

    private static int within(Integer value, int otherwise, int min, int max, String field, Violations violations) {
        if (value == null) {
            return otherwise;
        }
        if (value < min || value > max) {
            violations.add(field, "must be between " + min + " and " + max, value);
            return otherwise;
        }
        return value;
    }

    private static <E extends Enum<E>> E oneOf(Class<E> kind, String value, E otherwise, String field,
            Violations violations) {
        if (value == null && otherwise != null) {
            return otherwise;
        }
        for (E constant : kind.getEnumConstants()) {
            if (constant.name().equals(value)) {
                return constant;
            }
        }
        StringBuilder names = new StringBuilder();
        for (E constant : kind.getEnumConstants()) {
            names.append(names.isEmpty() ? "" : ", ").append(constant.name());
        }
        violations.add(field, value == null ? "is required" : "must be one of " + names, value);
        return null;
    }

    private static void onlyFor(boolean applies, String value, String name, String types, String prefix,
            Violations violations) {
        if (!applies && value != null) {
            violations.add(prefix + name, "is only for " + types + " checks", value);
        }
    }

    private static void datagramText(String text, String field, Violations violations) {
        if (text != null && text.getBytes(StandardCharsets.UTF_8).length > DATAGRAM_TEXT_MAX) {
            violations.add(field, "must be at most " + DATAGRAM_TEXT_MAX + " bytes of UTF-8", null);
        }
    }
}
