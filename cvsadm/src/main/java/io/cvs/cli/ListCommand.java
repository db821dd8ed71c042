package io.cvs.cli;

import io.cvs.cli.Api.Backend;
import io.cvs.cli.Api.BackendHealth;
import io.cvs.cli.Api.Service;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.TypeConversionException;

/** The seed's {@code list}: services and their backends, laid out like {@code ipvsadm -L -n}. */
@Command(name = "list", description = {
        "List services and their backends (like ipvsadm -L -n).",
        "Lists services and their backends; a health column appears when a service has a "
                + "check. With addresses, only the services at them (a VIP alone: every port and protocol).",
        "Addresses of either family; an IPv6 address goes in brackets when a port follows: [2001:db8::10]:80.",
        "Example: cvsadm list 192.0.2.10 2001:db8::10"})
final class ListCommand extends ApiCommand {

    /** Parsed in {@link #run}: picocli reports a bad one of several positionals only as "unmatched". */
    @Parameters(paramLabel = "VIP[:PORT[/PROTO]]", arity = "0..*")
    private List<String> endpoints = new ArrayList<>();

    @Option(names = "--sort", description = "Order services by address (IPv4 before IPv6, each by value), port and "
            + "protocol, and their backends by address and port, as ipvsadm --sort does; -o prints each service as "
            + "sent. Default: services by name, backends in configured order.")
    private boolean sort;

    /** Addresses by value, not as text: 10.0.0.9 before 10.0.0.10, every IPv4 address before IPv6. */
    static final Comparator<Service> BY_ADDRESS = Comparator.comparing((Service service) -> address(service.vip()))
            .thenComparingInt(Service::port).thenComparing(Service::protocol);
    static final Comparator<Backend> BACKEND_BY_ADDRESS = Comparator
            .comparing((Backend backend) -> address(backend.address())).thenComparingInt(Backend::port);

    @Override
    void run() {
        List<Answer<Service>> services = selected();
        if (sort) {
            services = services.stream().sorted(Comparator.comparing(Answer::view, BY_ADDRESS)).toList();
        }
        if (format() != OutputFormat.table) {
            format().print(out(), Answer.documents(services));
            return;
        }
        List<Service> views = services.stream().map(Answer::view).map(service -> sort ? sortedBackends(service)
                : service).toList();
        table(views, service -> services().health(service).view().byKey()).print(out());
    }

    static Service sortedBackends(Service service) {
        return service.withBackends(service.backends().stream().sorted(BACKEND_BY_ADDRESS).toList());
    }

    /** An address as the daemon sends it; one it should not send is a failure, not a sort out of order. */
    private static IpAddress address(String sent) {
        return IpAddress.parse(sent).orElseThrow(() -> new CliFailure(ExitCode.UNEXPECTED, "the daemon sent '"
                + sent + "' as an address"));
    }

    /**
     * The table of {@code services}; {@code health} gives the health of a checked service's backends by key. A
     * Scheduler column appears when a service is not RANDOM without affinity (the default), as the Check column
     * appears when a service has a check: a listing of defaults looks as it always did.
     */
    static Table table(List<Service> services, Function<Service, Map<String, BackendHealth>> health) {
        boolean anyCheck = services.stream().anyMatch(service -> service.healthCheck() != null);
        boolean anyPolicy = services.stream().anyMatch(service -> !Format.scheduler(service).equals("random"));
        List<String> header = new ArrayList<>(List.of(Format.LOCAL_ADDRESS, "Name"));
        List<String> subheader = new ArrayList<>(List.of(Format.REMOTE_ADDRESS, "Weight"));
        if (anyPolicy) {
            header.add("Scheduler");
            subheader.add("");
        }
        if (anyCheck) {
            header.add("Check");
            subheader.add("Health");
        }
        Table table = new Table(header.toArray(String[]::new)).row(subheader.toArray(String[]::new));
        for (Service service : services) {
            List<String> cells = new ArrayList<>(List.of(Format.localAddress(service), service.name()));
            if (anyPolicy) {
                cells.add(Format.scheduler(service));
            }
            if (anyCheck) {
                cells.add(Format.checkType(service.healthCheck()));
            }
            table.row(cells.toArray(String[]::new));
            Map<String, BackendHealth> states = service.healthCheck() != null ? health.apply(service) : Map.of();
            for (Backend backend : service.backends()) {
                BackendHealth state = states.get(backend.key());
                List<String> backendCells = new ArrayList<>(List.of(Format.remoteAddress(backend),
                        Format.number(backend.weight())));
                if (anyPolicy) {
                    backendCells.add("");
                }
                if (anyCheck) {
                    backendCells.add(state == null ? Format.NONE : Format.health(state));
                }
                table.row(backendCells.toArray(String[]::new));
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
