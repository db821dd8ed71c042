package io.cvs.system;

/**
 * The daemon must not start as configured, on this host. Spring Boot prints the description and the action
 * instead of a stack trace ({@link StartupRefusedFailureAnalyzer}).
 */
public final class StartupRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String action;

    public StartupRefusedException(String description, String action) {
        this(description, action, null);
    }

    public StartupRefusedException(String description, String action, Throwable cause) {
        super(description, cause);
        this.action = action;
    }

    /** What the operator can do about it. */
    public String action() {
        return action;
    }
}
