package io.cvs.journal;

/**
 * The journal cannot be used as it is: its directory is held by another daemon, a file is damaged, or it cannot
 * be read. Carries what the operator can do about it; the daemon refuses to start with both.
 */
public class JournalException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String action;

    JournalException(String message, String action, Throwable cause) {
        super(message, cause);
        this.action = action;
    }

    public String action() {
        return action;
    }
}
