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

    @TempDir
    Path dir;

    @Test
    void theFirstStartCreatesARandomTokenReadableByItsOwnerOnlyInDirectoriesOfItsOwn() throws Exception {
        Path file = dir.resolve("var/lib/cvs/admin-token");

        AdminTokenFile.Token token = AdminTokenFile.readOrCreate(file);

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
        AdminTokenFile.Token first = AdminTokenFile.readOrCreate(file);

        AdminTokenFile.Token again = AdminTokenFile.readOrCreate(file);

        assertThat(again.created()).isFalse();
        assertThat(again.value()).isEqualTo(first.value());
    }

    @Test
    void anExistingDirectoryKeepsItsPermissions() throws Exception {
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));

        AdminTokenFile.readOrCreate(dir.resolve("admin-token"));

        assertThat(permissions(dir)).isEqualTo("rwxr-xr-x");
    }

    @Test
    void aTokenFileOthersCanReadIsRefusedNotRepaired() throws Exception {
        Path file = dir.resolve("admin-token");
        AdminTokenFile.readOrCreate(file);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(file));

        assertThat(refused.getMessage()).contains("accessible to others", "rw-r--r--");
        assertThat(permissions(file)).isEqualTo("rw-r--r--");
    }

    @Test
    void aTokenFileWithoutAUsableTokenIsRefused() throws Exception {
        Path file = Files.writeString(dir.resolve("admin-token"), "short\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> AdminTokenFile.readOrCreate(file));

        assertThat(refused.getMessage()).contains("no token of at least 16 characters");
        assertThat(refused.getMessage()).doesNotContain("short");
    }

    private static String permissions(Path path) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
    }
}
