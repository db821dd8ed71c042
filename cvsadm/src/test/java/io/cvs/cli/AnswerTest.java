package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.ServiceList;
import io.cvs.cli.Api.ServiceStats;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The typed views of the daemon's documents: lenient to what a newer daemon adds, and the document kept as sent. */
class AnswerTest {

    @Test
    void aMemberNoRecordKnowsIsIgnoredByTheViewAndKeptInTheDocument() {
        JsonNode sent = Json.JSON.readTree("""
                {"id": "svc-1", "version": 2, "name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP",
                 "backends": [{"address": "10.0.0.1", "port": 80, "weight": 1, "zone": "b"}], "labels": {},
                 "addedInANewerDaemon": {"x": 1}}
                """);
        Answer<Service> answer = Answer.of(sent, Service.class);
        assertThat(answer.view().name()).isEqualTo("web");
        assertThat(answer.view().backends().get(0).key()).isEqualTo("10.0.0.1:80");
        assertThat(Json.JSON.writeValueAsString(answer.document())).as("-o json prints the document as sent")
                .isEqualTo(Json.JSON.writeValueAsString(sent)).contains("addedInANewerDaemon", "zone");
    }

    @Test
    void missingListsAreEmptyMissingNumbersZeroAndNoRateIsNone() {
        ServiceStats stats = Json.view(Json.JSON.readTree("{\"name\": \"web\"}"), ServiceStats.class);
        assertThat(stats.backends()).isEmpty();
        assertThat(stats.refused()).isZero();
        assertThat(stats.rate().connectionsPerSecond()).isNull();
        Service service = Json.view(Json.JSON.missingNode(), Service.class);
        assertThat(service.backends()).isEmpty();
        assertThat(service.labels()).isEmpty();
        assertThat(service.healthCheck()).isNull();
    }

    @Test
    void eachItemOfAPageKeepsItsOwnDocument() {
        Answer<ServiceList> page = Answer.of(Json.JSON.readTree("""
                {"items": [{"id": "svc-a", "name": "a", "extra": 1}, {"id": "svc-b", "name": "b"}],
                 "nextCursor": null}
                """), ServiceList.class);
        List<Answer<Service>> items = page.items("items", ServiceList::items);
        assertThat(items).extracting(item -> item.view().id()).containsExactly("svc-a", "svc-b");
        assertThat(items.get(0).document().has("extra")).isTrue();
        assertThat(Answer.documents(items)).isEqualTo(page.document().path("items"));
        assertThat(page.view().nextCursor()).isNull();
    }

    @Test
    void aDocumentThatDoesNotFitIsAnUnexpectedAnswer() {
        assertThatThrownBy(() -> Json.view(Json.JSON.readTree("{\"backends\": \"none\"}"), Service.class))
                .isInstanceOfSatisfying(CliFailure.class, failure -> assertThat(failure.exitCode()).isEqualTo(1))
                .hasMessageStartingWith("the daemon's answer is not the Service cvsadm expects");
    }
}
