package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.system.StartupRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules for token files, on real files with real owners: the daemon's user is this process's uid, and
 * {@code nobody} plays the other user of the host.
 */
class TokenFilesTest {

    private static final String TOKEN = "a-token-of-more-than-16-characters";

    @TempDir
    Path tmp;

    private Path dir;
    private final TokenFiles rules = TokenFiles.ofThisProcess();

    @BeforeEach
    void privateDirectory() throws Exception {
        dir = Files.createDirectory(tmp.resolve("cvs"), PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("rwx------")));
    }

    @Test
    void aFileOfTheDaemonsUserMode600InItsOwnDirectoryIsRead() throws Exception {
        assertThat(rules.read(tokenFile(dir, "rw-------"), "The token file")).isEqualTo(TOKEN);
        assertThat(rules.read(tokenFile(dir.resolve("r"), "r--------"), "The token file")).isEqualTo(TOKEN);
    }

    @Test
    void aFileAnotherUserOwnsIsRefusedEvenAt600() throws Exception {
        Path file = tokenFile(dir, "rw-------");
        int nobody = OtherUser.giveToNobody(file);

        assertThat(refusal(file)).contains("The token file " + file + " is owned by uid " + nobody
                + ", not by the daemon's user (uid " + rules.daemonUid() + ")");
        assertThat(new TokenFiles(nobody).read(file, "The token file")).as("the same file, were nobody the daemon")
                .isEqualTo(TOKEN);
    }

    @Test
    void aFileGroupOrOthersMayReadOrWriteIsRefused() throws Exception {
        for (String mode : new String[] {"rw-r-----", "rw----r--", "rw--w----", "rw-----w-"}) {
            Path file = tokenFile(dir, mode);
            assertThat(refusal(file)).as(mode).contains("is accessible to others (mode 0");
        }
    }

    @Test
    void aSymbolicLinkIsRefusedEvenToAGoodFile() throws Exception {
        Path target = tokenFile(dir, "rw-------");
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        assertThat(refusal(link)).contains(link + " is a symbolic link (to " + target + ")");
    }

    @Test
    void aDirectoryOthersMayWriteIsRefused() throws Exception {
        Path file = tokenFile(dir, "rw-------");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThat(refusal(file)).contains("is in " + dir.toRealPath() + ", which others may write (mode 0777)");
    }

    @Test
    void aStickyWorldWritableDirectoryLikeTmpIsRefusedToo() throws Exception {
        Path file = tokenFile(dir, "rw-------");
        Files.setAttribute(dir, "unix:mode", 01777);

        assertThat(refusal(file)).contains("which others may write (mode 1777, sticky)");
    }

    @Test
    void aDirectoryAnotherUserOwnsIsRefused() throws Exception {
        Path file = tokenFile(dir, "rw-------");
        int nobody = OtherUser.giveToNobody(dir);

        assertThat(refusal(file)).contains(dir.toRealPath() + ", owned by uid " + nobody);
    }

    @Test
    void aDirectoryAboveMayBeWritableByOthersOnlyWhenSticky() throws Exception {
        Path file = tokenFile(dir.resolve("inner"), "rw-------");
        Files.setAttribute(dir, "unix:mode", 01777);
        assertThat(rules.read(file, "The token file")).as("below a sticky directory, as in /tmp").isEqualTo(TOKEN);

        Files.setAttribute(dir, "unix:mode", 0777);
        assertThat(refusal(file)).as("below a plain world-writable directory, which could be renamed away")
                .contains(dir.toRealPath() + ", which others may write (mode 0777)");
    }

    @Test
    void aMissingFileIsRefused() {
        assertThat(catchThrowableOfType(StartupRefusedException.class,
                () -> rules.read(dir.resolve("absent"), "The token file")).getMessage())
                .isEqualTo("The token file does not exist.");
    }

    private String refusal(Path file) {
        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> rules.read(file, "The token file " + file));
        assertThat(refused).as("refusal of " + file).isNotNull();
        assertThat(refused.getMessage()).doesNotContain(TOKEN).doesNotContain("\n");
        return refused.getMessage();
    }

    private static Path tokenFile(Path in, String mode) throws Exception {
        Files.createDirectories(in);
        Path file = in.resolve("token-" + mode.replace('-', '_'));
        Files.writeString(file, TOKEN + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(mode));
        return file;
    }
}
