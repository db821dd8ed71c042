package io.cvs.system;

import java.net.URI;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The kinds of problem the API answers with, as openapi.yaml lists them (schema {@code Problem}): a stable
 * {@code type} ({@code urn:cvs:problem:<name>}) that clients branch on, its status, and a title that is the same
 * for every occurrence. Problems of plain HTTP (404 for an unknown path, 405) keep {@code about:blank}.
 */
public enum ProblemType {

    VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "validation-failed", "Invalid request"),
    MALFORMED_BODY(HttpStatus.BAD_REQUEST, "malformed-body", "Malformed request body"),
    MALFORMED_REQUEST(HttpStatus.BAD_REQUEST, "malformed-request", "Malformed request"),
    UNAUTHORIZED(HttpStatus.UNAUTHORIZED, "unauthorized", "Unauthorized"),
    FORBIDDEN(HttpStatus.FORBIDDEN, "forbidden", "Forbidden"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "not-found", "Not found"),
    NAME_TAKEN(HttpStatus.CONFLICT, "name-taken", "Name already in use"),
    ADDRESS_TAKEN(HttpStatus.CONFLICT, "address-taken", "Address already in use"),
    BACKEND_EXISTS(HttpStatus.CONFLICT, "backend-exists", "Backend already exists"),
    TOO_MANY_BACKENDS(HttpStatus.CONFLICT, "too-many-backends", "Too many backends"),
    CAPACITY_TOO_SMALL(HttpStatus.CONFLICT, "capacity-too-small", "Capacity too small"),
    NO_USABLE_BACKEND(HttpStatus.CONFLICT, "no-usable-backend", "No usable backend"),
    REQUEST_TIMEOUT(HttpStatus.REQUEST_TIMEOUT, "request-timeout", "Request timeout"),
    PRECONDITION_FAILED(HttpStatus.PRECONDITION_FAILED, "precondition-failed", "Precondition failed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "not-acceptable", "Not acceptable"),
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "payload-too-large", "Payload too large"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "unsupported-media-type", "Unsupported media type"),
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "internal", "Internal error"),
    UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "unavailable", "Writes unavailable"),
    CAPACITY_EXHAUSTED(HttpStatus.INSUFFICIENT_STORAGE, "capacity-exhausted", "No room in the maps");

    /** RFC 9457's type for a problem that is no more than its HTTP status. */
    public static final URI ABOUT_BLANK = URI.create("about:blank");

    private final HttpStatus status;
    private final URI type;
    private final String title;

    ProblemType(HttpStatus status, String name, String title) {
        this.status = status;
        this.type = URI.create("urn:cvs:problem:" + name);
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    public URI type() {
        return type;
    }

    /** A new problem of this kind; add the members its kind carries with {@link ProblemDetail#setProperty}. */
    public ProblemDetail problem(String detail) {
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
        problem.setType(type);
        problem.setTitle(title);
        return problem;
    }

    /** A problem of this kind to throw, answered as it is by {@link ApiErrorHandler}. */
    public ErrorResponseException exception(String detail) {
        return new ErrorResponseException(status, problem(detail), null);
    }

    /**
     * Gives a problem that names no type (Spring MVC's own, for instance) the one its status implies, or
     * {@code about:blank} spelt out, since the contract requires {@code type}. A 400 that names nothing is a
     * validation failure; the handlers that know better set their type first.
     */
    static void complete(ProblemDetail problem) {
        if (problem.getType() != null && !problem.getType().equals(ABOUT_BLANK)) {
            return;
        }
        ProblemType implied = switch (problem.getStatus()) {
            case 400 -> VALIDATION_FAILED;
            case 401 -> UNAUTHORIZED;
            case 403 -> FORBIDDEN;
            case 406 -> NOT_ACCEPTABLE;
            case 408 -> REQUEST_TIMEOUT;
            case 413 -> PAYLOAD_TOO_LARGE;
            case 415 -> UNSUPPORTED_MEDIA_TYPE;
            case 500 -> INTERNAL;
            case 503 -> UNAVAILABLE;
            default -> null;
        };
        if (implied == null) {
            problem.setType(ABOUT_BLANK);
            return;
        }
        problem.setType(implied.type);
        problem.setTitle(implied.title);
    }

    /**
     * The problem for an error known by no more than its status: one that Tomcat or Spring Security's firewall
     * answered before Spring MVC saw the request, or that reached the error page. Its detail is the same for every
     * occurrence and gives nothing away (no exception, no server version); a 400 there is a request that is not
     * HTTP the daemon takes, not a field that failed validation.
     */
    public static ProblemDetail ofStatus(int status) {
        if (status == HttpStatus.BAD_REQUEST.value()) {
            return MALFORMED_REQUEST.problem("The request is not HTTP that the daemon takes: its request line, path "
                    + "or headers are malformed or too large.");
        }
        if (status == HttpStatus.REQUEST_TIMEOUT.value()) {
            return REQUEST_TIMEOUT.problem("The request did not arrive in time.");
        }
        HttpStatus known = HttpStatus.resolve(status);
        String phrase = known == null ? "Error" : known.getReasonPhrase();
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatusCode.valueOf(status), phrase + ".");
        problem.setTitle(phrase);
        complete(problem);
        return problem;
    }
}
