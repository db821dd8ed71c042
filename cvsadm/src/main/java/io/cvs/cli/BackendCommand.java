package io.cvs.cli;

import io.cvs.cli.Api.Service;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ObjectNode;

/** {@code cvsadm backend ...}: one backend of a service, named {@code ADDR[:PORT]} (port: the service's). */
@Command(name = "backend", description = "Add, remove, reweigh and drain one backend of a service.",
        subcommands = {BackendCommand.Add.class, BackendCommand.Remove.class, BackendCommand.Weight.class,
                BackendCommand.Drain.class})
final class BackendCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: add, remove, weight or drain");
    }

    @Command(name = "add", description = {"Add a backend at the end of the service's list.",
            "Example: cvsadm backend add web 10.0.0.3:8080 --weight 2, cvsadm backend add web-v6 [fd00::3]:8080"})
    static final class Add extends BackendVerb {

        @Option(names = "--weight", paramLabel = "N", description = "Relative share of new connections (default 1).")
        private Integer weight;

        @Override
        void change(Service service, String key, ObjectNode body) {
            if (weight != null) {
                body.put("weight", weight);
            }
            api().post(Services.path(service) + "/backends", body);
            say("Added backend " + key + " to service " + Format.service(service));
        }
    }

    @Command(name = "remove", description = {"Remove a backend: the VIP stops sending it new connections.",
            "Example: cvsadm backend remove web 10.0.0.3:8080"})
    static final class Remove extends BackendVerb {

        @Override
        void change(Service service, String key, ObjectNode body) {
            api().delete(Services.backendPath(service, key), Map.of());
            say("Removed backend " + key + " from service " + Format.service(service));
        }
    }

    @Command(name = "weight", description = {"Set a backend's weight (0 drains it).",
            "Example: cvsadm backend weight web 10.0.0.3:8080 3"})
    static final class Weight extends BackendVerb {

        @Parameters(index = "2", paramLabel = "N", description = "The new weight, 0 to 65535.")
        private int weight;

        @Override
        void change(Service service, String key, ObjectNode body) {
            setWeight(service, key, weight);
            say("Backend " + key + " of service " + Format.service(service) + " now has weight " + weight);
        }
    }

    @Command(name = "drain", description = {"Drain a backend: weight 0, so no new connections go to it; "
            + "established connections stay until they close.",
            "Example: cvsadm backend drain web 10.0.0.3:8080"})
    static final class Drain extends BackendVerb {

        @Override
        void change(Service service, String key, ObjectNode body) {
            setWeight(service, key, 0);
            say("Draining backend " + key + " of service " + Format.service(service)
                    + ": weight 0, no new connections; established connections stay until they close");
        }
    }
}
