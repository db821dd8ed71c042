package io.cvs.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses request bodies above {@code cvs.api.max-body-size} with 413: at once when Content-Length says so, and
 * for a chunked body as soon as reading passes the limit ({@link LimitedBodyRequest}).
 */
final class RequestBodyLimitFilter extends OncePerRequestFilter {

    private final long limit;
    private final ProblemResponseWriter problems;

    RequestBodyLimitFilter(long limit, ProblemResponseWriter problems) {
        if (limit <= 0) {
            throw new IllegalArgumentException("cvs.api.max-body-size must be positive, not " + limit + " bytes");
        }
        this.limit = limit;
        this.problems = problems;
    }

    /** The 413 for a body over limit bytes. */
    static ProblemDetail tooLarge(long limit) {
        ProblemDetail problem = ProblemType.PAYLOAD_TOO_LARGE.problem("The body exceeds " + limit + " bytes.");
        problem.setProperty("maxBytes", limit);
        return problem;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        if (length > limit) {
            problems.write(request, response, tooLarge(limit));
            return;
        }
        chain.doFilter(length < 0 ? new LimitedBodyRequest(request, limit) : request, response);
    }
}
