package io.cvs.deploy;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A command-line checker the deploy tests run: docker-compose (Debian's, which validates without a Docker engine)
 * and promtool (unpacked by scripts/bootstrap). Missing, a developer's run skips loudly; a CI run (CI set) fails,
 * because scripts/bootstrap installs both there.
 */
record DeployTool(Path executable) {

    /** What a finished command said. */
    record Result(int exitCode, String output) {
    }

    private static final Path PROMTOOL = Path.of("/usr/local/lib/cvs/tools/promtool");

    static DeployTool dockerCompose() {
        return onPath("docker-compose").map(DeployTool::new)
                .orElseGet(() -> missing("docker-compose is not installed (scripts/bootstrap installs it)"));
    }

    static DeployTool promtool() {
        return Optional.of(PROMTOOL).filter(Files::isExecutable).or(() -> onPath("promtool")).map(DeployTool::new)
                .orElseGet(() -> missing("promtool is neither at " + PROMTOOL + " nor on PATH (scripts/bootstrap "
                        + "unpacks it)"));
    }

    /** Runs the tool with these arguments in a directory, output and errors together; at most a minute. */
    Result run(Path directory, Map<String, String> environment, String... args) {
        return run(directory, environment, null, args);
    }

    /** Runs the tool with this file as its standard input ({@code promtool check metrics} reads nothing else). */
    Result runWithInput(Path input, String... args) {
        return run(input.toAbsolutePath().getParent(), Map.of(), input, args);
    }

    private Result run(Path directory, Map<String, String> environment, Path input, String... args) {
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile()).redirectErrorStream(true);
        builder.environment().putAll(environment);
        if (input != null) {
            builder.redirectInput(input.toFile());
        }
        try {
            Process process = builder.start();
            if (input == null) {
                process.getOutputStream().close();
            }
            byte[] output = process.getInputStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " did not finish in 60 s");
            }
            return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    Result run(Path directory, String... args) {
        return run(directory, Map.of(), args);
    }

    private static Optional<Path> onPath(String name) {
        String path = System.getenv().getOrDefault("PATH", "");
        return Stream.of(path.split(":")).filter(dir -> !dir.isEmpty()).map(dir -> Path.of(dir, name))
                .filter(Files::isExecutable).findFirst();
    }

    private static DeployTool missing(String why) {
        String message = "DEPLOY CHECK NOT RUN: " + why;
        if (System.getenv("CI") != null) {
            fail(message + " (CI must run it)");
        }
        System.err.println("!!! " + message + " !!!");
        Assumptions.abort(message);
        throw new AssertionError("not reached: abort throws");
    }
}
