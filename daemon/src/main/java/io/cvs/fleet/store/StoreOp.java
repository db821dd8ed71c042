package io.cvs.fleet.store;

import java.util.Set;

/**
 * One change of one service entry in a {@link FleetStore#commit}, with what must hold for it: the entry's
 * precondition, and claims, unique strings (e.g. {@code name:web}, {@code vip:192.0.2.10:80/TCP}) that no other
 * service may hold. The store keeps each claim as its own key naming the holder's id: a put takes claims (refused
 * with {@link CommitResult.Failure.Kind#CLAIMED} when another id holds one) and releases the ones in released; a
 * delete releases the claims in released. The store keeps no list of an id's claims: the writer names what it
 * releases, from the entry at the revision it expects (an entry's claims follow from its value), and a claim is
 * released only while the id still holds it.
 */
public sealed interface StoreOp {

    String id();

    /** The keys the op involves in a transaction: its entry and each claim it takes or releases. */
    int keys();

    /** Creates or replaces the entry. */
    record Put(String id, byte[] value, Expect expect, Set<String> claims, Set<String> released) implements StoreOp {
        public Put {
            claims = Set.copyOf(claims);
            released = Set.copyOf(released);
        }

        @Override
        public int keys() {
            return 1 + claims.size() + (int) released.stream().filter(c -> !claims.contains(c)).count();
        }
    }

    /**
     * Deletes the entry and releases its claims, released: those of the entry expect names (with {@link
     * Expect.Any}, the caller must know them otherwise).
     */
    record Delete(String id, Expect expect, Set<String> released) implements StoreOp {
        public Delete {
            released = Set.copyOf(released);
        }

        @Override
        public int keys() {
            return 1 + released.size();
        }
    }

    /** What the entry must be for the op to apply. */
    sealed interface Expect {

        /** Anything, present or not (a last-writer-wins put). */
        record Any() implements Expect {
        }

        /** No entry (a create). */
        record Absent() implements Expect {
        }

        /** Present, at this mod revision (an If-Match, or the revision the writer read). */
        record AtRevision(long modRevision) implements Expect {
        }
    }
}
