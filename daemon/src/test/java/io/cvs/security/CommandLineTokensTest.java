package io.cvs.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

@ExtendWith(OutputCaptureExtension.class)
class CommandLineTokensTest {

    private static final String SECRET = "admin-token-0123456789abcdef";

    @Test
    void everySpellingOfATokenOptionIsFoundButNotTheFileOptions() {
        assertThat(CommandLineTokens.found(List.of("--cvs.security.admin-token=" + SECRET,
                "--cvs.security.viewerToken=x", "-Dcvs.security.admin_token=y", "--cvs.security.admin-token-file=/f",
                "--cvs.security.token-file=/g", "--server.port=8080"))).containsExactly("cvs.security.admin-token",
                "cvs.security.viewer-token");
        assertThat(CommandLineTokens.found(List.of("--cvs.security.viewer-token-file=/f"))).isEmpty();
    }

    @Test
    void aTokenOnTheCommandLineIsWarnedAboutWithoutPrintingIt(CapturedOutput output) {
        CommandLineTokens.warn(List.of("--cvs.security.admin-token=" + SECRET), List.of("-Xmx64m"));

        assertThat(output.getOut()).contains("WARN", "cvs.security.admin-token is on the daemon's command line, "
                + "where ps shows it to every user of this host", "CVS_SECURITY_ADMIN_TOKEN",
                "cvs.security.admin-token-file").doesNotContain(SECRET);
    }
}
