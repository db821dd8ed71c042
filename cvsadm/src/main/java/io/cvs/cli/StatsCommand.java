package io.cvs.cli;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;

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
        List<JsonNode> services = references.isEmpty() ? services().all()
                : references.stream().map(services()::byReference).toList();
        int draws = watchSeconds == null ? 1 : count == null ? Integer.MAX_VALUE : count;
        for (int draw = 1; draw <= draws; draw++) {
            ArrayNode stats = Json.JSON.createArrayNode();
            services.forEach(service -> stats.add(api().get(Services.path(service) + "/stats")));
            print(services, stats);
            if (draw < draws) {
                sleep(Duration.ofMillis(Math.round(watchSeconds * 1000)));
            }
        }
    }

    private void print(List<JsonNode> services, ArrayNode stats) {
        boolean watching = watchSeconds != null;
        if (format() == OutputFormat.json && watching) {
            out().println(Json.JSON.writeValueAsString(stats)); // one line per sample: JSON Lines for scripts
            out().flush();
            return;
        }
        if (format() != OutputFormat.table) {
            if (watching) {
                out().println("---");
            }
            format().print(out(), stats);
            return;
        }
        if (watching) {
            if (root().host().terminal()) {
                out().print(CLEAR_SCREEN);
            }
            out().printf("Every %ss: cvsadm stats   %s%n%n", new java.math.BigDecimal(watchSeconds.toString())
                    .stripTrailingZeros().toPlainString(), LocalDateTime.now().withNano(0)
                    .format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).replace('T', ' '));
        }
        table(services, stats).print(out());
    }

    private static Table table(List<JsonNode> services, ArrayNode stats) {
        Table table = new Table("Prot LocalAddress:Port", "Weight", "Conns", "Conn/s", "Pkts", "Pkt/s", "Bytes",
                "B/s", "Refused").alignRight(1, 2, 3, 4, 5, 6, 7, 8);
        table.row("  -> RemoteAddress:Port");
        for (int i = 0; i < services.size(); i++) {
            JsonNode service = stats.get(i);
            JsonNode rate = service.path("rate");
            long connections = 0;
            long packets = 0;
            long bytes = 0;
            for (JsonNode backend : service.path("backends")) {
                connections += backend.path("connections").asLong();
                packets += backend.path("packets").asLong();
                bytes += backend.path("bytes").asLong();
            }
            table.row(ListCommand.localAddress(services.get(i)) + " (" + service.path("name").asString() + ")", "",
                    String.valueOf(connections),
                    rate(rate, "connectionsPerSecond"), String.valueOf(packets), rate(rate, "packetsPerSecond"),
                    String.valueOf(bytes), rate(rate, "bytesPerSecond"), service.path("refused").asString());
            for (JsonNode backend : service.path("backends")) {
                JsonNode backendRate = backend.path("rate");
                table.row("  -> " + Services.backendKey(backend), backend.path("weight").asString(),
                        backend.path("connections").asString(), rate(backendRate, "connectionsPerSecond"),
                        backend.path("packets").asString(), rate(backendRate, "packetsPerSecond"),
                        backend.path("bytes").asString(), rate(backendRate, "bytesPerSecond"));
            }
        }
        return table;
    }

    /** One decimal, or - where the daemon has no rate (not two samples yet, or not counted by this datapath). */
    private static String rate(JsonNode rate, String field) {
        JsonNode value = rate.path(field);
        return value.isNumber() ? String.format(Locale.ROOT, "%.1f", value.asDouble()) : "-";
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
