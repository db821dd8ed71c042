package io.cvs.system;

import java.util.List;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** A 400 validation-failed problem naming every offending field. */
public final class InvalidRequestException extends ErrorResponseException {

    private static final long serialVersionUID = 1L;

    InvalidRequestException(List<FieldError> errors) {
        super(ProblemType.VALIDATION_FAILED.status(), problem(errors), null);
    }

    public static InvalidRequestException of(String field, String message, Object rejectedValue) {
        return new InvalidRequestException(List.of(new FieldError(field, message, rejectedValue)));
    }

    /** The offending fields, as the problem's {@code errors} member lists them. */
    @SuppressWarnings("unchecked")
    public List<FieldError> errors() {
        return (List<FieldError>) getBody().getProperties().get("errors");
    }

    private static ProblemDetail problem(List<FieldError> errors) {
        String detail = errors.size() == 1 ? errors.get(0).field() + " " + errors.get(0).message() + "."
                : errors.size() + " fields are invalid.";
        ProblemDetail problem = ProblemType.VALIDATION_FAILED.problem(detail);
        problem.setProperty("errors", List.copyOf(errors));
        return problem;
    }
}
