package io.cvs.cli;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.HealthCheck;
import io.cvs.cli.Api.Service;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "show", description = {"Show one service: its fields, check and backends (with their health).",
        "Example: cvsadm service show web"})
final class ServiceShowCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "SERVICE", description = "Name or id.")
    private String reference;

    @Override
    void run() {
        Answer<Service> answer = services().byReference(reference);
        if (format() != OutputFormat.table) {
            format().print(out(), answer.document());
            return;
        }
        Service service = answer.view();
        HealthCheck check = service.healthCheck();
        new Table()
                .row("Name:", service.name())
                .row("Id:", service.id())
                .row("Version:", Format.number(service.version()))
                .row("Address:", Format.address(service))
                .row("Labels:", service.labels().isEmpty() ? Format.NONE : Format.labels(service.labels()))
                .row("Check:", check == null ? Format.NONE : Format.check(check))
                .row("Removal:", Format.onBackendRemoval(service))
                .row("Selects:", Format.scheduler(service))
                .print(out());
        out().println();
        Map<String, BackendHealth> health = check == null ? Map.of() : services().health(service).view().byKey();
        Table backends = check == null ? new Table("BACKEND", "WEIGHT").alignRight(1)
                : new Table("BACKEND", "WEIGHT", "HEALTH", "LAST RESULT").alignRight(1);
        for (Backend backend : service.backends()) {
            BackendHealth state = health.get(backend.key());
            backends.row(backend.key(), Format.number(backend.weight()), state == null ? null : Format.health(state),
                    state == null ? null : Format.orNone(state.lastResult()));
        }
        backends.print(out());
    }
}
