package io.cvs.cli;

import picocli.CommandLine.Command;

/** The whole desired state as one document, the body {@code apply -f} takes back. */
@Command(name = "export", description = {
        "Print the whole desired state as YAML or JSON.",
        "Prints every service with its backends, labels and check as one YAML (default) or JSON document, which "
                + "'cvsadm apply -f' takes back: a backup, or a move to another host (ids are not exported).",
        "Example: cvsadm export > cvs-state.yaml"})
final class ExportCommand extends ApiCommand {

    @Override
    void run() {
        OutputFormat format = root().output(OutputFormat.yaml);
        if (format == OutputFormat.table) {
            throw new CliFailure(ExitCode.USAGE, "export writes a document: -o yaml (the default) or -o json");
        }
        format.print(out(), api().get("/api/v1/state"));
    }
}
