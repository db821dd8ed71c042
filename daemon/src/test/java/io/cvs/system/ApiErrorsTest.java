package io.cvs.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.DaemonOverHttp;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * How the API answers what it cannot take, as RFC 9457 problems, through the test-only endpoints of
 * {@link DaemonOverHttp} (the daemon runs with {@code cvs.api.max-body-size=1KB}).
 */
class ApiErrorsTest extends DaemonOverHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ECHO = "/api/v1/test/echo";

    @Test
    void anUnknownFieldIs400NamingTheField() {
        JsonNode problem = problem(post("{\"name\": \"web\", \"port\": 80, \"colour\": \"red\"}"), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(problem.path("detail").asString()).isEqualTo("Unknown field 'colour'.");
        assertThat(problem.path("errors").get(0).path("field").asString()).isEqualTo("colour");
        assertThat(problem.path("errors").get(0).path("message").asString()).isEqualTo("unknown field");
    }

    @Test
    void brokenConstraintsAre400ListingEachField() {
        JsonNode problem = problem(post("{\"name\": \" \", \"port\": 0}"), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(problem.path("title").asString()).isEqualTo("Invalid request");
        assertThat(problem.path("detail").asString()).isEqualTo("2 fields are invalid.");
        assertThat(problem.path("errors").findValuesAsString("field")).containsExactlyInAnyOrder("name", "port");
        assertThat(problem.path("errors").findValuesAsString("rejectedValue")).containsExactlyInAnyOrder(" ", "0");
    }

    @Test
    void aValueOfTheWrongTypeIs400NamingTheField() {
        JsonNode problem = problem(post("{\"name\": \"web\", \"port\": \"eighty\"}"), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:validation-failed");
        assertThat(problem.path("errors").findValuesAsString("field")).containsExactly("port");
    }

    @Test
    void aBodyThatIsNotJsonIs400MalformedBody() {
        JsonNode problem = problem(post("{\"name\": "), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:malformed-body");
        assertThat(problem.path("title").asString()).isEqualTo("Malformed request body");
        assertThat(problem.has("errors")).isFalse();
    }

    @Test
    void anotherContentTypeIs415() {
        JsonNode problem = problem(send("POST", ECHO, adminToken(), "text/plain", BodyPublishers.ofString("name=web")),
                415);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:unsupported-media-type");
    }

    @Test
    void aBodyOverTheLimitIs413BeforeItIsRead() {
        JsonNode problem = problem(post(bigBody()), 413);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:payload-too-large");
        assertThat(problem.path("detail").asString()).isEqualTo("The body exceeds 1024 bytes.");
        assertThat(problem.path("maxBytes").asLong()).isEqualTo(1024);
    }

    @Test
    void aChunkedBodyOverTheLimitIs413OnceReadingPassesIt() {
        byte[] body = bigBody().getBytes(StandardCharsets.UTF_8);

        JsonNode problem = problem(send("POST", ECHO, adminToken(), "application/json",
                BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body))), 413);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:payload-too-large");
        assertThat(problem.path("maxBytes").asLong()).isEqualTo(1024);
    }

    @Test
    void anUnexpectedFailureIs500AndKeepsItsMessageToTheLog() {
        HttpResponse<String> response = get("/api/v1/test/bug", VIEWER_TOKEN);

        JsonNode problem = problem(response, 500);
        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:internal");
        assertThat(response.body()).doesNotContain("secret");
    }

    @Test
    void aDomainExceptionBringsItsOwnTypeAndMembers() {
        JsonNode problem = problem(get("/api/v1/test/full", VIEWER_TOKEN), 507);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:capacity-exhausted");
        assertThat(problem.path("title").asString()).isEqualTo("No room in the maps");
        assertThat(problem.path("detail").asString())
                .isEqualTo("The map set holds 2 services, 2 are in use, the change needs 1 more.");
        assertThat(problem.path("resource").asString()).isEqualTo("services");
        assertThat(problem.path("requested").asInt()).isEqualTo(1);
    }

    @Test
    void anUnknownPathIs404AboutBlank() {
        JsonNode problem = problem(get("/api/v1/nothing-here", VIEWER_TOKEN), 404);

        assertThat(problem.path("type").asString()).isEqualTo("about:blank");
    }

    private HttpResponse<String> post(String json) {
        return send("POST", ECHO, adminToken(), "application/json", BodyPublishers.ofString(json));
    }

    private static String bigBody() {
        return "{\"name\": \"" + "x".repeat(2000) + "\", \"port\": 80}";
    }

    private static JsonNode problem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").isString()).as("type is required").isTrue();
        assertThat(problem.path("title").isString()).as("title is required").isTrue();
        return problem;
    }
}
