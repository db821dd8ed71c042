package io.cvs.selection;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cvs.journal.TestJournals;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code cvs.selection.maglev-table-size}: a MAGLEV service that names no table size gets the setting's, over HTTP.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=memory",
    "cvs.selection.maglev-table-size=251",
    "cvs.security.admin-token=" + MaglevTableSizeSettingTest.ADMIN})
class MaglevTableSizeSettingTest {

    static final String ADMIN = "admin-token-for-the-table-size-test";

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void journalDir(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("table-size").toString());
    }

    @Test
    void aMaglevServiceWithoutATableSizeGetsTheSettings() throws Exception {
        HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/api/v1/services"))
                .header("Authorization", "Bearer " + ADMIN).header("Content-Type", "application/json")
                .POST(BodyPublishers.ofString("""
                        {"name": "web", "vip": "192.0.2.10", "port": 80, "protocol": "TCP", "scheduler": "MAGLEV",
                         "backends": [{"address": "10.0.0.1", "port": 8080}]}""")).build(), BodyHandlers.ofString());

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(JsonMapper.builder().build().readTree(created.body()).path("maglev").path("tableSize").asInt())
                .isEqualTo(251);
    }

    @Test
    void aSettingThatIsNoTableSizeIsRefused() {
        assertThatThrownBy(() -> new SelectionProperties(16384)).hasMessageContaining("16384 is not a prime");
        assertThatThrownBy(() -> new SelectionProperties(5)).hasMessageContaining("between 7 and 1048573");
        assertThat(new SelectionProperties(7).maglevTableSize()).isEqualTo(7);
    }
}
