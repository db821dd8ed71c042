package io.cvs.cli;

import io.cvs.cli.Api.ApplyResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/** The declarative bulk endpoint: the daemon ends up holding exactly the services of a file, all or nothing. */
@Command(name = "apply", description = {
        "Make the daemon hold exactly the services of a YAML or JSON file.",
        "Makes the daemon hold exactly the services in FILE (YAML or JSON, {services: [...]}, as 'cvsadm export' "
                + "writes it), matched by name: new names are created, changed ones updated, missing ones deleted. "
                + "All or nothing.",
        "Example: cvsadm apply -f cvs-state.yaml --dry-run"})
final class ApplyCommand extends ApiCommand {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The file; - for stdin.")
    private String file;

    @Option(names = "--dry-run", description = "Show what would change, change nothing.")
    private boolean dryRun;

    @Override
    void run() {
        JsonNode desired = read();
        Map<String, JsonNode> current = new HashMap<>();
        if (format() == OutputFormat.table) {
            api().get("/api/v1/state").path("services")
                    .forEach(service -> current.put(service.path("name").asString(), service));
        }
        JsonNode result = api().put(Services.PATH + (dryRun ? "?dryRun=true" : ""), desired, Map.of());
        if (format() != OutputFormat.table) {
            format().print(out(), result);
            return;
        }
        ApplyResult applied = Json.view(result, ApplyResult.class);
        Map<String, JsonNode> wanted = new HashMap<>();
        desired.path("services").forEach(service -> wanted.put(service.path("name").asString(), service));
        StateDiff diff = new StateDiff(current, wanted);
        Table table = new Table();
        applied.byKind().forEach((kind, services) -> services.forEach(service ->
                table.row(Format.change(kind) + " " + service.name(), diff.describe(kind, service.name()))));
        table.print(out());
        out().printf("%s: %d %s, %d %s, %d %s, %d unchanged%n", dryRun ? "Dry run, nothing changed" : "Applied",
                applied.created().size(), dryRun ? "to create" : "created",
                applied.updated().size(), dryRun ? "to update" : "updated",
                applied.deleted().size(), dryRun ? "to delete" : "deleted", applied.unchanged().size());
        out().flush();
    }

    private JsonNode read() {
        String text;
        try {
            text = "-".equals(file) ? readAll(root().host().stdin()) : Files.readString(Path.of(file));
        } catch (NoSuchFileException e) {
            throw new CliFailure(ExitCode.USAGE, "no such file: " + file);
        } catch (IOException e) {
            throw new CliFailure(ExitCode.USAGE, "cannot read " + file + ": " + e.getMessage());
        }
        String start = text.stripLeading();
        try {
            JsonNode document = start.startsWith("{") ? Json.JSON.readTree(text) : Json.YAML.readTree(text);
            if (document == null || !document.isObject()) {
                throw new CliFailure(ExitCode.USAGE, file + " holds no document of the form {services: [...]}");
            }
            return document;
        } catch (JacksonException e) {
            throw new CliFailure(ExitCode.USAGE, file + " is not valid " + (start.startsWith("{") ? "JSON" : "YAML")
                    + ": " + e.getOriginalMessage());
        }
    }

    private static String readAll(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
}
