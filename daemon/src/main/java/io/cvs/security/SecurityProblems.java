package io.cvs.security;

import io.cvs.system.ProblemResponseWriter;
import io.cvs.system.ProblemType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.security.web.firewall.RequestRejectedHandler;

/**
 * 401, 403 and the firewall's 400 as problems, like every other API error. A 401 carries the challenge of RFC 6750
 * ({@code WWW-Authenticate: Bearer}), with {@code error="invalid_token"} when a token was sent but is not ours. A
 * request that Spring Security's firewall rejects ({@code //}, {@code ;}, an encoded {@code .}, {@code /},
 * {@code \\} or {@code %} in the path...) is a 400 {@code malformed-request} naming what was found.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler, RequestRejectedHandler {

    private static final Logger log = LoggerFactory.getLogger(SecurityProblems.class);
    private static final String CHALLENGE = "Bearer realm=\"cvs\"";
    private static final String REFLECTED_DOWNLOAD_GUARD = "inline;filename=f.txt";

    private final ProblemResponseWriter problems;

    SecurityProblems(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @Override
    public void commence(HttpServletRequest request, HttpServletResponse response,
            AuthenticationException failure) throws IOException {
        boolean badToken = failure instanceof BadCredentialsException;
        response.setHeader(HttpHeaders.WWW_AUTHENTICATE,
                badToken ? CHALLENGE + ", error=\"invalid_token\"" : CHALLENGE);
        problems.write(request, response, ProblemType.UNAUTHORIZED.problem(
                badToken ? failure.getMessage() : "A bearer token is required."));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, AccessDeniedException denied)
            throws IOException {
        Authentication caller = SecurityContextHolder.getContext().getAuthentication();
        String role = caller == null ? "none" : String.valueOf(caller.getPrincipal());
        problems.write(request, response, ProblemType.FORBIDDEN.problem(
                "This operation needs the admin role; the token has " + role + "."));
    }

    @Override
    public void handle(HttpServletRequest request, HttpServletResponse response, RequestRejectedException rejected)
            throws IOException {
        String detail = firewallReason(rejected);
        log.debug("{} {} rejected by the firewall: {}", request.getMethod(), request.getRequestURI(), detail);
        // The problem's instance echoes the rejected path, which may end in ";x.bat": the same guard against a
        // reflected file download that Spring MVC puts on its own answers to such paths.
        response.setHeader(HttpHeaders.CONTENT_DISPOSITION, REFLECTED_DOWNLOAD_GUARD);
        problems.write(request, response, ProblemType.MALFORMED_REQUEST.problem(detail));
    }

    /**
     * The firewall's own words when they are about the URL or the method (they name the offending part, such as
     * {@code "//"}); for a header or parameter they quote its value, which may be a token, so a summary instead.
     */
    private static String firewallReason(RequestRejectedException rejected) {
        String reason = String.valueOf(rejected.getMessage());
        if (reason.contains("URL") || reason.contains("method")) {
            return reason.endsWith(".") ? reason : reason + ".";
        }
        return "The request was rejected because a header or parameter holds characters the daemon does not take.";
    }
}
