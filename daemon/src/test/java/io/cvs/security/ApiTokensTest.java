package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cvs.system.StartupRefusedException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {

    private static final String ADMIN = "admin-token-0123456789abcdef";
    private static final String VIEWER = "viewer-token-0123456789abcdef";
    private static final List<String> OPEN = List.of("/actuator/health/**");
    private static final TokenFiles RULES = TokenFiles.ofThisProcess();

    @TempDir
    Path dir;

    @Test
    void eachTokenHasItsRoleAndAnythingElseNone() throws Exception {
        ApiTokens tokens = ApiTokens.load(properties(ADMIN, VIEWER), loopback(), RULES);

        assertThat(tokens.roleOf(ADMIN)).contains(Role.ADMIN);
        assertThat(tokens.roleOf(VIEWER)).contains(Role.VIEWER);
        assertThat(tokens.roleOf(ADMIN + "x")).isEmpty();
        assertThat(tokens.roleOf("")).isEmpty();
        assertThat(tokens.toString()).doesNotContain(ADMIN, VIEWER);
    }

    @Test
    void withoutAnAdminTokenTheTokenFileIsUsedAndNoViewerIsAccepted() throws Exception {
        ApiTokens tokens = ApiTokens.load(properties(null, null), loopback(), RULES);

        String fromFile = Files.readString(dir.resolve("admin-token")).trim();
        assertThat(tokens.roleOf(fromFile)).contains(Role.ADMIN);
        assertThat(tokens.roleOf(VIEWER)).isEmpty();
    }

    @Test
    void withoutAnyConfiguredTokenOnlyLoopbackIsAllowed() throws Exception {
        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(properties(null, null), InetAddress.getByName("192.0.2.1"), RULES));
        StartupRefusedException everywhere = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(properties(" ", ""), null, RULES));

        assertThat(refused.getMessage()).contains("No API token is configured", "192.0.2.1");
        assertThat(everywhere.getMessage()).contains("every address");
        assertThat(Files.exists(dir.resolve("admin-token"))).isFalse();
    }

    @Test
    void aConfiguredTokenAllowsOtherAddresses() throws Exception {
        ApiTokens tokens = ApiTokens.load(properties(ADMIN, null), InetAddress.getByName("192.0.2.1"), RULES);

        assertThat(tokens.roleOf(ADMIN)).contains(Role.ADMIN);
    }

    @Test
    void aShortTokenIsRefusedWithoutBeingPrinted() {
        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(properties(ADMIN, "tooshort"), loopback(), RULES));

        assertThat(refused.getMessage()).contains("cvs.security.viewer-token is shorter than 16");
        assertThat(refused.getMessage()).doesNotContain("tooshort");
    }

    @Test
    void theViewerTokenMustNotBeTheAdminToken() {
        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(properties(ADMIN, ADMIN), loopback(), RULES));

        assertThat(refused.getMessage()).contains("viewer token is the admin token");
    }

    @Test
    void thePropertiesNeverPrintTheTokens() {
        assertThat(properties(ADMIN, VIEWER).toString()).doesNotContain(ADMIN, VIEWER).contains("adminToken=set");
    }

    @Test
    void tokensComeFromTheFilesThePropertiesName() throws Exception {
        Path adminFile = secret("admin", ADMIN);
        Path viewerFile = secret("viewer", VIEWER);

        ApiTokens tokens = ApiTokens.load(new ApiSecurityProperties(null, null, adminFile, viewerFile,
                dir.resolve("admin-token"), OPEN), InetAddress.getByName("192.0.2.1"), RULES);

        assertThat(tokens.roleOf(ADMIN)).contains(Role.ADMIN);
        assertThat(tokens.roleOf(VIEWER)).contains(Role.VIEWER);
        assertThat(Files.exists(dir.resolve("admin-token"))).as("no token file made").isFalse();
    }

    @Test
    void aTokenFileOthersCanReadIsRefused() throws Exception {
        Path viewerFile = secret("viewer", VIEWER);
        Files.setPosixFilePermissions(viewerFile, PosixFilePermissions.fromString("rw-r--r--"));

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(new ApiSecurityProperties(ADMIN, null, null, viewerFile,
                        dir.resolve("admin-token"), OPEN), loopback(), RULES));

        assertThat(refused.getMessage()).isEqualTo("The token file " + viewerFile + " of "
                + "cvs.security.viewer-token-file is accessible to others (mode 0644), so the token may be known to "
                + "others.");
    }

    @Test
    void aTokenAndAFileForItAreOneTooMany() throws Exception {
        Path adminFile = secret("admin", ADMIN);

        StartupRefusedException refused = catchThrowableOfType(StartupRefusedException.class,
                () -> ApiTokens.load(new ApiSecurityProperties(ADMIN, null, adminFile, null,
                        dir.resolve("admin-token"), OPEN), loopback(), RULES));

        assertThat(refused.getMessage()).isEqualTo("Both cvs.security.admin-token and cvs.security.admin-token-file "
                + "are set.");
    }

    private Path secret(String name, String token) throws Exception {
        Path file = Files.writeString(dir.resolve(name), token + "\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        return file;
    }

    private ApiSecurityProperties properties(String admin, String viewer) {
        return new ApiSecurityProperties(admin, viewer, null, null, dir.resolve("admin-token"), OPEN);
    }

    private static InetAddress loopback() {
        return InetAddress.getLoopbackAddress();
    }
}
