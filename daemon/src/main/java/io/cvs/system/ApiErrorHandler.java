package io.cvs.system;

import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.web.HttpMediaTypeNotAcceptableException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.NativeWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DatabindException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;

/**
 * Every error of the API as an RFC 9457 problem ({@code application/problem+json}) of a {@link ProblemType}:
 * Spring MVC's own (400, 404, 405, 415...) through the base class, domain exceptions through
 * {@link org.springframework.web.ErrorResponse}, anything else as a 500 whose detail gives nothing away. Server
 * errors are logged at error with their stack trace, client errors at debug.
 */
@RestControllerAdvice
class ApiErrorHandler extends ResponseEntityExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(ApiErrorHandler.class);

    /** One offending field, by its path in the request body ({@code backends[1].port}). */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record FieldProblem(String field, String message, Object rejectedValue) {
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> handleUnexpected(Exception ex, WebRequest request) {
        ProblemDetail problem = ProblemType.INTERNAL.problem(
                "The daemon failed to handle the request; its log says why.");
        return handleExceptionInternal(ex, problem, new HttpHeaders(), HttpStatus.INTERNAL_SERVER_ERROR, request);
    }

    /** As the base class, without its warning on the PageNotFound logger: a client error is logged at debug. */
    @Override
    protected ResponseEntity<Object> handleHttpRequestMethodNotSupported(HttpRequestMethodNotSupportedException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        return handleExceptionInternal(ex, null, headers, status, request);
    }

    /**
     * An {@code Accept} that names nothing the operation produces: the problem says what it does produce, so a
     * client (or a browser sending {@code text/html}) learns what to ask for. The problem itself is still
     * {@code application/problem+json}, which RFC 9110 allows a 406 to be.
     */
    @Override
    protected ResponseEntity<Object> handleHttpMediaTypeNotAcceptable(HttpMediaTypeNotAcceptableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String produced = ex.getSupportedMediaTypes().isEmpty() ? "application/json"
                : MediaType.toString(ex.getSupportedMediaTypes());
        String accepted = request.getHeader(HttpHeaders.ACCEPT);
        ProblemDetail problem = ProblemType.NOT_ACCEPTABLE.problem("This operation produces " + produced
                + (accepted == null ? "." : "; the request accepts only " + accepted + "."));
        return handleExceptionInternal(ex, problem, headers, status, request);
    }

    /** What was wrong with the body: too long (413), not JSON, or a field the JSON names (unknown, wrong type). */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        LimitedBodyRequest.TooLargeException tooLarge = cause(ex, LimitedBodyRequest.TooLargeException.class);
        if (tooLarge != null) {
            return handleExceptionInternal(ex, RequestBodyLimitFilter.tooLarge(tooLarge.limit()), headers,
                    HttpStatus.CONTENT_TOO_LARGE, request);
        }
        return handleExceptionInternal(ex, unreadable(ex), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
            HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldProblem> errors = ex.getBindingResult().getFieldErrors().stream()
                .map(e -> new FieldProblem(e.getField(), e.getDefaultMessage(), simple(e))).toList();
        String detail = errors.size() == 1 ? "1 field is invalid." : errors.size() + " fields are invalid.";
        return handleExceptionInternal(ex, invalid(detail, errors), headers, status, request);
    }

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
            HttpStatusCode status, WebRequest request) {
        String call = describe(request);
        if (status.value() == HttpStatus.INSUFFICIENT_STORAGE.value()) {
            // Full maps are the operator's to resolve, not a fault of the daemon: no stack trace.
            log.warn("{} answered {}: {}", call, status.value(), ex.getMessage());
        } else if (status.is5xxServerError()) {
            log.error("{} answered {}", call, status.value(), ex);
        } else {
            log.debug("{} answered {}: {}", call, status.value(), ex.getMessage());
        }
        ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            ProblemType.complete(problem);
            if (problem.getInstance() == null) {
                problem.setInstance(instance(request));
            }
        }
        return response;
    }

    /**
     * The request's path as the problem's instance. Spring would make it with URI.create, which throws on the raw
     * brackets of an IPv6 backend key ({@code /backends/[fd00::2]}) that the server lets through
     * (server.tomcat.relaxed-path-chars): the answer would be no problem at all. Those two are the only
     * characters let through that a URI refuses, so they are the ones encoded.
     */
    private static URI instance(WebRequest request) {
        HttpServletRequest http = request instanceof NativeWebRequest nat
                ? nat.getNativeRequest(HttpServletRequest.class) : null;
        if (http == null) {
            return null;
        }
        try {
            return new URI(http.getRequestURI().replace("[", "%5B").replace("]", "%5D"));
        } catch (URISyntaxException e) {
            return null;
        }
    }

    private static ProblemDetail unreadable(HttpMessageNotReadableException ex) {
        String duplicate = duplicateKey(ex);
        if (duplicate != null) {
            return invalid("Field '" + duplicate + "' appears more than once; a body names each field once.",
                    List.of(new FieldProblem(duplicate, "appears more than once in its object", null)));
        }
        UnrecognizedPropertyException unknown = cause(ex, UnrecognizedPropertyException.class);
        if (unknown != null) {
            String field = path(unknown);
            return invalid("Unknown field '" + field + "'.",
                    List.of(new FieldProblem(field, "unknown field", null)));
        }
        // Jackson's own messages name Java types; answers say what is wrong without the daemon's internals.
        DatabindException binding = cause(ex, DatabindException.class);
        if (binding != null && cause(ex, StreamReadException.class) == null && !binding.getPath().isEmpty()) {
            String field = path(binding);
            return invalid("Field '" + field + "' has the wrong type or format.",
                    List.of(new FieldProblem(field, "wrong type or format", null)));
        }
        JacksonException json = cause(ex, JacksonException.class);
        if (json == null) {
            return ProblemType.MALFORMED_BODY.problem("The request body is missing or is not JSON.");
        }
        return ProblemType.MALFORMED_BODY.problem(json.getLocation() == null
                ? "The request body is not the JSON this operation takes."
                : "The request body is not the JSON this operation takes (line " + json.getLocation().getLineNr()
                        + ", column " + json.getLocation().getColumnNr() + ").");
    }

    private static ProblemDetail invalid(String detail, List<FieldProblem> errors) {
        ProblemDetail problem = ProblemType.VALIDATION_FAILED.problem(detail);
        problem.setProperty("errors", errors);
        problem.setProperty("errorCount", errors.size());
        return problem;
    }

    /**
     * The path of a key that a body repeats in one object ({@code name}, {@code backends[1].port},
     * {@code labels[team]}), or null: StreamReadFeature.STRICT_DUPLICATE_DETECTION stops the parser with the
     * duplicate as its context's current name.
     */
    private static String duplicateKey(HttpMessageNotReadableException ex) {
        StreamReadException read = cause(ex, StreamReadException.class);
        if (read == null || read.processor() == null || read.getOriginalMessage() == null
                || !read.getOriginalMessage().startsWith("Duplicate Object property")) {
            return null;
        }
        Deque<TokenStreamContext> chain = new ArrayDeque<>();
        for (TokenStreamContext c = read.processor().streamReadContext(); c != null && !c.inRoot(); c = c.getParent()) {
            chain.push(c);
        }
        StringBuilder path = new StringBuilder();
        String enclosing = null;
        for (TokenStreamContext c : chain) {
            if (c.inArray()) {
                path.append('[').append(c.getCurrentIndex()).append(']');
                enclosing = null;
            } else if ("labels".equals(enclosing)) {
                path.append('[').append(c.currentName()).append(']');
                enclosing = null;
            } else {
                path.append(path.isEmpty() ? "" : ".").append(c.currentName());
                enclosing = c.currentName();
            }
        }
        return path.toString();
    }

    /** The JSON path of the problem, {@code backends[2].port}, without Java class names. */
    private static String path(JacksonException ex) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : ex.getPath()) {
            if (ref.getPropertyName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getPropertyName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The rejected value when it is a plain JSON value; objects and lists are left out. */
    private static Object simple(FieldError error) {
        Object value = error.getRejectedValue();
        return value instanceof String || value instanceof Number || value instanceof Boolean ? value : null;
    }

    private static <T extends Throwable> T cause(Throwable ex, Class<T> type) {
        for (Throwable t = ex; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String describe(WebRequest request) {
        HttpServletRequest http = request instanceof NativeWebRequest nat
                ? nat.getNativeRequest(HttpServletRequest.class) : null;
        return http == null ? request.getDescription(false) : http.getMethod() + " " + http.getRequestURI();
    }
}
