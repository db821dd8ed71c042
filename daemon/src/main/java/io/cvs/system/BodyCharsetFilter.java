package io.cvs.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses with 415 a body whose Content-Type declares a charset other than UTF-8. JSON bodies are UTF-8 (RFC 8259
 * section 8.1), and Jackson reads the bytes as UTF-8 whatever a {@code charset=UTF-16} says: a declaration that
 * is silently ignored is refused instead, so a client learns what is read. No charset means UTF-8.
 */
final class BodyCharsetFilter extends OncePerRequestFilter {

    private final ProblemResponseWriter problems;

    BodyCharsetFilter(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String declared = declaredCharset(request.getContentType());
        if (declared != null && !isUtf8(declared)) {
            problems.write(request, response, ProblemType.UNSUPPORTED_MEDIA_TYPE.problem("Bodies are read as UTF-8, "
                    + "not " + declared + ": send Content-Type " + request.getContentType().split(";")[0].trim()
                    + " without a charset, or with charset=utf-8."));
            return;
        }
        chain.doFilter(request, response);
    }

    /** The charset parameter as sent, or null without one (or without a parsable Content-Type). */
    private static String declaredCharset(String contentType) {
        if (contentType == null) {
            return null;
        }
        try {
            return MediaType.parseMediaType(contentType).getParameter("charset");
        } catch (IllegalArgumentException e) {
            return null; // Spring MVC answers an unparsable Content-Type with its own 415
        }
    }

    private static boolean isUtf8(String name) {
        String unquoted = name.startsWith("\"") && name.endsWith("\"") && name.length() > 1
                ? name.substring(1, name.length() - 1) : name;
        try {
            return Charset.forName(unquoted).equals(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
