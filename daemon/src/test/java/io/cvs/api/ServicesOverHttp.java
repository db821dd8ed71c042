package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.DaemonOverHttp;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.BeforeEach;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** The running daemon with no services at the start of each test, and shorthands for the services API. */
abstract class ServicesOverHttp extends DaemonOverHttp {

    static final String SERVICES = "/api/v1/services";
    static final String JSON = "application/json";
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @BeforeEach
    void noServices() {
        for (JsonNode service : json(get(SERVICES + "?limit=1000", adminToken())).path("items")) {
            assertThat(admin("DELETE", SERVICES + "/" + service.path("id").asString()).statusCode()).isEqualTo(204);
        }
    }

    HttpResponse<String> admin(String method, String path) {
        return send(method, path, adminToken(), null, BodyPublishers.noBody());
    }

    HttpResponse<String> admin(String method, String path, String body, String... headers) {
        return send(method, path, adminToken(), JSON, BodyPublishers.ofString(body), headers);
    }

    /** Creates a service and returns its id. */
    String create(String spec) {
        HttpResponse<String> created = admin("POST", SERVICES, spec);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        return json(created).path("id").asString();
    }

    /** The whole desired state as the API lists it, to show that a refused request changed nothing. */
    String everything() {
        return get(SERVICES + "?limit=1000", VIEWER_TOKEN).body();
    }

    static String spec(String name, String vip, int port, String protocol, String backends) {
        return "{\"name\":\"" + name + "\",\"vip\":\"" + vip + "\",\"port\":" + port + ",\"protocol\":\"" + protocol
                + "\",\"backends\":" + backends + "}";
    }

    static String backend(String address, int port) {
        return "{\"address\":\"" + address + "\",\"port\":" + port + "}";
    }

    static JsonNode json(HttpResponse<String> response) {
        return MAPPER.readTree(response.body());
    }

    static String etag(HttpResponse<String> response) {
        return response.headers().firstValue("ETag").orElse(null);
    }

    /** A problem of this status and type, with {@code errors} naming exactly these fields when any are given. */
    static JsonNode assertProblem(HttpResponse<String> response, int status, String type, String... fields) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                value -> assertThat(value).startsWith("application/problem+json"));
        JsonNode problem = json(response);
        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:" + type);
        if (fields.length > 0) {
            java.util.List<String> named = new java.util.ArrayList<>();
            problem.path("errors").forEach(e -> named.add(e.path("field").asString()));
            assertThat(named).containsExactly(fields);
        }
        return problem;
    }
}
