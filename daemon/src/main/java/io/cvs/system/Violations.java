package io.cvs.system;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects the offending fields of one request, so that a 400 names them all at once: the first {@link #MAX_LISTED}
 * of them, and how many there were. A body of 30,000 wrong backends is answered as fast as one of 100: past the
 * cap a violation is only counted.
 */
public final class Violations {

    /** How many offending fields a problem lists at most; {@code errorCount} says how many there were. */
    public static final int MAX_LISTED = 100;

    private final List<FieldError> errors = new ArrayList<>();
    private int count;

    public void add(String field, String message, Object rejectedValue) {
        count++;
        if (errors.size() < MAX_LISTED) {
            errors.add(new FieldError(field, message, rejectedValue));
        }
    }

    /** Whether the cap is reached: callers that build an expensive message may skip it, counting with add. */
    public boolean full() {
        return errors.size() >= MAX_LISTED;
    }

    /** How many violations were added, listed or not. */
    public int size() {
        return count;
    }

    public void throwIfAny() {
        if (count > 0) {
            throw new InvalidRequestException(errors, count);
        }
    }
}
