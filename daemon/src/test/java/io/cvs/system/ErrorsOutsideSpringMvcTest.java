package io.cvs.system;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.DaemonOverHttp;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Errors that Spring MVC never sees, answered as problems like every other: requests Spring Security's firewall
 * rejects, requests Tomcat refuses before any servlet runs, a body that stops coming (408), and whatever reaches
 * the {@code /error} page. Each is sent byte for byte over a plain socket ({@link RawHttp}), since no HTTP client
 * library sends them. The daemon waits 1 s for a body that stalls ({@code server.tomcat.connection-timeout}).
 */
@TestPropertySource(properties = "server.tomcat.connection-timeout=1s")
class ErrorsOutsideSpringMvcTest extends DaemonOverHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    @Test
    void aDoubleSlashIsRejectedByTheFirewallAsAProblem() {
        JsonNode problem = assertProblem(get("//api/v1/services"), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:malformed-request");
        assertThat(problem.path("detail").asString()).contains("\"//\"");
    }

    @Test
    void aPathParameterIsRejectedByTheFirewallAsAProblem() {
        assertProblem(get("/api/v1/services;jsessionid=x"), 400);
    }

    @Test
    void anEncodedDotIsRejectedAsAProblem() {
        assertProblem(get("/api/v1/%2e%2e/services"), 400);
    }

    @Test
    void anEncodedBackslashIsRejectedAsAProblem() {
        assertProblem(get("/api/v1/services%5cx"), 400);
    }

    @Test
    void anEncodedSlashIsRejectedByTomcatAsAProblem() {
        JsonNode problem = assertProblem(get("/api/v1/services%2fx"), 400);

        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:malformed-request");
        assertThat(problem.propertyNames()).containsExactly("type", "title", "status", "detail");
    }

    @Test
    void aRawBackslashIsRejectedByTomcatAsAProblem() {
        assertProblem(get("/api/v1\\services"), 400);
    }

    @Test
    void anEncodedNulIsRejectedByTomcatAsAProblem() {
        assertProblem(get("/api/v1/services%00"), 400);
    }

    @Test
    void aHeaderOf64KiBIsAProblem() {
        assertProblem(RawHttp.exchange(port(), "GET /api/v1/services HTTP/1.1\r\nHost: localhost\r\nX-Big: "
                + "x".repeat(64 * 1024) + "\r\n\r\n"), 400);
    }

    @Test
    void twoHundredHeadersAreAProblem() {
        StringBuilder headers = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            headers.append("X-Header-").append(i).append(": ").append(i).append("\r\n");
        }
        assertProblem(RawHttp.exchange(port(), "GET /api/v1/services HTTP/1.1\r\nHost: localhost\r\n" + headers
                + "\r\n"), 400);
    }

    @Test
    void anInvalidMethodIsAProblem() {
        assertProblem(RawHttp.exchange(port(), "G{T /api/v1/services HTTP/1.1\r\nHost: localhost\r\n\r\n"), 400);
    }

    @Test
    void anUnknownHttpVersionIsAProblem() {
        JsonNode problem = assertProblem(RawHttp.exchange(port(),
                "GET /api/v1/services HTTP/9.9\r\nHost: localhost\r\n\r\n"), 505);

        assertThat(problem.path("type").asString()).isEqualTo("about:blank");
    }

    @Test
    void aBodyThatStopsComingIs408AsAProblem() {
        String request = "POST /api/v1/test/echo HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + adminToken()
                + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"name\": ";
        RawHttp.Response response = RawHttp.exchange(port(), request.getBytes(StandardCharsets.US_ASCII),
                Duration.ofSeconds(3));

        JsonNode problem = assertProblem(response, 408);
        assertThat(problem.path("type").asString()).isEqualTo("urn:cvs:problem:request-timeout");
    }

    @Test
    void theErrorPageAskedForDirectlyIsNothing() {
        JsonNode problem = assertProblem(get("/error"), 404);

        assertThat(problem.path("instance").asString()).isEqualTo("/error");
    }

    private RawHttp.Response get(String target) {
        return RawHttp.exchange(port(), "GET " + target + " HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer "
                + VIEWER_TOKEN + "\r\nConnection: close\r\n\r\n");
    }

    private static JsonNode assertProblem(RawHttp.Response response, int status) {
        assertThat(response.status()).as(response.toString()).isEqualTo(status);
        assertThat(response.header("Content-Type")).as(response.toString()).isEqualTo("application/problem+json");
        JsonNode problem = JSON.readTree(response.body());
        assertThat(problem.path("status").asInt()).isEqualTo(status);
        assertThat(problem.path("type").asString()).as(response.body()).isNotEmpty();
        assertThat(problem.path("title").asString()).isNotEmpty();
        assertThat(response.body()).doesNotContainIgnoringCase("tomcat").doesNotContain("Exception")
                .doesNotContain("\tat ");
        return problem;
    }
}
