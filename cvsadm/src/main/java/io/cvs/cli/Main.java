package io.cvs.cli;

import java.io.PrintWriter;
import picocli.CommandLine;

/** cvsadm's entry point: parses, runs, and turns every failure into a message on stderr and an exit code. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine commandLine = commandLine(Host.current());
        int exitCode = commandLine.execute(args);
        ((Cvsadm) commandLine.getCommand()).close();
        System.exit(exitCode);
    }

    /** The whole command line for a host; tests set their own out and err and call {@code execute}. */
    static CommandLine commandLine(Host host) {
        CommandLine commandLine = new CommandLine(new Cvsadm(host));
        addHelpOptions(commandLine);
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setExecutionExceptionHandler((exception, command, parseResult) -> {
            PrintWriter err = command.getErr();
            if (exception instanceof CliFailure failure) {
                err.println("cvsadm: " + failure.getMessage());
                failure.details().forEach(line -> err.println("  " + line));
                err.flush();
                return failure.exitCode();
            }
            err.println("cvsadm: unexpected error (a bug; please report it with what follows): " + exception);
            exception.printStackTrace(err);
            err.flush();
            return ExitCode.UNEXPECTED;
        });
        return commandLine;
    }

    /** -h/--help (and -V) on every subcommand, so that {@code cvsadm push --help} works; help has its own. */
    private static void addHelpOptions(CommandLine commandLine) {
        commandLine.getSubcommands().forEach((name, subcommand) -> {
            if (!(subcommand.getCommand() instanceof CommandLine.HelpCommand)) {
                subcommand.getCommandSpec().mixinStandardHelpOptions(true);
                addHelpOptions(subcommand);
            }
        });
    }
}
