package io.cvs.fleet;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Fleet mode: every read of the API says how fresh this host's answer is: {@code Cvs-Fleet-Applied-Revision}, the
 * store revision it applied, and, while the store does not answer, {@code Cvs-Fleet-Store-Unreachable-Since}.
 */
final class FleetHeaders extends OncePerRequestFilter {

    static final String APPLIED_REVISION = "Cvs-Fleet-Applied-Revision";
    static final String UNREACHABLE_SINCE = "Cvs-Fleet-Store-Unreachable-Since";

    private final AppliedRevisions applied;
    private final FleetStatus status;

    FleetHeaders(AppliedRevisions applied, FleetStatus status) {
        this.applied = applied;
        this.status = status;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String method = request.getMethod();
        return !("GET".equals(method) || "HEAD".equals(method)) || !request.getRequestURI().startsWith("/api/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        response.setHeader(APPLIED_REVISION, Long.toString(applied.applied()));
        Instant since = status.unreachableSince();
        if (since != null) {
            response.setHeader(UNREACHABLE_SINCE, since.toString());
        }
        chain.doFilter(request, response);
    }
}
