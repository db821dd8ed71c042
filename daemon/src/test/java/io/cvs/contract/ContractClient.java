package io.cvs.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Real HTTP to the daemon, every exchange checked against openapi.yaml. A request must validate unless the test
 * marks it {@link Call#invalidOnPurpose()}; every response must validate, and a 404 or 405 that is not the
 * contract's own {@code not-found} problem means the daemon does not serve a declared operation. Answers with a
 * 2xx or 304 that validated count the operation as served for {@link OpenApiContract#notServed()}.
 */
final class ContractClient {

    static final JsonMapper JSON = JsonMapper.builder().build();

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private final int port;

    ContractClient(int port) {
        this.port = port;
    }

    Call call(String method, String pathAndQuery) {
        return new Call(method, pathAndQuery);
    }

    /** A request to a path the contract does not cover (the document itself): sent, not validated. */
    Answer raw(String method, String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30)).method(method, BodyPublishers.noBody()).build();
        try {
            HttpResponse<String> response = HTTP.send(request, BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.headers().map(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The answer to one call, after it validated. */
    record Answer(int status, Map<String, List<String>> headers, String body) {

        Optional<String> header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .flatMap(e -> e.getValue().stream()).findFirst();
        }

        String etag() {
            return header("ETag").orElseThrow(() -> new AssertionError("no ETag in " + this));
        }

        JsonNode json() {
            return JSON.readTree(body);
        }

        /** The problem's field names in {@code errors}. */
        List<String> errorFields() {
            List<String> fields = new ArrayList<>();
            json().path("errors").forEach(error -> fields.add(error.path("field").asString()));
            return fields;
        }

        String type() {
            return json().path("type").asString();
        }
    }

    final class Call {

        private final String method;
        private final String pathAndQuery;
        private final Map<String, String> headers = new LinkedHashMap<>();
        private String body;
        private boolean requestMustValidate = true;

        private Call(String method, String pathAndQuery) {
            this.method = method;
            this.pathAndQuery = pathAndQuery;
        }

        Call token(String token) {
            return header("Authorization", "Bearer " + token);
        }

        Call header(String name, String value) {
            headers.put(name, value);
            return this;
        }

        Call json(String json) {
            return body("application/json", json);
        }

        Call body(String contentType, String content) {
            headers.put("Content-Type", contentType);
            body = content;
            return this;
        }

        /** The test sends a request the contract forbids, to see the error; only the response is validated. */
        Call invalidOnPurpose() {
            requestMustValidate = false;
            return this;
        }

        /** Sends the call, validates both sides and asserts the status. */
        Answer expect(int status) {
            Answer answer = send();
            assertThat(answer.status()).as("%s %s answered %s", method, pathAndQuery, answer.body())
                    .isEqualTo(status);
            return answer;
        }

        Answer send() {
            HttpRequest.Builder http = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + pathAndQuery))
                    .timeout(Duration.ofSeconds(30))
                    .method(method, body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
            headers.forEach(http::header);
            HttpResponse<String> response;
            try {
                response = HTTP.send(http.build(), BodyHandlers.ofString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            Answer answer = new Answer(response.statusCode(), response.headers().map(), response.body());
            check(answer);
            return answer;
        }

        private void check(Answer answer) {
            Request request = validatorRequest();
            OpenApiContract.DeclaredOperation operation = OpenApiContract.operationOf(method, request.getPath());
            if (operation == null) {
                fail(method + " " + pathAndQuery + " is no operation of " + OpenApiContract.DOCUMENT);
            }
            if (answer.status() == 405 || answer.status() == 404 && !answer.body().contains(
                    "\"urn:cvs:problem:not-found\"")) {
                fail("operation not served: " + operation + " answered " + method + " " + pathAndQuery + " with "
                        + answer.status() + " " + answer.body());
            }
            SimpleResponse.Builder response = SimpleResponse.Builder.status(answer.status());
            answer.headers().forEach((name, values) -> {
                if (!name.startsWith(":")) {
                    response.withHeader(name, values);
                }
            });
            if (!answer.body().isEmpty()) {
                response.withBody(answer.body());
            }
            List<String> messages = requestMustValidate
                    ? OpenApiContract.validate(request, response.build())
                    : OpenApiContract.validateResponse(request, response.build());
            if (!messages.isEmpty()) {
                fail("openapi.yaml is broken by " + method + " " + pathAndQuery + " -> " + answer.status() + " "
                        + answer.body() + "\n" + String.join("\n", messages));
            }
            if (answer.header("Content-Type").orElse("").startsWith("application/problem+json")) {
                assertThat(OpenApiContract.undeclaredProblemMembers(answer.json()))
                        .as("members of the problem %s that openapi.yaml does not declare", answer.body()).isEmpty();
            }
            if (answer.status() / 100 == 2 || answer.status() == 304) {
                OpenApiContract.served(operation);
            }
        }

        /** The validator gets the path decoded (a percent-encoded colon in a backend key is the same key). */
        private Request validatorRequest() {
            int question = pathAndQuery.indexOf('?');
            String path = question < 0 ? pathAndQuery : pathAndQuery.substring(0, question);
            SimpleRequest.Builder request = new SimpleRequest.Builder(method,
                    URLDecoder.decode(path, StandardCharsets.UTF_8));
            if (question >= 0) {
                Map<String, List<String>> query = new LinkedHashMap<>();
                for (String pair : pathAndQuery.substring(question + 1).split("&")) {
                    int equals = pair.indexOf('=');
                    String name = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals),
                            StandardCharsets.UTF_8);
                    String value = equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1),
                            StandardCharsets.UTF_8);
                    query.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
                }
                query.forEach(request::withQueryParam);
            }
            headers.forEach((name, value) -> request.withHeader(name, value));
            if (body != null) {
                request.withBody(body);
            }
            return request.build();
        }
    }
}
