package io.cvs.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What this project asks of a Dockerfile, checked without a Docker engine (hadolint cannot be installed here):
 * every COPY/ADD source from the build context exists and is not left out by .dockerignore; base images pinned
 * by a tag other than latest, or a digest; apt-get installs without recommends and removes its lists in the same
 * layer; ENTRYPOINT and CMD in exec form; the final stage has an ENTRYPOINT or CMD, an EXPOSE and a HEALTHCHECK.
 * Each finding names its line.
 */
final class DockerfileCheck {

    /** One instruction, continuation lines joined, at the line where it starts. */
    private record Instruction(int line, String keyword, String arguments) {
    }

    private static final Pattern FLAG = Pattern.compile("^--([a-z-]+)(=(\\S*))?\\s+");
    private static final Pattern JSON_STRING = Pattern.compile("\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final Path context;
    private final DockerIgnore ignore;
    private final List<String> findings = new ArrayList<>();

    private DockerfileCheck(Path context, DockerIgnore ignore) {
        this.context = context;
        this.ignore = ignore;
    }

    /** The findings for {@code <context>/Dockerfile} with {@code <context>/.dockerignore}; empty when it passes. */
    static List<String> check(Path buildContext) {
        Path context = buildContext.toAbsolutePath().normalize();
        Path dockerignore = context.resolve(".dockerignore");
        DockerIgnore ignore = DockerIgnore.parse(Files.exists(dockerignore) ? Repo.read(dockerignore) : "");
        DockerfileCheck check = new DockerfileCheck(context, ignore);
        check.run(instructions(Repo.read(context.resolve("Dockerfile"))));
        return check.findings;
    }

    private void run(List<Instruction> instructions) {
        Set<String> stages = new HashSet<>();
        Set<String> finalStage = new HashSet<>();
        for (Instruction instruction : instructions) {
            String args = instruction.arguments();
            switch (instruction.keyword()) {
                case "FROM" -> {
                    from(instruction, stages);
                    finalStage.clear();
                }
                case "COPY", "ADD" -> copy(instruction);
                case "RUN" -> run(instruction);
                case "ENTRYPOINT", "CMD" -> {
                    if (!args.startsWith("[")) {
                        finding(instruction, instruction.keyword() + " in shell form: use the exec form "
                                + "[\"executable\", \"arg\"], so that the process gets signals as PID 1");
                    }
                }
                case "HEALTHCHECK" -> {
                    if (args.toUpperCase(Locale.ROOT).startsWith("NONE")) {
                        continue;
                    }
                }
                default -> {
                }
            }
            finalStage.add(instruction.keyword());
        }
        int last = instructions.isEmpty() ? 1 : instructions.get(instructions.size() - 1).line();
        if (!finalStage.contains("ENTRYPOINT") && !finalStage.contains("CMD")) {
            findings.add("line " + last + ": the final stage has no ENTRYPOINT or CMD");
        }
        if (!finalStage.contains("EXPOSE")) {
            findings.add("line " + last + ": the final stage has no EXPOSE");
        }
        if (!finalStage.contains("HEALTHCHECK")) {
            findings.add("line " + last + ": the final stage has no HEALTHCHECK");
        }
    }

    private void from(Instruction instruction, Set<String> stages) {
        String[] words = withoutFlags(instruction.arguments()).split("\\s+");
        String image = words[0];
        if (words.length >= 3 && words[1].equalsIgnoreCase("AS")) {
            stages.add(words[2].toLowerCase(Locale.ROOT));
        }
        if (image.equals("scratch") || stages.contains(image.toLowerCase(Locale.ROOT)) && !image.contains(":")) {
            return;
        }
        if (image.contains("@sha256:")) {
            return;
        }
        String name = image.substring(image.lastIndexOf('/') + 1);
        int colon = name.indexOf(':');
        if (colon < 0) {
            finding(instruction, "base image " + image + " is not pinned: give a tag or a digest");
        } else if (name.substring(colon + 1).equals("latest")) {
            finding(instruction, "base image " + image + " is pinned to latest, which moves: give a version");
        }
    }

    private void copy(Instruction instruction) {
        String args = instruction.arguments();
        boolean fromStage = false;
        for (Matcher flag = FLAG.matcher(args); flag.find(); flag = FLAG.matcher(args)) {
            fromStage |= flag.group(1).equals("from");
            args = args.substring(flag.end());
        }
        if (fromStage) {
            return;
        }
        List<String> words = args.startsWith("[") ? jsonStrings(args) : List.of(args.split("\\s+"));
        for (String source : words.subList(0, words.size() - 1)) {
            if (source.matches("^[a-z]+://.*")) {
                finding(instruction, instruction.keyword() + " of a URL (" + source + "): download in a RUN that "
                        + "checks what it got");
            } else {
                contextSource(instruction, source);
            }
        }
    }

    private void contextSource(Instruction instruction, String source) {
        Path path = context.resolve(source).normalize();
        if (!path.startsWith(context) || !Files.exists(path)) {
            finding(instruction, instruction.keyword() + " source " + source + " does not exist in the build context");
            return;
        }
        for (Path file : filesUnder(path)) {
            String relative = context.relativize(file).toString();
            if (ignore.excludes(relative)) {
                finding(instruction, instruction.keyword() + " source " + relative + " is left out of the build "
                        + "context by .dockerignore");
                return;
            }
        }
    }

    private void run(Instruction instruction) {
        String command = instruction.arguments();
        boolean installs = command.contains("apt-get install");
        if (installs && !command.contains("--no-install-recommends")) {
            finding(instruction, "apt-get install without --no-install-recommends");
        }
        if (installs && !command.contains("rm -rf /var/lib/apt/lists/*")) {
            finding(instruction, "apt-get install without rm -rf /var/lib/apt/lists/* in the same RUN: the lists "
                    + "stay in the layer");
        }
        if (command.contains("apt-get update") && !installs) {
            finding(instruction, "apt-get update without an install in the same RUN: a later layer installs from "
                    + "a stale cache");
        }
    }

    private void finding(Instruction instruction, String what) {
        findings.add("line " + instruction.line() + ": " + what);
    }

    private static List<Path> filesUnder(Path path) {
        if (!Files.isDirectory(path)) {
            return List.of(path);
        }
        try (Stream<Path> files = Files.walk(path)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String withoutFlags(String args) {
        String rest = args;
        for (Matcher flag = FLAG.matcher(rest); flag.find(); flag = FLAG.matcher(rest)) {
            rest = rest.substring(flag.end());
        }
        return rest;
    }

    private static List<String> jsonStrings(String json) {
        List<String> strings = new ArrayList<>();
        Matcher string = JSON_STRING.matcher(json);
        while (string.find()) {
            strings.add(string.group(1).replaceAll("\\\\(.)", "$1"));
        }
        return strings;
    }

    /** Instructions with continuation lines joined; comment lines, also inside a continuation, dropped. */
    private static List<Instruction> instructions(String dockerfile) {
        List<Instruction> instructions = new ArrayList<>();
        String[] lines = dockerfile.split("\n", -1);
        StringBuilder current = null;
        int start = 0;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("#") || line.isEmpty() && current == null) {
                continue;
            }
            if (current == null) {
                current = new StringBuilder();
                start = i + 1;
            }
            boolean continues = line.endsWith("\\");
            current.append(continues ? line.substring(0, line.length() - 1) : line).append(' ');
            if (!continues) {
                String text = current.toString().strip();
                int space = text.indexOf(' ');
                String keyword = (space < 0 ? text : text.substring(0, space)).toUpperCase(Locale.ROOT);
                instructions.add(new Instruction(start, keyword, space < 0 ? "" : text.substring(space + 1).strip()));
                current = null;
            }
        }
        return instructions;
    }
}
