package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.health.HealthCheck;
import io.cvs.health.HealthCheck.InitialState;
import io.cvs.health.HealthCheck.Type;
import io.cvs.health.HealthCheck.WhenAllDown;
import io.cvs.service.ServiceConfig;
import io.cvs.system.InvalidRequestException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HealthCheckSpecTest {

    private static HealthCheckSpec check(String type) {
        return new HealthCheckSpec(type, null, null, null, null, null, null, null, null, null, null, null);
    }

    private static ServiceConfig config(HealthCheckSpec check) {
        return new ServiceRequest("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("10.0.0.1", 8080, null)),
                Map.of(), check).toConfig("");
    }

    @Test
    void omittedFieldsTakeTheDefaults() {
        HealthCheck tcp = config(check("TCP")).healthCheck();
        assertThat(tcp).isEqualTo(new HealthCheck(Type.TCP, 0, Duration.ofSeconds(2), Duration.ofSeconds(1), 2, 3,
                InitialState.UP, WhenAllDown.FAIL_OPEN, "", 200, 399, "", ""));
        HealthCheck http = config(check("HTTP")).healthCheck();
        assertThat(http.path()).isEqualTo("/");
        assertThat(http.statusMin()).isEqualTo(200);
        assertThat(http.statusMax()).isEqualTo(399);
    }

    @Test
    void everyFieldIsTakenAsWritten() {
        HealthCheckSpec spec = new HealthCheckSpec("HTTPS", 8443, 500, 200, 4, 5, "DOWN", "FAIL_CLOSED", "/ready?x=1",
                "204", null, null);
        HealthCheck check = config(spec).healthCheck();
        assertThat(check).isEqualTo(new HealthCheck(Type.HTTPS, 8443, Duration.ofMillis(500), Duration.ofMillis(200),
                4, 5, InitialState.DOWN, WhenAllDown.FAIL_CLOSED, "/ready?x=1", 204, 204, "", ""));
        assertThat(HealthCheckSpec.of(check)).isEqualTo(new HealthCheckSpec("HTTPS", 8443, 500, 200, 4, 5, "DOWN",
                "FAIL_CLOSED", "/ready?x=1", "204", null, null));
    }

    @Test
    void theReturnedFormValidatesBackToTheSameCheck() {
        HealthCheck udp = config(new HealthCheckSpec("UDP", null, 1000, 100, 1, 1, null, null, null, null, "ping",
                "pong")).healthCheck();
        assertThat(config(HealthCheckSpec.of(udp)).healthCheck()).isEqualTo(udp);
    }

    @Test
    void aTimeoutDefaultsToNoMoreThanTheInterval() {
        HealthCheck check = config(new HealthCheckSpec("TCP", null, 300, null, null, null, null, null, null, null,
                null, null)).healthCheck();
        assertThat(check.timeout()).isEqualTo(Duration.ofMillis(300));
    }

    static List<Arguments> badChecks() {
        return List.of(
                Arguments.of(check(null), "healthCheck.type", "is required"),
                Arguments.of(check("ICMP"), "healthCheck.type", "must be one of TCP, HTTP, HTTPS, UDP"),
                Arguments.of(new HealthCheckSpec("TCP", 0, null, null, null, null, null, null, null, null, null, null),
                        "healthCheck.port", "between 1 and 65535"),
                Arguments.of(new HealthCheckSpec("TCP", null, 99, null, null, null, null, null, null, null, null, null),
                        "healthCheck.intervalMs", "between 100 and 3600000"),
                Arguments.of(new HealthCheckSpec("TCP", null, 1000, 1001, null, null, null, null, null, null, null,
                        null), "healthCheck.timeoutMs", "between 10 and 1000"),
                Arguments.of(new HealthCheckSpec("TCP", null, null, null, 0, null, null, null, null, null, null, null),
                        "healthCheck.rise", "between 1 and 100"),
                Arguments.of(new HealthCheckSpec("TCP", null, null, null, null, 101, null, null, null, null, null,
                        null), "healthCheck.fall", "between 1 and 100"),
                Arguments.of(new HealthCheckSpec("TCP", null, null, null, null, null, "MAYBE", null, null, null, null,
                        null), "healthCheck.initialState", "must be one of UP, DOWN"),
                Arguments.of(new HealthCheckSpec("TCP", null, null, null, null, null, null, "open", null, null, null,
                        null), "healthCheck.whenAllDown", "must be one of FAIL_OPEN, FAIL_CLOSED"),
                Arguments.of(new HealthCheckSpec("TCP", null, null, null, null, null, null, null, "/", null, null,
                        null), "healthCheck.path", "is only for HTTP and HTTPS checks"),
                Arguments.of(new HealthCheckSpec("HTTP", null, null, null, null, null, null, null, null, null, "x",
                        null), "healthCheck.send", "is only for UDP checks"),
                Arguments.of(new HealthCheckSpec("HTTP", null, null, null, null, null, null, null, "health", null,
                        null, null), "healthCheck.path", "must start with '/'"),
                Arguments.of(new HealthCheckSpec("HTTP", null, null, null, null, null, null, null, "/a b", null, null,
                        null), "healthCheck.path", "without spaces"),
                Arguments.of(new HealthCheckSpec("HTTP", null, null, null, null, null, null, null, null, "399-200",
                        null, null), "healthCheck.expectedStatus", "ascending range"),
                Arguments.of(new HealthCheckSpec("HTTP", null, null, null, null, null, null, null, null, "600", null,
                        null), "healthCheck.expectedStatus", "statuses 100 to 599"),
                Arguments.of(check("UDP"), "healthCheck.send", "is required for a UDP check"),
                Arguments.of(new HealthCheckSpec("UDP", null, null, null, null, null, null, null, null, null,
                        "x".repeat(513), null), "healthCheck.send", "at most 512 bytes"));
    }

    @ParameterizedTest
    @MethodSource("badChecks")
    void aBadCheckIsRefusedNamingTheField(HealthCheckSpec bad, String field, String message) {
        assertThatThrownBy(() -> config(bad))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors())
                        .anySatisfy(error -> {
                            assertThat(error.field()).isEqualTo(field);
                            assertThat(error.message()).contains(message);
                        }));
    }
}
