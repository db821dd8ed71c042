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
import tools.jackson.databind.node.ObjectNode;

/** Changes some fields of a service with a JSON merge patch, guarded by the version it read. */
@Command(name = "edit", description = {"Change some fields of a service; the others stay.",
        "Example: cvsadm service edit web --label tier=front --remove-label team --check tcp --fall 2",
        "Example: cvsadm service edit cart --scheduler maglev --maglev-table-size 65521 --affinity none"})
final class ServiceEditCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Option(names = "--name", paramLabel = "NAME", description = "Rename the service.")
    private String newName;

    @Option(names = "--vip", paramLabel = "VIP",
            description = "Move the service to this VIP (of its backends' family).")
    private String vip;

    @Option(names = "--port", paramLabel = "PORT", description = "Move the service to this port.")
    private Integer port;

    @Option(names = "--protocol", paramLabel = "PROTO", description = "TCP or UDP.")
    private String protocol;

    @Option(names = "--label", paramLabel = "K=V", description = "Set a label (repeatable).")
    private Map<String, String> labels = new LinkedHashMap<>();

    @Option(names = "--remove-label", paramLabel = "K", description = "Remove a label (repeatable).")
    private List<String> removedLabels = new ArrayList<>();

    @Option(names = "--on-backend-removal", paramLabel = "KEEP|RESET", converter = RemovalPolicy.class,
            description = "Established TCP connections to a backend that leaves: KEEP them or RESET them.")
    private String onBackendRemoval;

    @Option(names = "--no-check", description = "Remove the health check: every backend is in rotation as weighted.")
    private boolean noCheck;

    @ArgGroup(exclusive = false, heading = "Health check (options not given keep their value):%n")
    private HealthCheckOptions check = new HealthCheckOptions();

    @ArgGroup(exclusive = false, heading = "Selection (options not given keep their value):%n")
    private SelectionOptions selection = new SelectionOptions();

    @Override
    void run() {
        if (noCheck && check.anyGiven()) {
            throw new CliFailure(ExitCode.USAGE, "--no-check removes the check; give it without check options");
        }
        Answer<Service> found = services().byReference(reference);
        Service service = found.view();
        ObjectNode patch = Json.JSON.createObjectNode();
        if (newName != null) {
            patch.put("name", newName);
        }
        if (vip != null) {
            patch.put("vip", vip);
        }
        if (port != null) {
            patch.put("port", port);
        }
        if (protocol != null) {
            patch.put("protocol", protocol.toUpperCase(java.util.Locale.ROOT));
        }
        if (!labels.isEmpty() || !removedLabels.isEmpty()) {
            ObjectNode labelPatch = patch.putObject("labels");
            removedLabels.forEach(labelPatch::putNull);
            labels.forEach(labelPatch::put);
        }
        if (onBackendRemoval != null) {
            patch.put("onBackendRemoval", onBackendRemoval);
        }
        selection.applyTo(patch);
        if (noCheck) {
            patch.putNull("healthCheck");
        } else if (check.anyGiven()) {
            // the check as sent, not its view: a member this cvsadm does not know is sent back unchanged
            patch.set("healthCheck", check.applyTo(found.document().get("healthCheck")));
        }
        if (patch.isEmpty()) {
            throw new CliFailure(ExitCode.USAGE, "nothing to change: give at least one option (see 'cvsadm service "
                    + "edit --help')");
        }
        JsonNode edited = api().patch(Services.path(service), patch, ApiClient.ifMatch(service.version()));
        if (format() == OutputFormat.table) {
            Service now = Json.view(edited, Service.class);
            out().println("Edited service " + Format.service(now) + ", now version " + Format.number(now.version()));
            out().flush();
        } else {
            format().print(out(), edited);
        }
    }
}
