package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "list", description = {"List services, one line each, ordered by name.",
        "Example: cvsadm service list --label app=web"})
final class ServiceListCommand extends ApiCommand {

    @Option(names = "--label", paramLabel = "K[=V]",
            description = "Only services with this label (and value); repeatable, all must match.")
    private List<String> selectors = new ArrayList<>();

    @Override
    void run() {
        List<String> filters = new ArrayList<>();
        selectors.forEach(selector -> filters.addAll(List.of("label", selector)));
        List<Answer<Service>> services = services().matching(filters);
        if (format() != OutputFormat.table) {
            format().print(out(), Answer.documents(services));
            return;
        }
        Table table = new Table("NAME", "ID", "ADDRESS", "BACKENDS", "CHECK", "LABELS").alignRight(3);
        for (Answer<Service> answer : services) {
            Service service = answer.view();
            table.row(service.name(), service.id(), Format.address(service),
                    Format.number(service.backends().size()), Format.checkType(service.healthCheck()),
                    Format.labels(service.labels()));
        }
        table.print(out());
    }
}
