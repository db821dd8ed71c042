package io.cvs.health;

import java.io.IOException;
import java.net.PortUnreachableException;
import java.time.Duration;
import javax.net.ssl.SSLException;

/** How one probe ended, and the words for it that {@link BackendHealth#lastResult()} shows. */
record ProbeOutcome(Result result, String text) {

    enum Result {
        SUCCESS,
        FAILURE,
        TIMEOUT;

        /** The value of the {@code result} label. */
        final String label = name().toLowerCase(java.util.Locale.ROOT);
    }

    static final ProbeOutcome OK = new ProbeOutcome(Result.SUCCESS, "ok");

    boolean passed() {
        return result == Result.SUCCESS;
    }

    static ProbeOutcome failure(String text) {
        return new ProbeOutcome(Result.FAILURE, text);
    }

    static ProbeOutcome timeout(Duration timeout) {
        return new ProbeOutcome(Result.TIMEOUT, "timeout after " + timeout.toMillis() + " ms");
    }

    /**
     * "connection refused", "port unreachable", "TLS: ...": the exception's message, as a result. Other than an
     * {@link IOException} it is a fault of the prober's, so the result says so and the probe fails.
     */
    static ProbeOutcome failure(Exception e) {
        if (!(e instanceof IOException)) {
            return failure("prober error: " + e);
        }
        if (e instanceof PortUnreachableException) {
            return failure("port unreachable");
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return failure(e.getClass().getSimpleName());
        }
        String text = Character.toLowerCase(message.charAt(0)) + message.substring(1);
        return failure(e instanceof SSLException ? "TLS: " + text : text);
    }
}
