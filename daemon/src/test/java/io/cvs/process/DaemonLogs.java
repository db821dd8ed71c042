package io.cvs.process;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * When a test fails, prints where the logs of the daemons it started (and of those still running) are, with their
 * last lines: the post-mortem starts there. Register with {@code @ExtendWith(DaemonLogs.class)}.
 */
public final class DaemonLogs implements BeforeEachCallback, TestWatcher {

    private static final List<DaemonProcess> STARTED = new CopyOnWriteArrayList<>();

    private int firstOfTest;

    static void started(DaemonProcess daemon) {
        STARTED.add(daemon);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        firstOfTest = STARTED.size();
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        for (int i = 0; i < STARTED.size(); i++) {
            DaemonProcess daemon = STARTED.get(i);
            if (i >= firstOfTest || daemon.isAlive()) {
                System.err.printf("=== %s failed; %s: %s%n", context.getDisplayName(), daemon, daemon.tail());
            }
        }
    }
}
