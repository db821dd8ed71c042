package io.cvs.journal;

/** One record read back: its sequence number and the payload its writer gave. */
public record JournalRecord(long seq, byte[] payload) {
}
