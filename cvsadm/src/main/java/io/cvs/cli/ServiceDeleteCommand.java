package io.cvs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "delete", description = {"Delete a service and its backends: its VIP is no longer translated.",
        "Example: cvsadm service delete web"})
final class ServiceDeleteCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Override
    void run() {
        JsonNode service = services().byReference(reference);
        api().delete(Services.path(service), ApiClient.ifMatch(service.path("version").asLong()));
        if (format() == OutputFormat.table) {
            out().println("Deleted service " + Services.describe(service) + " with its "
                    + service.path("backends").size() + " backend(s)");
            out().flush();
        } else {
            ObjectNode deleted = Json.JSON.createObjectNode();
            deleted.set("deleted", service);
            format().print(out(), deleted);
        }
    }
}
