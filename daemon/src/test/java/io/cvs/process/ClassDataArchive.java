package io.cvs.process;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;

/**
 * A dynamic AppCDS archive of the daemon's classes, made once per test run by a training daemon (memory datapath,
 * started, asked one authenticated request, stopped with SIGTERM, which writes the archive at exit), then mapped by
 * every child daemon. Measured on 2 vCPUs: a child is ready in 2.4 s instead of 3.9 s (idle machine), 3.1 s instead
 * of 4.3 s (busy); the training costs 10-12 s once, so it pays from about the eighth child on. The JVM checks the
 * archive against the class path and ignores it (with a warning in the child's log) when they differ, and making it
 * fails soft: the children then start without it. {@code -Dcvs.test.daemon-cds=false} turns it off. The archive and
 * the jars are deleted when the test JVM exits; the logs stay.
 */
final class ClassDataArchive {

    private static final boolean ENABLED = !"false".equals(System.getProperty("cvs.test.daemon-cds"));
    private static final Path DIR = ChildJvm.RUN_DIR.resolve("cds");
    private static final Path ARCHIVE = DIR.resolve("daemon.jsa");
    private static final String USE = "-XX:SharedArchiveFile=";
    private static final String MAKE = "-XX:ArchiveClassesAtExit=";

    private static boolean attempted;
    private static String packedClassPath;

    private ClassDataArchive() {
    }

    /** The JVM options that map the archive, made at the first call; none when it is off or could not be made. */
    static synchronized List<String> jvmOptions() {
        if (ENABLED && !attempted) {
            attempted = true;
            Runtime.getRuntime().addShutdownHook(new Thread(ClassDataArchive::delete, "delete-class-data-archive"));
            make();
        }
        return Files.exists(ARCHIVE) ? List.of(USE + ARCHIVE) : List.of();
    }

    static boolean inUse(List<String> jvmOptions) {
        return jvmOptions.stream().anyMatch(option -> option.startsWith(USE) || option.startsWith(MAKE));
    }

    /**
     * The test JVM's class path with each directory (target/classes, target/test-classes) replaced by a jar of it:
     * CDS archives classes from jars only and refuses a class path with a non-empty directory. The same string for
     * the training daemon and the others, as CDS requires.
     */
    static synchronized String classPath() {
        if (packedClassPath == null) {
            List<String> entries = new ArrayList<>();
            for (String entry : ChildJvm.classPath().split(":")) {
                Path path = Path.of(entry);
                entries.add(Files.isDirectory(path) ? pack(path, entries.size()).toString() : entry);
            }
            packedClassPath = String.join(":", entries);
        }
        return packedClassPath;
    }

    private static void make() {
        long started = System.nanoTime();
        Path part = DIR.resolve("daemon.jsa.part");
        try (DaemonProcess training = DaemonProcess.launch("cds-training", List.of(MAKE + part),
                "--cvs.datapath=memory")) {
            training.awaitReady();
            training.http().get("/api/v1/services");
            training.stop();
            if (!Files.exists(part)) {
                throw new IllegalStateException("the training daemon wrote no archive; " + training.tail());
            }
            Files.move(part, ARCHIVE, StandardCopyOption.ATOMIC_MOVE);
            System.out.printf("class data archive for child daemons made in %d ms: %s%n",
                    (System.nanoTime() - started) / 1_000_000, ARCHIVE);
        } catch (IOException | RuntimeException | AssertionError e) {
            System.err.println("!!! child daemons start without a class data archive (slower): " + e);
        }
    }

    /** A jar of the directory with its directory entries too: Spring's classpath scanning looks for those. */
    private static Path pack(Path directory, int index) {
        Path jar = DIR.resolve(index + "-" + directory.getFileName() + ".jar");
        try (Stream<Path> tree = Files.walk(directory)) {
            Files.createDirectories(DIR);
            try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
                for (Path path : tree.sorted().toList()) {
                    String name = directory.relativize(path).toString().replace('\\', '/');
                    if (name.isEmpty()) {
                        continue;
                    }
                    boolean isDirectory = Files.isDirectory(path);
                    out.putNextEntry(new JarEntry(isDirectory ? name + "/" : name));
                    if (!isDirectory) {
                        Files.copy(path, (OutputStream) out);
                    }
                    out.closeEntry();
                }
            }
            return jar;
        } catch (IOException e) {
            throw new UncheckedIOException("packing " + directory + " into " + jar, e);
        }
    }

    private static void delete() {
        try (Stream<Path> tree = Files.exists(DIR) ? Files.walk(DIR) : Stream.empty()) {
            for (Path path : tree.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException e) {
            System.err.println("could not delete " + DIR + ": " + e);
        }
    }
}
