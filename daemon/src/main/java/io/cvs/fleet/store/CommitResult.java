package io.cvs.fleet.store;

/** What a {@link FleetStore#commit} did: committed at a revision, or refused for the first failure found. */
public sealed interface CommitResult {

    record Committed(long revision) implements CommitResult {
    }

    /**
     * The transaction changed nothing. id is the op's service; for CLAIMED, claim is the claim and holder the id
     * that holds it; for a precondition, modRevision is the entry's revision now (0 when absent).
     */
    record Failure(Kind kind, String id, String claim, String holder, long modRevision) implements CommitResult {

        public enum Kind {
            /** Expect.Absent, but an entry exists */
            EXISTS,
            /** Expect.AtRevision, but there is no entry */
            MISSING,
            /** Expect.AtRevision, but the entry is at another revision */
            STALE,
            /** a claim is held by another id */
            CLAIMED
        }
    }
}
