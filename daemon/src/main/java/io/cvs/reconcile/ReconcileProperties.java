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
 * @param driftCheckInterval        time between two cheap checks of whether the maps, their pins or the chosen
 *                                  forwarders changed behind the daemon's back (entry counts and generation words,
 *                                  pins, links); one that finds a change reconciles at once instead of waiting for
 *                                  {@code interval}. A removed pin is noticed at once where bpffs reports it
 *                                  (inotify); this is the backstop
 * @param pruneOnJournalMismatch    at start, when the maps' owner record names another journal or more records
 *                                  than the journal holds, remove what the journal lacks anyway (true), instead
 *                                  of keeping it until POST /api/v1/datapath/reconcile?prune=true (false)
 */
@Validated
@ConfigurationProperties("cvs.reconcile")
public record ReconcileProperties(@NotNull @DefaultValue("30s") Duration interval,
        @NotNull @DefaultValue("2s") Duration driftCheckInterval,
        @DefaultValue("false") boolean pruneOnJournalMismatch) {

    public ReconcileProperties {
        positive("cvs.reconcile.interval", interval);
        positive("cvs.reconcile.drift-check-interval", driftCheckInterval);
    }

    private static void positive(String name, Duration value) {
        if (value != null && (value.isNegative() || value.isZero())) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
