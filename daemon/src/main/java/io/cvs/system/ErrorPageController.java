package io.cvs.system;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page ({@code /error}), in place of Spring Boot's, which answers its own JSON or HTML: whatever the
 * servlet container sends here (an error status set outside Spring MVC, such as Tomcat's 408 for a body that
 * stopped coming) is answered as a problem, whatever the request accepts. Asked for directly, there is nothing
 * here: 404.
 */
@RestController
class ErrorPageController implements ErrorController {

    private final ProblemResponseWriter problems;

    ErrorPageController(ProblemResponseWriter problems) {
        this.problems = problems;
    }

    @RequestMapping("${server.error.path:/error}")
    void error(HttpServletRequest request, HttpServletResponse response) throws IOException {
        Object status = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
        ProblemDetail problem = ProblemType.ofStatus(status instanceof Integer code ? code
                : HttpStatus.NOT_FOUND.value());
        Object failedPath = request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI);
        problem.setInstance(failedPath instanceof String path ? instance(path) : instance(request.getRequestURI()));
        problems.write(request, response, problem);
    }

    private static URI instance(String path) {
        try {
            return new URI(path.replace("[", "%5B").replace("]", "%5D"));
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
