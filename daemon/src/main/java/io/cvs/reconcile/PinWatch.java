package io.cvs.reconcile;

import io.cvs.datapath.Datapath;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Runs the {@link DriftCheck} at once when a pin is removed from the pin root, or the root from its parent, rather
 * than at the check's next tick: bpffs reports unlinks to inotify (IN_DELETE, IN_DELETE_SELF), which Java's
 * {@link WatchService} uses on Linux. The periodic check stays the backstop for what inotify misses (an entry
 * deleted with bpftool changes no file). Watches the root, and its parent, again when they are created anew (by the
 * repair), checking once a second whether they need it. Nothing to watch for a datapath without pins.
 */
@Component
class PinWatch implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(PinWatch.class);
    private static final long SETTLE_MILLIS = 20;

    private final Datapath datapath;
    private final DriftCheck drift;
    private WatchService watcher;
    private Thread thread;

    PinWatch(Datapath datapath, DriftCheck drift) {
        this.datapath = datapath;
        this.drift = drift;
    }

    @Override
    public synchronized void start() {
        Path root = datapath.pinRoot().orElse(null);
        if (root == null || root.getParent() == null) {
            return;
        }
        try {
            watcher = FileSystems.getDefault().newWatchService();
            root.getParent().register(watcher, StandardWatchEventKinds.ENTRY_CREATE,
                    StandardWatchEventKinds.ENTRY_DELETE);
            root.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            log.warn("Pin watch: cannot watch {} ({}); removed pins are found by the periodic drift check", root,
                    e.toString());
            stop();
            return;
        }
        WatchService service = watcher;
        thread = new Thread(() -> watch(service, root), "cvs-pin-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(WatchService service, Path root) {
        try {
            while (true) {
                WatchKey key = service.poll(1, TimeUnit.SECONDS);
                if (key == null) {
                    // A removed directory's watch is gone with it: watch the one created anew (by the repair).
                    watchIfThere(service, root.getParent());
                    watchIfThere(service, root);
                    continue;
                }
                // rm -r unlinks one pin after another: look once it is through, not after its first unlink.
                Thread.sleep(SETTLE_MILLIS);
                for (; key != null; key = service.poll()) {
                    key.pollEvents();
                    key.reset();
                }
                watchIfThere(service, root);
                drift.check();
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Registering a directory already watched is harmless: the same watch comes back. */
    private static void watchIfThere(WatchService service, Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try {
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_DELETE);
        } catch (IOException e) {
            log.debug("Pin watch: {} is gone again before it could be watched", dir);
        }
    }

    @Override
    public synchronized void stop() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                log.debug("Pin watch: closing the watch service", e);
            }
            watcher = null;
        }
        thread = null;
    }

    @Override
    public synchronized boolean isRunning() {
        return watcher != null;
    }
}
