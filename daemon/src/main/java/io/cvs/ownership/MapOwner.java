package io.cvs.ownership;

import java.time.Instant;
import java.util.HexFormat;

/**
 * The maps' record of which journal fed them and how far (libcvsbpf's owner record, {@code cvs_owner_v1}): the
 * daemon compares it with its journal at start, so a journal that is not the one the maps were built from (lost,
 * restored from an old copy, another directory) cannot make the first reconcile remove live services.
 *
 * @param journalId  the journal's id, 32 lowercase hex digits (128 bits)
 * @param appliedSeq the sequence number of the last journal record applied to the maps
 * @param updatedAt  when it was written; null in a record not written yet
 */
public record MapOwner(String journalId, long appliedSeq, Instant updatedAt) {

    public MapOwner {
        if (journalId == null || journalId.length() != 32 || !journalId.chars().allMatch(HexFormat::isHexDigit)) {
            throw new IllegalArgumentException("a journal id is 32 hex digits: " + journalId);
        }
        if (appliedSeq < 0) {
            throw new IllegalArgumentException("applied sequence " + appliedSeq + " is negative");
        }
    }

    /** A record to write: the datapath stamps the time. */
    public static MapOwner of(String journalId, long appliedSeq) {
        return new MapOwner(journalId, appliedSeq, null);
    }
}
