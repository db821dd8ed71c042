package io.cvs.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/** cvsadm's entry point: parses, runs, and turns every failure into a message on stderr and an exit code. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        CommandLine commandLine = commandLine(Host.current());
        int exitCode = commandLine.execute(withIpvsadm(args));
        ((Cvsadm) commandLine.getCommand()).close();
        System.exit(exitCode);
    }

    /** The root's own options that take a value: the command (or ipvsadm's options) come after them. */
    private static final Set<String> ROOT_OPTIONS = Set.of("--url", "--token", "--token-file", "-o", "--output");
    private static final Set<String> ROOT_FLAGS = Set.of("-h", "--help", "-V", "--version", "--");

    /**
     * {@code cvsadm -L -n} as {@code cvsadm ipvsadm -L -n}: where a command is due and an option stands, the line is
     * ipvsadm's, so that what operators type and scripts hold works unchanged (see {@link IpvsadmCommand}).
     */
    static String[] withIpvsadm(String[] args) {
        int i = 0;
        while (i < args.length) {
            String arg = args[i];
            if (ROOT_OPTIONS.contains(arg)) {
                i += 2;
            } else if (arg.startsWith("--") && ROOT_OPTIONS.contains(arg.substring(0, Math.max(arg.indexOf('='), 0)))) {
                i++;
            } else {
                break;
            }
        }
        if (i >= args.length || !args[i].startsWith("-") || args[i].equals("-") || ROOT_FLAGS.contains(args[i])) {
            return args;
        }
        List<String> rewritten = new ArrayList<>(List.of(args));
        rewritten.add(i, IpvsadmCommand.NAME);
        return rewritten.toArray(String[]::new);
    }

    /** The whole command line for a host; tests set their own out and err and call {@code execute}. */
    static CommandLine commandLine(Host host) {
        CommandLine commandLine = new CommandLine(new Cvsadm(host));
        addHelpOptions(commandLine);
        IpvsadmCommand.configure(commandLine.getSubcommands().get(IpvsadmCommand.NAME));
        commandLine.setCaseInsensitiveEnumValuesAllowed(true);
        commandLine.setParameterExceptionHandler((exception, args) -> {
            // one line and where help is, not the whole usage: the error would scroll away under it
            PrintWriter err = exception.getCommandLine().getErr();
            err.println("cvsadm: " + exception.getMessage());
            err.println("  try 'cvsadm " + qualifiedName(exception.getCommandLine()) + "--help'");
            err.flush();
            return ExitCode.USAGE;
        });
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

    private static String qualifiedName(CommandLine commandLine) {
        String name = commandLine.getCommandSpec().qualifiedName(" ");
        return name.equals("cvsadm") ? "" : name.substring("cvsadm ".length()) + " ";
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
