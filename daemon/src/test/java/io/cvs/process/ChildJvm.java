package io.cvs.process;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Starts {@code io.cvs.CvsApplication} in a child JVM of this test run. Where a child daemon writes its log, and the
 * JVM options that make it start faster. Children still running when the test JVM exits are killed by a shutdown
 * hook (a test JVM killed with SIGKILL cannot do that).
 */
final class ChildJvm {

    /** This test run's directory for daemon logs and the class data archive. */
    static final Path RUN_DIR = Path.of("target", "daemon-process-" + ProcessHandle.current().pid())
            .toAbsolutePath();

    /**
     * C1 only: a daemon that lives for seconds never profits from C2 but pays for its compilations (measured: ready
     * in 3.9 s instead of 5.2 s on an idle 2-vCPU machine, 5-7 s instead of 8-14 s when it is busy).
     */
    private static final List<String> FAST_START = List.of("-XX:TieredStopAtLevel=1");

    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final Set<Process> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> RUNNING.forEach(Process::destroyForcibly),
                "kill-child-daemons"));
    }

    private ChildJvm() {
    }

    /** A new log file, numbered in start order so a directory listing reads like the test. */
    static Path logFile(String name) {
        return RUN_DIR.resolve(String.format("%03d-%s.log", NEXT.incrementAndGet(), name));
    }

    /**
     * {@code java <options> -cp <class path> io.cvs.CvsApplication <args>}, output and errors to log. The class path
     * is the test JVM's, with its directories packed into jars when a class data archive is in use (CDS takes
     * classes from jars only).
     */
    static Process start(List<String> jvmOptions, List<String> args, Path log) {
        return start(jvmOptions, Map.of(), args, log);
    }

    /** Like {@link #start(List, List, Path)}, with these variables added to the child's environment. */
    static Process start(List<String> jvmOptions, Map<String, String> environment, List<String> args, Path log) {
        String classPath = ClassDataArchive.inUse(jvmOptions) ? ClassDataArchive.classPath() : classPath();
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FAST_START);
        // Tomcat's work directory and the like go where this JVM's temporary files go (target/ under Maven)
        command.add("-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"));
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, "io.cvs.CvsApplication"));
        command.addAll(args);
        String shown = String.join(" ", command).replace(classPath, "<test class path>");
        try {
            Files.createDirectories(log.getParent());
            Files.writeString(log, shown + "\n\n");
            // surefire talks to its test JVM over that JVM's stdin: keep the child off it
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            builder.environment().putAll(environment);
            Process process = builder.start();
            RUNNING.add(process);
            process.onExit().thenAccept(RUNNING::remove);
            return process;
        } catch (IOException e) {
            throw new UncheckedIOException("starting " + shown, e);
        }
    }

    /** The test JVM's class path (surefire sets java.class.path to it, not to its booter jar). */
    static String classPath() {
        return System.getProperty("java.class.path");
    }
}
