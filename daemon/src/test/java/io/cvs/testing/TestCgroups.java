package io.cvs.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Hands each test empty cgroup v2 directories of its own, {@code cvs-test-java-<pid>-<n>} under the default cgroup
 * root, and removes them after the test, also when it fails. Tests never attach to the root itself. Register with
 * {@code @RegisterExtension}; extensions run their after-each callbacks after the test's {@code @AfterEach}
 * methods, which is where tests detach.
 */
public final class TestCgroups implements BeforeEachCallback, AfterEachCallback {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final List<Path> made = new ArrayList<>();
    private Path root;

    @Override
    public void beforeEach(ExtensionContext context) {
        root = BpfEnvironment.cgroup2Root();
    }

    /** A new, empty cgroup with no process in it. */
    public Path fresh() throws IOException {
        Path cgroup = root.resolve("cvs-test-java-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
        made.add(Files.createDirectory(cgroup));
        return cgroup;
    }

    /** rmdir: a cgroup directory goes when it has no process and no child, whatever its files say. */
    @Override
    public void afterEach(ExtensionContext context) {
        UncheckedIOException failure = null;
        for (Path cgroup : made) {
            try {
                Files.deleteIfExists(cgroup);
            } catch (IOException e) {
                if (failure == null) {
                    failure = new UncheckedIOException("removing test cgroup " + cgroup, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        made.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
