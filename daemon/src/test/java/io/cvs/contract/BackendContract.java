package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** listBackends, addBackend, getBackend, putBackend and deleteBackend; run by {@link OpenApiContractTest}. */
abstract class BackendContract extends ContractTestBase {

    private String backendsOf(String id) {
        return SERVICES + "/" + id + "/backends";
    }

    @Test
    void listBackendsGivesThemInConfiguredOrderWithTheServicesEtag() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.2:8080/2", "10.0.0.1:8080"));

        Answer answer = viewer("GET", backendsOf(id)).expect(200);

        assertThat(keys(answer.json().path("items"))).containsExactly("10.0.0.2:8080/2", "10.0.0.1:8080/1");
        assertThat(answer.etag()).isEqualTo("\"1\"");
    }

    /** openapi.yaml declares If-None-Match and 304 for getService only; the backend reads answer 200. */
    @Test
    void backendReadsAnswerWithTheBackendsWhateverIfNoneMatchSays() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        viewer("GET", backendsOf(id)).header("If-None-Match", "\"1\"").expect(200);
        viewer("GET", backendsOf(id) + "/10.0.0.1:8080").header("If-None-Match", "\"1\"").expect(200);
    }

    @Test
    void listBackendsOfAnUnknownServiceIs404() {
        assertThat(viewer("GET", backendsOf(UNKNOWN_ID)).expect(404).type()).isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void addBackendIs201AtTheEndWithLocationAndTheNewEtag() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = admin("POST", backendsOf(id)).header("If-Match", "\"1\"").json(backend("10.0.0.5:8080"))
                .expect(201);

        assertThat(keys(ContractClient.JSON.createArrayNode().add(answer.json()))).containsExactly("10.0.0.5:8080/1");
        assertThat(answer.etag()).isEqualTo("\"2\"");
        assertThat(answer.header("Location")).hasValueSatisfying(location -> assertThat(location)
                .matches(".*" + backendsOf(id) + "/10\\.0\\.0\\.5(:|%3A|%3a)8080"));
        assertThat(keys(admin("GET", backendsOf(id)).expect(200).json().path("items")))
                .containsExactly("10.0.0.1:8080/1", "10.0.0.5:8080/1");
    }

    @Test
    void addBackendThatTheServiceHasIs409BackendExists() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = admin("POST", backendsOf(id)).json(backend("10.0.0.1:8080/5")).expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:backend-exists");
    }

    @Test
    void addBackendBeyondTheServicesLimitIs409TooManyBackends() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"));

        Answer answer = admin("POST", backendsOf(id)).json(backend("10.0.0.4:80")).expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:too-many-backends");
        assertThat(answer.json().path("resource").asString()).isEqualTo("backendsPerService");
        assertThat(answer.json().path("used").asInt()).isEqualTo(4);
        assertThat(answer.json().path("max").asInt()).isEqualTo(SMALL.maxMembers());
    }

    @Test
    void addBackendWhenTheMapsHoldNoMoreBackendsIs507() {
        create(tcp("a", "192.0.2.1", "10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"));
        create(tcp("b", "192.0.2.2", "10.0.2.1:80", "10.0.2.2:80", "10.0.2.3:80"));
        String c = createId(tcp("c", "192.0.2.3", "10.0.3.1:80", "10.0.3.2:80"));

        Answer answer = admin("POST", backendsOf(c)).json(backend("10.0.3.3:80")).expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        JsonNode problem = answer.json();
        assertThat(problem.path("resource").asString()).isEqualTo("backends");
        assertThat(problem.path("max").asInt()).isEqualTo(SMALL.maxBackends());
        assertThat(problem.path("used").asInt()).isEqualTo(SMALL.maxBackends());
        assertThat(problem.path("requested").asInt()).isPositive();
        assertThat(get(c).json().path("backends").size()).isEqualTo(2);
    }

    @Test
    void addBackendWithAStaleIfMatchIs412() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("POST", backendsOf(id)).header("If-Match", "\"9\"").json(backend("10.0.0.1:80"))
                .expect(412);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(answer.json().path("currentEtag").asString()).isEqualTo("\"1\"");
    }

    @Test
    void addBackendToAnUnknownServiceIs404() {
        assertThat(admin("POST", backendsOf(UNKNOWN_ID)).json(backend("10.0.0.1:80")).expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void addBackendWithAMisspeltFieldIs400NamingIt() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("POST", backendsOf(id)).invalidOnPurpose()
                .json("{\"address\":\"10.0.0.1\",\"port\":80,\"weigth\":2}").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("weigth");
    }

    @Test
    void addBackendWithAnotherContentTypeIs415() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("POST", backendsOf(id)).invalidOnPurpose().body("text/plain", backend("10.0.0.1:80"))
                .expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    @Test
    void getBackendByItsKeyWithThePlainOrTheEncodedColon() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080/2"));

        Answer plain = viewer("GET", backendsOf(id) + "/10.0.0.1:8080").expect(200);
        Answer encoded = viewer("GET", backendsOf(id) + "/10.0.0.1%3A8080").expect(200);

        assertThat(keys(ContractClient.JSON.createArrayNode().add(plain.json()))).containsExactly("10.0.0.1:8080/2");
        assertThat(encoded.json()).isEqualTo(plain.json());
        assertThat(plain.etag()).isEqualTo("\"1\"");
    }

    @Test
    void getBackendWithAKeyThatDoesNotParseIs400NamingBackendKey() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = viewer("GET", backendsOf(id) + "/10.0.0.1").invalidOnPurpose().expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("backendKey");
    }

    @Test
    void getBackendThatTheServiceLacksIs404() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        assertThat(viewer("GET", backendsOf(id) + "/10.0.0.9:8080").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void putBackendCreatesAtTheEndThenReplacesTheWeightInPlace() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.2:8080"));

        Answer created = admin("PUT", backendsOf(id) + "/10.0.0.6:8080").json("{}").expect(201);
        Answer replaced = admin("PUT", backendsOf(id) + "/10.0.0.1:8080").header("If-Match", "\"2\"")
                .json("{\"weight\":0}").expect(200);
        Answer again = admin("PUT", backendsOf(id) + "/10.0.0.1:8080").json(backend("10.0.0.1:8080/0")).expect(200);

        assertThat(created.json().path("weight").asInt()).isEqualTo(1);
        assertThat(created.etag()).isEqualTo("\"2\"");
        assertThat(created.header("Location")).isPresent();
        assertThat(replaced.json().path("weight").asInt()).isZero();
        assertThat(replaced.etag()).isEqualTo("\"3\"");
        assertThat(again.etag()).isEqualTo("\"3\"");
        assertThat(keys(admin("GET", backendsOf(id)).expect(200).json().path("items")))
                .containsExactly("10.0.0.1:8080/0", "10.0.0.2:8080/1", "10.0.0.6:8080/1");
    }

    @Test
    void putBackendWithIfNoneMatchStarOnlyCreates() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer existing = admin("PUT", backendsOf(id) + "/10.0.0.1:8080").header("If-None-Match", "*")
                .json("{\"weight\":3}").expect(412);
        admin("PUT", backendsOf(id) + "/10.0.0.2:8080").header("If-None-Match", "*").json("{\"weight\":3}")
                .expect(201);

        assertThat(existing.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(keys(get(id).json().path("backends"))).containsExactly("10.0.0.1:8080/1", "10.0.0.2:8080/3");
    }

    @Test
    void putBackendWithABodyThatDisagreesWithTheKeyIs400() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = admin("PUT", backendsOf(id) + "/10.0.0.1:8080").json(backend("10.0.0.2:8080")).expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("address");
    }

    @Test
    void putBackendOnAnUnknownServiceIs404() {
        assertThat(admin("PUT", backendsOf(UNKNOWN_ID) + "/10.0.0.1:8080").json("{}").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void putBackendWhenTheMapsHoldNoMoreBackendsIs507() {
        create(tcp("a", "192.0.2.1", "10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"));
        create(tcp("b", "192.0.2.2", "10.0.2.1:80", "10.0.2.2:80", "10.0.2.3:80"));
        String c = createId(tcp("c", "192.0.2.3", "10.0.3.1:80", "10.0.3.2:80"));

        Answer answer = admin("PUT", backendsOf(c) + "/10.0.3.3:80").json("{}").expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        assertThat(answer.json().path("resource").asString()).isEqualTo("backends");
        assertThat(get(c).json().path("backends").size()).isEqualTo(2);
    }

    @Test
    void putBackendBeyondTheServicesLimitIs409TooManyBackends() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80"));

        Answer answer = admin("PUT", backendsOf(id) + "/10.0.0.4:80").json("{}").expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:too-many-backends");
    }

    @Test
    void deleteBackendIs204WithTheServicesNewEtag() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.2:8080"));

        Answer answer = admin("DELETE", backendsOf(id) + "/10.0.0.1%3A8080").header("If-Match", "\"1\"").expect(204);

        assertThat(answer.etag()).isEqualTo("\"2\"");
        assertThat(keys(get(id).json().path("backends"))).containsExactly("10.0.0.2:8080/1");
    }

    @Test
    void deleteBackendThatTheServiceLacksIs404() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        assertThat(admin("DELETE", backendsOf(id) + "/10.0.0.9:8080").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void deleteBackendWithAStaleIfMatchIs412AndKeepsIt() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        Answer answer = admin("DELETE", backendsOf(id) + "/10.0.0.1:8080").header("If-Match", "\"4\"").expect(412);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(get(id).json().path("backends").size()).isEqualTo(1);
    }
}
