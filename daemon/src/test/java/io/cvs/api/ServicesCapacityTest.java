package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Capacity;
import io.cvs.datapath.Datapath;
import io.cvs.datapath.MemoryDatapath;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.bean.override.convention.TestBean;
import tools.jackson.databind.JsonNode;

/**
 * The limits of the maps over HTTP, with a memory datapath small enough to fill: 3 services, 5 backends, 3 per
 * service. A refused change leaves the desired state and the datapath's usage as they were.
 */
class ServicesCapacityTest extends ServicesOverHttp {

    @TestBean
    Datapath datapath;

    static Datapath datapath() {
        return new MemoryDatapath(new Capacity(3, 5, 3, 16), null);
    }

    private static String backends(int first, int count) {
        StringBuilder list = new StringBuilder("[");
        for (int i = first; i < first + count; i++) {
            list.append(i == first ? "" : ",").append(backend("10.0.0." + i, 80));
        }
        return list.append("]").toString();
    }

    @Test
    void aFourthBackendForOneServiceIs409WithUsedAndMax() {
        String id = create(spec("web", "192.0.2.10", 80, "TCP", backends(1, 3)));
        String before = everything();

        JsonNode problem = assertProblem(admin("POST", SERVICES + "/" + id + "/backends", backend("10.0.0.9", 80)),
                409, "too-many-backends");
        assertProblem(admin("POST", SERVICES, spec("api", "192.0.2.11", 80, "TCP", backends(1, 4))), 409,
                "too-many-backends");

        assertThat(problem.path("resource").asString()).isEqualTo("backendsPerService");
        assertThat(problem.path("used").asInt()).isEqualTo(4);
        assertThat(problem.path("max").asInt()).isEqualTo(3);
        assertThat(everything()).isEqualTo(before);
    }

    @Test
    void noRoomForBackendsOrServicesIs507WithUsedMaxAndRequested() {
        create(spec("a", "192.0.2.10", 80, "TCP", backends(1, 3)));
        create(spec("b", "192.0.2.11", 80, "TCP", backends(1, 2)));
        String before = everything();

        JsonNode backendsFull = assertProblem(admin("POST", SERVICES, spec("c", "192.0.2.12", 80, "TCP",
                backends(1, 1))), 507, "capacity-exhausted");
        create(spec("c", "192.0.2.12", 80, "TCP", "[]"));
        JsonNode servicesFull = assertProblem(admin("POST", SERVICES, spec("d", "192.0.2.13", 80, "TCP", "[]")),
                507, "capacity-exhausted");

        assertThat(backendsFull.path("resource").asString()).isEqualTo("backends");
        assertThat(backendsFull.path("used").asInt()).isEqualTo(5);
        assertThat(backendsFull.path("max").asInt()).isEqualTo(5);
        assertThat(backendsFull.path("requested").asInt()).isEqualTo(1);
        assertThat(servicesFull.path("resource").asString()).isEqualTo("services");
        assertThat(everything()).startsWith(before.substring(0, before.length() - 20));
    }

    @Test
    void aBulkThatDoesNotFitChangesNothingAndOneThatFitsAfterDeletesIsApplied() {
        create(spec("a", "192.0.2.10", 80, "TCP", backends(1, 3)));
        create(spec("b", "192.0.2.11", 80, "TCP", backends(1, 2)));
        String before = everything();

        assertProblem(admin("PUT", SERVICES, "{\"services\":[" + spec("a", "192.0.2.10", 80, "TCP", backends(1, 3))
                + "," + spec("c", "192.0.2.12", 80, "TCP", backends(1, 3)) + "]}"), 507, "capacity-exhausted");
        assertThat(everything()).isEqualTo(before);

        JsonNode applied = json(admin("PUT", SERVICES, "{\"services\":["
                + spec("c", "192.0.2.12", 80, "TCP", backends(1, 3)) + "]}"));
        assertThat(applied.path("deleted").size()).isEqualTo(2);
        assertThat(datapath.status().usage().backends()).isEqualTo(3);
    }
}
