package io.cvs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/** The seed's {@code pop}: remove the backend pushed last from the service at an address. */
@Command(name = "pop", description = {
        "Remove the backend pushed last from a VIP.",
        "Removes the last backend (in configured order: the one pushed last) of the service at VIP:PORT/PROTO "
                + "(port 80 and TCP when not given).",
        "Example: cvsadm pop 192.0.2.10"})
final class PopCommand extends ApiCommand {

    /** Another client may change the service between reading it and removing its last backend: read again. */
    private static final int ATTEMPTS = 3;

    @Parameters(index = "0", paramLabel = "VIP[:PORT[/PROTO]]", converter = Endpoint.Converter.class)
    private Endpoint endpoint;

    @Override
    void run() {
        Endpoint address = endpoint.withDefaults();
        for (int attempt = 1; ; attempt++) {
            JsonNode service = services().at(address).orElseThrow(() -> CliFailure.notFound("no service at "
                    + address + "; 'cvsadm list' shows the services"));
            JsonNode backends = service.path("backends");
            if (backends.isEmpty()) {
                throw new CliFailure(ExitCode.API, "service " + Services.describe(service) + " has no backend to pop");
            }
            JsonNode last = backends.get(backends.size() - 1);
            try {
                api().delete(Services.path(service) + "/backends/" + Services.backendKey(last),
                        ApiClient.ifMatch(service.path("version").asLong()));
            } catch (CliFailure e) {
                if (e.httpStatus() == 412 && attempt < ATTEMPTS) {
                    continue;
                }
                throw e;
            }
            report(service, last);
            return;
        }
    }

    private void report(JsonNode service, JsonNode removed) {
        if (format() == OutputFormat.table) {
            out().println("Removed backend " + Services.backendKey(removed) + " (weight " + removed.path("weight")
                    + ") from service " + Services.describe(service) + "; " + (service.path("backends").size() - 1)
                    + " left");
            out().flush();
            return;
        }
        ObjectNode result = Json.JSON.createObjectNode();
        result.set("removed", removed);
        result.set("service", api().get(Services.path(service)));
        format().print(out(), result);
    }
}
