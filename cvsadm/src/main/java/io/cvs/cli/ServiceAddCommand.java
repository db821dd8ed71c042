package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "add", description = {"Create a service.",
        "Its VIP and backends are of one family; an IPv6 address goes in brackets when a port follows.",
        "Example: cvsadm service add web 192.0.2.10:80 --backend 10.0.0.1:8080 --backend 10.0.0.2:8080/2 "
                + "--label app=web --check http --check-path /healthz --on-backend-removal reset",
        "Example: cvsadm service add cart 192.0.2.11:443 --backend 10.0.1.1:8443 --scheduler maglev "
                + "--affinity client-ip --affinity-timeout 600",
        "Example: cvsadm service add web-v6 [2001:db8::10]:80 --backend [fd00::1]:8080 --backend [fd00::2]:8080/2"})
final class ServiceAddCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "NAME", description = "A DNS label: lower-case letters, digits and '-'.")
    private String name;

    @Parameters(index = "1", paramLabel = "VIP:PORT[/PROTO]", converter = Endpoint.Converter.class,
            description = "Port 80 and TCP when not given.")
    private Endpoint endpoint;

    @Option(names = "--backend", paramLabel = "ADDR:PORT[/WEIGHT]", converter = BackendArg.WithWeight.class,
            description = "A backend (repeatable, in this order); port defaults to the service's, weight to 1.")
    private List<BackendArg> backends = new ArrayList<>();

    @Option(names = "--label", paramLabel = "K=V", description = "A label (repeatable).")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--on-backend-removal", paramLabel = "KEEP|RESET", converter = RemovalPolicy.class,
            description = "Established TCP connections to a backend that leaves (removed, down, service deleted): "
                    + "KEEP them (the default) or RESET them. UDP flows are always ended.")
    private String onBackendRemoval;

    @ArgGroup(exclusive = false, heading = "Health check:%n")
    private HealthCheckOptions check = new HealthCheckOptions();

    @ArgGroup(exclusive = false, heading = "Selection:%n")
    private SelectionOptions selection = new SelectionOptions();

    @Override
    void run() {
        Endpoint address = endpoint.withDefaults();
        ObjectNode spec = Json.JSON.createObjectNode()
                .put("name", name)
                .put("vip", address.vip().toString())
                .put("port", address.port())
                .put("protocol", address.protocol());
        ArrayNode list = spec.putArray("backends");
        for (BackendArg backend : backends) {
            ObjectNode item = list.addObject().put("address", backend.address().toString())
                    .put("port", backend.portOr(address.port()));
            if (backend.weight() != null) {
                item.put("weight", backend.weight());
            }
        }
        ObjectNode labelNode = spec.putObject("labels");
        labels.forEach(labelNode::put);
        if (check.anyGiven()) {
            spec.set("healthCheck", check.applyTo(null));
        }
        if (onBackendRemoval != null) {
            spec.put("onBackendRemoval", onBackendRemoval);
        }
        selection.applyTo(spec);
        JsonNode created = api().post(Services.PATH, spec);
        if (format() == OutputFormat.table) {
            Service service = Json.view(created, Service.class);
            out().println("Created service " + Format.service(service) + ", id " + service.id() + ", "
                    + service.backends().size() + " backend(s)");
            out().flush();
        } else {
            format().print(out(), created);
        }
    }
}
