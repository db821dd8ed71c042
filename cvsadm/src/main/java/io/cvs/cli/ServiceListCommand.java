package io.cvs.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

@Command(name = "list", description = {"List services, one line each, ordered by name.",
        "Example: cvsadm service list --label app=web"})
final class ServiceListCommand extends ApiCommand {

    @Option(names = "--label", paramLabel = "K[=V]",
            description = "Only services with this label (and value); repeatable, all must match.")
    private List<String> selectors = new ArrayList<>();

    @Override
    void run() {
        List<String> filters = new ArrayList<>();
        selectors.forEach(selector -> filters.addAll(List.of("label", selector)));
        List<JsonNode> services = services().matching(filters);
        if (format() != OutputFormat.table) {
            ArrayNode array = Json.JSON.createArrayNode();
            services.forEach(array::add);
            format().print(out(), array);
            return;
        }
        Table table = new Table("NAME", "ID", "ADDRESS", "BACKENDS", "CHECK", "LABELS").alignRight(3);
        for (JsonNode service : services) {
            table.row(service.path("name").asString(), service.path("id").asString(), Services.address(service),
                    String.valueOf(service.path("backends").size()),
                    service.path("healthCheck").path("type").asString("-"), labels(service));
        }
        table.print(out());
    }

    /** {@code app=web,team=edge}. */
    static String labels(JsonNode service) {
        return StreamSupport.stream(service.path("labels").properties().spliterator(), false)
                .map(label -> label.getKey() + "=" + label.getValue().asString())
                .collect(Collectors.joining(","));
    }
}
