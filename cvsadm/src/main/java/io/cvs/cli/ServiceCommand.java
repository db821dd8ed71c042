package io.cvs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code cvsadm service ...}: services one at a time, named by name or id. */
@Command(name = "service", description = "Add, edit, delete, list and show services (named by name or id).",
        subcommands = {ServiceAddCommand.class, ServiceEditCommand.class, ServiceDeleteCommand.class,
                ServiceListCommand.class, ServiceShowCommand.class})
final class ServiceCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: add, edit, delete, list or show");
    }
}
