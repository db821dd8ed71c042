package io.cvs.cli;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.Service;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** The seed's {@code list}: services and their backends, laid out like {@code ipvsadm -L -n}. */
@Command(name = "list", description = {
        "List services and their backends (like ipvsadm -L -n).",
        "Lists services and their backends; a health column appears when a service has a "
                + "check. With addresses, only the services at them (a VIP alone: every port and protocol).",
        "Example: cvsadm list 192.0.2.10"})
final class ListCommand extends ApiCommand {

    /** Parsed in {@link #run}: picocli reports a bad one of several positionals only as "unmatched". */
    @Parameters(paramLabel = "VIP[:PORT[/PROTO]]", arity = "0..*")
    private List<String> endpoints = new ArrayList<>();

    @Override
    void run() {
        List<Answer<Service>> services = selected();
        if (format() != OutputFormat.table) {
            format().print(out(), Answer.documents(services));
            return;
        }
        table(services.stream().map(Answer::view).toList(), service -> services().health(service).view().byKey())
                .print(out());
    }

    /** The table of {@code services}; {@code health} gives the health of a checked service's backends by key. */
    static Table table(List<Service> services, Function<Service, Map<String, BackendHealth>> health) {
        boolean anyCheck = services.stream().anyMatch(service -> service.healthCheck() != null);
        Table table = anyCheck
                ? new Table(Format.LOCAL_ADDRESS, "Name", "Check").row(Format.REMOTE_ADDRESS, "Weight", "Health")
                : new Table(Format.LOCAL_ADDRESS, "Name").row(Format.REMOTE_ADDRESS, "Weight");
        for (Service service : services) {
            table.row(Format.localAddress(service), service.name(), anyCheck ? Format.checkType(service.healthCheck())
                    : null);
            Map<String, BackendHealth> states = service.healthCheck() != null ? health.apply(service) : Map.of();
            for (Backend backend : service.backends()) {
                BackendHealth state = states.get(backend.key());
                table.row(Format.remoteAddress(backend), Format.number(backend.weight()),
                        anyCheck ? (state == null ? Format.NONE : Format.health(state)) : null);
            }
        }
        return table;
    }

    private List<Answer<Service>> selected() {
        if (endpoints.isEmpty()) {
            return services().all();
        }
        Map<String, Answer<Service>> byId = new LinkedHashMap<>();
        for (String typed : endpoints) {
            Endpoint endpoint;
            try {
                endpoint = Endpoint.parse(typed);
            } catch (TypeConversionException e) {
                throw new ParameterException(spec.commandLine(), "Invalid value for VIP[:PORT[/PROTO]]: "
                        + e.getMessage());
            }
            services().matching(Services.filters(endpoint))
                    .forEach(service -> byId.putIfAbsent(service.view().id(), service));
        }
        return List.copyOf(byId.values());
    }
}
