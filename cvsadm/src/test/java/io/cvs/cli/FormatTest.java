package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.Datapath;
import io.cvs.cli.Api.FieldError;
import io.cvs.cli.Api.Health;
import io.cvs.cli.Api.HealthCheck;
import io.cvs.cli.Api.Problem;
import io.cvs.cli.Api.Service;
import java.time.LocalDateTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import tools.jackson.databind.node.ObjectNode;

/** Every cell and value {@link Format} writes, a row per case; the views read from JSON as the daemon sends it. */
class FormatTest {

    @ParameterizedTest(name = "{0} {1}:{2} -> [{3}] [{4}] [{5}]")
    @CsvSource(delimiter = '|', quoteCharacter = '"', textBlock = """
            TCP | 192.0.2.10    | 80    | "TCP  192.0.2.10:80"       | 192.0.2.10:80/TCP    | web (192.0.2.10:80/TCP)
            UDP | 198.51.100.53 | 53    | "UDP  198.51.100.53:53"    | 198.51.100.53:53/UDP | web (198.51.100.53:53/UDP)
            TCP | 10.0.0.1      | 65535 | "TCP  10.0.0.1:65535"      | 10.0.0.1:65535/TCP   | web (10.0.0.1:65535/TCP)
            TCP | 2001:db8::10  | 80    | "TCP  [2001:db8::10]:80"   | [2001:db8::10]:80/TCP | web ([2001:db8::10]:80/TCP)
            UDP | fd00:1::53    | 53    | "UDP  [fd00:1::53]:53"     | [fd00:1::53]:53/UDP  | web ([fd00:1::53]:53/UDP)
            """)
    void serviceAddresses(String protocol, String vip, int port, String local, String address, String service) {
        Service view = service("{\"name\": \"web\", \"vip\": \"" + vip + "\", \"port\": " + port + ", \"protocol\": \""
                + protocol + "\"}");
        assertThat(Format.localAddress(view)).isEqualTo(local);
        assertThat(Format.address(view)).isEqualTo(address);
        assertThat(Format.service(view)).isEqualTo(service);
    }

    @Test
    void aBackendIsItsKeyUnderItsService() {
        Backend backend = Json.view(Json.JSON.readTree("{\"address\": \"10.0.0.1\", \"port\": 8080, \"weight\": 2}"),
                Backend.class);
        assertThat(backend.key()).isEqualTo("10.0.0.1:8080");
        assertThat(Format.remoteAddress(backend)).isEqualTo("  -> 10.0.0.1:8080");
        assertThat(Format.address("192.0.2.10", "80", "TCP")).isEqualTo("192.0.2.10:80/TCP");
    }

    @Test
    void anIpv6BackendIsBracketedBeforeItsPort() {
        Backend backend = Json.view(Json.JSON.readTree("{\"address\": \"fd00::2\", \"port\": 8080, \"weight\": 1}"),
                Backend.class);
        assertThat(backend.key()).isEqualTo("[fd00::2]:8080");
        assertThat(Format.remoteAddress(backend)).isEqualTo("  -> [fd00::2]:8080");
        assertThat(Format.address("2001:db8::10", "80", "TCP")).isEqualTo("[2001:db8::10]:80/TCP");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            {}                                  | ``
            {"app": "web"}                      | app=web
            {"team": "edge", "app": "web"}      | team=edge,app=web
            {"version": "1.0", "empty": ""}     | version=1.0,empty=
            """)
    void labelsInTheDaemonsOrder(String labels, String cell) {
        assertThat(Format.labels(service("{\"labels\": " + labels + "}").labels())).isEqualTo(cell);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '`', textBlock = """
            null                                                              | -   | -
            {"type": "TCP", "intervalMs": 2000, "timeoutMs": 1000, "rise": 2, "fall": 3, "whenAllDown": "FAIL_OPEN"} \
                | TCP | TCP every 2000 ms, timeout 1000 ms, rise 2, fall 3, when all down FAIL_OPEN
            {"type": "HTTP", "path": "/healthz", "expectedStatus": "200-399", "intervalMs": 500, "timeoutMs": 200, \
                "rise": 1, "fall": 2, "whenAllDown": "FAIL_CLOSED"} \
                | HTTP \
                | HTTP GET /healthz (200-399) every 500 ms, timeout 200 ms, rise 1, fall 2, when all down FAIL_CLOSED
            {"type": "UDP", "send": "ping", "expect": "pong", "port": 5353, "intervalMs": 2000, "timeoutMs": 1000, \
                "rise": 2, "fall": 3, "whenAllDown": "FAIL_OPEN", "newerMember": true} \
                | UDP \
                | UDP send 'ping' on port 5353 every 2000 ms, timeout 1000 ms, rise 2, fall 3, when all down FAIL_OPEN
            """)
    void checks(String check, String type, String description) {
        HealthCheck view = service("{\"healthCheck\": " + check + "}").healthCheck();
        assertThat(Format.checkType(view)).isEqualTo(type);
        if (view != null) {
            assertThat(Format.check(view)).isEqualTo(description);
        }
    }

    @ParameterizedTest(name = "{0}, in rotation {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            UP        | true  | UP
            UP        | false | UP (out of rotation)
            DOWN      | false | DOWN
            DOWN      | true  | DOWN (in rotation: all down, fail-open)
            UNCHECKED | true  | UNCHECKED
            UNCHECKED | false | UNCHECKED (out of rotation)
            """)
    void healthStates(String state, boolean inRotation, String cell) {
        BackendHealth backend = Json.view(Json.JSON.readTree("{\"address\": \"10.0.0.1\", \"port\": 80, \"weight\": 1, "
                + "\"state\": \"" + state + "\", \"inRotation\": " + inRotation + "}"), BackendHealth.class);
        assertThat(Format.health(backend)).isEqualTo(cell);
    }

    /** Rates with one decimal and no grouping, counts as the API gives them, --watch seconds as typed. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', textBlock = """
            rate    | 0.0       | 0.0
            rate    | 0.04      | 0.0
            rate    | 0.05      | 0.1
            rate    | 1.25      | 1.3
            rate    | 12.0      | 12.0
            rate    | 1234.56   | 1234.6
            number  | 0         | 0
            number  | 3         | 3
            number  | 123456789 | 123456789
            seconds | 0.2       | 0.2
            seconds | 2         | 2
            seconds | 1.50      | 1.5
            seconds | 10        | 10
            seconds | 0.05      | 0.05
            """)
    void numbers(String kind, String value, String written) {
        assertThat(switch (kind) {
            case "rate" -> Format.rate(Double.valueOf(value));
            case "number" -> Format.number(Long.parseLong(value));
            default -> Format.seconds(Double.parseDouble(value));
        }).isEqualTo(written);
    }

    /** The words of the cells: a dash where the daemon has no value, the status line's words. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', nullValues = "null", textBlock = """
            rate      | null               | -
            orNone    | null               | -
            orNone    | connection refused | connection refused
            yesNo     | true               | yes
            yesNo     | false              | no
            readiness | true               | ready
            readiness | false              | NOT READY
            status    | UP                 | UP
            status    | null               | unknown
            """)
    void words(String kind, String value, String written) {
        assertThat(switch (kind) {
            case "rate" -> Format.rate(value == null ? null : Double.valueOf(value));
            case "orNone" -> Format.orNone(value);
            case "yesNo" -> Format.yesNo(Boolean.parseBoolean(value));
            case "readiness" -> Format.readiness(Boolean.parseBoolean(value));
            default -> Format.status(value);
        }).isEqualTo(written);
    }

    @Test
    void clockToTheSecond() {
        assertThat(Format.clock(LocalDateTime.of(2026, 11, 29, 14, 0, 7, 999_000_000)))
                .isEqualTo("2026-11-29 14:00:07");
    }

    static Stream<Arguments> datapaths() {
        String capacity = "\"capacity\": {\"services\": {\"used\": 3, \"max\": 1024}, \"backends\": {\"used\": 7, "
                + "\"max\": 16384}, \"maxBackendsPerService\": 256, \"selectionSlots\": 1024}";
        String noSocketLb = "\"socketLb\": {\"attached\": false, \"cgroupId\": 0, \"programs\": []}";
        return Stream.of(
                Arguments.of("{\"mode\": \"memory\", \"chosen\": [], \"active\": [], " + noSocketLb + ", " + capacity
                        + "}", "memory: NOTHING IS FORWARDED", List.of()),
                Arguments.of("{\"mode\": \"memory\", \"reason\": \"not root\", " + noSocketLb + ", " + capacity + "}",
                        "memory: NOTHING IS FORWARDED (not root)", List.of()),
                Arguments.of("{\"mode\": \"bpf\", \"chosen\": [\"socket-lb\", \"module\"], \"active\": [\"socket-lb\"],"
                        + " \"module\": {\"loaded\": true, \"bound\": true, \"servesThis\": true, \"orphaned\": false, "
                        + "\"binds\": 1, \"bindErrors\": 0, \"lookupErrors\": 2, \"natErrors\": 3}, \"socketLb\": "
                        + "{\"attached\": true, \"cgroupId\": 1, \"programs\": [{\"name\": \"connect4\", "
                        + "\"programId\": 10, \"linkId\": 11}, {\"name\": \"sendmsg4\", \"programId\": 12, "
                        + "\"linkId\": 13}]}, " + capacity + "}",
                        "bpf: forwarders chosen socket-lb,module, active socket-lb",
                        List.of("socket-LB attached to cgroup 1: connect4, sendmsg4",
                                "cvs.ko loaded, serves this map set, 2 lookup errors, 3 NAT errors")),
                Arguments.of("{\"mode\": \"bpf\", \"chosen\": [\"socket-lb\"], \"active\": [], \"module\": "
                        + "{\"loaded\": false, \"servesThis\": false}, " + noSocketLb + ", " + capacity + "}",
                        "bpf: forwarders chosen socket-lb, active none",
                        List.of("socket-LB not attached", "cvs.ko not loaded, does not serve this map set, 0 lookup "
                                + "errors, 0 NAT errors")));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("datapaths")
    void datapathAndItsAttachment(String json, String line, List<String> attachment) {
        Datapath datapath = Json.view(Json.JSON.readTree(json), Datapath.class);
        assertThat(Format.datapath(datapath)).isEqualTo(line);
        assertThat(Format.attachment(datapath)).isEqualTo(attachment);
        assertThat(Format.capacity(datapath.capacity()))
                .isEqualTo("services 3/1024, backends 7/16384 (at most 256 per service, 1024 selection slots each)");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            {"status": "UP", "components": {"journal": {"status": "UP", "details": {"dir": "/j", "lastSeq": 12}}}} \
                | UP (dir=/j, lastSeq=12)
            {"status": "DOWN", "components": {"journal": {"status": "DOWN"}}} | DOWN
            {"status": "UP", "components": {}}                                | unknown
            {}                                                                | unknown
            """)
    void healthComponents(String json, String journal) {
        Health health = Json.view(Json.JSON.readTree(json), Health.class);
        assertThat(Format.component(health.component("journal"))).isEqualTo(journal);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            created   | +
            updated   | ~
            deleted   | -
            unchanged | =
            """)
    void applySymbols(String kind, String symbol) {
        assertThat(Format.change(kind)).isEqualTo(symbol);
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
            400 | {"type": "urn:cvs:problem:validation-failed", "title": "Invalid request", "status": 400, \
                  "detail": "2 fields are invalid.", "errors": [{"field": "port", \
                  "message": "must be between 1 and 65535"}]} \
                | Invalid request (400): 2 fields are invalid.
            409 | {"title": "Name already in use", "status": 409, "conflictsWith": {"id": "svc-1", "name": "web"}} \
                | Name already in use (409)
            502 | <html>Bad gateway</html> | HTTP 502 (502): <html>Bad gateway</html>
            503 | ''                       | HTTP 503 (503)
            """)
    void problems(int status, String body, String summary) {
        assertThat(Format.problem(Problem.of(status, body))).isEqualTo(summary);
    }

    @Test
    void fieldErrorsAsFieldColonMessage() {
        Problem problem = Problem.of(400, "{\"title\": \"Invalid request\", \"errors\": [{\"field\": "
                + "\"backends[1].port\", \"message\": \"must be between 1 and 65535\", \"rejectedValue\": 70000}]}");
        assertThat(problem.errors()).extracting(Format::fieldError)
                .containsExactly("backends[1].port: must be between 1 and 65535");
        assertThat(Format.fieldError(new FieldError(null, "missing"))).isEqualTo(": missing");
    }

    /** A service web at 192.0.2.10:80/TCP with the members of {@code json} laid over it. */
    private static Service service(String json) {
        ObjectNode service = (ObjectNode) Json.JSON.readTree("{\"name\": \"web\", \"vip\": \"192.0.2.10\", "
                + "\"port\": 80, \"protocol\": \"TCP\"}");
        service.setAll((ObjectNode) Json.JSON.readTree(json));
        return Json.view(service, Service.class);
    }
}
