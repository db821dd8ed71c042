package io.cvs.datapath.bpf;

import java.util.Optional;

/**
 * A libcvsbpf call refused or failed; nothing it would have changed was changed (cvsbpf.h guarantees that a
 * failed call leaves the maps as they were). Carries the errno that C returned, its symbolic name and text, and
 * the last warning or error libcvsbpf logged during the call, which usually says which argument was wrong.
 */
final class BpfMapException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String operation;
    private final int errno;
    private final String errnoName;
    private final String libraryMessage;

    BpfMapException(String operation, int errno, String libraryMessage) {
        super(message(operation, errno, libraryMessage));
        this.operation = operation;
        this.errno = errno;
        this.errnoName = Errno.name(errno);
        this.libraryMessage = libraryMessage;
    }

    /**
     * Turns a libcvsbpf result into an exception when it is a negative errno. Every call is followed by this, so
     * it also forgets whatever the call logged, leaving nothing for the next call to misreport.
     */
    static void check(String operation, int result) {
        String problem = NativeLog.takeLastProblem();
        if (result < 0) {
            throw new BpfMapException(operation, -result, problem);
        }
    }

    /** The C function that returned the error, e.g. {@code cvs_service_upsert}. */
    public String operation() {
        return operation;
    }

    /** The positive errno value. */
    public int errno() {
        return errno;
    }

    /** The errno's symbolic name, e.g. {@code ERANGE}. */
    public String errnoName() {
        return errnoName;
    }

    /** What libcvsbpf logged at warning or error level during the failed call, if anything. */
    public Optional<String> libraryMessage() {
        return Optional.ofNullable(libraryMessage);
    }

    private static String message(String operation, int errno, String libraryMessage) {
        String base = operation + " failed: " + Errno.name(errno) + " (" + Errno.describe(errno) + ")";
        return libraryMessage == null ? base : base + ": " + libraryMessage;
    }
}
