package io.cvs.cli;

import io.cvs.cli.Api.BackendRate;
import io.cvs.cli.Api.BackendStats;
import io.cvs.cli.Api.Service;
import io.cvs.cli.Api.ServiceRate;
import io.cvs.cli.Api.ServiceStats;
import java.time.Duration;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Counters and rates per backend, like {@code ipvsadm -L -n --stats --rate}, once or every N seconds. */
@Command(name = "stats", description = {
        "Show connections and rates per backend, once or every N seconds.",
        "Connections, packets and bytes per backend with their rates over the daemon's last sampling window "
                + "(- until it has two samples; packets and bytes only where the datapath counts them).",
        "Example: cvsadm stats web --watch 2"})
final class StatsCommand extends ApiCommand {

    private static final String CLEAR_SCREEN = "\033[H\033[2J";

    @Parameters(paramLabel = "SERVICE", arity = "0..*", description = "Names or ids (default: every service).")
    private List<String> references = new ArrayList<>();

    @Option(names = "--watch", paramLabel = "SECONDS", description = "Redraw every SECONDS until interrupted.")
    private Double watchSeconds;

    @Option(names = "--count", paramLabel = "N", description = "With --watch: stop after N redraws.")
    private Integer count;

    @Override
    void run() {
        if (count != null && (watchSeconds == null || count < 1)) {
            throw new CliFailure(ExitCode.USAGE, "--count N needs --watch and N >= 1");
        }
        if (watchSeconds != null && watchSeconds <= 0) {
            throw new CliFailure(ExitCode.USAGE, "--watch needs a number of seconds above 0");
        }
        List<Service> services = services().byReferences(references).stream().map(Answer::view).toList();
        int draws = watchSeconds == null ? 1 : count == null ? Integer.MAX_VALUE : count;
        for (int draw = 1; draw <= draws; draw++) {
            print(services, services.stream().map(services()::stats).toList());
            if (draw < draws) {
                sleep(Duration.ofMillis(Math.round(watchSeconds * 1000)));
            }
        }
    }

    private void print(List<Service> services, List<Answer<ServiceStats>> stats) {
        boolean watching = watchSeconds != null;
        if (format() == OutputFormat.json && watching) {
            // one line per sample: JSON Lines for scripts
            out().println(Json.JSON.writeValueAsString(Answer.documents(stats)));
            out().flush();
            return;
        }
        if (format() != OutputFormat.table) {
            if (watching) {
                out().println("---");
            }
            format().print(out(), Answer.documents(stats));
            return;
        }
        if (watching) {
            if (root().host().terminal()) {
                out().print(CLEAR_SCREEN);
            }
            out().printf("Every %ss: cvsadm stats   %s%n%n", Format.seconds(watchSeconds),
                    Format.clock(LocalDateTime.now()));
        }
        table(services, stats.stream().map(Answer::view).toList()).print(out());
    }

    /** The table of {@code services}, each with its stats at the same index. */
    static Table table(List<Service> services, List<ServiceStats> stats) {
        Table table = new Table(Format.LOCAL_ADDRESS, "Weight", "Conns", "Conn/s", "Pkts", "Pkt/s", "Bytes",
                "B/s", "Refused").alignRight(1, 2, 3, 4, 5, 6, 7, 8);
        table.row(Format.REMOTE_ADDRESS);
        for (int i = 0; i < services.size(); i++) {
            ServiceStats service = stats.get(i);
            ServiceRate rate = service.rate();
            table.row(Format.localAddress(services.get(i)) + " (" + service.name() + ")", "",
                    Format.number(service.connections()), Format.rate(rate.connectionsPerSecond()),
                    Format.number(service.packets()), Format.rate(rate.packetsPerSecond()),
                    Format.number(service.bytes()), Format.rate(rate.bytesPerSecond()),
                    Format.number(service.refused()));
            for (BackendStats backend : service.backends()) {
                BackendRate backendRate = backend.rate();
                table.row(Format.remoteAddress(backend), Format.number(backend.weight()),
                        Format.number(backend.connections()), Format.rate(backendRate.connectionsPerSecond()),
                        Format.number(backend.packets()), Format.rate(backendRate.packetsPerSecond()),
                        Format.number(backend.bytes()), Format.rate(backendRate.bytesPerSecond()));
            }
        }
        return table;
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliFailure(ExitCode.UNEXPECTED, "interrupted");
        }
    }
}
