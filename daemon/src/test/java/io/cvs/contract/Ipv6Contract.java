package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.address.IpAddresses;
import io.cvs.contract.ContractClient.Answer;
import io.cvs.datapath.Protocol;
import io.cvs.datapath.ServiceKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * IPv6 services through every kind of operation: canonical answers whatever form was sent, bracketed keys, one
 * family per service, and each IPv6 address the contract refuses refused with its field named and nothing changed.
 * Run by {@link OpenApiContractTest}.
 */
abstract class Ipv6Contract extends ContractTestBase {

    @Test
    void anIpv6ServiceIsAnsweredInCanonicalFormWhateverFormWasSent() {
        Answer answer = create(tcp("web-v6", "2001:DB8:0:0::10", "[FD00::0002]:8080/2", "[fd00:0:0:0:0:0:0:3]:8080"));

        JsonNode service = answer.json();
        assertThat(service.path("vip").asString()).isEqualTo("2001:db8::10");
        assertThat(keys(service.path("backends"))).containsExactly("[fd00::2]:8080/2", "[fd00::3]:8080/1");
        assertThat(get(service.path("id").asString()).json()).isEqualTo(service);
        assertThat(datapath.backends(new ServiceKey(IpAddresses.parse("2001:db8::10"), 80, Protocol.TCP)))
                .as("in the datapath").isPresent();
    }

    @Test
    void aDualStackNameIsTwoServices() {
        create(tcp("web-v4", "192.0.2.10", "10.0.0.1:8080"));
        create(tcp("web-v6", "2001:db8::10", "[fd00::1]:8080"));

        assertThat(names(admin("GET", SERVICES).expect(200).json().path("items"))).containsExactly("web-v4",
                "web-v6");
        assertThat(names(admin("GET", SERVICES + "?vip=2001:DB8:0::10").expect(200).json().path("items")))
                .as("found by any form of the VIP").containsExactly("web-v6");
        assertThat(names(admin("GET", SERVICES + "?vip=192.0.2.10").expect(200).json().path("items")))
                .containsExactly("web-v4");
    }

    @Test
    void theSameIpv6VipInAnotherFormIsTaken() {
        create(tcp("web-v6", "2001:db8::10"));

        Answer answer = admin("POST", SERVICES).json(tcp("other", "2001:0DB8::0:10")).expect(409);

        assertThat(answer.json().path("detail").asString()).contains("[2001:db8::10]:80/TCP");
    }

    @Test
    void backendsAreAddressedByBracketedKeysInAnyForm() {
        String id = createId(tcp("web-v6", "2001:db8::10", "[fd00::2]:8080"));
        String backends = SERVICES + "/" + id + "/backends/";

        JsonNode got = admin("GET", backends + "%5BFD00:0::2%5D:8080").expect(200).json();
        assertThat(got.path("address").asString()).isEqualTo("fd00::2");
        Answer created = admin("PUT", backends + "%5Bfd00::3%5D%3A8080").json("{\"weight\":4}").expect(201);
        assertThat(created.header("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/backends/%5Bfd00::3%5D:8080"));
        Answer added = admin("POST", SERVICES + "/" + id + "/backends")
                .json("{\"address\":\"FD00::4\",\"port\":8080}").expect(201);
        assertThat(added.json().path("address").asString()).isEqualTo("fd00::4");
        admin("DELETE", backends + "%5Bfd00::2%5D:8080").expect(204);

        assertThat(keys(get(id).json().path("backends"))).containsExactly("[fd00::3]:8080/4", "[fd00::4]:8080/1");
        assertThat(admin("GET", backends + "%5Bfd00::2%5D:8080").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
    }

    @Test
    void anIpv4BackendKeyStillWorks() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        assertThat(admin("GET", SERVICES + "/" + id + "/backends/10.0.0.1:8080").expect(200).json()
                .path("address").asString()).isEqualTo("10.0.0.1");
    }

    @ParameterizedTest(name = "backend key {0}")
    @CsvSource({"fd00::2:8080", "%5B10.0.0.1%5D:8080", "%5Bfd00::2%5D", "%5Bfd00::2%5D:0"})
    void aKeyThatIsNotAddressAndPortIs400(String key) {
        String id = createId(tcp("web-v6", "2001:db8::10", "[fd00::2]:8080"));
        String version = get(id).etag();

        Answer answer = admin("GET", SERVICES + "/" + id + "/backends/" + key).invalidOnPurpose().expect(400);

        assertThat(answer.errorFields()).containsExactly("backendKey");
        assertThat(get(id).etag()).isEqualTo(version);
    }

    @Test
    void aBackendOfTheOtherFamilyIs400NamingItAndChangesNothing() {
        String v6 = createId(tcp("web-v6", "2001:db8::10", "[fd00::2]:8080"));
        String v4 = createId(tcp("web-v4", "192.0.2.10", "10.0.0.1:8080"));

        Answer mixed = admin("POST", SERVICES)
                .json(tcp("mixed", "2001:db8::11", "[fd00::1]:8080", "[fd00::2]:8080", "10.0.0.3:8080")).expect(400);
        assertThat(mixed.errorFields()).containsExactly("backends[2].address");
        assertThat(mixed.json().path("errors").get(0).path("message").asString())
                .contains("IPv6", "one address family", "two services");

        assertThat(admin("PUT", SERVICES + "/" + v6 + "/backends/10.0.0.9:8080").json("{}").expect(400)
                .errorFields()).containsExactly("backendKey");
        assertThat(admin("POST", SERVICES + "/" + v4 + "/backends").json("{\"address\":\"fd00::9\",\"port\":80}")
                .expect(400).errorFields()).containsExactly("address");
        assertThat(admin("PATCH", SERVICES + "/" + v4).body("application/merge-patch+json",
                "{\"backends\":[{\"address\":\"fd00::9\",\"port\":80}]}").expect(400).errorFields())
                .containsExactly("backends[0].address");
        assertThat(admin("PATCH", SERVICES + "/" + v4).body("application/merge-patch+json",
                "{\"vip\":\"2001:db8::12\"}").expect(400).errorFields()).containsExactly("backends[0].address");

        assertThat(names(admin("GET", SERVICES).expect(200).json().path("items"))).containsExactly("web-v4",
                "web-v6");
        assertThat(keys(get(v6).json().path("backends"))).containsExactly("[fd00::2]:8080/1");
        assertThat(keys(get(v4).json().path("backends"))).containsExactly("10.0.0.1:8080/1");
        assertThat(get(v4).json().path("version").asLong()).isEqualTo(1);
    }

    @ParameterizedTest(name = "VIP {0}")
    @CsvSource(delimiter = '|', value = {
        "::|must not be :: (unspecified)",
        "::1|must not be ::1 (loopback)",
        "ff02::1|must not be in ff00::/8 (multicast)",
        "fe80::1|must not be in fe80::/10 (link-local: it names no interface without a zone)",
        "::ffff:192.0.2.10|must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, 192.0.2.10",
    })
    void aRefusedIpv6VipIs400SayingWhyAndCreatesNothing(String vip, String why) {
        Answer answer = admin("POST", SERVICES).json(tcp("web-v6", vip, "[fd00::2]:8080")).expect(400);

        assertRefused(answer, "vip", why);
    }

    @ParameterizedTest(name = "backend {0}")
    @CsvSource(delimiter = '|', value = {
        "::|must not be :: (unspecified)",
        "ff02::1|must not be in ff00::/8 (multicast)",
        "fe80::1|must not be in fe80::/10 (link-local: it names no interface without a zone)",
        "::ffff:10.0.0.1|must not be in ::ffff:0:0/96 (IPv4-mapped): write it as IPv4, 10.0.0.1",
    })
    void aRefusedIpv6BackendIs400SayingWhyAndCreatesNothing(String address, String why) {
        Answer answer = admin("POST", SERVICES)
                .json(tcp("web-v6", "2001:db8::10", "[fd00::2]:8080", "[" + address + "]:8080")).expect(400);

        assertRefused(answer, "backends[1].address", why);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"fe80::1%eth0", "2001:db8::10%2", "[2001:db8::10]", "localhost", "ip6-localhost", "2001:db8::g",
        "2001:db8:::10", "1:2:3:4:5:6:7:8:9", "2001:db8::10/64", "::ffff:192.0.2.256"})
    void anythingButAnAddressIs400AndNothingIsResolved(String text) {
        Answer vip = admin("POST", SERVICES).invalidOnPurpose().json(tcp("web-v6", text)).expect(400);
        assertThat(vip.errorFields()).containsExactly("vip");

        Answer backend = admin("POST", SERVICES).invalidOnPurpose()
                .json("{\"name\":\"web-v6\",\"vip\":\"2001:db8::10\",\"port\":80,\"protocol\":\"TCP\","
                        + "\"backends\":[{\"address\":\"" + text + "\",\"port\":8080}]}")
                .expect(400);
        assertThat(backend.errorFields()).containsExactly("backends[0].address");
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).isTrue();
        assertThat(datapath.services()).isEmpty();
    }

    @Test
    void aDuplicateIsFoundOnTheCanonicalForm() {
        Answer answer = admin("POST", SERVICES)
                .json(tcp("web-v6", "2001:db8::10", "[2001:db8::1]:8080", "[2001:DB8:0::1]:8080/3")).expect(400);

        assertThat(answer.errorFields()).containsExactly("backends[1]");
        assertThat(answer.json().path("errors").get(0).path("message").asString())
                .isEqualTo("duplicates backends[0] ([2001:db8::1]:8080)");
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).isTrue();
    }

    @Test
    void theDesiredStateTakesIpv6ServicesAndStatsAndHealthShowThem() {
        JsonNode result = admin("PUT", SERVICES).json("{\"services\":[" + tcp("web-v4", "192.0.2.10", "10.0.0.1:8080")
                + "," + tcp("web-v6", "2001:DB8::10", "[FD00::1]:8080") + "]}").expect(200).json();
        assertThat(result.toString()).contains("web-v6");

        JsonNode v6 = admin("GET", SERVICES + "?name=web-v6").expect(200).json().path("items").get(0);
        String id = v6.path("id").asString();
        assertThat(v6.path("vip").asString()).isEqualTo("2001:db8::10");
        assertThat(keys(viewer("GET", SERVICES + "/" + id + "/stats").expect(200).json().path("backends")))
                .containsExactly("[fd00::1]:8080/1");
        assertThat(viewer("GET", SERVICES + "/" + id + "/health").expect(200).json().path("backends").get(0)
                .path("address").asString()).isEqualTo("fd00::1");

        // the same state again, in other forms of the same addresses, changes nothing
        admin("PUT", SERVICES).json("{\"services\":[" + tcp("web-v4", "192.0.2.10", "10.0.0.1:8080") + ","
                + tcp("web-v6", "2001:db8:0::10", "[fd00:0::1]:8080") + "]}").expect(200);
        assertThat(get(id).json().path("version").asLong()).isEqualTo(v6.path("version").asLong());
    }

    private void assertRefused(Answer answer, String field, String why) {
        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(answer.errorFields()).containsExactly(field);
        assertThat(answer.json().path("errors").get(0).path("message").asString()).isEqualTo(why);
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").isEmpty()).as("nothing created").isTrue();
        assertThat(datapath.services()).as("nothing in the datapath").isEqualTo(List.of());
    }
}
