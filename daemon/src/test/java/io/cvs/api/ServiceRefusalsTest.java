package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Every bad request is refused with its problem, and afterwards the desired state is exactly as it was. */
class ServiceRefusalsTest extends ServicesOverHttp {

    private String webId;

    @BeforeEach
    void web() {
        webId = create(spec("web", "192.0.2.10", 80, "TCP", "[" + backend("10.0.0.1", 8080) + "]"));
    }

    private JsonNode refused(Supplier<HttpResponse<String>> call, int status, String type, String... fields) {
        String before = everything();
        JsonNode problem = assertProblem(call.get(), status, type, fields);
        assertThat(everything()).isEqualTo(before);
        return problem;
    }

    private HttpResponse<String> post(String spec) {
        return admin("POST", SERVICES, spec);
    }

    @Test
    void malformedAddressesPortsAndProtocolsAre400() {
        refused(() -> post(spec("api", "192.0.2.300", 80, "TCP", "[]")), 400, "validation-failed", "vip");
        refused(() -> post(spec("api", "192.0.2.11", 0, "TCP", "[]")), 400, "validation-failed", "port");
        refused(() -> post(spec("api", "192.0.2.11", 65536, "TCP", "[]")), 400, "validation-failed", "port");
        refused(() -> post(spec("api", "192.0.2.11", 80, "SCTP", "[]")), 400, "validation-failed", "protocol");
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "[" + backend("10.0.0.1", 70000) + "]")), 400,
                "validation-failed", "backends[0].port");
    }

    /** The API checks a whole service's table; a backend added on its own is checked by the registry. */
    @Test
    void aBackendThatAMaglevTableHasNoRoomForIs400NamingTheTableSize() {
        StringBuilder seven = new StringBuilder("[");
        for (int i = 1; i <= 7; i++) {
            seven.append(i > 1 ? "," : "").append(backend("10.0.7." + i, 8080));
        }
        String spec = spec("hashed", "192.0.2.17", 80, "TCP", seven + "]");
        String id = create(spec.substring(0, spec.length() - 1) + ",\"scheduler\":\"MAGLEV\","
                + "\"maglev\":{\"tableSize\":7}}");

        refused(() -> admin("POST", SERVICES + "/" + id + "/backends", backend("10.0.7.8", 8080)), 400,
                "validation-failed", "maglev.tableSize");
    }

    @Test
    void everyForbiddenVipRangeIs400() {
        for (String vip : new String[] {"0.0.0.1", "127.0.0.10", "169.254.0.1", "224.0.0.5", "239.1.1.1",
            "255.255.255.255"}) {
            refused(() -> post(spec("api", vip, 80, "TCP", "[]")), 400, "validation-failed", "vip");
        }
    }

    @Test
    void aTakenAddressOrNameIs409NamingTheOtherService() {
        JsonNode address = refused(() -> post(spec("api", "192.0.2.10", 80, "TCP", "[]")), 409, "address-taken");
        JsonNode name = refused(() -> post(spec("web", "192.0.2.11", 80, "TCP", "[]")), 409, "name-taken");

        assertThat(address.path("conflictsWith").path("id").asString()).isEqualTo(webId);
        assertThat(name.path("conflictsWith").path("name").asString()).isEqualTo("web");
    }

    @Test
    void duplicateBackendsAndWeightsOutOfRangeAre400() {
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "[" + backend("10.0.0.1", 80) + ","
                + backend("10.0.0.1", 80) + "]")), 400, "validation-failed", "backends[1]");
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP",
                "[{\"address\":\"10.0.0.1\",\"port\":80,\"weight\":65536}]")), 400, "validation-failed",
                "backends[0].weight");
        refused(() -> admin("POST", SERVICES + "/" + webId + "/backends", "{\"address\":\"10.0.0.2\",\"port\":80,"
                + "\"weight\":-1}"), 400, "validation-failed", "weight");
    }

    @Test
    void unknownFieldsAreRefusedWhereverTheyAre() {
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "[]").replace("}", ",\"id\":\"svc-x\"}")), 400,
                "validation-failed", "id");
        refused(() -> admin("POST", SERVICES + "/" + webId + "/backends", "{\"address\":\"10.0.0.2\",\"port\":80,"
                + "\"weigth\":2}"), 400, "validation-failed", "weigth");
        refused(() -> send("PATCH", SERVICES + "/" + webId, adminToken(), "application/merge-patch+json",
                BodyPublishers.ofString("{\"nmae\":\"x\"}")), 400, "validation-failed", "nmae");
    }

    @Test
    void bodiesOfTheWrongShapeAre400WithoutTheDaemonsInternals() {
        JsonNode array = refused(() -> post("[]"), 400, "malformed-body");
        JsonNode type = refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "[]").replace("80", "\"eighty\"")),
                400, "validation-failed", "port");
        assertThat(array.path("detail").asString()).doesNotContain("io.cvs").doesNotContain("ServiceRequest");
        assertThat(type.toString()).doesNotContain("io.cvs").doesNotContain("java.");
    }

    @Test
    void aBodyOverTheLimitIs413WithOrWithoutContentLength() {
        String labels = "\"labels\":{\"a\":\"" + "x".repeat(1200) + "\"}}";
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "[]").replace("}", "," + labels)), 413,
                "payload-too-large");
        byte[] chunked = spec("api", "192.0.2.11", 80, "TCP", "[]").replace("}", "," + labels).getBytes();
        refused(() -> send("POST", SERVICES, adminToken(), JSON,
                BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(chunked))), 413,
                "payload-too-large");
    }

    @Test
    void aWrongContentTypeIs415() {
        String body = spec("api", "192.0.2.11", 80, "TCP", "[]");
        refused(() -> send("POST", SERVICES, adminToken(), "text/plain", BodyPublishers.ofString(body)), 415,
                "unsupported-media-type");
        refused(() -> send("PATCH", SERVICES + "/" + webId, adminToken(), JSON,
                BodyPublishers.ofString("{\"port\":81}")), 415, "unsupported-media-type");
    }

    @Test
    void numbersMustBeJsonIntegersAndNullsAreNotOmissions() {
        String backends = SERVICES + "/" + webId + "/backends";
        refused(() -> admin("POST", backends, "{\"address\":\"10.0.0.2\",\"port\":80,\"weight\":\"2\"}"), 400,
                "validation-failed", "weight");
        refused(() -> admin("POST", backends, "{\"address\":\"10.0.0.2\",\"port\":80.0}"), 400,
                "validation-failed", "port");
        refused(() -> post(spec("api", "192.0.2.11", 80, "TCP", "null")), 400, "validation-failed", "backends");
    }

    @Test
    void aStaleIfMatchIs412WithTheCurrentTag() {
        String body = spec("web", "192.0.2.10", 81, "TCP", "[]");

        JsonNode problem = refused(() -> admin("PUT", SERVICES + "/" + webId, body, "If-Match", "\"7\""), 412,
                "precondition-failed");
        refused(() -> admin("PUT", SERVICES + "/" + webId, body, "If-Match", "W/\"1\""), 412, "precondition-failed");
        refused(() -> send("DELETE", SERVICES + "/" + webId, adminToken(), null, BodyPublishers.noBody(),
                "If-Match", "\"2\""), 412, "precondition-failed");

        assertThat(problem.path("currentEtag").asString()).isEqualTo("\"1\"");
    }

    @Test
    void aBulkWithOneBadEntryChangesNothing() {
        String body = "{\"services\":[" + spec("a", "192.0.2.20", 80, "TCP", "[]") + ","
                + spec("a", "192.0.2.21", 80, "TCP", "[]") + "," + spec("b", "192.0.2.20", 80, "TCP", "[]") + "]}";

        refused(() -> admin("PUT", SERVICES, body), 400, "validation-failed", "services[1].name", "services[2].vip");
    }

    @Test
    void aPatchCannotRemoveWhatAServiceMustHave() {
        refused(() -> send("PATCH", SERVICES + "/" + webId, adminToken(), "application/merge-patch+json",
                BodyPublishers.ofString("{\"vip\":null}")), 400, "validation-failed", "vip");
    }
}
