package io.cvs.reconcile;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * How often the maps are compared with the desired state.
 *
 * @param interval                  time between the end of one reconcile and the start of the next; the first
 *                                  runs at start
 * @param pruneOnJournalMismatch    at start, when the maps' owner record names another journal or more records
 *                                  than the journal holds, remove what the journal lacks anyway (true), instead
 *                                  of keeping it until POST /api/v1/datapath/reconcile?prune=true (false)
 */
@Validated
@ConfigurationProperties("cvs.reconcile")
public record ReconcileProperties(@NotNull @DefaultValue("30s") Duration interval,
        @DefaultValue("false") boolean pruneOnJournalMismatch) {

    public ReconcileProperties {
        if (interval != null && (interval.isNegative() || interval.isZero())) {
            throw new IllegalArgumentException("cvs.reconcile.interval must be positive");
        }
    }
}
