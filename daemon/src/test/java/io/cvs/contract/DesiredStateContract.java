package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** applyServices (PUT /api/v1/services); run by {@link OpenApiContractTest}. */
abstract class DesiredStateContract extends ContractTestBase {

    @Test
    void applyServicesCreatesUpdatesDeletesAndKeepsByName() {
        String api = createId(tcp("api", "192.0.2.1"));
        String web = createId(tcp("web", "192.0.2.2", "10.0.0.1:8080"));
        String keep = createId(tcp("keep", "192.0.2.3"));

        JsonNode result = admin("PUT", SERVICES).json("{\"services\":[" + tcp("web", "192.0.2.2", "10.0.0.2:8080")
                + "," + tcp("keep", "192.0.2.3") + "," + spec("dns", "198.51.100.53", 53, "UDP") + "]}")
                .expect(200).json();

        assertThat(result.path("dryRun").asBoolean()).isFalse();
        assertThat(names(result.path("created"))).containsExactly("dns");
        assertThat(result.path("created").get(0).path("id").isString()).isTrue();
        assertThat(result.path("updated").get(0).path("id").asString()).isEqualTo(web);
        assertThat(result.path("deleted").get(0).path("id").asString()).isEqualTo(api);
        assertThat(result.path("unchanged").get(0).path("id").asString()).isEqualTo(keep);
        assertThat(names(admin("GET", SERVICES).expect(200).json().path("items")))
                .containsExactly("dns", "keep", "web");
        assertThat(get(web).json().path("version").asLong()).isEqualTo(2);
        assertThat(get(keep).json().path("version").asLong()).isEqualTo(1);
    }

    @Test
    void applyServicesMaySwapAddressesWithinOneRequest() {
        String a = createId(tcp("a", "192.0.2.1"));
        createId(tcp("b", "192.0.2.2"));

        JsonNode result = admin("PUT", SERVICES).json("{\"services\":[" + tcp("a", "192.0.2.2") + ","
                + tcp("b", "192.0.2.1") + "]}").expect(200).json();

        assertThat(names(result.path("updated"))).containsExactly("a", "b");
        assertThat(get(a).json().path("vip").asString()).isEqualTo("192.0.2.2");
    }

    @Test
    void applyServicesAsADryRunSaysWhatItWouldDoAndChangesNothing() {
        String web = createId(tcp("web", "192.0.2.2"));

        JsonNode result = admin("PUT", SERVICES + "?dryRun=true")
                .json("{\"services\":[" + spec("dns", "198.51.100.53", 53, "UDP") + "]}").expect(200).json();

        assertThat(result.path("dryRun").asBoolean()).isTrue();
        assertThat(names(result.path("created"))).containsExactly("dns");
        assertThat(result.path("created").get(0).path("id").isMissingNode()
                || result.path("created").get(0).path("id").isNull()).isTrue();
        assertThat(result.path("deleted").get(0).path("id").asString()).isEqualTo(web);
        assertThat(names(admin("GET", SERVICES).expect(200).json().path("items"))).containsExactly("web");
    }

    @Test
    void applyServicesWithTwoEntriesOfOneNameIs400NamingTheSecond() {
        Answer answer = admin("PUT", SERVICES).json("{\"services\":[" + tcp("web", "192.0.2.1") + ","
                + tcp("web", "192.0.2.2") + "]}").expect(400);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly("services[1].name");
    }

    @Test
    void applyServicesWithABackendListedTwiceInOneEntryIs400NamingIt() {
        Answer answer = admin("PUT", SERVICES).json("{\"services\":[" + tcp("web", "192.0.2.1", "10.0.0.1:80",
                "10.0.0.1:80") + "]}").expect(400);

        assertThat(answer.errorFields()).containsExactly("services[0].backends[1]");
    }

    @Test
    void applyServicesWithAnInvalidEntryIs400NamingItsField() {
        Answer answer = admin("PUT", SERVICES).invalidOnPurpose().json("{\"services\":[" + tcp("web", "192.0.2.1")
                + "," + tcp("api", "192.0.2.2", "10.0.0.1:0") + "]}").expect(400);

        assertThat(answer.errorFields()).containsExactly("services[1].backends[0].port");
    }

    @Test
    void applyServicesBeyondTheMapsCapacityIs507AndChangesNothing() {
        createId(tcp("web", "192.0.2.10"));
        StringBuilder services = new StringBuilder();
        for (int i = 1; i <= SMALL.maxServices() + 1; i++) {
            services.append(i == 1 ? "" : ",").append(tcp("s" + i, "192.0.2." + i));
        }

        Answer answer = admin("PUT", SERVICES).json("{\"services\":[" + services + "]}").expect(507);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        assertThat(answer.json().path("resource").asString()).isEqualTo("services");
        assertThat(answer.json().path("max").asInt()).isEqualTo(SMALL.maxServices());
        assertThat(names(admin("GET", SERVICES).expect(200).json().path("items"))).containsExactly("web");
    }

    @Test
    void applyServicesWithABodyOverTheLimitIs413() {
        Answer answer = admin("PUT", SERVICES).json("{\"services\":[" + tooLarge() + "]}").expect(413);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:payload-too-large");
    }

    @Test
    void applyServicesWithAnotherContentTypeIs415() {
        Answer answer = admin("PUT", SERVICES).invalidOnPurpose().body("text/plain", "{\"services\":[]}")
                .expect(415);

        assertThat(answer.type()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }
}
