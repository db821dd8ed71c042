package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.util.Map;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** What the backend subcommands share: {@code SERVICE ADDR[:PORT]}, and printing the service afterwards. */
abstract class BackendVerb extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Parameters(index = "1", paramLabel = "ADDR[:PORT]", converter = BackendArg.Converter.class,
            description = "The backend, of the service's family; its port defaults to the service's. An IPv6 "
                    + "address goes in brackets when a port follows: [fd00::1]:8080.")
    private BackendArg backend;

    @Override
    final void run() {
        Service service = services().byReference(reference).view();
        ObjectNode body = Json.JSON.createObjectNode().put("address", backend.address().toString())
                .put("port", backend.portOr(service.port()));
        change(service, backend.key(service.port()), body);
        if (format() != OutputFormat.table) {
            format().print(out(), api().get(Services.path(service)));
        }
    }

    /** Makes the change to backend {@code key} ({@code body} holds its address and port) and says what it did. */
    abstract void change(Service service, String key, ObjectNode body);

    /**
     * Sets the weight of a backend that must exist: {@code If-Match: *} keeps the PUT from creating it (the daemon
     * answers 412, saying the backend does not exist).
     */
    void setWeight(Service service, String key, int weight) {
        api().put(Services.backendPath(service, key), Json.JSON.createObjectNode().put("weight", weight),
                Map.of("If-Match", "*"));
    }
}
