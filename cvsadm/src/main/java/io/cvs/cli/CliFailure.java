package io.cvs.cli;

import io.cvs.cli.Api.Problem;
import java.util.ArrayList;
import java.util.List;

/**
 * A failure cvsadm explains and exits on: the first line goes to stderr after {@code cvsadm: }, the others (field
 * errors, hints) below it, indented.
 */
final class CliFailure extends RuntimeException {

    private final int exitCode;
    private final List<String> details;
    private final int httpStatus;

    CliFailure(int exitCode, String message, List<String> details) {
        this(exitCode, message, details, 0);
    }

    CliFailure(int exitCode, String message) {
        this(exitCode, message, List.of(), 0);
    }

    private CliFailure(int exitCode, String message, List<String> details, int httpStatus) {
        super(message);
        this.exitCode = exitCode;
        this.details = List.copyOf(details);
        this.httpStatus = httpStatus;
    }

    /** The daemon answered with a problem: its title and detail, then each offending field. */
    static CliFailure problem(int exitCode, Problem problem, List<String> hints) {
        List<String> details = new ArrayList<>();
        problem.errors().forEach(error -> details.add(Format.fieldError(error)));
        details.addAll(hints);
        return new CliFailure(exitCode, Format.problem(problem), details, problem.status());
    }

    /** The named service, backend or address is not there: exit {@link ExitCode#API}, as a 404 would be. */
    static CliFailure notFound(String message) {
        return new CliFailure(ExitCode.API, message);
    }

    int exitCode() {
        return exitCode;
    }

    List<String> details() {
        return details;
    }

    /** The HTTP status of the daemon's answer, 0 when the failure is not one. */
    int httpStatus() {
        return httpStatus;
    }
}
