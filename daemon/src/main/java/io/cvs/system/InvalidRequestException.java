package io.cvs.system;

import java.util.List;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * A 400 validation-failed problem naming the offending fields ({@code errors}, at most {@link Violations#MAX_LISTED})
 * and how many there were ({@code errorCount}).
 */
public final class InvalidRequestException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    InvalidRequestException(List<FieldError> errors, int count) {
        super(ProblemType.VALIDATION_FAILED.status(), problem(errors, count), null);
    }

    public static InvalidRequestException of(String field, String message, Object rejectedValue) {
        return new InvalidRequestException(List.of(new FieldError(field, message, rejectedValue)), 1);
    }

    /** The offending fields, as the problem's {@code errors} member lists them. */
    @SuppressWarnings("unchecked")
    public List<FieldError> errors() {
        return (List<FieldError>) getBody().getProperties().get("errors");
    }

    private static ProblemDetail problem(List<FieldError> errors, int count) {
        String detail = count == 1 ? errors.get(0).field() + " " + errors.get(0).message() + "."
                : count > errors.size() ? count + " fields are invalid; the first " + errors.size() + " are listed."
                : count + " fields are invalid.";
        ProblemDetail problem = ProblemType.VALIDATION_FAILED.problem(detail);
        problem.setProperty("errors", List.copyOf(errors));
        problem.setProperty("errorCount", count);
        return problem;
    }
}
