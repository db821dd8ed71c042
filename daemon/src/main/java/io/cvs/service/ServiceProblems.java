package io.cvs.service;

import io.cvs.system.ProblemType;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The problems of the services API that are not field errors: 404, 409 conflicts, 412, and the 503 and 500 of a
 * write that the journal or the datapath failed.
 */
public final class ServiceProblems {

    static final int RETRY_AFTER_SECONDS = 5;

    private ServiceProblems() {
    }

    public static ErrorResponseException noService(String id) {
        return error(ProblemType.NOT_FOUND.problem("No service with id " + id + "."));
    }

    public static ErrorResponseException noBackend(String id, BackendKey key) {
        return error(ProblemType.NOT_FOUND.problem("Service " + id + " has no backend " + key + "."));
    }

    public static ErrorResponseException nameTaken(Service other) {
        ProblemDetail problem = ProblemType.NAME_TAKEN.problem(
                "The name " + other.name() + " belongs to service " + other.id() + ".");
        problem.setProperty("conflictsWith", ServiceRef.of(other));
        return error(problem);
    }

    public static ErrorResponseException addressTaken(Service other) {
        ProblemDetail problem = ProblemType.ADDRESS_TAKEN.problem(
                other.key() + " belongs to service " + other.name() + ".");
        problem.setProperty("conflictsWith", ServiceRef.of(other));
        return error(problem);
    }

    public static ErrorResponseException backendExists(Service service, BackendKey key) {
        return error(ProblemType.BACKEND_EXISTS.problem(
                "Service " + service.name() + " already has backend " + key + "."));
    }

    public static ErrorResponseException preconditionFailed(Service current, String detail) {
        ProblemDetail problem = ProblemType.PRECONDITION_FAILED.problem(detail);
        problem.setProperty("currentEtag", current.etag());
        return error(problem);
    }

    /** Nothing was saved and nothing changed; the client may retry once the disk is fixed. */
    public static ErrorResponseException journalFailed(RuntimeException failure) {
        ErrorResponseException error = new ErrorResponseException(HttpStatusCode.valueOf(503),
                ProblemType.UNAVAILABLE.problem(failure.getMessage() + ". The change was not saved and nothing "
                        + "changed; writes work again once the journal can be written."), failure);
        error.getHeaders().set(HttpHeaders.RETRY_AFTER, String.valueOf(RETRY_AFTER_SECONDS));
        return error;
    }

    /** Saved (so desired and durable) but not in the maps: the reconciler will apply it. */
    public static ErrorResponseException appliedLater(RuntimeException failure, long reconcileSeconds) {
        return new ErrorResponseException(HttpStatusCode.valueOf(500), ProblemType.INTERNAL.problem(
                "The change is saved in the journal and is the desired state, but applying it to the datapath "
                        + "failed: " + failure.getMessage() + ". The reconciler applies it again within "
                        + reconcileSeconds + " s."), failure);
    }

    private static ErrorResponseException error(ProblemDetail problem) {
        return new ErrorResponseException(HttpStatusCode.valueOf(problem.getStatus()), problem, null);
    }
}
