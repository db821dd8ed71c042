package io.cvs.journal;

import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotNull;
import java.nio.file.Path;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Where and how the daemon journals its desired state.
 *
 * @param dir             the journal directory, created 0700; one daemon at a time (it is locked)
 * @param snapshotRecords take a snapshot of the whole state after this many records...
 * @param snapshotBytes   ... or this many bytes of records, whichever comes first; restart replays at most that
 * @param groupCommit     concurrent writes share one fsync; false syncs each write alone (slower, only for
 *                        comparison)
 * @param repair          at start, copy a damaged file aside and truncate it at the damage instead of refusing to
 *                        start; changes stored after the damage are lost, so the log says which
 */
@Validated
@ConfigurationProperties("cvs.journal")
public record JournalProperties(@NotNull @DefaultValue("/var/lib/cvs/journal") Path dir,
        @Min(1) @DefaultValue("10000") long snapshotRecords,
        @NotNull @DefaultValue("64MB") DataSize snapshotBytes,
        @DefaultValue("true") boolean groupCommit,
        @DefaultValue("false") boolean repair) {

    public JournalOptions options() {
        return new JournalOptions(snapshotRecords, Math.max(1, snapshotBytes.toBytes()), repair);
    }
}
