package io.cvs.health;

/** Told of each change of a backend's health, once per change. */
@FunctionalInterface
public interface HealthListener {

    /**
     * A backend went up or down. Called on the monitor's event thread, one call at a time and in the order the
     * changes happened; never for a target that {@link HealthMonitor#update} had removed before the call started.
     * A slow listener delays later calls, never the probes.
     *
     * @param reason the result of the probe that decided it, as in {@link BackendHealth#lastResult()}
     */
    void changed(TargetKey key, boolean up, String reason);
}
