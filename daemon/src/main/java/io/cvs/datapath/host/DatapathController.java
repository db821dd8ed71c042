package io.cvs.datapath.host;

import io.cvs.datapath.Datapath;
import io.cvs.datapath.DatapathStatus;
import io.cvs.datapath.Usage;
import io.cvs.ownership.MapOwnership;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/** The datapath's state over HTTP (viewer or admin token). */
@RestController
@RequestMapping(path = "/api/v1/datapath", produces = MediaType.APPLICATION_JSON_VALUE)
class DatapathController {

    private final Datapath datapath;
    /** Absent where no write pipeline runs (a web slice test): then there is no mismatch to tell. */
    private final ObjectProvider<MapOwnership> ownership;

    DatapathController(Datapath datapath, ObjectProvider<MapOwnership> ownership) {
        this.datapath = datapath;
        this.ownership = ownership;
    }

    /**
     * Its capacity's use is what the maps hold now (the drift check's read), not the ids the daemon last gave out:
     * a service entry deleted behind its back is not counted until a reconcile writes it again.
     */
    @GetMapping
    DatapathResponse status() {
        DatapathStatus status = datapath.status();
        Usage held = datapath.drift().map(drift -> drift.heldUsage(status.usage().max())).orElse(status.usage());
        MapOwnership owner = ownership.getIfAvailable();
        return DatapathResponse.of(status, held, datapath.flowSupport())
                .withJournalMismatch(owner == null ? null : owner.mismatch().orElse(null));
    }
}
