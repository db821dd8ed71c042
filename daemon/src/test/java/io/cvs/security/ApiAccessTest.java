package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.cvs.DaemonOverHttp;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import org.springframework.test.web.servlet.request.RequestPostProcessor;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Who may do what, over real HTTP to the running daemon (its admin token made in a token file at start). */
class ApiAccessTest extends DaemonOverHttp {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String DATAPATH = "/api/v1/datapath";

    @Autowired
    private MockMvc mvc;

    @Test
    void withoutATokenTheApiAnswers401ProblemWithABearerChallenge() {
        HttpResponse<String> response = get(DATAPATH, null);

        assertProblem(response, 401);
        assertThat(json(response).path("type").asString()).isEqualTo("urn:cvs:problem:unauthorized");
        assertThat(response.headers().firstValue("WWW-Authenticate")).contains("Bearer realm=\"cvs\"");
    }

    @Test
    void aWrongTokenIs401InvalidToken() {
        HttpResponse<String> response = get(DATAPATH, "not-a-token-of-this-daemon-at-all");

        assertProblem(response, 401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .contains("Bearer realm=\"cvs\", error=\"invalid_token\"");
    }

    @Test
    void theViewerTokenReads() {
        HttpResponse<String> response = get(DATAPATH, VIEWER_TOKEN);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("mode").asString()).isEqualTo("memory");
    }

    @Test
    void theAdminTokenReads() {
        HttpResponse<String> response = get(DATAPATH, adminToken());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).path("capacity").path("services").path("max").asInt()).isEqualTo(1024);
    }

    @Test
    void aWriteWithTheViewerTokenIs403Problem() {
        HttpResponse<String> response = send("POST", DATAPATH, VIEWER_TOKEN, null, BodyPublishers.noBody());

        assertProblem(response, 403);
        assertThat(json(response).path("type").asString()).isEqualTo("urn:cvs:problem:forbidden");
        assertThat(json(response).path("detail").asString())
                .isEqualTo("This operation needs the admin role; the token has viewer.");
        assertProblem(send("POST", "/api/v1/test/echo", VIEWER_TOKEN, "application/json",
                BodyPublishers.ofString("{\"name\": \"web\", \"port\": 80}")), 403);
    }

    @Test
    void aWriteWithTheAdminTokenGetsThrough() {
        HttpResponse<String> echoed = send("POST", "/api/v1/test/echo", adminToken(), "application/json",
                BodyPublishers.ofString("{\"name\": \"web\", \"port\": 80}"));
        HttpResponse<String> notAllowed = send("POST", DATAPATH, adminToken(), null, BodyPublishers.noBody());

        assertThat(echoed.statusCode()).isEqualTo(200);
        assertProblem(notAllowed, 405);
        assertThat(json(notAllowed).path("type").asString()).isEqualTo("about:blank");
        assertThat(notAllowed.headers().firstValue("Allow")).contains("GET");
    }

    @Test
    void theAdminTokenFileIsReadableByItsOwnerOnlyInADirectoryOfItsOwn() throws Exception {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TOKEN_FILE))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(TOKEN_FILE.getParent())))
                .isEqualTo("rwx------");
        assertThat(adminToken()).hasSizeGreaterThanOrEqualTo(43);
    }

    @Test
    void healthIsOpenOnLoopbackAndShowsTheDatapathMode() {
        HttpResponse<String> response = get("/actuator/health", null);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode datapath = json(response).path("components").path("datapath");
        assertThat(datapath.path("status").asString()).isEqualTo("UP");
        assertThat(datapath.path("details").path("mode").asString()).isEqualTo("memory");
        assertThat(datapath.path("details").path("forwarding").asBoolean()).isFalse();
    }

    @Test
    void readinessWaitsForTheFirstReconcileAndHealthShowsTheJournal() {
        JsonNode readiness = json(get("/actuator/health/readiness", null));

        assertThat(readiness.path("status").asString()).isEqualTo("UP");
        assertThat(readiness.path("components").path("reconcile").path("status").asString()).isEqualTo("UP");
        JsonNode journal = json(get("/actuator/health", null)).path("components").path("journal");
        assertThat(journal.path("status").asString()).isEqualTo("UP");
        assertThat(journal.path("details").path("dir").asString()).endsWith("journal");
    }

    @Test
    void prometheusMetricsAreOpenOnLoopback() {
        HttpResponse<String> response = get("/actuator/prometheus", null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("# TYPE jvm_memory_used_bytes gauge");
    }

    @Test
    void swaggerUiAndTheOpenApiDocumentAreOpenOnLoopback() {
        HttpResponse<String> ui = get("/swagger-ui.html", null);
        HttpResponse<String> docs = get("/v3/api-docs", null);

        assertThat(ui.statusCode()).isEqualTo(302);
        assertThat(ui.headers().firstValue("Location")).hasValueSatisfying(
                location -> assertThat(location).endsWith("/swagger-ui/index.html"));
        assertThat(get("/swagger-ui/index.html", null).statusCode()).isEqualTo(200);
        assertThat(docs.statusCode()).isEqualTo(200);
        assertThat(json(docs).path("paths").has(DATAPATH)).isTrue();
    }

    @Test
    void swaggerUiShowsTheContractItself() throws Exception {
        HttpResponse<String> contract = get("/openapi.yaml", null);
        assertThat(contract.statusCode()).isEqualTo(200);
        assertThat(contract.body()).isEqualTo(Files.readString(repositoryFile("openapi.yaml")));
        assertThat(get("/v3/api-docs/swagger-config", null).body()).contains("\"url\":\"/openapi.yaml\"");
    }

    /** A file at the top of the repository, from the module directory or the top itself. */
    private static Path repositoryFile(String name) {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve(name)) ? here.resolve(name) : here.getParent().resolve(name);
    }

    @Test
    void fromAnotherHostTheOpenEndpointsNeedAToken() throws Exception {
        mvc.perform(MockMvcRequestBuilders.get("/actuator/health").with(from("192.0.2.77"))).andExpect(status().isUnauthorized());
        mvc.perform(MockMvcRequestBuilders.get("/v3/api-docs").with(from("192.0.2.77"))).andExpect(status().isUnauthorized());
        mvc.perform(MockMvcRequestBuilders.get("/actuator/health").with(from("192.0.2.77"))
                .header("Authorization", "Bearer " + VIEWER_TOKEN)).andExpect(status().isOk());
        mvc.perform(MockMvcRequestBuilders.get("/actuator/health").with(from("::1"))).andExpect(status().isOk());
    }

    @Test
    void theBearerSchemeIsCaseInsensitiveAndAnotherSchemeIsNoToken() throws Exception {
        mvc.perform(MockMvcRequestBuilders.get(DATAPATH).header("Authorization", "bearer " + VIEWER_TOKEN)).andExpect(status().isOk());
        mvc.perform(MockMvcRequestBuilders.get(DATAPATH).header("Authorization", "Basic dmlld2VyOnNlY3JldA=="))
                .andExpect(status().isUnauthorized());
    }

    private static RequestPostProcessor from(String address) {
        return request -> {
            request.setRemoteAddr(address);
            return request;
        };
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).contains("application/problem+json");
        assertThat(json(response).path("status").asInt()).isEqualTo(status);
    }

    private static JsonNode json(HttpResponse<String> response) {
        return JSON.readTree(response.body());
    }
}
