package io.cvs.ownership;

import java.util.Optional;

/**
 * Whether the maps' owner record agrees with the daemon's journal: the write pipeline finds out at start and
 * clears it when an operator confirms the prune; the API and health read it. Safe to share between threads.
 */
public final class MapOwnership {

    private volatile JournalMismatch mismatch;

    /** The mismatch found at start and not yet confirmed; empty when the maps and the journal agree. */
    public Optional<JournalMismatch> mismatch() {
        return Optional.ofNullable(mismatch);
    }

    public void report(JournalMismatch found) {
        mismatch = found;
    }

    public void clear() {
        mismatch = null;
    }
}
