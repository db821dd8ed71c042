package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * getFleet and a service's {@code hosts} selector in single-host mode, the mode of every contract test (no
 * {@code cvs.fleet.etcd.endpoints}). Fleet mode's answers are validated against the same schemas by
 * {@link OpenApiContractSelfTest} and served by the fleet tests on real etcd. Run by {@link OpenApiContractTest}.
 */
abstract class FleetContract extends ContractTestBase {

    @Test
    void getFleetInSingleHostModeNamesThisHostOnly() {
        JsonNode fleet = viewer("GET", "/api/v1/fleet").expect(200).json();

        assertThat(fleet.path("mode").asString()).isEqualTo("single-host");
        assertThat(fleet.has("applied")).as("fleet mode only").isFalse();
        assertThat(fleet.has("store")).as("fleet mode only").isFalse();
        String hostId = fleet.path("hostId").asString();
        assertThat(hostId).isNotBlank();
        assertThat(fleet.path("hosts")).singleElement().satisfies(host -> {
            assertThat(host.path("hostId").asString()).isEqualTo(hostId);
            assertThat(host.path("self").asBoolean()).isTrue();
            assertThat(host.path("ready").asBoolean()).isTrue();
            assertThat(host.path("datapath").asString()).isEqualTo("memory");
        });
    }

    @Test
    void aServiceKeepsItsHostSelectorInSingleHostMode() {
        String spec = withHosts(tcp("web", "192.0.2.10", "10.0.0.1:8080"), "{\"matchLabels\":{\"zone\":\"a\"}}");

        JsonNode created = create(spec).json();

        assertThat(created.path("hosts").path("matchLabels").path("zone").asString()).isEqualTo("a");
        assertThat(get(created.path("id").asString()).json().path("hosts")).isEqualTo(created.path("hosts"));
    }

    @Test
    void aHostSelectorWithAFieldTheDocumentDoesNotDeclareIsRefused() {
        String spec = withHosts(tcp("web", "192.0.2.10"), "{\"zone\":\"a\"}");

        assertThat(admin("POST", SERVICES).json(spec).invalidOnPurpose().expect(400).errorFields())
                .anySatisfy(field -> assertThat(field).startsWith("hosts"));
    }

    private static String withHosts(String spec, String hosts) {
        return spec.substring(0, spec.length() - 1) + ",\"hosts\":" + hosts + "}";
    }
}
