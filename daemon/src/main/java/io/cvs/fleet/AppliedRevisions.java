package io.cvs.fleet;

import java.time.Duration;

/**
 * The store revision this host has applied to its registry and maps, and a way to wait for one: a write answers
 * once its own revision is applied here, so a read after it on this host sees it.
 */
final class AppliedRevisions {

    private long applied;

    synchronized long applied() {
        return applied;
    }

    synchronized void applied(long revision) {
        if (revision > applied) {
            applied = revision;
            notifyAll();
        }
    }

    /** Waits until revision is applied or timeout passed; true when it was applied. */
    synchronized boolean await(long revision, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (applied < revision) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }
}
