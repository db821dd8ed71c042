package io.cvs.service;

import java.util.ArrayList;
import java.util.List;

/** Collects every offending field of one request, so that a 400 names them all at once. */
final class Violations {

    private final List<FieldError> errors = new ArrayList<>();

    void add(String field, String message, Object rejectedValue) {
        errors.add(new FieldError(field, message, rejectedValue));
    }

    int size() {
        return errors.size();
    }

    void throwIfAny() {
        if (!errors.isEmpty()) {
            throw new InvalidRequestException(errors);
        }
    }
}
