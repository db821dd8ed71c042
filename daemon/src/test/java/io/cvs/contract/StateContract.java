package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.datapath.Backend;
import io.cvs.datapath.ServiceKey;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** exportState, importState and reconcile; run by {@link OpenApiContractTest}. */
abstract class StateContract extends ContractTestBase {

    @Test
    void exportStateIsABulkBodyInNameOrderThatImportsBackToTheSameServices() {
        createId(tcp("web", "192.0.2.2", "10.0.0.1:8080/3"));
        createId("{\"name\":\"dns\",\"vip\":\"198.51.100.53\",\"port\":53,\"protocol\":\"UDP\","
                + "\"onBackendRemoval\":\"RESET\"}");
        JsonNode exported = viewer("GET", "/api/v1/state").expect(200).json();
        assertThat(names(exported.path("services"))).containsExactly("dns", "web");
        assertThat(exported.path("services").get(1).path("backends").get(0).path("weight").asInt()).isEqualTo(3);
        assertThat(exported.path("services").findValuesAsString("onBackendRemoval")).containsExactly("RESET", "KEEP");

        admin("PUT", SERVICES).json("{\"services\":[]}").expect(200);
        JsonNode imported = admin("PUT", "/api/v1/state").json(exported.toString()).expect(200).json();

        assertThat(names(imported.path("created"))).containsExactly("dns", "web");
        assertThat(viewer("GET", "/api/v1/state").expect(200).json()).isEqualTo(exported);
    }

    @Test
    void importStateAsADryRunChangesNothing() {
        createId(tcp("web", "192.0.2.2"));

        JsonNode result = admin("PUT", "/api/v1/state?dryRun=true").json("{\"services\":[]}").expect(200).json();

        assertThat(result.path("dryRun").asBoolean()).isTrue();
        assertThat(names(result.path("deleted"))).containsExactly("web");
        assertThat(names(viewer("GET", "/api/v1/state").expect(200).json().path("services"))).containsExactly("web");
    }

    @Test
    void importStateNeedsTheAdminRole() {
        assertThat(viewer("PUT", "/api/v1/state").json("{\"services\":[]}").expect(403).type())
                .isEqualTo("urn:cvs:problem:forbidden");
    }

    @Test
    void reconcileRestoresWhatWasRemovedFromTheDatapathBehindTheDaemonsBack() {
        createId(tcp("web", "192.0.2.2", "10.0.0.1:8080"));
        createId(tcp("api", "192.0.2.3", "10.0.0.2:8080"));
        ServiceKey web = datapath.services().stream().filter(k -> k.vip().getHostAddress().equals("192.0.2.2"))
                .findFirst().orElseThrow();
        List<Backend> backends = datapath.backends(web).orElseThrow();
        datapath.remove(web);

        JsonNode result = admin("POST", "/api/v1/datapath/reconcile").expect(200).json();

        assertThat(result.path("added").asInt()).isEqualTo(1);
        assertThat(result.path("unchanged").asInt()).isEqualTo(1);
        assertThat(result.path("removed").asInt()).isZero();
        assertThat(datapath.backends(web)).contains(backends);
    }

    @Test
    void aConfirmedPruneWithoutAJournalMismatchIsAnOrdinaryReconcile() {
        createId(tcp("web", "192.0.2.2", "10.0.0.1:8080"));

        JsonNode result = admin("POST", "/api/v1/datapath/reconcile?prune=true").expect(200).json();
        JsonNode datapathState = admin("GET", "/api/v1/datapath").expect(200).json();

        assertThat(result.path("unchanged").asInt()).isEqualTo(1);
        assertThat(result.path("held").asInt()).isZero();
        assertThat(datapathState.has("journalMismatch")).isFalse();
    }
}
