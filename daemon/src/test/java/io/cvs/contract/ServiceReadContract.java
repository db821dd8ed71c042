package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** listServices and getService; run by {@link OpenApiContractTest}. */
abstract class ServiceReadContract extends ContractTestBase {

    @Test
    void listServicesPagesInNameOrderWithACursorToTheNextPage() {
        createId(tcp("c", "192.0.2.3"));
        createId(tcp("a", "192.0.2.1"));
        createId(tcp("b", "192.0.2.2"));

        JsonNode first = viewer("GET", SERVICES + "?limit=2").expect(200).json();
        assertThat(names(first.path("items"))).containsExactly("a", "b");
        assertThat(first.path("nextCursor").isString()).isTrue();

        JsonNode last = viewer("GET", SERVICES + "?limit=2&cursor=" + first.path("nextCursor").asString())
                .expect(200).json();
        assertThat(names(last.path("items"))).containsExactly("c");
        assertThat(last.path("nextCursor").isNull()).isTrue();
    }

    @Test
    void listServicesFiltersCombineWithAnd() {
        create("{\"name\":\"web\",\"vip\":\"192.0.2.10\",\"port\":80,\"protocol\":\"TCP\","
                + "\"labels\":{\"app\":\"web\",\"team\":\"edge\"}}");
        create("{\"name\":\"dns\",\"vip\":\"198.51.100.53\",\"port\":53,\"protocol\":\"UDP\","
                + "\"labels\":{\"app\":\"dns\"}}");

        assertThat(names(viewer("GET", SERVICES + "?protocol=UDP").expect(200).json().path("items")))
                .containsExactly("dns");
        assertThat(names(viewer("GET", SERVICES + "?label=app=web&label=team").expect(200).json().path("items")))
                .containsExactly("web");
        assertThat(names(viewer("GET", SERVICES + "?label=team=core").expect(200).json().path("items"))).isEmpty();
        assertThat(names(viewer("GET", SERVICES + "?vip=192.0.2.10&port=53").expect(200).json().path("items")))
                .isEmpty();
        assertThat(names(viewer("GET", SERVICES + "?name=dns").expect(200).json().path("items")))
                .containsExactly("dns");
    }

    @Test
    void listServicesWithALimitOutOfRangeIs400NamingLimit() {
        Answer answer = viewer("GET", SERVICES + "?limit=0").invalidOnPurpose().expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("limit");
    }

    @Test
    void listServicesWithACursorThatDoesNotDecodeIs400NamingCursor() {
        Answer answer = viewer("GET", SERVICES + "?cursor=not-a-cursor").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("cursor");
    }

    @Test
    void getServiceReturnsItWithItsEtag() {
        Answer created = create(tcp("web", "192.0.2.10", "10.0.0.1:8080/2", "10.0.0.2:8080"));

        Answer answer = viewer("GET", SERVICES + "/" + created.json().path("id").asString()).expect(200);

        assertThat(answer.json()).isEqualTo(created.json());
        assertThat(answer.etag()).isEqualTo("\"1\"");
    }

    @Test
    void getServiceWithTheCurrentEtagInIfNoneMatchIs304WithoutBody() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = viewer("GET", SERVICES + "/" + id).header("If-None-Match", "\"5\", \"1\"").expect(304);

        assertThat(answer.body()).isEmpty();
        assertThat(answer.etag()).isEqualTo("\"1\"");
        viewer("GET", SERVICES + "/" + id).header("If-None-Match", "\"5\"").expect(200);
    }

    @Test
    void getServiceWithIfNoneMatchStarIs304() {
        String id = createId(tcp("web", "192.0.2.10"));

        Answer answer = viewer("GET", SERVICES + "/" + id).header("If-None-Match", "*").expect(304);

        assertThat(answer.etag()).isEqualTo("\"1\"");
    }

    @Test
    void getServiceOfAnUnknownIdIs404() {
        Answer answer = viewer("GET", SERVICES + "/" + UNKNOWN_ID).expect(404);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:not-found");
    }
}
