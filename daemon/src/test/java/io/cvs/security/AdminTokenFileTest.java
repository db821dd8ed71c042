package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.system.StartupRefusedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTokenFileTest {

    private static final TokenFiles RULES = TokenFiles.ofThisProcess();

    @TempDir
    Path dir;

    @Test
    void theFirstStartCreatesARandomTokenReadableByItsOwnerOnlyInDirectoriesOfItsOwn() throws Exception {
        Path file = dir.resolve("var/lib/cvs/admin-token");

        AdminTokenFile.Token token = AdminTokenFile.readOrCreate(file, RULES);

        assertThat(token.created()).isTrue();
        assertThat(token.value()).matches("[A-Za-z0-9_-]{43}");
        assertThat(Files.readString(file)).isEqualTo(token.value() + "\n");
        assertThat(permissions(file)).isEqualTo("rw-------");
        assertThat(permissions(file.getParent())).isEqualTo("rwx------");
        assertThat(permissions(dir.resolve("var"))).isEqualTo("rwx------");
    }

    @Test
    void laterStartsReuseIt() {
        Path file = dir.resolve("admin-token");
        AdminTokenFile.Token first = AdminTokenFile.readOrCreate(file, RULES);

        AdminTokenFile.Token again = AdminTokenFile.readOrCreate(file, RULES);

        assertThat(again.created()).isFalse();
        assertThat(again.value()).isEqualTo(first.value());
    }

    @Test
    void anExistingDirectoryKeepsItsPermissions() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        AdminTokenFile.readOrCreate(dir.resolve("admin-token"), RULES);

        assertThat(permissions(dir)).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedNotRepaired() throws Exception {
        Path file = dir.resolve("admin-token");
        AdminTokenFile.readOrCreate(file, RULES);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(file, RULES));

        assertThat(refused.getMessage()).contains("accessible to others (mode 0644)");
        assertThat(permissions(file)).isEqualTo("rw-r--r--");
    }

    @Test
    void aTokenFileWithoutAUsableTokenIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("admin-token"), "short\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(file, RULES));

        assertThat(refused.getMessage()).contains("no token of at least 16 characters");
        assertThat(refused.getMessage()).doesNotContain("short");
    }

    /**
     * Another user of the host makes the file first, 0600 with a token of their choosing, in a directory where
     * both may write: the daemon must neither adopt that token (its writer could then use the API) nor make one.
     */
    @Test
    void aTokenFileAnotherUserMadeFirstIsRefusedNotAdopted() throws Exception {
        Path file = Files.writeString(dir.resolve("admin-token"), "token-chosen-by-another-user\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        int nobody = OtherUser.giveToNobody(file);

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(file, RULES));

        assertThat(refused.getMessage()).isEqualTo("The admin token file " + file + " is owned by uid " + nobody
                + ", not by the daemon's user (uid " + RULES.daemonUid() + "), so the token may be known to others.");
    }

    @Test
    void noTokenIsMadeInADirectoryOthersMayWrite() throws Exception {
        Path shared = Files.createDirectory(dir.resolve("shared"));
        Files.setAttribute(shared, "unix:mode", 01777);

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(shared.resolve("admin-token"), RULES));

        assertThat(refused.getMessage()).contains("others may write (mode 1777, sticky)");
        assertThat(Files.exists(shared.resolve("admin-token"))).isFalse();
    }

    @Test
    void aLinkWhereTheTokenFileShouldBeIsNeitherFollowedNorWrittenThrough() throws Exception {
        Path elsewhere = dir.resolve("elsewhere");
        Path link = Files.createSymbolicLink(dir.resolve("admin-token"), elsewhere);

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(link, RULES));

        assertThat(refused.getMessage()).contains("is a symbolic link");
        assertThat(Files.exists(elsewhere)).as("nothing written through the link").isFalse();
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
