package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;

import org.junit.jupiter.api.Test;

/** The validator behind the contract tests catches what it must, so their passing means something. */
class OpenApiContractSelfTest {

    private static final String SERVICE = "{\"id\":\"svc-0f3k9q2m7x\",\"version\":1,\"name\":\"web\","
            + "\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\",\"backends\":[],\"labels\":{},"
            + "\"onBackendRemoval\":\"KEEP\",\"scheduler\":\"RANDOM\",\"sessionAffinity\":{\"type\":\"NONE\"}}";

    private static final Request GET_SERVICE = new SimpleRequest.Builder("GET", "/api/v1/services/svc-0f3k9q2m7x")
            .withAuthorization("Bearer x").build();

    @Test
    void aServiceAsTheDocumentDescribesItValidates() {
        assertThat(OpenApiContract.validate(GET_SERVICE, json(200, SERVICE).withHeader("ETag", "\"1\"").build()))
                .isEmpty();
    }

    @Test
    void aMissingRequiredFieldIsCaught() {
        assertThat(OpenApiContract.validate(GET_SERVICE, json(200, SERVICE.replace("\"version\":1,", ""))
                .withHeader("ETag", "\"1\"").build())).singleElement().asString().contains("version");
    }

    @Test
    void aMissingEtagHeaderIsCaught() {
        assertThat(OpenApiContract.validate(GET_SERVICE, json(200, SERVICE).build())).isNotEmpty();
    }

    @Test
    void aStatusTheOperationDoesNotDeclareIsCaught() {
        assertThat(OpenApiContract.validate(GET_SERVICE, json(409, "{\"type\":\"urn:cvs:problem:name-taken\","
                + "\"title\":\"t\",\"status\":409}").build())).isNotEmpty();
    }

    @Test
    void aRequestWithoutTokenOrWithAnUnknownFieldIsCaught() {
        Request noToken = new SimpleRequest.Builder("GET", "/api/v1/datapath").build();
        Request unknownField = new SimpleRequest.Builder("POST", "/api/v1/services").withAuthorization("Bearer x")
                .withContentType("application/json").withBody("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,"
                        + "\"protocol\":\"TCP\",\"colour\":\"red\"}").build();

        assertThat(OpenApiContract.validateRequestOnly(noToken)).isNotEmpty();
        assertThat(OpenApiContract.validateRequestOnly(unknownField)).isNotEmpty();
    }

    @Test
    void statsWithANegativeRateOrAFieldTheDocumentDoesNotDeclareAreCaught() {
        Request getStats = new SimpleRequest.Builder("GET", "/api/v1/services/svc-0f3k9q2m7x/stats")
                .withAuthorization("Bearer x").build();
        String stats = "{\"serviceId\":\"svc-0f3k9q2m7x\",\"name\":\"web\",\"readAt\":\"2026-01-01T00:00:00Z\","
                + "\"refused\":0,\"retried\":0,\"rate\":{\"sampledAt\":\"2026-01-01T00:00:00Z\",\"windowSeconds\":5,"
                + "\"connectionsPerSecond\":RATE},\"backends\":[]}";

        assertThat(OpenApiContract.validate(getStats, json(200, stats.replace("RATE", "1.5")).build())).isEmpty();
        assertThat(OpenApiContract.validate(getStats, json(200, stats.replace("RATE", "-1")).build())).isNotEmpty();
        assertThat(OpenApiContract.validate(getStats, json(200, stats.replace("RATE", "1,\"cps\":1")).build()))
                .isNotEmpty();
    }

    @Test
    void everyOperationIsDeclaredOnceAndFoundByItsConcretePath() {
        assertThat(OpenApiContract.OPERATIONS).hasSize(22);
        assertThat(OpenApiContract.operationOf("GET", "/api/v1/services/svc-1/backends/10.0.0.1:80").operationId())
                .isEqualTo("getBackend");
        assertThat(OpenApiContract.operationOf("GET", "/api/v1/services/svc-1").operationId())
                .isEqualTo("getService");
        assertThat(OpenApiContract.operationOf("GET", "/api/v1/services/svc-1/pick").operationId())
                .isEqualTo("pickBackend");
        assertThat(OpenApiContract.operationOf("PATCH", "/api/v1/datapath")).isNull();
        assertThat(OpenApiContract.operationOf("POST", "/api/v1/datapath/reconcile").operationId())
                .isEqualTo("reconcile");
    }

    @Test
    void theFleetAsAFleetModeHostAnswersItValidatesAndAMemberTheDocumentDoesNotDeclareIsCaught() {
        Request getFleet = new SimpleRequest.Builder("GET", "/api/v1/fleet").withAuthorization("Bearer x").build();
        String fleet = "{\"mode\":\"fleet\",\"hostId\":\"host-a\",\"labels\":{\"zone\":\"a\"},"
                + "\"applied\":{\"revision\":7,\"at\":\"2026-01-01T00:00:00Z\",\"lagRevisions\":1},"
                + "\"store\":{\"endpoints\":[\"http://127.0.0.1:2379\"],\"revision\":8,\"reachable\":false,"
                + "\"unreachableSince\":\"2026-01-01T00:00:01Z\",\"members\":[{\"name\":\"etcd-1\","
                + "\"clientUrl\":\"http://127.0.0.1:2379\",\"healthy\":false,\"leader\":false,\"error\":\"refused\"}]},"
                + "\"hosts\":[{\"hostId\":\"host-a\",\"labels\":{},\"appliedRevision\":7,\"lagRevisions\":1,"
                + "\"lastSeen\":\"2026-01-01T00:00:00Z\",\"ready\":true,\"datapath\":\"bpf\",\"lastError\":null,"
                + "\"self\":true}HOST]}";

        assertThat(OpenApiContract.validate(getFleet, json(200, fleet.replace("HOST", "")).build())).isEmpty();
        assertThat(OpenApiContract.validate(getFleet, json(200, fleet.replace("HOST", ",{\"hostId\":\"b\","
                + "\"labels\":{},\"ready\":true,\"datapath\":\"bpf\",\"self\":false,\"zone\":\"b\"}")).build()))
                .isNotEmpty();
        assertThat(OpenApiContract.validate(getFleet, json(200, fleet.replace("\"mode\":\"fleet\"",
                "\"mode\":\"cluster\"").replace("HOST", "")).build())).isNotEmpty();
    }

    @Test
    void theFleetHeadersOfAServiceReadValidate() {
        assertThat(OpenApiContract.validate(GET_SERVICE, json(200, SERVICE).withHeader("ETag", "\"1\"")
                .withHeader("Cvs-Fleet-Applied-Revision", "1042")
                .withHeader("Cvs-Fleet-Store-Unreachable-Since", "2026-03-01T12:05:00Z").build())).isEmpty();
        assertThat(OpenApiContract.validate(GET_SERVICE, json(200, SERVICE).withHeader("ETag", "\"1\"")
                .withHeader("Cvs-Fleet-Applied-Revision", "soon").build())).isNotEmpty();
    }

    private static SimpleResponse.Builder json(int status, String body) {
        return SimpleResponse.Builder.status(status).withContentType(status < 400 ? "application/json"
                : "application/problem+json").withBody(body);
    }
}
