package io.cvs.testing;

import static org.junit.jupiter.api.Assertions.fail;

import io.cvs.datapath.bpf.BpfDatapath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Assumptions;

/**
 * These tests need the real kernel: root (CAP_BPF) and bpffs at /sys/fs/bpf, and the socket-LB ones a cgroup v2
 * hierarchy. Without them a developer's run skips loudly; a CI run (CI set in the environment) fails, because CI
 * is where they must run.
 */
public final class BpfEnvironment {

    public static final Path BPFFS = Path.of("/sys/fs/bpf");

    private BpfEnvironment() {
    }

    public static void require() {
        String missing = missing();
        if (missing != null) {
            skipOrFail(missing);
        }
    }

    /** The cgroup v2 root that socket-LB tests make their cgroups under, after {@link #require()}. */
    public static Path cgroup2Root() {
        require();
        return BpfDatapath.defaultCgroup().orElseThrow(() -> {
            skipOrFail("no cgroup v2 hierarchy: libcvsbpf found none");
            return new AssertionError("not reached: skipOrFail always throws");
        });
    }

    private static void skipOrFail(String missing) {
        String message = "BPF MAP TESTS NOT RUN: " + missing;
        if (System.getenv("CI") != null) {
            fail(message + " (CI must run them)");
        }
        System.err.println("!!! " + message + " !!!");
        Assumptions.abort(message);
    }

    private static String missing() {
        try {
            if (!Files.readString(Path.of("/proc/mounts")).contains(" " + BPFFS + " bpf ")) {
                return "no bpffs mounted at " + BPFFS;
            }
            int uid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
            return uid == 0 ? null : "not root (uid " + uid + ")";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
