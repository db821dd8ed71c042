package io.cvs.cli;

import io.cvs.cli.Api.CapacityState;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code cvsadm capacity show|set}: the maps' size, how they grow, and resizing them under traffic. */
@Command(name = "capacity", description = "Show the maps' capacity and how they grow, or resize them under traffic.",
        subcommands = {CapacityCommand.Show.class, CapacityCommand.Set.class})
final class CapacityCommand implements Runnable {

    private static final String PATH = "/api/v1/datapath/capacity";

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: show or set");
    }

    @Command(name = "show", description = {"Show the capacity: used and most, automatic growth and the last resize.",
            "Example: cvsadm capacity show"})
    static final class Show extends ApiCommand {

        @Override
        void run() {
            print(this, Answer.of(api().get(PATH), CapacityState.class));
        }
    }

    @Command(name = "set", description = {
            "Resize the maps: new maps are built beside the serving ones, filled, and every reader switches to them "
                    + "at once, so no connection fails. Options left out keep their value.",
            "Example: cvsadm capacity set --services 65536 --backends 524288"})
    static final class Set extends ApiCommand {

        @ArgGroup(exclusive = false, multiplicity = "1")
        private Fields fields;

        static final class Fields {
            @Option(names = "--services", paramLabel = "N", description = "Services the maps hold.")
            Integer services;

            @Option(names = "--backends", paramLabel = "N", description = "Backends across all services.")
            Integer backends;

            @Option(names = "--per-service", paramLabel = "N", description = "Backends one service may have.")
            Integer perService;

            @Option(names = "--slots", paramLabel = "N", description = "Selection-table slots per service.")
            Integer slots;

            @Option(names = "--affinity-entries", paramLabel = "N",
                    description = "Session affinity entries (the least recently used go when full).")
            Integer affinityEntries;

            @Option(names = "--maglev-tables", paramLabel = "N", description = "Services that can be MAGLEV at once.")
            Integer maglevTables;

            @Option(names = "--maglev-slots", paramLabel = "PRIME",
                    description = "The largest Maglev table a service may have (a prime; 8 bytes per slot per table).")
            Integer maglevSlots;
        }

        @Override
        void run() {
            Map<String, Object> body = new LinkedHashMap<>();
            put(body, "maxServices", fields.services);
            put(body, "maxBackends", fields.backends);
            put(body, "maxBackendsPerService", fields.perService);
            put(body, "selectionSlots", fields.slots);
            put(body, "affinityEntries", fields.affinityEntries);
            put(body, "maglevTables", fields.maglevTables);
            put(body, "maglevSlots", fields.maglevSlots);
            print(this, Answer.of(api().put(PATH, body, Map.of()), CapacityState.class));
        }

        private static void put(Map<String, Object> body, String name, Integer value) {
            if (value != null) {
                body.put(name, value);
            }
        }
    }

    private static void print(ApiCommand command, Answer<CapacityState> answer) {
        if (command.format() != OutputFormat.table) {
            command.format().print(command.out(), answer.document());
            return;
        }
        CapacityState state = answer.view();
        Api.Capacity capacity = new Api.Capacity(state.services(), state.backends(), state.maxBackendsPerService(),
                state.selectionSlots(), state.affinityEntries(), state.maglevTables(), state.maglevSlots());
        Table table = new Table()
                .row("Capacity:", Format.capacity(capacity))
                .row("Policies:", Format.policyCapacity(capacity))
                .row("Growth:", Format.growth(state.growth()))
                .row("Resizes:", Format.number(state.resizes()) + (state.lastResize() == null ? ""
                        : ", last " + Format.resize(state.lastResize())));
        table.print(command.out());
    }
}
