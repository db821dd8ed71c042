package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** createService, replaceService, patchService and deleteService; run by {@link OpenApiContractTest}. */
abstract class ServiceWriteContract extends ContractTestBase {

    private static final String MERGE_PATCH = "application/merge-patch+json";

    @Test
    void createServiceIs201WithLocationEtagAndTheService() {
        Answer answer = create("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\","
                + "\"backends\":" + backends("10.0.0.1:8080/2", "10.0.0.2:8080", "10.0.0.3:8080/0")
                + ",\"labels\":{\"app\":\"web\"}}");

        JsonNode service = answer.json();
        assertThat(service.path("version").asLong()).isEqualTo(1);
        assertThat(answer.etag()).isEqualTo("\"1\"");
        assertThat(answer.header("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith(SERVICES + "/" + service.path("id").asString()));
        assertThat(keys(service.path("backends")))
                .containsExactly("10.0.0.1:8080/2", "10.0.0.2:8080/1", "10.0.0.3:8080/0");
        assertThat(service.path("labels").path("app").asString()).isEqualTo("web");
        assertThat(get(service.path("id").asString()).json()).isEqualTo(service);
    }

    @Test
    void createServiceWithoutBackendsOrLabelsHasNone() {
        JsonNode service = create("{\"name\":\"dns\",\"vip\":\"198.51.100.53\",\"port\":53,\"protocol\":\"UDP\"}")
                .json();

        assertThat(service.path("backends").isEmpty()).isTrue();
        assertThat(service.path("labels").isEmpty()).isTrue();
    }

    @Test
    void aServiceKeepsEstablishedConnectionsUnlessItSaysResetAndAPatchChangesOrClearsThePolicy() {
        JsonNode keeping = create("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\"}")
                .json();
        JsonNode resetting = create("{\"name\":\"api\",\"vip\":\"192.0.2.11\",\"port\":80,\"protocol\":\"TCP\","
                + "\"onBackendRemoval\":\"RESET\"}").json();
        assertThat(keeping.path("onBackendRemoval").asString()).isEqualTo("KEEP");
        assertThat(resetting.path("onBackendRemoval").asString()).isEqualTo("RESET");

        String id = keeping.path("id").asString();
        JsonNode reset = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH, "{\"onBackendRemoval\":\"RESET\"}")
                .expect(200).json();
        JsonNode cleared = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH, "{\"onBackendRemoval\":null}")
                .expect(200).json();

        assertThat(reset.path("onBackendRemoval").asString()).isEqualTo("RESET");
        assertThat(reset.path("version").asLong()).isEqualTo(2);
        assertThat(cleared.path("onBackendRemoval").asString()).as("null: the default").isEqualTo("KEEP");
    }

    @Test
    void aPolicyOtherThanKeepOrResetIs400NamingTheField() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\","
                        + "\"onBackendRemoval\":\"DROP\"}").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("onBackendRemoval");
    }

    @Test
    void createServiceWithInvalidFieldsIs400ListingEachOneAndCreatesNothing() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json(spec("web", "127.0.0.10", 80, "SCTP", "10.0.0.1:8080", "10.0.0.2:70000")).expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactlyInAnyOrder("vip", "backends[1].port", "protocol");
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).isTrue();
    }

    @Test
    void createServiceWithABackendListedTwiceIs400NamingTheSecond() {
        Answer answer = admin("POST", SERVICES).json(tcp("web", "192.0.2.10", "10.0.0.1:8080", "10.0.0.1:8080/3"))
                .expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("backends[1]");
    }

    @Test
    void createServiceWithAnUnknownFieldIs400NamingIt() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose()
                .json("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\",\"colour\":\"red\"}")
                .expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("colour");
    }

    @Test
    void createServiceWithABodyThatIsNotJsonIs400MalformedBody() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json("{\"name\": ").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:malformed-body");
        assertThat(answer.json().has("errors")).isFalse();
    }

    @Test
    void createServiceWithATakenNameOrAddressIs409NamingTheOtherService() {
        String web = createId(tcp("web", "192.0.2.10"));

        Answer name = admin("POST", SERVICES).json(tcp("web", "192.0.2.11")).expect(409);
        Answer address = admin("POST", SERVICES).json(tcp("www", "192.0.2.10")).expect(409);

        assertThat(name.type()).isEqualTo("urn:cvs:problem:name-taken");
        assertThat(name.json().path("conflictsWith").path("id").asString()).isEqualTo(web);
        assertThat(address.type()).isEqualTo("urn:cvs:problem:address-taken");
        assertThat(address.json().path("conflictsWith").path("name").asString()).isEqualTo("web");
        admin("POST", SERVICES).json(spec("www", "192.0.2.10", 80, "UDP")).expect(201);
    }

    @Test
    void createServiceWithMoreBackendsThanAServiceMayHaveIs409TooManyBackends() {
        Answer answer = admin("POST", SERVICES)
                .json(tcp("web", "192.0.2.10", "10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80", "10.0.0.4:80"))
                .expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:too-many-backends");
        assertThat(answer.json().path("resource").asString()).isEqualTo("backendsPerService");
        assertThat(answer.json().path("used").asInt()).isEqualTo(4);
        assertThat(answer.json().path("max").asInt()).isEqualTo(SMALL.maxMembers());
    }

    @Test
    void createServiceWhenTheMapsHoldNoMoreServicesIs507() {
        for (int i = 1; i <= SMALL.maxServices(); i++) {
            create(tcp("s" + i, "192.0.2." + i));
        }

        Answer answer = admin("POST", SERVICES).json(tcp("one-more", "192.0.2.100")).expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        JsonNode problem = answer.json();
        assertThat(problem.path("resource").asString()).isEqualTo("services");
        assertThat(problem.path("used").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(problem.path("max").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(problem.path("requested").asInt()).isEqualTo(1);
    }

    @Test
    void createServiceWithABodyOverTheLimitIs413() {
        Answer answer = admin("POST", SERVICES).json(tooLarge()).expect(413);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:payload-too-large");
        assertThat(answer.json().path("maxBytes").asLong()).isEqualTo(MAX_BODY);
    }

    @Test
    void createServiceWithAnotherContentTypeIs415() {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().body("text/plain", tcp("web", "192.0.2.10"))
                .expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    @Test
    void replaceServiceIs200WithTheNextVersionAndTheSameBodyAgainKeepsIt() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));
        String replacement = spec("web", "192.0.2.10", 443, "TCP", "10.0.0.1:8080/2", "10.0.0.4:8080");

        Answer answer = admin("PUT", SERVICES + "/" + id).json(replacement).expect(200);
        Answer again = admin("PUT", SERVICES + "/" + id).json(replacement).expect(200);

        assertThat(answer.json().path("version").asLong()).isEqualTo(2);
        assertThat(answer.etag()).isEqualTo("\"2\"");
        assertThat(answer.json().path("port").asInt()).isEqualTo(443);
        assertThat(keys(answer.json().path("backends"))).containsExactly("10.0.0.1:8080/2", "10.0.0.4:8080/1");
        assertThat(again.json()).isEqualTo(answer.json());
        assertThat(again.etag()).isEqualTo("\"2\"");
    }

    @Test
    void replaceServiceWithAStaleIfMatchIs412AndChangesNothing() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer stale = admin("PUT", SERVICES + "/" + id).header("If-Match", "\"7\"").json(tcp("web", "192.0.2.11"))
                .expect(412);
        Answer weak = admin("PUT", SERVICES + "/" + id).header("If-Match", "W/\"1\"").json(tcp("web", "192.0.2.11"))
                .expect(412);

        assertThat(stale.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(stale.json().path("currentEtag").asString()).isEqualTo("\"1\"");
        assertThat(weak.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(get(id).json().path("vip").asString()).isEqualTo("192.0.2.10");
        admin("PUT", SERVICES + "/" + id).header("If-Match", "\"7\", \"1\"").json(tcp("web", "192.0.2.11"))
                .expect(200);
    }

    @Test
    void replaceServiceOfAnUnknownIdIs404() {
        Answer answer = admin("PUT", SERVICES + "/" + UNKNOWN_ID).json(tcp("web", "192.0.2.10")).expect(404);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void replaceServiceWithAnInvalidFieldIs400NamingIt() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("PUT", SERVICES + "/" + id).invalidOnPurpose().json(spec("web", "192.0.2.10", 0, "TCP"))
                .expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("port");
    }

    @Test
    void replaceServiceWithAnotherServicesNameIs409NameTaken() {
        String web = createId(tcp("web", "192.0.2.10"));
        String api = createId(tcp("api", "192.0.2.20"));

        Answer answer = admin("PUT", SERVICES + "/" + api).json(tcp("web", "192.0.2.20")).expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:name-taken");
        assertThat(answer.json().path("conflictsWith").path("id").asString()).isEqualTo(web);
    }

    @Test
    void replaceServiceNeedingMoreBackendsThanTheMapsHaveIs507AndChangesNothing() {
        create(tcp("a", "192.0.2.1", "10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"));
        create(tcp("b", "192.0.2.2", "10.0.2.1:80", "10.0.2.2:80", "10.0.2.3:80"));
        String c = createId(tcp("c", "192.0.2.3", "10.0.3.1:80", "10.0.3.2:80"));

        Answer answer = admin("PUT", SERVICES + "/" + c)
                .json(tcp("c", "192.0.2.3", "10.0.3.1:80", "10.0.3.2:80", "10.0.3.3:80")).expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        assertThat(answer.json().path("resource").asString()).isEqualTo("backends");
        assertThat(answer.json().path("max").asInt()).isEqualTo(SMALL.maxBackends());
        assertThat(get(c).json().path("version").asLong()).isEqualTo(1);
    }

    @Test
    void replaceServiceWithAnotherContentTypeIs415() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("PUT", SERVICES + "/" + id).invalidOnPurpose()
                .body("text/plain", tcp("web", "192.0.2.10")).expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    @Test
    void patchServiceMergesLabelsAndAnEmptyPatchKeepsTheVersion() {
        String id = create("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\","
                + "\"labels\":{\"app\":\"web\",\"team\":\"edge\"}}").json().path("id").asString();

        Answer answer = admin("PATCH", SERVICES + "/" + id)
                .body(MERGE_PATCH, "{\"labels\":{\"tier\":\"frontend\",\"team\":null}}").expect(200);
        Answer empty = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH, "{}").expect(200);

        assertThat(answer.json().path("version").asLong()).isEqualTo(2);
        assertThat(answer.etag()).isEqualTo("\"2\"");
        assertThat(answer.json().path("labels").propertyNames()).containsExactlyInAnyOrder("app", "tier");
        assertThat(empty.json()).isEqualTo(answer.json());
        JsonNode cleared = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH, "{\"labels\":null}").expect(200)
                .json();
        assertThat(cleared.path("labels").isEmpty()).isTrue();
    }

    @Test
    void patchServiceRemovingTheNameIs400NamingIt() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("PATCH", SERVICES + "/" + id).invalidOnPurpose().body(MERGE_PATCH, "{\"name\":null}")
                .expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("name");
    }

    @Test
    void patchServiceAsPlainJsonIs415() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("PATCH", SERVICES + "/" + id).invalidOnPurpose().json("{\"port\":81}").expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    @Test
    void patchServiceOfAnUnknownIdIs404() {
        Answer answer = admin("PATCH", SERVICES + "/" + UNKNOWN_ID).body(MERGE_PATCH, "{\"port\":81}").expect(404);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void patchServiceWithAStaleIfMatchIs412() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("PATCH", SERVICES + "/" + id).header("If-Match", "\"2\"")
                .body(MERGE_PATCH, "{\"port\":81}").expect(412);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(answer.json().path("currentEtag").asString()).isEqualTo("\"1\"");
    }

    @Test
    void patchServiceOntoAnotherServicesAddressIs409AddressTaken() {
        createId(tcp("web", "192.0.2.10"));
        String api = createId(tcp("api", "192.0.2.20"));

        Answer answer = admin("PATCH", SERVICES + "/" + api).body(MERGE_PATCH, "{\"vip\":\"192.0.2.10\"}")
                .expect(409);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:address-taken");
        assertThat(answer.json().path("conflictsWith").path("name").asString()).isEqualTo("web");
    }

    @Test
    void patchServiceNeedingMoreBackendsThanTheMapsHaveIs507() {
        create(tcp("a", "192.0.2.1", "10.0.1.1:80", "10.0.1.2:80", "10.0.1.3:80"));
        create(tcp("b", "192.0.2.2", "10.0.2.1:80", "10.0.2.2:80", "10.0.2.3:80"));
        String c = createId(tcp("c", "192.0.2.3", "10.0.3.1:80", "10.0.3.2:80"));

        Answer answer = admin("PATCH", SERVICES + "/" + c).body(MERGE_PATCH,
                "{\"backends\":" + backends("10.0.3.1:80", "10.0.3.2:80", "10.0.3.3:80") + "}").expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        assertThat(answer.json().path("resource").asString()).isEqualTo("backends");
    }

    @Test
    void deleteServiceIs204AndTheServiceIsGone() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        admin("DELETE", SERVICES + "/" + id).header("If-Match", "*").expect(204);

        admin("GET", SERVICES + "/" + id).expect(404);
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).isTrue();
    }

    @Test
    void deleteServiceWithAStaleIfMatchIs412AndKeepsIt() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = admin("DELETE", SERVICES + "/" + id).header("If-Match", "\"3\"").expect(412);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:precondition-failed");
        assertThat(answer.json().path("currentEtag").asString()).isEqualTo("\"1\"");
        get(id);
    }

    @Test
    void deleteServiceOfAnUnknownIdIs404() {
        Answer answer = admin("DELETE", SERVICES + "/" + UNKNOWN_ID).expect(404);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:not-found");
    }
}
