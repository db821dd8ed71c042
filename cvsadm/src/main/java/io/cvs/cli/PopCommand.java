package io.cvs.cli;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.node.ObjectNode;

/** The seed's {@code pop}: remove the backend pushed last from the service at an address. */
@Command(name = "pop", description = {
        "Remove the backend pushed last from a VIP.",
        "Removes the last backend (in configured order: the one pushed last) of the service at VIP:PORT/PROTO "
                + "(port 80 and TCP when not given).",
        "Addresses of either family; an IPv6 address goes in brackets when a port follows: [2001:db8::10]:80.",
        "Example: cvsadm pop 192.0.2.10, cvsadm pop [2001:db8::10]:80"})
final class PopCommand extends ApiCommand {

    /** Another client may change the service between reading it and removing its last backend: read again. */
    private static final int ATTEMPTS = 3;

    @Parameters(index = "0", paramLabel = "VIP[:PORT[/PROTO]]", converter = Endpoint.Converter.class)
    private Endpoint endpoint;

    @Override
    void run() {
        Endpoint address = endpoint.withDefaults();
        for (int attempt = 1; ; attempt++) {
            Answer<Service> found = services().at(address).orElseThrow(() -> CliFailure.notFound("no service at "
                    + address + "; 'cvsadm list' shows the services"));
            Service service = found.view();
            if (service.backends().isEmpty()) {
                throw new CliFailure(ExitCode.API, "service " + Format.service(service) + " has no backend to pop");
            }
            int last = service.backends().size() - 1;
            try {
                api().delete(Services.backendPath(service, service.backends().get(last).key()),
                        ApiClient.ifMatch(service.version()));
            } catch (CliFailure e) {
                if (e.httpStatus() == 412 && attempt < ATTEMPTS) {
                    continue;
                }
                throw e;
            }
            report(found, last);
            return;
        }
    }

    /** Tells of backend {@code removed} (an index) of the service as it was; -o prints the removed one as sent. */
    private void report(Answer<Service> found, int removed) {
        Service service = found.view();
        Backend backend = service.backends().get(removed);
        if (format() == OutputFormat.table) {
            out().println("Removed backend " + backend.key() + " (weight " + Format.number(backend.weight())
                    + ") from service " + Format.service(service) + "; " + (service.backends().size() - 1) + " left");
            out().flush();
            return;
        }
        ObjectNode result = Json.JSON.createObjectNode();
        result.set("removed", found.document().path("backends").get(removed));
        result.set("service", api().get(Services.path(service)));
        format().print(out(), result);
    }
}
