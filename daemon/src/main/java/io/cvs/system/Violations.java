package io.cvs.system;

import java.util.ArrayList;
import java.util.List;

/** Collects every offending field of one request, so that a 400 names them all at once. */
public final class Violations {

    private final List<FieldError> errors = new ArrayList<>();

    public void add(String field, String message, Object rejectedValue) {
        errors.add(new FieldError(field, message, rejectedValue));
    }

    public int size() {
        return errors.size();
    }

    public void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }
}
