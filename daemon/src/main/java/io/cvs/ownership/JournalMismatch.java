package io.cvs.ownership;

import java.time.Instant;
import java.util.Optional;

/**
 * The maps were fed by another journal than the daemon's, or by this one further than it reaches now: removing
 * what the journal lacks would remove live services, so the daemon keeps them until an operator confirms
 * (docs/design.md, "Start").
 *
 * @param kind                which of the two it is
 * @param mapsJournalId       the journal the maps' owner record names
 * @param mapsAppliedSequence the last record of it applied to the maps
 * @param journalId           the daemon's journal
 * @param journalSequence     its last record at start
 * @param since               when the daemon found it
 */
public record JournalMismatch(Kind kind, String mapsJournalId, long mapsAppliedSequence, String journalId,
        long journalSequence, Instant since) {

    public enum Kind {
        /** The maps name another journal: another directory, or this one lost and made anew. */
        OTHER_JOURNAL,
        /** The same journal, but the maps applied records it no longer holds: an older copy of it. */
        JOURNAL_BEHIND
    }

    /** The mismatch between the maps' record and the journal; empty when they agree or the maps hold none. */
    public static Optional<JournalMismatch> between(Optional<MapOwner> maps, String journalId, long journalSequence,
            Instant now) {
        return maps.flatMap(owner -> {
            Kind kind = !owner.journalId().equals(journalId) ? Kind.OTHER_JOURNAL
                    : owner.appliedSeq() > journalSequence ? Kind.JOURNAL_BEHIND : null;
            return Optional.ofNullable(kind).map(k -> new JournalMismatch(k, owner.journalId(), owner.appliedSeq(),
                    journalId, journalSequence, now));
        });
    }

    /** What the log and the health component say, with what to do. */
    public String describe() {
        String what = kind == Kind.OTHER_JOURNAL
                ? "the maps were fed by journal " + mapsJournalId + " (up to record " + mapsAppliedSequence
                        + "), not by this daemon's journal " + journalId
                : "the maps applied journal " + journalId + " up to record " + mapsAppliedSequence
                        + ", but it holds records only up to " + journalSequence + " (an older copy of it?)";
        return what + ". Services in the maps that the journal lacks are kept, not removed. If the journal is the "
                + "right one, confirm with POST /api/v1/datapath/reconcile?prune=true, which removes them; if not, "
                + "stop the daemon and restore the right journal directory (cvs.journal.dir)";
    }
}
