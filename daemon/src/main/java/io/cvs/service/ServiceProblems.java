package io.cvs.service;

import io.cvs.system.ProblemType;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/** The problems of the services API that are not field errors: 404, 409 conflicts and 412. */
final class ServiceProblems {

    private ServiceProblems() {
    }

    static ErrorResponseException noService(String id) {
        return error(ProblemType.NOT_FOUND.problem("No service with id " + id + "."));
    }

    static ErrorResponseException noBackend(String id, BackendKey key) {
        return error(ProblemType.NOT_FOUND.problem("Service " + id + " has no backend " + key + "."));
    }

    static ErrorResponseException nameTaken(Service other) {
        ProblemDetail problem = ProblemType.NAME_TAKEN.problem(
                "The name " + other.name() + " belongs to service " + other.id() + ".");
        problem.setProperty("conflictsWith", ServiceRef.of(other));
        return error(problem);
    }

    static ErrorResponseException addressTaken(Service other) {
        ProblemDetail problem = ProblemType.ADDRESS_TAKEN.problem(
                Service.describe(other.key()) + " belongs to service " + other.name() + ".");
        problem.setProperty("conflictsWith", ServiceRef.of(other));
        return error(problem);
    }

    static ErrorResponseException backendExists(Service service, BackendKey key) {
        return error(ProblemType.BACKEND_EXISTS.problem(
                "Service " + service.name() + " already has backend " + key + "."));
    }

    static ErrorResponseException preconditionFailed(Service current, String detail) {
        ProblemDetail problem = ProblemType.PRECONDITION_FAILED.problem(detail);
        problem.setProperty("currentEtag", current.etag());
        return error(problem);
    }

    private static ErrorResponseException error(ProblemDetail problem) {
        return new ErrorResponseException(HttpStatusCode.valueOf(problem.getStatus()), problem, null);
    }
}
