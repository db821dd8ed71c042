package io.cvs.health;

import java.util.Objects;

/**
 * A backend to probe and how.
 *
 * @param initiallyUp the state before the first probe; it turns after {@code check.rise()} passes or
 *                    {@code check.fall()} failures in a row, like any other state
 */
public record ProbeTarget(TargetKey key, HealthCheck check, boolean initiallyUp) {

    public ProbeTarget {
        Objects.requireNonNull(key);
        Objects.requireNonNull(check);
    }
}
