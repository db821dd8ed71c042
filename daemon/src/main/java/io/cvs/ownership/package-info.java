/**
 * Which journal fed the maps: {@link io.cvs.ownership.MapOwner}, the maps' owner record (libcvsbpf's
 * {@code cvs_owner_v1}), {@link io.cvs.ownership.JournalMismatch}, what the daemon found at start when the record
 * and its journal disagree, and {@link io.cvs.ownership.MapOwnership}, where the write pipeline reports it for the
 * API and health. While a mismatch stands, nothing is removed from the maps (docs/design.md, "Start").
 *
 * <p>May call nothing else of the daemon.
 */
package io.cvs.ownership;
