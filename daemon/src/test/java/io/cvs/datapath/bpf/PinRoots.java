package io.cvs.datapath.bpf;

import io.cvs.testing.BpfEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Hands each test pin roots of its own under /sys/fs/bpf and destroys them after the test, also when it fails.
 * Register with {@code @RegisterExtension}; tests close their handles (try-with-resources) before this runs.
 */
public final class PinRoots implements BeforeEachCallback, AfterEachCallback {

    private static final AtomicInteger NEXT = new AtomicInteger();

    private final List<Path> handedOut = new ArrayList<>();

    @Override
    public void beforeEach(ExtensionContext context) {
        BpfEnvironment.require();
    }

    /** A pin root that nothing uses yet; its map set is created on first open. */
    public Path fresh() {
        Path root = BpfEnvironment.BPFFS
                .resolve("cvs-test-java-" + ProcessHandle.current().pid() + "-" + NEXT.incrementAndGet());
        handedOut.add(root);
        return root;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        for (Path root : handedOut) {
            if (Files.exists(root)) {
                MapSet.destroy(root);
            }
        }
        handedOut.clear();
    }
}
