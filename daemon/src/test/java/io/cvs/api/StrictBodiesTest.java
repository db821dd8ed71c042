package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

/**
 * Issue 21, findings 5 and 7: bodies are strict. A key twice in one object, a charset other than UTF-8, text that
 * shows other than it holds (control, bidi override, lone surrogate, also from malformed or overlong UTF-8) and a
 * body that is the literal {@code null} are refused, each naming what is wrong, and change nothing.
 */
class StrictBodiesTest extends ServicesOverHttp {

    private static final String WEB = "\"name\":\"web\",\"vip\":\"192.0.2.30\",\"port\":80,\"protocol\":\"TCP\"";

    private JsonNode refused(Supplier<HttpResponse<String>> call, int status, String type, String... fields) {
        String before = everything();
        JsonNode problem = assertProblem(call.get(), status, type, fields);
        assertThat(everything()).isEqualTo(before);
        return problem;
    }

    private HttpResponse<String> post(String body) {
        return admin("POST", SERVICES, body);
    }

    private HttpResponse<String> postBytes(byte[] body, String contentType) {
        return send("POST", SERVICES, adminToken(), contentType, BodyPublishers.ofByteArray(body));
    }

    @Test
    void aKeyTwiceAtTheTopIs400NamingIt() {
        JsonNode problem = refused(() -> post("{" + WEB + ",\"name\":\"other\",\"backends\":[]}"), 400,
                "validation-failed", "name");
        assertThat(problem.path("errors").get(0).path("message").asString()).contains("more than once");
        refused(() -> post("{" + WEB + ",\"vip\":\"192.0.2.31\",\"backends\":[]}"), 400, "validation-failed", "vip");
    }

    @Test
    void aKeyTwiceInANestedObjectIs400NamingItsPath() {
        refused(() -> post("{" + WEB + ",\"backends\":[{\"address\":\"10.0.0.1\",\"port\":80},"
                + "{\"address\":\"10.0.0.2\",\"port\":80,\"port\":81}]}"), 400, "validation-failed",
                "backends[1].port");
        refused(() -> post("{" + WEB + ",\"backends\":[],\"labels\":{\"team\":\"a\",\"team\":\"b\"}}"), 400,
                "validation-failed", "labels[team]");
        refused(() -> admin("PUT", SERVICES, "{\"services\":[{" + WEB + ",\"backends\":[],\"vip\":\"192.0.2.32\"}]}"),
                400, "validation-failed", "services[0].vip");
        refused(() -> admin("PUT", "/api/v1/datapath/capacity", "{\"maxServices\":8,\"maxServices\":9}"), 400,
                "validation-failed", "maxServices");
    }

    @Test
    void aKeyTwiceInAMergePatchOrABackendIs400() {
        String id = create("{" + WEB + ",\"backends\":[]}");
        refused(() -> send("PATCH", SERVICES + "/" + id, adminToken(), ServiceController.MERGE_PATCH,
                BodyPublishers.ofString("{\"port\":81,\"port\":82}")), 400, "validation-failed", "port");
        refused(() -> admin("POST", SERVICES + "/" + id + "/backends",
                "{\"address\":\"10.0.0.1\",\"address\":\"10.0.0.2\",\"port\":80}"), 400, "validation-failed",
                "address");
    }

    @Test
    void aCharsetOtherThanUtf8Is415AndUtf8IsTaken() {
        byte[] body = ("{" + WEB + ",\"backends\":[]}").getBytes(StandardCharsets.UTF_8);
        JsonNode problem = refused(() -> postBytes(body, "application/json; charset=UTF-16"), 415,
                "unsupported-media-type");
        assertThat(problem.path("detail").asString()).contains("UTF-8").contains("UTF-16");
        refused(() -> postBytes(body, "application/json;charset=ISO-8859-1"), 415, "unsupported-media-type");

        assertThat(postBytes(body, "application/json; charset=utf-8").statusCode()).isEqualTo(201);
    }

    @ParameterizedTest(name = "label value {0}")
    @CsvSource(delimiter = '|', value = {
        "a\\u0000b| control characters",
        "a\\u001bb| control characters",
        "a\\u202eb| bidirectional",
        "a\\u2066b| bidirectional",
        "a\\ud800b| lone surrogate",
        "a\\udc00| lone surrogate",
    })
    void labelValuesThatShowOtherThanTheyHoldAre400(String escaped, String why) {
        JsonNode problem = refused(() -> post("{" + WEB + ",\"backends\":[],\"labels\":{\"team\":\"" + escaped
                + "\"}}"), 400, "validation-failed", "labels[team]");
        assertThat(problem.path("errors").get(0).path("message").asString()).contains(why);
    }

    @Test
    void aTabAndAPairedSurrogateAreText() {
        assertThat(post("{" + WEB + ",\"backends\":[],\"labels\":{\"team\":\"a\\tb \\ud83d\\ude00\"}}").statusCode())
                .isEqualTo(201);
    }

    /**
     * C0 80 is NUL written in two bytes, which UTF-8 forbids: Jackson decodes it as U+0000 (the finding), and the
     * label check refuses that.
     */
    @Test
    void anOverlongNulIs400NamingTheLabel() {
        JsonNode problem = refused(() -> postBytes(withLabelBytes(0xC0, 0x80), JSON), 400, "validation-failed",
                "labels[team]");
        assertThat(problem.path("errors").get(0).path("message").asString()).contains("U+0000");
    }

    /**
     * ED A0 80 is a surrogate written as a character, which UTF-8 forbids; FF and a cut sequence are no UTF-8 at
     * all. Read as the bytes they are (no charset but UTF-8 reaches a decoder that would replace them), each is a
     * 400, never a label holding U+D800 or U+FFFD.
     */
    @ParameterizedTest(name = "bytes {0}")
    @CsvSource({"ED A0 80", "FF", "E2 80"})
    void malformedUtf8Is400(String hex) {
        int[] raw = java.util.Arrays.stream(hex.split(" ")).mapToInt(b -> Integer.parseInt(b, 16)).toArray();
        JsonNode malformed = refused(() -> postBytes(withLabelBytes(raw), JSON), 400, "malformed-body");
        assertThat(malformed.has("errors")).isFalse();
    }

    @Test
    void aNullBodyIs400SayingItMustBeAnObject() {
        JsonNode service = refused(() -> post("null"), 400, "malformed-body");
        assertThat(service.path("detail").asString()).isEqualTo("The body must be a JSON object, not null.");
        assertThat(service.has("errors")).isFalse();

        String id = create("{" + WEB + ",\"backends\":[]}");
        JsonNode patch = refused(() -> send("PATCH", SERVICES + "/" + id, adminToken(), ServiceController.MERGE_PATCH,
                BodyPublishers.ofString("null")), 400, "malformed-body");
        assertThat(patch.path("detail").asString()).contains("must be a JSON object, not null");
        assertThat(patch.has("errors")).isFalse();
    }

    private static byte[] withLabelBytes(int... raw) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("{" + WEB + ",\"backends\":[],\"labels\":{\"team\":\"a").getBytes(StandardCharsets.UTF_8));
        for (int b : raw) {
            body.write(b);
        }
        body.writeBytes("b\"}}".getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }
}
