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
        "Lists services by address (IPv4 before IPv6, each by value), port and protocol, with their backends in "
                + "configured order (pop removes the last); Scheduler and Check columns always ('-': no check). With "
                + "addresses, only the services at them (a VIP alone: every port and protocol); one without a "
                + "service is exit 3.",
        "Addresses of either family; an IPv6 address goes in brackets when a port follows: [2001:db8::10]:80.",
        "Example: cvsadm list 192.0.2.10 2001:db8::10"})
final class ListCommand extends ApiCommand {

    /** Parsed in {@link #run}: picocli reports a bad one of several positionals only as "unmatched". */
    @Parameters(paramLabel = "VIP[:PORT[/PROTO]]", arity = "0..*")
    private List<String> endpoints = new ArrayList<>();

    @Option(names = "--sort", description = "Order backends too, by address and port, as ipvsadm does; -o prints "
            + "each service as sent.")
    private boolean sort;

    /** Addresses by value, not as text: 10.0.0.9 before 10.0.0.10, every IPv4 address before IPv6. */
    static final Comparator<Service> BY_ADDRESS = Comparator.comparing((Service service) -> address(service.vip()))
            .thenComparingInt(Service::port).thenComparing(Service::protocol);
    static final Comparator<Backend> BACKEND_BY_ADDRESS = Comparator
            .comparing((Backend backend) -> address(backend.address())).thenComparingInt(Backend::port);

    @Override
    void run() {
        List<Answer<Service>> services = selected().stream().sorted(Comparator.comparing(Answer::view, BY_ADDRESS))
                .toList();
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
     * The table of {@code services}; {@code health} gives the health of a checked service's backends by key. The
     * columns are the same whatever the services, so that scripts and eyes find them in one place: Check is
     * {@code -} without a check. A service without backends says so: it keeps its VIP and refuses connections.
     */
    static Table table(List<Service> services, Function<Service, Map<String, BackendHealth>> health) {
        Table table = new Table(Format.LOCAL_ADDRESS, "Name", "Scheduler", "Check")
                .row(Format.REMOTE_ADDRESS, "Weight", "", "Health");
        for (Service service : services) {
            table.row(Format.localAddress(service), service.name(), Format.scheduler(service),
                    Format.checkType(service.healthCheck()));
            if (service.backends().isEmpty()) {
                table.row(Format.noBackends());
            }
            Map<String, BackendHealth> states = service.healthCheck() != null ? health.apply(service) : Map.of();
            for (Backend backend : service.backends()) {
                BackendHealth state = states.get(backend.key());
                table.row(Format.remoteAddress(backend), Format.number(backend.weight()), "",
                        state == null ? Format.NONE : Format.health(state));
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
            List<Answer<Service>> found = services().matching(Services.filters(endpoint));
            if (found.isEmpty()) {
                throw CliFailure.notFound("no service at " + endpoint + "; 'cvsadm list' shows the services");
            }
            found.forEach(service -> byId.putIfAbsent(service.view().id(), service));
        }
        return List.copyOf(byId.values());
    }
}
