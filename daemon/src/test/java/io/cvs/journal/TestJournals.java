package io.cvs.journal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Journal directories of tests: fresh ones under target/, so a test never meets another's journal or lock. */
public final class TestJournals {

    public static final JournalOptions DEFAULTS = new JournalOptions(10_000, 64L << 20, false);

    private static final Path ROOT = Path.of("target", "cvs-test-" + ProcessHandle.current().pid(), "journals")
            .toAbsolutePath();

    private TestJournals() {
    }

    /** A directory that does not exist yet, named after what uses it. */
    public static Path freshDir(String name) {
        try {
            Files.createDirectories(ROOT);
            return Files.createTempDirectory(ROOT, name + "-").resolve("journal");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A journal with the default thresholds in a fresh directory. */
    public static Journal open(String name) {
        return Journal.open(freshDir(name), DEFAULTS);
    }
}
