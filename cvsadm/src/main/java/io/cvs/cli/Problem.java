package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** An RFC 9457 problem as the daemon sends it, reduced to what a person reads on stderr. */
record Problem(int status, String type, String title, String detail, List<String> fieldErrors) {

    /** The problem in a response body, or one made from the status when the body is not a problem. */
    static Problem of(int status, String body) {
        JsonNode json;
        try {
            json = Json.JSON.readTree(body);
        } catch (RuntimeException notJson) {
            json = null;
        }
        if (json == null || !json.isObject() || !json.has("title")) {
            return new Problem(status, "about:blank", "HTTP " + status, body.isBlank() ? null : body.strip(),
                    List.of());
        }
        List<String> fieldErrors = new ArrayList<>();
        for (JsonNode error : json.path("errors")) {
            fieldErrors.add(error.path("field").asString() + ": " + error.path("message").asString());
        }
        return new Problem(status, json.path("type").asString("about:blank"), json.path("title").asString(),
                json.path("detail").asString(null), fieldErrors);
    }

    /** {@code Invalid request (400): 2 fields are invalid.} */
    String summary() {
        return title + " (" + status + ")" + (detail == null ? "" : ": " + detail);
    }
}
