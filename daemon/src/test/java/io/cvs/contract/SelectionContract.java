package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.contract.ContractClient.Answer;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Selection policies (scheduler, Maglev table, session affinity) through the service operations, the state
 * export, and pickBackend on the memory datapath; run by {@link OpenApiContractTest}.
 */
abstract class SelectionContract extends ContractTestBase {

    static final String MERGE_PATCH = "application/merge-patch+json";

    private static String with(String spec, String members) {
        return spec.substring(0, spec.length() - 1) + "," + members + "}";
    }

    private static String web(String members) {
        return with(tcp("web", "192.0.2.10", "10.0.0.1:8080/2", "10.0.0.2:8080", "10.0.0.3:8080"), members);
    }

    @Test
    void aServiceSelectsAtRandomWithoutAffinityUnlessItSaysOtherwise() {
        JsonNode plain = create(tcp("plain", "192.0.2.11", "10.0.0.1:8080")).json();

        assertThat(plain.path("scheduler").asString()).isEqualTo("RANDOM");
        assertThat(plain.has("maglev")).isFalse();
        assertThat(plain.path("sessionAffinity").path("type").asString()).isEqualTo("NONE");
        assertThat(plain.path("sessionAffinity").has("timeoutSeconds")).isFalse();
    }

    @Test
    void maglevTakesTheDefaultTableSizeAndClientIpTheDefaultTimeout() {
        JsonNode web = create(web("\"scheduler\":\"MAGLEV\",\"sessionAffinity\":{\"type\":\"CLIENT_IP\"}")).json();

        assertThat(web.path("scheduler").asString()).isEqualTo("MAGLEV");
        assertThat(web.path("maglev").path("tableSize").asInt()).isEqualTo(16381);
        assertThat(web.path("sessionAffinity").path("type").asString()).isEqualTo("CLIENT_IP");
        assertThat(web.path("sessionAffinity").path("timeoutSeconds").asInt()).isEqualTo(10800);
    }

    @Test
    void aTableSizeAndATimeoutAreKeptAsGiven() {
        JsonNode web = create(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251},"
                + "\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":60}")).json();

        assertThat(web.path("maglev").path("tableSize").asInt()).isEqualTo(251);
        assertThat(web.path("sessionAffinity").path("timeoutSeconds").asInt()).isEqualTo(60);
        assertThat(get(web.path("id").asString()).json().path("maglev").path("tableSize").asInt()).isEqualTo(251);
    }

    @Test
    void eachBadPolicyFieldIs400NamingIt() {
        assertThat(refused(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":250}")))
                .containsExactly("maglev.tableSize");
        assertThat(refused(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":5}")))
                .containsExactly("maglev.tableSize");
        assertThat(refused(web("\"maglev\":{\"tableSize\":251}"))).containsExactly("maglev");
        assertThat(refused(web("\"scheduler\":\"ROUND_ROBIN\""))).containsExactly("scheduler");
        assertThat(refused(web("\"sessionAffinity\":{\"type\":\"COOKIE\"}"))).containsExactly("sessionAffinity.type");
        assertThat(refused(web("\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":0}")))
                .containsExactly("sessionAffinity.timeoutSeconds");
        assertThat(refused(web("\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":86401}")))
                .containsExactly("sessionAffinity.timeoutSeconds");
        assertThat(refused(web("\"sessionAffinity\":{\"type\":\"NONE\",\"timeoutSeconds\":60}")))
                .containsExactly("sessionAffinity.timeoutSeconds");
        assertThat(admin("GET", SERVICES).expect(200).json().path("items").size()).as("nothing created").isZero();
    }

    private java.util.List<String> refused(String spec) {
        Answer answer = admin("POST", SERVICES).invalidOnPurpose().json(spec).expect(400);
        assertThat(answer.type()).isEqualTo("urn:cvs:problem:validation-failed");
        return answer.errorFields();
    }

    @Test
    void aMergePatchLeavingMaglevDropsTheTableAndOneSettingNoneDropsTheTimeout() {
        String id = create(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251},"
                + "\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":60}")).json().path("id").asString();

        JsonNode patched = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH,
                "{\"scheduler\":\"RANDOM\",\"sessionAffinity\":{\"type\":\"NONE\"}}").expect(200).json();

        assertThat(patched.path("scheduler").asString()).isEqualTo("RANDOM");
        assertThat(patched.has("maglev")).isFalse();
        assertThat(patched.path("sessionAffinity").path("type").asString()).isEqualTo("NONE");
        assertThat(patched.path("version").asLong()).isEqualTo(2);
        JsonNode back = admin("PATCH", SERVICES + "/" + id).body(MERGE_PATCH,
                "{\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":7}}").expect(200).json();
        assertThat(back.path("maglev").path("tableSize").asInt()).isEqualTo(7);
    }

    @Test
    void theExportCarriesThePoliciesAndImportingItChangesNothing() {
        create(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251},"
                + "\"sessionAffinity\":{\"type\":\"CLIENT_IP\",\"timeoutSeconds\":60}"));

        JsonNode exported = admin("GET", "/api/v1/state").expect(200).json();
        JsonNode web = exported.path("services").get(0);
        assertThat(web.path("scheduler").asString()).isEqualTo("MAGLEV");
        assertThat(web.path("maglev").path("tableSize").asInt()).isEqualTo(251);
        assertThat(web.path("sessionAffinity").path("timeoutSeconds").asInt()).isEqualTo(60);

        JsonNode result = admin("PUT", "/api/v1/state").json(exported.toString()).expect(200).json();
        assertThat(result.path("unchanged").size()).isEqualTo(1);
        assertThat(result.path("updated").size()).isZero();
    }

    @Test
    void pickBackendOfAMaglevServiceGivesAClientTheSameBackendEachTime() {
        String id = createId(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251}"));

        JsonNode first = viewer("GET", SERVICES + "/" + id + "/pick?client=198.51.100.7:40112").expect(200).json();
        JsonNode again = viewer("GET", SERVICES + "/" + id + "/pick?client=198.51.100.7:40112").expect(200).json();

        assertThat(first.path("reason").asString()).isEqualTo("maglev");
        assertThat(first.path("sample").asBoolean()).isFalse();
        assertThat(first.path("backend").asString()).isIn("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
        assertThat(again.path("backend").asString()).isEqualTo(first.path("backend").asString());
        assertThat(again.path("hash").asLong()).isEqualTo(first.path("hash").asLong());
        assertThat(first.path("datapath").asString()).isEqualTo("memory");
        assertThat(first.path("client").path("kind").asString()).isEqualTo("routed");
        assertThat(first.path("client").path("address").asString()).isEqualTo("198.51.100.7");
        assertThat(first.path("client").path("port").asInt()).isEqualTo(40112);
        assertThat(first.path("client").path("netnsCookie").asLong()).isZero();
    }

    @Test
    void pickBackendOfARandomServiceIsOneSample() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080"));

        JsonNode pick = viewer("GET", SERVICES + "/" + id + "/pick?client=198.51.100.7").expect(200).json();

        assertThat(pick.path("reason").asString()).isEqualTo("random");
        assertThat(pick.path("sample").asBoolean()).isTrue();
        assertThat(pick.path("backend").asString()).isEqualTo("10.0.0.1:8080");
        assertThat(pick.path("client").path("port").asInt()).isZero();
    }

    @Test
    void pickBackendRefusesABadClientAnUnknownServiceAndAServiceWithoutAUsableBackend() {
        String id = createId(tcp("web", "192.0.2.10", "10.0.0.1:8080/0"));

        for (String client : new String[] {"", "198.51.100.7:0", "198.51.100.7:70000", "host.example", "[198.51.100.7]:1",
            "2001:db8::7", "[2001:db8::7]:40112"}) {
            Answer bad = viewer("GET", SERVICES + "/" + id + "/pick?client="
                    + URLEncoder.encode(client, StandardCharsets.UTF_8)).invalidOnPurpose().expect(400);
            assertThat(bad.errorFields()).as(client).containsExactly("client");
        }
        assertThat(viewer("GET", SERVICES + "/" + UNKNOWN_ID + "/pick?client=198.51.100.7").expect(404).type())
                .isEqualTo("urn:cvs:problem:not-found");
        assertThat(viewer("GET", SERVICES + "/" + id + "/pick?client=198.51.100.7").expect(409).type())
                .isEqualTo("urn:cvs:problem:no-usable-backend");
    }

    @Test
    void theCapacityShowsTheMaglevRegionsInUseAndAMaglevSlotsThatIsNoPrimeIs400() {
        createId(web("\"scheduler\":\"MAGLEV\",\"maglev\":{\"tableSize\":251}"));

        JsonNode capacity = viewer("GET", "/api/v1/datapath/capacity").expect(200).json();
        assertThat(capacity.path("maglevTables").path("used").asInt()).isEqualTo(1);
        assertThat(capacity.path("maglevTables").path("max").asInt()).isEqualTo(SMALL.maglevTables());
        assertThat(capacity.path("maglevSlots").asInt()).isEqualTo(SMALL.maglevSlots());
        assertThat(capacity.path("affinityEntries").asInt()).isEqualTo(SMALL.affinityEntries());

        assertThat(admin("PUT", "/api/v1/datapath/capacity").invalidOnPurpose().json("{\"maglevSlots\":1000}")
                .expect(400).errorFields())
                .containsExactly("maglevSlots");
    }
}
