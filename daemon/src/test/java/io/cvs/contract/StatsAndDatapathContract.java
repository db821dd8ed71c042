package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** getServiceStats and getDatapath; run by {@link OpenApiContractTest}. */
abstract class StatsAndDatapathContract extends ContractTestBase {

    @Test
    void getServiceStatsHasOneEntryPerBackendAllZeroInMemoryMode() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080/2", "10.0.0.2:8080"));

        JsonNode stats = viewer("GET", SERVICES + "/" + id + "/stats").expect(200).json();

        assertThat(stats.path("serviceId").asString()).isEqualTo(id);
        assertThat(stats.path("name").asString()).isEqualTo("web");
        assertThat(stats.path("refused").asLong()).isZero();
        assertThat(keys(stats.path("backends"))).containsExactly("10.0.0.1:8080/2", "10.0.0.2:8080/1");
        stats.path("backends").forEach(backend -> assertThat(backend.path("connections").asLong()).isZero());
    }

    @Test
    void getServiceStatsCarriesTheRatesOfTheLastSamplingWindowOnceThereAreTwoSamples() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080/2", "10.0.0.2:8080"));

        JsonNode stats = Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> viewer("GET", SERVICES + "/" + id + "/stats").expect(200).json(),
                        json -> json.has("rate"));

        JsonNode rate = stats.path("rate");
        assertThat(rate.path("windowSeconds").asDouble()).isBetween(0.05, 5.0);
        assertThat(Instant.parse(rate.path("sampledAt").asString()))
                .isBeforeOrEqualTo(Instant.parse(stats.path("readAt").asString()));
        assertThat(rate.path("connectionsPerSecond").asDouble()).isZero();
        assertThat(rate.path("refusedPerSecond").asDouble()).isZero();
        assertThat(rate.has("packetsPerSecond")).as("memory mode counts no packets").isFalse();
        stats.path("backends").forEach(backend -> {
            assertThat(backend.path("rate").path("connectionsPerSecond").isNumber()).as("%s", backend).isTrue();
            assertThat(backend.path("rate").has("bytesPerSecond")).isFalse();
        });
    }

    @Test
    void getServiceStatsOfAnUnknownServiceIs404() {
        assertThat(viewer("GET", SERVICES + "/" + UNKNOWN_ID + "/stats").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void getDatapathSaysMemoryWithTheCapacityInUse() {
        createId(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.2:8080"));

        JsonNode datapath = viewer("GET", "/api/v1/datapath").expect(200).json();

        assertThat(datapath.path("mode").asString()).isEqualTo("memory");
        assertThat(datapath.path("socketLb").path("attached").asBoolean()).isFalse();
        JsonNode capacity = datapath.path("capacity");
        assertThat(capacity.path("services").path("used").asInt()).isEqualTo(1);
        assertThat(capacity.path("services").path("max").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(capacity.path("backends").path("used").asInt()).isEqualTo(2);
        assertThat(capacity.path("backends").path("max").asInt()).isEqualTo(SMALL.maxBackends());
        assertThat(capacity.path("maxBackendsPerService").asInt()).isEqualTo(SMALL.maxMembers());
        assertThat(capacity.path("selectionSlots").asInt()).isEqualTo(SMALL.tableSlots());
        JsonNode flows = datapath.path("flows");
        assertThat(flows.path("mechanism").asString()).as("memory forwards nothing, so ends nothing")
                .isEqualTo("none");
        assertThat(flows.path("moduleSweeps").asBoolean()).isFalse();
    }
}
