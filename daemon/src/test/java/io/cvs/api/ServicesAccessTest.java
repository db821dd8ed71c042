package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/** Who may call the services API: reads need any token, writes the admin token. */
class ServicesAccessTest extends ServicesOverHttp {

    private static final String WEB = spec("web", "192.0.2.10", 80, "TCP", "[" + backend("10.0.0.1", 80) + "]");

    @Test
    void withoutATokenEveryOperationIs401() {
        String id = create(WEB);
        for (String[] call : operations(id)) {
            HttpResponse<String> response = send(call[0], call[1], null, JSON, body(call));
            assertProblem(response, 401, "unauthorized");
        }
    }

    @Test
    void theViewerReadsButDoesNotWrite() {
        String id = create(WEB);
        for (String[] call : operations(id)) {
            HttpResponse<String> response = send(call[0], call[1], VIEWER_TOKEN, JSON, body(call));
            if (call[0].equals("GET")) {
                assertThat(response.statusCode()).as(call[1]).isEqualTo(200);
            } else {
                assertProblem(response, 403, "forbidden");
            }
        }
    }

    @Test
    void theAdminWrites() {
        String id = create(WEB);
        String backends = SERVICES + "/" + id + "/backends";

        assertThat(admin("POST", backends, backend("10.0.0.2", 80)).statusCode()).isEqualTo(201);
        assertThat(admin("PUT", backends + "/10.0.0.2:80", "{\"weight\":3}").statusCode()).isEqualTo(200);
        assertThat(admin("DELETE", backends + "/10.0.0.2:80").statusCode()).isEqualTo(204);
        assertThat(admin("PUT", SERVICES + "/" + id, spec("web", "192.0.2.10", 81, "TCP", "[]")).statusCode()).isEqualTo(200);
        assertThat(admin("PUT", SERVICES, "{\"services\":[]}").statusCode()).isEqualTo(200);
    }

    private static BodyPublisher body(String[] call) {
        return call.length > 2 ? BodyPublishers.ofString(call[2]) : BodyPublishers.noBody();
    }

    private static String[][] operations(String id) {
        String one = SERVICES + "/" + id;
        return new String[][] {
            {"GET", SERVICES}, {"POST", SERVICES, WEB}, {"PUT", SERVICES, "{\"services\":[]}"},
            {"GET", one}, {"PUT", one, WEB}, {"PATCH", one, "{}"}, {"DELETE", one}, {"GET", one + "/stats"},
            {"GET", one + "/backends"}, {"POST", one + "/backends", backend("10.0.0.1", 80)},
            {"GET", one + "/backends/10.0.0.1:80"}, {"PUT", one + "/backends/10.0.0.1:80", "{}"},
            {"DELETE", one + "/backends/10.0.0.1:80"}};
    }
}
