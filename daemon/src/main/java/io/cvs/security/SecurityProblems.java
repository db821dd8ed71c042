package io.cvs.security;

import io.cvs.system.ProblemResponseWriter;
import io.cvs.system.ProblemType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.HttpHeaders;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.access.AccessDeniedHandler;

/**
 * 401 and 403 as problems, like every other API error. A 401 carries the challenge of RFC 6750
 * ({@code WWW-Authenticate: Bearer}), with {@code error="invalid_token"} when a token was sent but is not ours.
 */
final class SecurityProblems implements AuthenticationEntryPoint, AccessDeniedHandler {

    private static final String CHALLENGE = "Bearer realm=\"cvs\"";

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
}
