package io.cvs.fleet.store;

/**
 * The store could not answer in time: unreachable, without quorum, or timed out. A commit that timed out may still
 * have committed: a caller that must know reads the entry again once the store answers.
 */
public final class StoreUnavailableException extends RuntimeException {

    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
