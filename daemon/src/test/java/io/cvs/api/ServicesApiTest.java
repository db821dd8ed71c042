package io.cvs.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The services API over real HTTP, as a client uses it: each operation doing what the contract says. */
class ServicesApiTest extends ServicesOverHttp {

    private static final String WEB = spec("web", "192.0.2.10", 80, "TCP",
            "[" + backend("10.0.0.1", 8080) + "," + backend("10.0.0.2", 8080) + "]");

    @Test
    void createAnswers201WithLocationETagAndTheService() {
        HttpResponse<String> created = admin("POST", SERVICES, WEB);

        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = json(created);
        assertThat(body.path("id").asString()).matches("svc-[0-9a-z]{10}");
        assertThat(created.headers().firstValue("Location")).contains(SERVICES + "/" + body.path("id").asString());
        assertThat(etag(created)).isEqualTo("\"1\"");
        assertThat(body.path("backends").get(1).path("weight").asInt()).isEqualTo(1);
        assertThat(body.path("labels").isObject()).isTrue();
    }

    @Test
    void getAnswers304WhileTheETagIsCurrent() {
        String id = create(WEB);

        HttpResponse<String> read = get(SERVICES + "/" + id, VIEWER_TOKEN);
        HttpResponse<String> notModified = send("GET", SERVICES + "/" + id, VIEWER_TOKEN, null,
                BodyPublishers.noBody(), "If-None-Match", "\"1\"");

        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(json(read).path("name").asString()).isEqualTo("web");
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(etag(notModified)).isEqualTo("\"1\"");
    }

    @Test
    void listFiltersAndPagesByName() {
        for (String name : new String[] {"e", "d", "c", "b", "a"}) {
            create("{\"name\":\"" + name + "\",\"vip\":\"192.0.2.1\",\"port\":" + (name.charAt(0) + 0)
                    + ",\"protocol\":\"" + (name.equals("c") ? "UDP" : "TCP") + "\",\"labels\":{\"tier\":\""
                    + (name.compareTo("c") < 0 ? "front" : "back") + "\"}}");
        }

        JsonNode first = json(get(SERVICES + "?label=tier=back&limit=2", VIEWER_TOKEN));
        JsonNode second = json(get(SERVICES + "?label=tier%3Dback&limit=2&cursor="
                + first.path("nextCursor").asString(), VIEWER_TOKEN));

        assertThat(names(first)).isEqualTo("c,d");
        assertThat(names(second)).isEqualTo("e");
        assertThat(second.path("nextCursor").isNull()).isTrue();
        assertThat(names(json(get(SERVICES + "?protocol=TCP&vip=192.0.2.1&label=tier", VIEWER_TOKEN))))
                .isEqualTo("a,b,d,e");
        assertThat(names(json(get(SERVICES + "?port=98&name=b", VIEWER_TOKEN)))).isEqualTo("b");
        assertProblem(get(SERVICES + "?cursor=" + first.path("nextCursor").asString(), VIEWER_TOKEN),
                400, "validation-failed", "cursor");
        assertProblem(get(SERVICES + "?limit=0&port=x", VIEWER_TOKEN), 400, "validation-failed", "port", "limit");
    }

    @Test
    void putReplacesTheServiceAndTheSameBodyAgainKeepsTheVersion() {
        String id = create(WEB);
        String moved = spec("web", "192.0.2.11", 443, "TCP", "[" + backend("10.0.0.3", 8443) + "]");

        HttpResponse<String> replaced = admin("PUT", SERVICES + "/" + id, moved, "If-Match", "\"1\"");
        HttpResponse<String> again = admin("PUT", SERVICES + "/" + id, moved);

        assertThat(replaced.statusCode()).isEqualTo(200);
        assertThat(json(replaced).path("vip").asString()).isEqualTo("192.0.2.11");
        assertThat(etag(replaced)).isEqualTo("\"2\"");
        assertThat(etag(again)).isEqualTo("\"2\"");
    }

    @Test
    void patchMergesLabelsAndKeepsWhatItDoesNotName() {
        String id = create(spec("web", "192.0.2.10", 80, "TCP", "[]").replace("}", ",\"labels\":{\"app\":\"web\","
                + "\"team\":\"edge\"}}"));

        HttpResponse<String> patched = send("PATCH", SERVICES + "/" + id, adminToken(),
                "application/merge-patch+json", BodyPublishers.ofString(
                        "{\"labels\":{\"team\":null,\"tier\":\"front\"},\"port\":8080}"));

        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonNode body = json(patched);
        assertThat(body.path("labels").toString()).isEqualTo("{\"app\":\"web\",\"tier\":\"front\"}");
        assertThat(body.path("port").asInt()).isEqualTo(8080);
        assertThat(body.path("vip").asString()).isEqualTo("192.0.2.10");
        assertThat(etag(patched)).isEqualTo("\"2\"");
    }

    @Test
    void deleteAnswers204AndTheServiceIsGone() {
        String id = create(WEB);

        assertThat(admin("DELETE", SERVICES + "/" + id).statusCode()).isEqualTo(204);
        assertProblem(get(SERVICES + "/" + id, VIEWER_TOKEN), 404, "not-found");
    }

    @Test
    void backendsAreAddedReadChangedAndRemovedOneByOne() {
        String id = create(spec("web", "192.0.2.10", 80, "TCP", "[]"));
        String backends = SERVICES + "/" + id + "/backends";

        HttpResponse<String> added = admin("POST", backends, backend("10.0.0.5", 8080));
        HttpResponse<String> created = admin("PUT", backends + "/10.0.0.6:8080", "{}");
        HttpResponse<String> drained = admin("PUT", backends + "/10.0.0.5%3A8080", "{\"weight\":0}");
        HttpResponse<String> one = get(backends + "/10.0.0.5:8080", VIEWER_TOKEN);
        HttpResponse<String> removed = admin("DELETE", backends + "/10.0.0.6:8080");

        assertThat(added.statusCode()).isEqualTo(201);
        assertThat(added.headers().firstValue("Location")).contains(backends + "/10.0.0.5:8080");
        assertThat(etag(added)).isEqualTo("\"2\"");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(json(one).path("weight").asInt()).isZero();
        assertThat(removed.statusCode()).isEqualTo(204);
        assertThat(etag(removed)).isEqualTo("\"5\"");
        assertThat(json(get(backends, VIEWER_TOKEN)).path("items").toString())
                .isEqualTo("[{\"address\":\"10.0.0.5\",\"port\":8080,\"weight\":0}]");
        assertProblem(admin("POST", backends, backend("10.0.0.5", 8080)), 409, "backend-exists");
        assertProblem(admin("PUT", backends + "/10.0.0.5:8080", "{}", "If-None-Match", "*"), 412,
                "precondition-failed");
        assertProblem(get(backends + "/10.0.0.9:8080", VIEWER_TOKEN), 404, "not-found");
        assertProblem(get(backends + "/10.0.0.9", VIEWER_TOKEN), 400, "validation-failed", "backendKey");
    }

    @Test
    void bulkAppliesTheWholeSetAndADryRunOnlySaysWhatItWouldDo() {
        String keep = create(WEB);
        String gone = create(spec("old", "192.0.2.20", 80, "TCP", "[]"));
        String body = "{\"services\":[" + WEB + "," + spec("dns", "198.51.100.53", 53, "UDP", "[]") + "]}";

        JsonNode dry = json(admin("PUT", SERVICES + "?dryRun=true", body));
        String before = everything();
        JsonNode applied = json(admin("PUT", SERVICES, body));

        assertThat(dry.path("dryRun").asBoolean()).isTrue();
        assertThat(dry.path("created").toString()).isEqualTo("[{\"name\":\"dns\"}]");
        assertThat(before).contains("\"old\"");
        assertThat(applied.path("unchanged").get(0).path("id").asString()).isEqualTo(keep);
        assertThat(applied.path("deleted").get(0).path("id").asString()).isEqualTo(gone);
        assertThat(applied.path("created").get(0).path("id").asString()).startsWith("svc-");
        assertThat(names(json(get(SERVICES, VIEWER_TOKEN)))).isEqualTo("dns,web");
    }

    @Test
    void statsListEveryBackendInConfiguredOrder() {
        String id = create(WEB);

        JsonNode stats = json(get(SERVICES + "/" + id + "/stats", VIEWER_TOKEN));

        assertThat(stats.path("serviceId").asString()).isEqualTo(id);
        assertThat(stats.path("refused").asLong()).isZero();
        assertThat(stats.path("readAt").asString()).isNotBlank();
        assertThat(stats.path("backends").get(1).toString()).isEqualTo("{\"address\":\"10.0.0.2\",\"port\":8080,"
                + "\"weight\":1,\"connections\":0,\"packets\":0,\"bytes\":0}");
    }

    private static String names(JsonNode page) {
        StringBuilder names = new StringBuilder();
        page.path("items").forEach(s -> names.append(names.isEmpty() ? "" : ",").append(s.path("name").asString()));
        return names.toString();
    }
}
