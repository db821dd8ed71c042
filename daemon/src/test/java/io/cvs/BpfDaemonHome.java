package io.cvs;

import io.cvs.datapath.bpf.BpfDatapath;
import io.cvs.testing.BpfEnvironment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The pin directory and cgroup a test gives its BPF daemon, and undoing what that daemon leaves: it never detaches
 * its programs (forwarding must outlive it), so a test must, once Spring has closed the daemon and with it the map
 * set's writer lock that detaching needs.
 */
public final class BpfDaemonHome {

    private BpfDaemonHome() {
    }

    /** Where the daemon named name pins its map set; the daemon creates it when it starts. */
    public static Path pinDir(String name) {
        return BpfEnvironment.BPFFS.resolve(name);
    }

    /** A cgroup of the test's own below the host's cgroup v2 root, never the root itself. */
    public static Path createCgroup(String name) throws IOException {
        return Files.createDirectory(BpfEnvironment.cgroup2Root().resolve(name));
    }

    /** Detaches the programs, removes the pins, then the cgroup; a null part is skipped (setup failed early). */
    public static void undo(Path pinDir, Path cgroup) throws IOException {
        try {
            if (pinDir != null && Files.exists(pinDir)) {
                BpfDatapath.uninstall(pinDir);
            }
        } finally {
            if (cgroup != null) {
                Files.deleteIfExists(cgroup);
            }
        }
    }
}
