package io.cvs.cli;

import io.cvs.cli.Api.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

@Command(name = "delete", description = {"Delete a service and its backends: its VIP is no longer translated.",
        "Example: cvsadm service delete web"})
final class ServiceDeleteCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Override
    void run() {
        Answer<Service> found = services().byReference(reference);
        Service service = found.view();
        api().delete(Services.path(service), ApiClient.ifMatch(service.version()));
        if (format() == OutputFormat.table) {
            out().println("Deleted service " + Format.service(service) + " with its " + service.backends().size()
                    + " backend(s)");
            out().flush();
        } else {
            ObjectNode deleted = Json.JSON.createObjectNode();
            deleted.set("deleted", found.document());
            format().print(out(), deleted);
        }
    }
}
