package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.service.ServiceConfig;
import io.cvs.system.FieldError;
import io.cvs.system.InvalidRequestException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Validation of a service body: each bad input is a 400 naming its field, with the contract's message. */
class ServiceRequestTest {

    private static final List<BackendSpec> ONE = List.of(new BackendSpec("10.0.0.1", 8080, null));

    private static ServiceRequest spec(String name, String vip, Integer port, String protocol,
            List<BackendSpec> backends, Map<String, String> labels) {
        return new ServiceRequest(name, vip, port, protocol, backends, labels);
    }

    static List<Arguments> badSpecs() {
        Map<String, String> tooMany = new HashMap<>();
        for (int i = 0; i < 33; i++) {
            tooMany.put("k" + i, "v");
        }
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("app", null);
        return List.of(
                Arguments.of(spec(null, "192.0.2.1", 80, "TCP", ONE, null), "name", "is required"),
                Arguments.of(spec("Web", "192.0.2.1", 80, "TCP", ONE, null), "name", "must be a DNS label"),
                Arguments.of(spec("-web", "192.0.2.1", 80, "TCP", ONE, null), "name", "must be a DNS label"),
                Arguments.of(spec("w".repeat(64), "192.0.2.1", 80, "TCP", ONE, null), "name", "must be a DNS label"),
                Arguments.of(spec("web", "192.0.2", 80, "TCP", ONE, null), "vip", "must be an IPv4 address"),
                Arguments.of(spec("web", "192.0.2.01", 80, "TCP", ONE, null), "vip", "must be an IPv4 address"),
                Arguments.of(spec("web", "192.0.2.256", 80, "TCP", ONE, null), "vip", "must be an IPv4 address"),
                Arguments.of(spec("web", "example.com", 80, "TCP", ONE, null), "vip", "must be an IPv4 address"),
                Arguments.of(spec("web", "0.1.2.3", 80, "TCP", ONE, null), "vip", "0.0.0.0/8"),
                Arguments.of(spec("web", "127.0.0.10", 80, "TCP", ONE, null), "vip", "127.0.0.0/8 (loopback)"),
                Arguments.of(spec("web", "169.254.1.1", 80, "TCP", ONE, null), "vip", "169.254.0.0/16"),
                Arguments.of(spec("web", "240.0.0.1", 80, "TCP", ONE, null), "vip", "240.0.0.0/4 (reserved)"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("192.0.2.1", 80, 1)),
                        null), "backends[0].address", "must not be the service's own vip"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("169.254.169.254", 80, 1)),
                        null), "backends[0].address", "169.254.0.0/16"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("240.1.2.3", 80, 1)),
                        null), "backends[0].address", "240.0.0.0/4"),
                Arguments.of(spec("web", "224.0.0.1", 80, "TCP", ONE, null), "vip", "224.0.0.0/4 (multicast)"),
                Arguments.of(spec("web", "239.255.255.255", 80, "TCP", ONE, null), "vip", "224.0.0.0/4"),
                Arguments.of(spec("web", "255.255.255.255", 80, "TCP", ONE, null), "vip", "broadcast"),
                Arguments.of(spec("web", "192.0.2.1", 0, "TCP", ONE, null), "port", "between 1 and 65535"),
                Arguments.of(spec("web", "192.0.2.1", 65536, "TCP", ONE, null), "port", "between 1 and 65535"),
                Arguments.of(spec("web", "192.0.2.1", null, "TCP", ONE, null), "port", "is required"),
                Arguments.of(spec("web", "192.0.2.1", 80, "SCTP", ONE, null), "protocol", "one of TCP, UDP"),
                Arguments.of(spec("web", "192.0.2.1", 80, "tcp", ONE, null), "protocol", "one of TCP, UDP"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("10.0.0.1", 70000, 1)),
                        null), "backends[0].port", "between 1 and 65535"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("10.0.0.1", 80, -1)),
                        null), "backends[0].weight", "between 0 and 65535"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("10.0.0.1", 80, 65536)),
                        null), "backends[0].weight", "between 0 and 65535"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("224.1.1.1", 80, 1)),
                        null), "backends[0].address", "224.0.0.0/4"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("0.0.0.0", 80, 1)),
                        null), "backends[0].address", "0.0.0.0/8"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("255.255.255.255", 80, 1)),
                        null), "backends[0].address", "broadcast"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec(null, 80, 1)),
                        null), "backends[0].address", "is required"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", List.of(new BackendSpec("10.0.0.1", 80, 1),
                        new BackendSpec("10.0.0.2", 80, 1), new BackendSpec("10.0.0.1", 80, 5)), null),
                        "backends[2]", "duplicates backends[0] (10.0.0.1:80)"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", ONE, tooMany), "labels", "at most 32"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", ONE, Map.of("-app", "x")), "labels[-app]", "key"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", ONE, Map.of("app", "x".repeat(257))),
                        "labels[app]", "at most 256"),
                Arguments.of(spec("web", "192.0.2.1", 80, "TCP", ONE, nullValue), "labels[app]", "a string"),
                Arguments.of(selecting(eight(), "MAGLEV", 7, null), "maglev.tableSize",
                        "must be at least the number of backends (8)"),
                Arguments.of(selecting(ONE, "MAGLEV", 1048583, null), "maglev.tableSize", "between 7 and 1048573"),
                Arguments.of(selecting(ONE, "RANDOM", 7, null), "maglev", "only for the scheduler MAGLEV"),
                Arguments.of(selecting(ONE, null, null, new SelectionSpec.SessionAffinity(null, 60)),
                        "sessionAffinity.type", "is required"));
    }

    /** A service of these backends with a selection policy; tableSize null: no maglev member. */
    private static ServiceRequest selecting(List<BackendSpec> backends, String scheduler, Integer tableSize,
            SelectionSpec.SessionAffinity affinity) {
        return new ServiceRequest("web", "192.0.2.1", 80, "TCP", backends, null, null, null, scheduler,
                tableSize == null ? null : new SelectionSpec.Maglev(tableSize), affinity);
    }

    private static List<BackendSpec> eight() {
        return IntStream.rangeClosed(1, 8).mapToObj(i -> new BackendSpec("10.0.0." + i, 80, 1))
                .toList();
    }

    @ParameterizedTest
    @MethodSource("badSpecs")
    void eachBadInputNamesItsField(ServiceRequest spec, String field, String message) {
        assertThatThrownBy(() -> spec.toConfig(""))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.getStatusCode().value()).isEqualTo(400);
                    assertThat(e.getBody().getType().toString()).isEqualTo("urn:cvs:problem:validation-failed");
                    assertThat(e.errors()).singleElement().satisfies(error -> {
                        assertThat(error.field()).isEqualTo(field);
                        assertThat(error.message()).contains(message);
                    });
                });
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.0.0.1", "126.255.255.255", "128.0.0.1", "169.253.0.1", "223.255.255.255",
        "192.0.2.10"})
    void addressesOutsideTheForbiddenRangesAreVips(String vip) {
        assertThat(spec("web", vip, 80, "TCP", ONE, null).toConfig("").key().vip().getHostAddress()).isEqualTo(vip);
    }

    /**
     * Issue 21, finding 7: 30,000 copies of one backend listed 29,999 errors after 2.2 s of CPU. The problem lists
     * the first 100 and counts them all, and past the cap a duplicate costs a set lookup.
     */
    @Test
    void thirtyThousandDuplicateBackendsListTheFirstHundredAndCountThemAll() {
        List<BackendSpec> same = java.util.Collections.nCopies(30_000, new BackendSpec("10.0.0.1", 80, 1));

        assertThatThrownBy(() -> spec("web", "192.0.2.1", 80, "TCP", same, null).toConfig(""))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.errors()).hasSize(100);
                    assertThat(e.errors().get(99).field()).isEqualTo("backends[100]");
                    assertThat(e.getBody().getProperties()).containsEntry("errorCount", 29_999);
                    assertThat(e.getBody().getDetail()).isEqualTo(
                            "29999 fields are invalid; the first 100 are listed.");
                });
    }

    @Test
    void everyOffendingFieldIsNamedAtOnceUnderThePrefix() {
        ServiceRequest bad = spec("web", "127.0.0.10", 80, "SCTP",
                List.of(new BackendSpec("10.0.0.1", 8080, 1), new BackendSpec("10.0.0.2", 70000, 1)), null);

        assertThatThrownBy(() -> bad.toConfig("services[3]."))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> assertThat(e.errors())
                        .extracting(FieldError::field)
                        .containsExactly("services[3].vip", "services[3].protocol", "services[3].backends[1].port"));
    }

    @Test
    void omittedWeightBackendsAndLabelsHaveTheirDefaults() {
        ServiceConfig config = spec("web", "192.0.2.1", 80, "UDP", null, null).toConfig("");

        assertThat(config.backends()).isEmpty();
        assertThat(config.labels()).isEmpty();
        assertThat(spec("web", "192.0.2.1", 80, "UDP", ONE, null).toConfig("").backends().get(0).weight())
                .isEqualTo(1);
    }
}
