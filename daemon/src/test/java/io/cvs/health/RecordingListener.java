package io.cvs.health;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** Keeps every call it gets, with the time it came, for tests to assert on. */
final class RecordingListener implements HealthListener {

    record Change(TargetKey key, boolean up, String reason, long atNanos) {
    }

    private final List<Change> changes = new CopyOnWriteArrayList<>();

    @Override
    public void changed(TargetKey key, boolean up, String reason) {
        changes.add(new Change(key, up, reason, System.nanoTime()));
    }

    List<Change> of(TargetKey key) {
        return changes.stream().filter(change -> change.key().equals(key)).toList();
    }

    /** "up ok", "down connection refused": one line per change of {@code key}, in order. */
    List<String> story(TargetKey key) {
        return of(key).stream().map(change -> (change.up() ? "up " : "down ") + change.reason()).toList();
    }
}
