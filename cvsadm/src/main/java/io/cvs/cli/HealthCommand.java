package io.cvs.cli;

import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.ServiceHealth;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** What the health checks found, per backend. */
@Command(name = "health", description = {
        "Show what the health checks found, per backend.",
        "Each backend's health: state (UP, DOWN, or UNCHECKED without a check), whether it is in rotation, the last "
                + "probe's result and since when it is in its state.",
        "Example: cvsadm health web"})
final class HealthCommand extends ApiCommand {

    @Parameters(paramLabel = "SERVICE", arity = "0..*", description = "Names or ids (default: every service).")
    private List<String> references = new ArrayList<>();

    @Override
    void run() {
        List<Answer<ServiceHealth>> health = services().byReferences(references).stream()
                .map(service -> services().health(service.view())).toList();
        if (format() != OutputFormat.table) {
            format().print(out(), Answer.documents(health));
            return;
        }
        Table table = new Table("SERVICE", "BACKEND", "WEIGHT", "STATE", "IN ROTATION", "LAST RESULT", "SINCE")
                .alignRight(2);
        for (Answer<ServiceHealth> service : health) {
            for (BackendHealth backend : service.view().backends()) {
                table.row(service.view().name(), backend.key(), Format.number(backend.weight()), backend.state(),
                        Format.yesNo(backend.inRotation()), Format.orNone(backend.lastResult()),
                        Format.orNone(backend.since()));
            }
        }
        table.print(out());
    }
}
