package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import io.cvs.process.DaemonLogs;
import io.cvs.process.DaemonProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The real daemon in a child JVM: what it says, and whether it starts, about where its tokens come from. */
@ExtendWith(DaemonLogs.class)
class TokensAtStartTest {

    @TempDir
    Path dir;

    /** The finding: another user made the admin token file first (0600), and the daemon used their token. */
    @Test
    void theDaemonRefusesToStartWithAnAdminTokenFileAnotherUserMade() throws Exception {
        Path file = Files.writeString(dir.resolve("admin-token"), "token-chosen-by-another-user\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        int nobody = OtherUser.giveToNobody(file);

        try (DaemonProcess daemon = DaemonProcess.launch("token-file-of-nobody",
                Map.of("CVS_SECURITY_ADMIN_TOKEN", ""), "--cvs.datapath=memory", "--cvs.security.token-file=" + file)) {
            assertThat(daemon.waitForExit(Duration.ofSeconds(60))).as(daemon.tail()).isTrue();

            assertThat(daemon.exitCode()).isEqualTo(1);
            assertThat(daemon.log()).contains("APPLICATION FAILED TO START", "The admin token file " + file
                    + " is owned by uid " + nobody + ", not by the daemon's user (uid "
                    + TokenFiles.ofThisProcess().daemonUid() + "), so the token may be known to others.");
        }
    }

    @Test
    void aTokenOnTheCommandLineIsWarnedAboutAndOneInTheEnvironmentIsNot() {
        try (DaemonProcess daemon = DaemonProcess.start("token-on-command-line", "--cvs.datapath=memory",
                "--cvs.security.viewer-token=viewer-token-that-ps-shows-to-everyone")) {
            assertThat(daemon.log())
                    .contains("WARN", "cvs.security.viewer-token is on the daemon's command line, where ps shows it "
                            + "to every user of this host", "CVS_SECURITY_VIEWER_TOKEN")
                    .doesNotContain("cvs.security.admin-token is on the daemon's command line");
            assertThat(daemon.http().get("/api/v1/services").statusCode()).as("the admin token from the environment")
                    .isEqualTo(200);
        }
    }
}
