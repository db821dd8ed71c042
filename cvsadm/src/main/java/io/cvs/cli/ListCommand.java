package io.cvs.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

/** The seed's {@code list}: services and their backends, laid out like {@code ipvsadm -L -n}. */
@Command(name = "list", description = {
        "List services and their backends (like ipvsadm -L -n).",
        "Lists services and their backends; a health column appears when a service has a "
                + "check. With addresses, only the services at them (a VIP alone: every port and protocol).",
        "Example: cvsadm list 192.0.2.10"})
final class ListCommand extends ApiCommand {

    /** Parsed in {@link #run}: picocli reports a bad one of several positionals only as "unmatched". */
    @Parameters(paramLabel = "VIP[:PORT[/PROTO]]", arity = "0..*")
    private List<String> endpoints = new ArrayList<>();

    @Override
    void run() {
        List<JsonNode> services = selected();
        if (format() != OutputFormat.table) {
            ArrayNode array = Json.JSON.createArrayNode();
            services.forEach(array::add);
            format().print(out(), array);
            return;
        }
        boolean anyCheck = services.stream().anyMatch(service -> service.has("healthCheck"));
        Table table = anyCheck
                ? new Table("Prot LocalAddress:Port", "Name", "Check").row("  -> RemoteAddress:Port", "Weight",
                        "Health")
                : new Table("Prot LocalAddress:Port", "Name").row("  -> RemoteAddress:Port", "Weight");
        for (JsonNode service : services) {
            String local = localAddress(service);
            Map<String, String> health = anyCheck ? healthByBackend(service) : Map.of();
            table.row(local, service.path("name").asString(),
                    service.path("healthCheck").path("type").asString(anyCheck ? "-" : null));
            for (JsonNode backend : service.path("backends")) {
                String key = Services.backendKey(backend);
                table.row("  -> " + key, backend.path("weight").asString(), anyCheck ? health.getOrDefault(key, "-")
                        : null);
            }
        }
        table.print(out());
    }

    /** {@code TCP  192.0.2.10:80}, the service line of ipvsadm -L -n. */
    static String localAddress(JsonNode service) {
        return String.format("%-4s %s:%d", service.path("protocol").asString(), service.path("vip").asString(),
                service.path("port").asInt());
    }

    private List<JsonNode> selected() {
        if (endpoints.isEmpty()) {
            return services().all();
        }
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (String typed : endpoints) {
            Endpoint endpoint;
            try {
                endpoint = Endpoint.parse(typed);
            } catch (TypeConversionException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for VIP[:PORT[/PROTO]]: "
                        + e.getMessage());
            }
            services().matching(Services.filters(endpoint))
                    .forEach(service -> byId.putIfAbsent(service.path("id").asString(), service));
        }
        return List.copyOf(byId.values());
    }

    /** Each backend's state as the health check found it, by {@code address:port}. */
    private Map<String, String> healthByBackend(JsonNode service) {
        Map<String, String> states = new LinkedHashMap<>();
        if (service.has("healthCheck")) {
            HealthCommand.byBackend(api(), service).forEach((key, backend) ->
                    states.put(key, HealthCommand.stateCell(backend)));
        }
        return states;
    }
}
