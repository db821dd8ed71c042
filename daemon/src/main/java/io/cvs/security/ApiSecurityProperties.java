package io.cvs.security;

import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * Who may use the API. Tokens are sent as {@code Authorization: Bearer <token>}; each must be at least
 * {@value ApiTokens#MIN_LENGTH} characters. Their lengths are checked by {@link ApiTokens}, not by a constraint
 * here, because a failed constraint prints the rejected value.
 *
 * <p>Give tokens in the daemon's environment ({@code CVS_SECURITY_ADMIN_TOKEN}, {@code CVS_SECURITY_VIEWER_TOKEN})
 * or in files ({@code adminTokenFile}, {@code viewerTokenFile}), never on its command line, where {@code ps} shows
 * them to every user of the host ({@link CommandLineTokens} warns). Every token file must meet
 * {@link TokenFiles}' rules: the daemon's user's, mode 0600, no link, in a directory only its owner can write.
 *
 * @param adminToken      token that may read and write; unset: the one in {@code adminTokenFile}, else the one in
 *                        {@code tokenFile}, created at first start
 * @param viewerToken     token that may only read (GET and HEAD); unset: the one in {@code viewerTokenFile}, else
 *                        no viewer token
 * @param adminTokenFile  a file that holds the admin token (made by the operator; never created); instead of
 *                        {@code adminToken}
 * @param viewerTokenFile a file that holds the viewer token; instead of {@code viewerToken}
 * @param tokenFile       where the admin token is kept when neither {@code adminToken} nor {@code adminTokenFile}
 *                        is set: made at first start (0600, O_EXCL, in directories the daemon creates 0700)
 * @param openOnLoopback  path patterns that clients on this host (loopback addresses) may use without a token:
 *                        health, Prometheus metrics, Swagger UI and the OpenAPI document by default; from elsewhere
 *                        they need a token like everything else
 */
@Validated
@ConfigurationProperties("cvs.security")
public record ApiSecurityProperties(String adminToken, String viewerToken, Path adminTokenFile, Path viewerTokenFile,
        @NotNull @DefaultValue("/var/lib/cvs/admin-token") Path tokenFile,
        @NotNull @DefaultValue({"/actuator/health/**", "/actuator/prometheus", "/swagger-ui.html", "/swagger-ui/**",
            "/v3/api-docs/**", "/openapi.yaml"}) List<String> openOnLoopback) {

    /** Never the tokens themselves, wherever this ends up printed. */
    @Override
    public String toString() {
        return "ApiSecurityProperties[adminToken=" + (adminToken == null ? "unset" : "set") + ", viewerToken="
                + (viewerToken == null ? "unset" : "set") + ", adminTokenFile=" + adminTokenFile + ", viewerTokenFile="
                + viewerTokenFile + ", tokenFile=" + tokenFile + ", openOnLoopback="
                + openOnLoopback + "]";
    }
}
