package io.cvs.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cvsadm sends a token from a file only when the file is the user's alone, by the daemon's rules, on real files
 * with real owners ({@code nobody} plays the other user). Nothing listens at the URL: a token file that passes
 * gets as far as the connection (exit 4), one that does not stops before it (exit 7).
 */
class TokenFileTest {

    private static final String DEAD_URL = "http://127.0.0.1:1";

    @TempDir
    Path home;

    @Test
    void aFileOfTheUserMode600IsSent() {
        Path file = Cli.writeSecret(home.resolve("cvs/token"), "a-token-of-the-user\n");

        assertThat(run(file).exitCode()).as("read, then the dead URL").isEqualTo(4);
    }

    @Test
    void aFileAnotherUserOwnsIsRefusedEvenAt600() throws Exception {
        Path file = Cli.writeSecret(home.resolve("cvs/token"), "a-token-chosen-by-someone-else\n");
        int nobody = giveToNobody(file);

        Cli.Run run = run(file);

        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.err()).isEqualTo("cvsadm: the token file " + file + " is owned by uid " + nobody
                + ", not by you (uid " + uidOf(home) + "); not sending a token others may know or have chosen\n");
        assertThat(new Cli(home).env("CVS_URL", DEAD_URL).uid(nobody).run("list", "--token-file", file.toString())
                .exitCode()).as("the same file, run as its owner").isEqualTo(4);
    }

    @Test
    void aFileOthersMayReadIsRefused() throws Exception {
        Path file = Cli.write(home.resolve("cvs/token"), "a-token\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        Cli.Run run = run(file);

        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.err()).contains("is accessible to others (mode 0644; chmod 600 it)").hasLineCount(1);
    }

    @Test
    void aLinkIsRefused() throws Exception {
        Path target = Cli.writeSecret(home.resolve("cvs/token"), "a-token\n");
        Path link = Files.createSymbolicLink(home.resolve("cvs/link"), target);

        assertThat(run(link).err()).contains(link + " is a symbolic link");
        assertThat(run(link).exitCode()).isEqualTo(7);
    }

    @Test
    void aFileInAStickyWorldWritableDirectoryIsRefused() throws Exception {
        Path file = Cli.writeSecret(home.resolve("shared/token"), "a-token\n");
        Files.setAttribute(file.getParent(), "unix:mode", 01777);

        Cli.Run run = run(file);

        assertThat(run.exitCode()).isEqualTo(7);
        assertThat(run.err()).contains("which others may write (mode 1777, sticky)");
    }

    @Test
    void theConfigFilesTokenFileAndTheDaemonsFileFollowTheSameRules() throws Exception {
        Path file = Cli.write(home.resolve("cvs/token"), "a-token\n");
        Cli.write(home.resolve(".config/cvs/cvsadm.yaml"), "url: " + DEAD_URL + "\ntokenFile: " + file + "\n");
        assertThat(new Cli(home).run("list").exitCode()).isEqualTo(7);

        Files.delete(home.resolve(".config/cvs/cvsadm.yaml"));
        assertThat(new Cli(home).env("CVS_URL", DEAD_URL).daemonTokenFile(file).run("list").exitCode())
                .isEqualTo(7);
    }

    private Cli.Run run(Path tokenFile) {
        return new Cli(home).env("CVS_URL", DEAD_URL).run("list", "--token-file", tokenFile.toString());
    }

    private static int giveToNobody(Path path) throws Exception {
        if (uidOf(Path.of("/proc/self")) != 0) {
            String message = "TOKEN FILE OWNERSHIP TESTS NOT RUN: giving files to nobody needs root";
            if (System.getenv("CI") != null) {
                fail(message + " (CI must run them)");
            }
            System.err.println("!!! " + message + " !!!");
            Assumptions.abort(message);
        }
        Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setOwner(
                path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody"));
        return uidOf(path);
    }

    private static int uidOf(Path path) throws Exception {
        return (Integer) Files.getAttribute(path, "unix:uid");
    }
}
