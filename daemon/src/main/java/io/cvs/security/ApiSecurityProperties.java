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
 * @param adminToken    token that may read and write; unset: the daemon uses the one in {@code tokenFile},
 *                      creating it at first start
 * @param viewerToken   token that may only read (GET and HEAD); unset: no viewer token
 * @param tokenFile     where the admin token is kept when {@code adminToken} is unset: a file readable by its owner
 *                      only (0600), in directories the daemon creates 0700
 * @param openOnLoopback path patterns that clients on this host (loopback addresses) may use without a token:
 *                      health, Prometheus metrics, Swagger UI and the OpenAPI document by default; from elsewhere
 *                      they need a token like everything else
 */
@Validated
@ConfigurationProperties("cvs.security")
public record ApiSecurityProperties(String adminToken, String viewerToken,
        @NotNull @DefaultValue("/var/lib/cvs/admin-token") Path tokenFile,
        @NotNull @DefaultValue({"/actuator/health/**", "/actuator/prometheus", "/swagger-ui.html", "/swagger-ui/**",
            "/v3/api-docs/**", "/openapi.yaml"}) List<String> openOnLoopback) {

    /** Never the tokens themselves, wherever this ends up printed. */
    @Override
    public String toString() {
        return "ApiSecurityProperties[adminToken=" + (adminToken == null ? "unset" : "set") + ", viewerToken="
                + (viewerToken == null ? "unset" : "set") + ", tokenFile=" + tokenFile + ", openOnLoopback="
                + openOnLoopback + "]";
    }
}
