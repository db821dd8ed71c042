package io.cvs.cli;

import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

@Command(name = "completion", description = {"Print a bash completion script for cvsadm.",
        "Example: source <(cvsadm completion), or cvsadm completion > /etc/bash_completion.d/cvsadm"})
final class CompletionCommand implements Runnable {

    @Spec
    private CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().getOut().print(AutoComplete.bash("cvsadm", spec.root().commandLine()));
        spec.commandLine().getOut().flush();
    }
}
