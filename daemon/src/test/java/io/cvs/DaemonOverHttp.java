package io.cvs;

import io.cvs.datapath.DatapathException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import io.cvs.journal.TestJournals;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublisher;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestComponent;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.boot.webmvc.test.autoconfigure.AutoConfigureMockMvc;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The whole daemon on a random port with the memory datapath, a viewer token, and an admin token that it creates
 * in a token file of this test run (under target/). Test classes that extend this share one running daemon.
 * Requests go over real HTTP ({@link java.net.http.HttpClient}); MockMvc is there too, for requests that must
 * look as if they came from another host.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "cvs.datapath=memory",
    "cvs.bpf.growth.automatic=false",
    "cvs.security.viewer-token=" + DaemonOverHttp.VIEWER_TOKEN,
    "cvs.api.max-body-size=1KB"})
@AutoConfigureMockMvc
@Import(DaemonOverHttp.TestEndpoints.class)
public abstract class DaemonOverHttp {

    public static final String VIEWER_TOKEN = "viewer-token-for-tests-0123456789";

    /** Fresh for each test run, so the first start of the daemon in this JVM creates it. */
    public static final Path TOKEN_FILE = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "state",
            "admin-token").toAbsolutePath();

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @LocalServerPort
    private int port;

    @DynamicPropertySource
    static void tokenFile(DynamicPropertyRegistry properties) {
        properties.add("cvs.journal.dir", () -> TestJournals.freshDir("http").toString());
        properties.add("cvs.security.token-file", TOKEN_FILE::toString);
    }

    /** A body for {@link TestEndpoints#echo}: something with constraints to break. */
    public record Echo(@NotBlank String name, @Min(1) @Max(65535) int port) {
    }

    /**
     * Endpoints that exist only in these tests, to show how the API treats bodies and failures before the real
     * write endpoints exist. A test component: never picked up by scanning, only by the import above.
     */
    @TestComponent
    @RestController
    public static class TestEndpoints {

        @PostMapping("/api/v1/test/echo")
        Echo echo(@Valid @RequestBody Echo echo) {
            return echo;
        }

        @GetMapping("/api/v1/test/bug")
        String bug() {
            throw new IllegalStateException("a bug with a secret in its message");
        }

        @GetMapping("/api/v1/test/full")
        String full() {
            throw DatapathException.noRoom(DatapathException.Resource.SERVICES, 2, 2, 1);
        }
    }

    /** The port the daemon listens on, for tests that speak HTTP without java.net.http. */
    protected int port() {
        return port;
    }

    protected static String adminToken() {
        try {
            return Files.readString(TOKEN_FILE).trim();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    protected HttpResponse<String> get(String path, String token) {
        return send("GET", path, token, null, BodyPublishers.noBody());
    }

    protected HttpResponse<String> send(String method, String path, String token, String contentType,
            BodyPublisher body) {
        return send(method, path, token, contentType, body, new String[0]);
    }

    /** As above, with more headers as name, value pairs ({@code "If-Match", "\"3\""}). */
    protected HttpResponse<String> send(String method, String path, String token, String contentType,
            BodyPublisher body, String... headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .method(method, body);
        if (headers.length > 0) {
            request.headers(headers);
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        try {
            return HTTP.send(request.build(), BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
