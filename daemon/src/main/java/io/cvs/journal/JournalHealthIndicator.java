package io.cvs.journal;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.stereotype.Component;

/**
 * The {@code journal} component of {@code /actuator/health}: down from a failed write (disk full, I/O error)
 * until a write succeeds again, and from the loss of its active segment or directory until it was rebuilt, since
 * until then every write is refused with 503; lastFailure says which.
 */
@Component
class JournalHealthIndicator extends AbstractHealthIndicator {

    private final Journal journal;

    JournalHealthIndicator(Journal journal) {
        super("Journal health check failed");
        this.journal = journal;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        JournalStatus status = journal.status();
        (status.writable() ? health.up() : health.down())
                .withDetail("dir", status.dir().toString())
                .withDetail("id", status.id())
                .withDetail("lastSeq", status.lastSeq())
                .withDetail("snapshotSeq", status.snapshotSeq())
                .withDetail("recordsSinceSnapshot", status.recordsSinceSnapshot())
                .withDetail("segments", status.segments());
        if (status.lastFailure() != null) {
            health.withDetail("lastFailure", status.lastFailure())
                    .withDetail("lastFailureAt", status.lastFailureAt().toString());
        }
    }
}
