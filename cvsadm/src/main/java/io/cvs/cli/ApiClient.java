package io.cvs.cli;

import io.cvs.cli.Api.Problem;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * The daemon's REST API (openapi.yaml), JSON in and out, with the token of the {@link ConnectionSettings}. Every
 * failure leaves as a {@link CliFailure} with its exit code: a problem+json as {@link ExitCode#API} (or
 * {@link ExitCode#AUTH} for 401 and 403), no answer as {@link ExitCode#UNREACHABLE}.
 */
final class ApiClient {

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SELECTOR_EXIT_WAIT = Duration.ofMillis(100);

    private final ConnectionSettings settings;
    private final HttpClient http;

    ApiClient(ConnectionSettings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT)
                .build();
    }

    /** A response whose status the caller judges (the actuator answers 503 with a body when something is down). */
    record Response(int status, JsonNode body) {
    }

    JsonNode get(String path) {
        return send("GET", path, null, null, Map.of());
    }

    JsonNode post(String path, Object body) {
        return send("POST", path, body, "application/json", Map.of());
    }

    JsonNode put(String path, Object body, Map<String, String> headers) {
        return send("PUT", path, body, "application/json", headers);
    }

    JsonNode patch(String path, Object body, Map<String, String> headers) {
        return send("PATCH", path, body, "application/merge-patch+json", headers);
    }

    void delete(String path, Map<String, String> headers) {
        send("DELETE", path, null, null, headers);
    }

    /** GET that returns any status with a JSON body instead of failing on it (authentication errors still fail). */
    Response getAnyStatus(String path) {
        HttpResponse<String> response = exchange("GET", path, null, null, Map.of());
        failOnAuthentication(response);
        return new Response(response.statusCode(), parse(response));
    }

    URI url() {
        return settings.url();
    }

    /**
     * Stops the client's selector thread, which would otherwise sit in epoll_wait when cvsadm exits: the JVM waits
     * up to 300 ms for threads in native code at exit, a third of a short command's time. Java 17's HttpClient has
     * no close(); interrupting its selector thread ends it (a thread of another name is left alone: exit is then
     * only slower).
     */
    void close() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().startsWith("HttpClient-") && thread.getName().endsWith("-SelectorManager")) {
                thread.interrupt();
                try {
                    thread.join(SELECTOR_EXIT_WAIT.toMillis());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** {@code If-Match} naming a service's version, as its ETag does. */
    static Map<String, String> ifMatch(long version) {
        return Map.of("If-Match", "\"" + version + "\"");
    }

    /** {@code ?name=value&...} with every value percent-encoded; pairs of name and value. */
    static String query(List<String> namesAndValues) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < namesAndValues.size(); i += 2) {
            parts.add(namesAndValues.get(i) + "=" + URLEncoder.encode(namesAndValues.get(i + 1),
                    StandardCharsets.UTF_8));
        }
        return parts.isEmpty() ? "" : "?" + String.join("&", parts);
    }

    private JsonNode send(String method, String path, Object body, String contentType, Map<String, String> headers) {
        HttpResponse<String> response = exchange(method, path, body, contentType, headers);
        failOnAuthentication(response);
        if (response.statusCode() >= 400) {
            Problem problem = Problem.of(response.statusCode(), response.body());
            throw CliFailure.problem(ExitCode.API, problem, List.of());
        }
        return parse(response);
    }

    private HttpResponse<String> exchange(String method, String path, Object body, String contentType,
            Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(settings.url() + path))
                .timeout(REQUEST_TIMEOUT)
                .header("Accept", "application/json, application/problem+json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(Json.JSON.writeValueAsString(body)));
        if (contentType != null) {
            request.header("Content-Type", contentType);
        }
        if (settings.token() != null) {
            request.header("Authorization", "Bearer " + settings.token());
        }
        headers.forEach(request::header);
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(ExitCode.UNEXPECTED, "interrupted while waiting for the daemon");
        }
    }

    private void failOnAuthentication(HttpResponse<String> response) {
        int status = response.statusCode();
        if (status != 401 && status != 403) {
            return;
        }
        Problem problem = Problem.of(status, response.body());
        String hint;
        if (settings.token() == null) {
            hint = "no token was sent: pass --token or --token-file, set CVS_TOKEN, or set token or tokenFile in "
                    + "~/.config/cvs/cvsadm.yaml (root on the daemon's host uses " + Host.DAEMON_TOKEN_FILE + ")";
        } else if (status == 401) {
            hint = "the daemon does not know the token from " + settings.tokenSource()
                    + "; pass the right one with --token, --token-file or CVS_TOKEN";
        } else {
            hint = "the token from " + settings.tokenSource() + " may only read; changes need the admin token "
                    + "(" + Host.DAEMON_TOKEN_FILE + " unless the daemon was given one)";
        }
        throw CliFailure.problem(ExitCode.AUTH, problem, List.of("hint: " + hint));
    }

    private static JsonNode parse(HttpResponse<String> response) {
        String body = response.body();
        if (body == null || body.isBlank()) {
            return Json.JSON.missingNode();
        }
        try {
            return Json.JSON.readTree(body);
        } catch (RuntimeException e) {
            throw new CliFailure(ExitCode.UNEXPECTED, "the daemon answered " + response.statusCode()
                    + " with a body that is not JSON: " + abbreviate(body));
        }
    }

    private CliFailure unreachable(IOException e) {
        return new CliFailure(ExitCode.UNREACHABLE, "cannot reach the cvs daemon at " + settings.url() + " ("
                + reason(e) + "); is it running? (scripts/run)");
    }

    private static String reason(Throwable e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "no connection within " + CONNECT_TIMEOUT.toSeconds() + " s";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + REQUEST_TIMEOUT.toSeconds() + " s";
        }
        for (Throwable cause = e; cause != null; cause = cause.getCause()) {
            if (cause instanceof UnresolvedAddressException) {
                return "unknown host";
            }
            if (cause instanceof ConnectException && cause.getMessage() != null) {
                return cause.getMessage().toLowerCase(java.util.Locale.ROOT);
            }
        }
        return e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
    }

    private static String abbreviate(String text) {
        String line = text.strip().replaceAll("\\s+", " ");
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
    }
}
