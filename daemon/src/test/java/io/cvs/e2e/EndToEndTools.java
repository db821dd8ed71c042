package io.cvs.e2e;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/** The programs an end-to-end test runs: present, or the test skips loudly (and fails under CI, which has them). */
final class EndToEndTools {

    private EndToEndTools() {
    }

    static void require(String... tools) {
        for (String tool : tools) {
            if (!onPath(tool)) {
                String message = "END-TO-END TEST NOT RUN: no " + tool + " on the PATH (scripts/bootstrap)";
                if (System.getenv("CI") != null) {
                    throw new AssertionError(message + " (CI must run it)");
                }
                System.err.println("!!! " + message + " !!!");
                Assumptions.abort(message);
            }
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : (System.getenv().getOrDefault("PATH", "") + ":/usr/sbin:/sbin:/usr/bin:/bin").split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
