package io.cvs.reconcile;

import java.time.Instant;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** Reconcile on demand: what the timer does every {@code cvs.reconcile.interval}, for operators and scripts. */
@RestController
class ReconcileController {

    private final ReconcileRunner reconciles;

    ReconcileController(ReconcileRunner reconciles) {
        this.reconciles = reconciles;
    }

    /** ReconcileResult as openapi.yaml names it. */
    record ReconcileResponse(Instant at, int added, int fixed, int removed, int failed, int unchanged,
            long tookMillis, int held, int repaired) {

        static ReconcileResponse of(ReconcileResult result) {
            return new ReconcileResponse(result.at(), result.added(), result.fixed(), result.removed(),
                    result.failed(), result.unchanged(), result.took().toMillis(), result.held(),
                    result.repaired());
        }
    }

    /** prune: the operator confirms removing what the journal lacks although it does not match the maps. */
    @PostMapping(path = "/api/v1/datapath/reconcile", produces = MediaType.APPLICATION_JSON_VALUE)
    ReconcileResponse reconcile(@RequestParam(name = "prune", defaultValue = "false") boolean prune) {
        return ReconcileResponse.of(reconciles.reconcile(prune));
    }
}
