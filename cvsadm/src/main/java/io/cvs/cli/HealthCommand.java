package io.cvs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/** What the health checks found, per backend. */
@Command(name = "health", description = {
        "Show what the health checks found, per backend.",
        "Each backend's health: state (UP, DOWN, or UNCHECKED without a check), whether it is in rotation, the last "
                + "probe's result and since when it is in its state.",
        "Example: cvsadm health web"})
final class HealthCommand extends ApiCommand {

    @Parameters(paramLabel = "SERVICE", arity = "0..*", description = "Names or ids (default: every service).")
    private List<String> references = new ArrayList<>();

    @Override
    void run() {
        List<JsonNode> services = references.isEmpty() ? services().all()
                : references.stream().map(services()::byReference).toList();
        ArrayNode health = Json.JSON.createArrayNode();
        services.forEach(service -> health.add(api().get(Services.path(service) + "/health")));
        if (format() != OutputFormat.table) {
            format().print(out(), health);
            return;
        }
        Table table = new Table("SERVICE", "BACKEND", "WEIGHT", "STATE", "IN ROTATION", "LAST RESULT", "SINCE")
                .alignRight(2);
        for (JsonNode service : health) {
            for (JsonNode backend : service.path("backends")) {
                table.row(service.path("name").asString(), Services.backendKey(backend),
                        backend.path("weight").asString(), backend.path("state").asString(),
                        backend.path("inRotation").asBoolean() ? "yes" : "no",
                        backend.path("lastResult").asString("-"), backend.path("since").asString("-"));
            }
        }
        table.print(out());
    }

    /** The health document's backends of a service, by {@code address:port}. */
    static Map<String, JsonNode> byBackend(ApiClient api, JsonNode service) {
        Map<String, JsonNode> backends = new LinkedHashMap<>();
        api.get(Services.path(service) + "/health").path("backends")
                .forEach(backend -> backends.put(Services.backendKey(backend), backend));
        return backends;
    }

    /**
     * {@code UP} or {@code DOWN}, saying so where rotation differs from what the state suggests: a down backend in
     * rotation (every backend is down and the service fails open), an up one out of it (weight 0).
     */
    static String stateCell(JsonNode backend) {
        String state = backend.path("state").asString();
        boolean inRotation = backend.path("inRotation").asBoolean();
        if ("DOWN".equals(state) && inRotation) {
            return "DOWN (in rotation: all down, fail-open)";
        }
        if (!"DOWN".equals(state) && !inRotation) {
            return state + " (out of rotation)";
        }
        return state;
    }
}
