package io.cvs.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A command that talks to the daemon: the connection, the output stream and format, and lookups. */
abstract class ApiCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public final Integer call() {
        run();
        return ExitCode.OK;
    }

    /** Does the work; fails with a {@link CliFailure}, which {@link Main} turns into stderr and an exit code. */
    abstract void run();

    Cvsadm root() {
        return (Cvsadm) spec.root().userObject();
    }

    ApiClient api() {
        return root().api();
    }

    Services services() {
        return new Services(api());
    }

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    OutputFormat format() {
        return root().output(OutputFormat.table);
    }

    /** Says what the command did, for people: with {@code -o json|yaml} the document printed says it. */
    void say(String message) {
        if (format() == OutputFormat.table) {
            out().println(message);
            out().flush();
        }
    }
}
