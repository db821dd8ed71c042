package io.cvs.cli;

import com.sun.security.auth.module.UnixSystem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * cvsadm run in-process, as {@code Main} runs it, on a {@link Host} of the test's making: the environment holds
 * only what the test puts there (by default CVS_URL and CVS_TOKEN of its daemon), the home directory is empty, and
 * the daemon's token file is one that does not exist, so nothing of the machine running the tests leaks in.
 */
final class Cli {

    /** One run: exit code and what went to stdout and stderr. */
    record Run(int exitCode, String out, String err) {

        JsonNode json() {
            return Json.JSON.readTree(out);
        }

        JsonNode yaml() {
            return Json.YAML.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + exitCode + "\n--- stdout:\n" + out + "--- stderr:\n" + err;
        }
    }

    private final Map<String, String> env = new HashMap<>();
    private final Path home;
    private Path daemonTokenFile;
    private String stdin = "";
    private int uid = (int) new UnixSystem().getUid();

    Cli(Path home) {
        this.home = home;
        this.daemonTokenFile = home.resolve("no-daemon-here/admin-token");
    }

    /** A CLI pointed at a daemon with its admin token. */
    static Cli against(TestDaemon daemon, Path home) {
        return new Cli(home).env("CVS_URL", daemon.url()).env("CVS_TOKEN", TestDaemon.ADMIN_TOKEN);
    }

    Cli env(String name, String value) {
        if (value == null) {
            env.remove(name);
        } else {
            env.put(name, value);
        }
        return this;
    }

    Cli daemonTokenFile(Path file) {
        this.daemonTokenFile = file;
        return this;
    }

    /** Runs cvsadm as if it were this user, to whom token files must belong. */
    Cli uid(int uid) {
        this.uid = uid;
        return this;
    }

    Cli stdin(String text) {
        this.stdin = text;
        return this;
    }

    Path home() {
        return home;
    }

    Run run(String... args) {
        Host host = new Host(env, home, daemonTokenFile, false,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), uid);
        CommandLine commandLine = Main.commandLine(host);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        commandLine.setOut(new PrintWriter(out, true));
        commandLine.setErr(new PrintWriter(err, true));
        int exitCode = commandLine.execute(Main.withIpvsadm(args));
        ((Cvsadm) commandLine.getCommand()).close();
        return new Run(exitCode, out.toString(), err.toString());
    }

    /** A token file as its owner should keep it: mode 600. */
    static Path writeSecret(Path file, String text) {
        Path written = write(file, text);
        try {
            Files.setPosixFilePermissions(written, PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return written;
    }

    static Path write(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            return Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
