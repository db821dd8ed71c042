package io.cvs.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.springframework.http.HttpHeaders;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.UriUtils;

/**
 * Keeps Spring MVC's guard against reflected file download (RFD) off the answers about one backend, where it
 * only did harm. The guard ({@code AbstractMessageConverterMethodProcessor}) adds {@code Content-Disposition:
 * inline;filename=f.txt} when the path's last segment has an extension Spring does not know to be safe, so that a
 * browser saves a reflected body as {@code f.txt} rather than as, say, {@code setup.bat}. A backend key is such a
 * segment: {@code 10.0.0.1:8080} has the "extension" {@code 1:8080}, and {@code curl -OJ} and browsers saved
 * every backend as {@code f.txt}.
 *
 * <p>The header is left out only when the whole decoded segment is a backend key and carries no path parameters
 * ({@code ;x.bat}, which Spring strips before matching): then the extension is digits, a colon and a port, which
 * no system runs as a program, and the guard has nothing to guard. Any other path keeps it. The answers are
 * {@code application/json} (or {@code application/problem+json}) with {@code X-Content-Type-Options: nosniff}
 * (Spring Security's default), and need a bearer token, which a link cannot carry.
 */
@Component
class BackendKeyDownloadNameFilter extends OncePerRequestFilter {

    /** What the guard sets; nothing else in the daemon sets a Content-Disposition. */
    static final String GUARD = "inline;filename=f.txt";

    private static final Pattern ONE_BACKEND = Pattern.compile("/api/v1/services/[^/;]+/backends/([^/;]+)");
    /** A dotted quad or an IPv6 address (possibly with a dotted tail) in brackets, a colon, a port. */
    private static final Pattern BACKEND_KEY = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[0-9.]+):[0-9]+");

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        var path = ONE_BACKEND.matcher(request.getRequestURI());
        return !path.matches()
                || !BACKEND_KEY.matcher(UriUtils.decode(path.group(1), StandardCharsets.UTF_8)).matches();
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        chain.doFilter(request, new HttpServletResponseWrapper(response) {
            @Override
            public void setHeader(String name, String value) {
                if (!isGuard(name, value)) {
                    super.setHeader(name, value);
                }
            }

            @Override
            public void addHeader(String name, String value) {
                if (!isGuard(name, value)) {
                    super.addHeader(name, value);
                }
            }
        });
    }

    private static boolean isGuard(String name, String value) {
        return HttpHeaders.CONTENT_DISPOSITION.equalsIgnoreCase(name) && GUARD.equals(value);
    }
}
