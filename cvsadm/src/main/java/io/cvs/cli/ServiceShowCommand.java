package io.cvs.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

@Command(name = "show", description = {"Show one service: its fields, check and backends (with their health).",
        "Example: cvsadm service show web"})
final class ServiceShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Override
    void run() {
        JsonNode service = services().byReference(reference);
        if (format() != OutputFormat.table) {
            format().print(out(), service);
            return;
        }
        JsonNode check = service.path("healthCheck");
        new Table()
                .row("Name:", service.path("name").asString())
                .row("Id:", service.path("id").asString())
                .row("Version:", service.path("version").asString())
                .row("Address:", Services.address(service))
                .row("Labels:", orDash(ServiceListCommand.labels(service)))
                .row("Check:", check.isMissingNode() ? "-" : describe(check))
                .print(out());
        out().println();
        Map<String, JsonNode> health = check.isMissingNode() ? Map.of() : HealthCommand.byBackend(api(), service);
        Table backends = check.isMissingNode() ? new Table("BACKEND", "WEIGHT").alignRight(1)
                : new Table("BACKEND", "WEIGHT", "HEALTH", "LAST RESULT").alignRight(1);
        for (JsonNode backend : service.path("backends")) {
            String key = Services.backendKey(backend);
            JsonNode state = health.get(key);
            backends.row(key, backend.path("weight").asString(),
                    state == null ? null : HealthCommand.stateCell(state),
                    state == null ? null : state.path("lastResult").asString("-"));
        }
        backends.print(out());
    }

    /** {@code HTTP GET /healthz every 1000 ms, timeout 500 ms, rise 2, fall 3, FAIL_OPEN}. */
    private static String describe(JsonNode check) {
        StringBuilder text = new StringBuilder(check.path("type").asString());
        if (check.has("path")) {
            text.append(" GET ").append(check.path("path").asString()).append(" (")
                    .append(check.path("expectedStatus").asString()).append(")");
        }
        if (check.has("send")) {
            text.append(" send '").append(check.path("send").asString()).append("'");
        }
        if (check.has("port")) {
            text.append(" on port ").append(check.path("port").asInt());
        }
        return text.append(" every ").append(check.path("intervalMs").asInt()).append(" ms, timeout ")
                .append(check.path("timeoutMs").asInt()).append(" ms, rise ").append(check.path("rise").asInt())
                .append(", fall ").append(check.path("fall").asInt()).append(", when all down ")
                .append(check.path("whenAllDown").asString()).toString();
    }

    private static String orDash(String text) {
        return text.isEmpty() ? "-" : text;
    }
}
