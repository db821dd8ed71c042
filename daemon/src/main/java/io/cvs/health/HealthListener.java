package io.cvs.health;

/** Told of each change of a backend's health, once per change. */
@FunctionalInterface
public interface HealthListener {

    /**
     * A backend went up or down. Called on the monitor's event thread, one call at a time and in the order the
     * changes happened. Once {@link HealthMonitor#update} has removed a target (or restarted it with a new check),
     * no call for its old state begins, except at most one that was already under way as update() returned: a
     * listener should ignore a key it no longer expects. When that call's state differs from the restarted target's
     * (update() may have read the listener's state from before the call), a call with the new target's state follows
     * at once, so the listener ends where the monitor is. A slow listener delays later calls, never the probes.
     *
     * @param reason the result of the probe that decided it, as in {@link BackendHealth#lastResult()}
     */
    void changed(TargetKey key, boolean up, String reason);
}
