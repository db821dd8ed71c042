package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * getCapacity and resizeCapacity on the memory datapath, whose resize has the same rules as the maps' (the
 * BPF resize under traffic is {@code io.cvs.e2e.GrowthUnderTrafficTest}); run by {@link OpenApiContractTest}.
 * Every test leaves the capacity at {@link #SMALL}, which the other contracts rely on.
 */
abstract class CapacityContract extends ContractTestBase {

    static final String CAPACITY = "/api/v1/datapath/capacity";

    @AfterEach
    void backToSmall() {
        noServices();
        admin("PUT", CAPACITY).json("{\"maxServices\":" + SMALL.maxServices() + ",\"maxBackends\":"
                + SMALL.maxBackends() + ",\"maxBackendsPerService\":" + SMALL.maxMembers() + ",\"selectionSlots\":"
                + SMALL.tableSlots() + "}").expect(200);
    }

    @Test
    void getCapacitySaysWhatTheDesiredStateTakesAndHowTheMapsGrow() {
        createId(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.2:8080"));

        JsonNode capacity = viewer("GET", CAPACITY).expect(200).json();

        assertThat(capacity.path("services").path("used").asInt()).isEqualTo(1);
        assertThat(capacity.path("services").path("max").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(capacity.path("backends").path("used").asInt()).isEqualTo(2);
        assertThat(capacity.path("backends").path("max").asInt()).isEqualTo(SMALL.maxBackends());
        assertThat(capacity.path("growth").path("automatic").asBoolean()).isFalse();
    }

    @Test
    void putCapacityResizesTheMapsKeepsEveryServiceAndMakesRoomForMore() {
        String web = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.2:8080"));
        createId(tcp("api", "192.0.2.11", "10.0.0.3:8080"));

        JsonNode resized = admin("PUT", CAPACITY).json("{\"maxServices\":8,\"maxBackends\":16}").expect(200).json();

        assertThat(resized.path("services").path("max").asInt()).isEqualTo(8);
        assertThat(resized.path("backends").path("max").asInt()).isEqualTo(16);
        assertThat(resized.path("maxBackendsPerService").asInt()).isEqualTo(SMALL.maxMembers());
        assertThat(resized.path("lastResize").path("trigger").asString()).isEqualTo("requested");
        assertThat(resized.path("lastResize").path("from").path("maxServices").asInt())
                .isEqualTo(SMALL.maxServices());
        assertThat(resized.path("lastResize").path("to").path("maxServices").asInt()).isEqualTo(8);
        assertThat(viewer("GET", "/api/v1/datapath").expect(200).json().path("capacity").path("services")
                .path("max").asInt()).isEqualTo(8);
        assertThat(viewer("GET", SERVICES + "/" + web).expect(200).json().path("backends")).hasSize(2);
        for (int i = 0; i < 6; i++) {
            createId(tcp("more-" + i, "192.0.2." + (20 + i), "10.0.1." + (i + 1) + ":80"));
        }
        assertThat(viewer("GET", CAPACITY).expect(200).json().path("services").path("used").asInt()).isEqualTo(8);
    }

    @Test
    void putCapacityBelowWhatTheDesiredStateHoldsIs409AndChangesNothing() {
        createId(tcp("a", "192.0.2.10", "10.0.0.1:8080"));
        createId(tcp("b", "192.0.2.11", "10.0.0.2:8080"));
        createId(tcp("c", "192.0.2.12", "10.0.0.3:8080", "10.0.0.4:8080", "10.0.0.5:8080"));

        Answer services = admin("PUT", CAPACITY).json("{\"maxServices\":2}").expect(409);
        Answer perService = admin("PUT", CAPACITY).json("{\"maxBackendsPerService\":2}").expect(409);

        assertThat(services.type()).isEqualTo("urn:cvs:problem:capacity-too-small");
        assertThat(services.json().path("resource").asString()).isEqualTo("services");
        assertThat(services.json().path("used").asInt()).isEqualTo(3);
        assertThat(services.json().path("max").asInt()).isEqualTo(2);
        assertThat(perService.json().path("resource").asString()).isEqualTo("backendsPerService");
        assertThat(perService.json().path("used").asInt()).isEqualTo(3);
        JsonNode capacity = viewer("GET", CAPACITY).expect(200).json();
        assertThat(capacity.path("services").path("max").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(capacity.path("maxBackendsPerService").asInt()).isEqualTo(SMALL.maxMembers());
    }

    @Test
    void putCapacityThatNoMapSetCanHaveIs400AndChangesNothing() {
        Answer zero = admin("PUT", CAPACITY).json("{\"maxServices\":0}").invalidOnPurpose().expect(400);
        Answer wider = admin("PUT", CAPACITY).json("{\"maxBackendsPerService\":" + (SMALL.tableSlots() + 1) + "}")
                .expect(400);
        Answer empty = admin("PUT", CAPACITY).json("{}").expect(400);
        Answer huge = admin("PUT", CAPACITY).json("{\"maxServices\":2000000000}").expect(400);

        assertThat(zero.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(zero.json().path("errors").get(0).path("field").asString()).isEqualTo("maxServices");
        assertThat(wider.json().path("detail").asString()).contains("selection slots");
        assertThat(empty.json().path("errors").get(0).path("field").asString()).isEqualTo("maxServices");
        assertThat(huge.json().path("detail").asString()).contains("at most 268435456");
        assertThat(viewer("GET", CAPACITY).expect(200).json().path("services").path("max").asInt())
                .isEqualTo(SMALL.maxServices());
    }
}
